"""What can go wrong with a unit, the translation key that explains each, and the one factory
that turns a key into an error a user can read."""

from __future__ import annotations

from typing import Final

from bleak.exc import BleakError
import bleak_retry_connector
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import issue_registry as ir

from .const import DOMAIN
from .protocol import (
    DalyConnectionError,
    DalyError,
    DalyFrameError,
    DalyNotRecognizedError,
    DalyNotSupportedError,
    DalyTimeoutError,
)

# Translation keys of the "exceptions" section of strings.json: every translated error the
# integration raises names one of these. The config flow's form errors reuse two of them.
NO_CONNECTION_SLOT: Final = "no_connection_slot"
NOT_HEARD: Final = "not_heard"
CANNOT_CONNECT: Final = "cannot_connect"
NOT_ANSWERING: Final = "not_answering"
TIMEOUT: Final = "timeout"
CONNECTION_LOST: Final = "connection_lost"
MOS_NOT_FOLLOWED: Final = "mos_not_followed"
MOS_NOT_CONFIRMED: Final = "mos_not_confirmed"
MOS_NOT_SUPPORTED: Final = "mos_not_supported"
STARTUP_TIMEOUT: Final = "startup_timeout"
SETTING_NOT_FOLLOWED: Final = "setting_not_followed"
SETTING_OUT_OF_RANGE: Final = "setting_out_of_range"
SETTING_NOT_SUPPORTED: Final = "setting_not_supported"
SWITCH_NOT_FOLLOWED: Final = "switch_not_followed"

# Everything a link or a request can raise that means "the unit is not usable right now".
# Besides bleak's own errors, BlueZ's D-Bus and the proxies' API raise EOFError or an
# OSError (TimeoutError among them) when the peer or the bus goes away mid-call; left
# uncaught, each poll would log a traceback instead of marking the unit unavailable.
LINK_ERRORS: Final[tuple[type[Exception], ...]] = (DalyError, BleakError, OSError, EOFError)
# What a link that silently died since it was last used raises on its next request.
STALE_LINK_ERRORS: Final[tuple[type[Exception], ...]] = (DalyConnectionError, BleakError)
# Failures that leave a healthy link: a sleeping unit or a lost notification (timeout), a
# garbled or impossible reading (bad frame). After anything else the link is let go of.
LINK_KEPT_ERRORS: Final[tuple[type[Exception], ...]] = (DalyTimeoutError, DalyFrameError)
# No adapter or proxy in reach, or none with a free connection slot.
NO_PATH_ERRORS: Final[tuple[type[Exception], ...]] = (
    bleak_retry_connector.BleakNotFoundError,
    bleak_retry_connector.BleakOutOfConnectionSlotsError,
)


class UnitNotInRangeError(bleak_retry_connector.BleakNotFoundError):
    """No adapter or proxy currently hears the unit."""


class NoFreeSlotError(bleak_retry_connector.BleakOutOfConnectionSlotsError):
    """Every adapter and proxy that hears the unit is full, and no slot is about to free."""


class LinkShutDownError(DalyConnectionError):
    """The entry is unloading or Home Assistant is stopping: the unit is not reconnected."""


class LinkFailure(Exception):
    """An operation on the unit failed; `key` is the translation key that explains why.

    `reached_unit` tells whether the operation had begun on a working link, so a request
    may have arrived; before that (not heard, no slot, refused, silent) nothing was sent.
    """

    def __init__(self, key: str, cause: BaseException, *, reached_unit: bool) -> None:
        """Name the failure; the caller raises it `from cause`."""
        super().__init__(describe(cause))
        self.key = key
        self.cause = cause
        self.reached_unit = reached_unit

    @property
    def unit_not_heard(self) -> bool:
        """Return True when no adapter or proxy heard the unit (out of range, or held)."""
        return isinstance(self.cause, bleak_retry_connector.BleakNotFoundError)


def failure_key(err: BaseException, *, connected: bool) -> str:
    """Return the translation key that explains `err`; `connected`: the link was up."""
    if isinstance(err, UnitNotInRangeError):
        return NOT_HEARD
    if isinstance(err, NO_PATH_ERRORS):
        return NO_CONNECTION_SLOT
    if isinstance(err, DalyNotRecognizedError):
        # Connected, but silent to every dialect: asleep (or not a Daly at all).
        return NOT_ANSWERING
    if isinstance(err, DalyNotSupportedError):
        # The dialect lacks a write (the setting writes say which setting themselves).
        return MOS_NOT_SUPPORTED
    if isinstance(err, (DalyTimeoutError, DalyFrameError, TimeoutError)):
        return TIMEOUT
    if connected or isinstance(err, DalyConnectionError):
        return CONNECTION_LOST
    return CANNOT_CONNECT


def describe(err: BaseException) -> str:
    """Return a short technical description of `err` for a message placeholder."""
    return str(err) or type(err).__name__


def unit_error[ErrorT: HomeAssistantError](
    kind: type[ErrorT],
    key: str,
    name: str,
    cause: BaseException | None = None,
    **details: str,
) -> ErrorT:
    """Return a `kind` error with the translated message `key` about the unit `name`.

    Every message names the unit; `cause` fills the technical detail where one is shown,
    `details` the message's other placeholders.
    """
    placeholders = {"name": name, **details}
    if cause is not None:
        placeholders["error"] = describe(cause)
    return kind(
        translation_domain=DOMAIN, translation_key=key, translation_placeholders=placeholders
    )


@callback
def async_warn(
    hass: HomeAssistant, issue_id: str, key: str, *, persistent: bool = False, **placeholders: str
) -> None:
    """Raise (or update) the repair issue `issue_id`: a warning the user reads, not fixes.

    `key` is its translation key; `placeholders` fill in its text. A `persistent` issue is
    kept across restarts of Home Assistant.
    """
    ir.async_create_issue(
        hass,
        DOMAIN,
        issue_id,
        is_fixable=False,
        is_persistent=persistent,
        severity=ir.IssueSeverity.WARNING,
        translation_key=key,
        translation_placeholders=placeholders,
    )
