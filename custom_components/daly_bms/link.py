"""The Bluetooth link to a unit: opening it, holding it, naming what went wrong."""

from __future__ import annotations

from collections.abc import Callable
import logging

from bleak import BleakClient
from bleak.exc import BleakError
import bleak_retry_connector
from homeassistant.components import bluetooth
from homeassistant.core import HomeAssistant

from .const import CONNECT_ATTEMPTS
from .protocol import (
    DalyClient,
    DalyConnectionError,
    DalyError,
    DalyFrameError,
    DalyNotSupportedError,
    DalyTimeoutError,
    Dialect,
    UnitMemory,
)

_LOGGER = logging.getLogger(__package__)

# Translation keys (exceptions section) for the ways a link can fail.
NO_CONNECTION_SLOT = "no_connection_slot"
NOT_HEARD = "not_heard"
CANNOT_CONNECT = "cannot_connect"
NOT_ANSWERING = "not_answering"
TIMEOUT = "timeout"
CONNECTION_LOST = "connection_lost"

# Seconds to wait for an answer, and resends after silence, per request. A proxy adds
# tens of milliseconds; a unit that stays silent this long is asleep or gone.
REQUEST_TIMEOUT = 3.0
REQUEST_RETRIES = 2

# Everything a link or a request can raise that means "the unit is not usable right now".
# Besides bleak's own errors, BlueZ's D-Bus and the proxies' API raise EOFError or an
# OSError (TimeoutError among them) when the peer or the bus goes away mid-call; left
# uncaught, each poll would log a traceback instead of marking the unit unavailable.
LINK_ERRORS: tuple[type[Exception], ...] = (DalyError, BleakError, OSError, EOFError)
# What a link that silently died since it was last used raises on its next request.
STALE_LINK_ERRORS: tuple[type[Exception], ...] = (DalyConnectionError, BleakError)


# No adapter or proxy in reach, or none with a free connection slot.
NO_PATH_ERRORS: tuple[type[Exception], ...] = (
    bleak_retry_connector.BleakNotFoundError,
    bleak_retry_connector.BleakOutOfConnectionSlotsError,
)


class UnitNotInRangeError(bleak_retry_connector.BleakNotFoundError):
    """No adapter or proxy currently hears the unit."""


class LinkShutDownError(DalyConnectionError):
    """The entry is unloading or Home Assistant is stopping: the unit is not reconnected."""


async def async_open_link(
    hass: HomeAssistant,
    address: str,
    name: str,
    *,
    disconnected_callback: Callable[[BleakClient], None] | None = None,
    max_attempts: int,
) -> BleakClient:
    """Connect to the unit through whichever adapter or proxy can reach it."""
    ble_device = bluetooth.async_ble_device_from_address(hass, address, connectable=True)
    if ble_device is None:
        raise UnitNotInRangeError(f"{address} is not heard by any adapter or proxy")

    # Both names are looked up now, not at import: Home Assistant's Bluetooth integration
    # replaces them with proxy-aware versions when it starts, and a reference taken
    # earlier would only ever talk to local adapters.
    client: BleakClient = await bleak_retry_connector.establish_connection(
        bleak_retry_connector.BleakClientWithServiceCache,
        ble_device,
        name,
        disconnected_callback=disconnected_callback,
        max_attempts=max_attempts,
    )
    return client


async def async_disconnect(bleak_client: BleakClient, name: str) -> None:
    """Disconnect, whatever the backend raises: the link is given up on either way."""
    try:
        await bleak_client.disconnect()
    except LINK_ERRORS as err:
        _LOGGER.debug("%s: disconnect failed: %s", name, describe(err))


def new_client(bleak_client: BleakClient, memory: UnitMemory | None = None) -> DalyClient:
    """Wrap a connected link in a protocol client with the integration's timing."""
    return DalyClient(bleak_client, timeout=REQUEST_TIMEOUT, retries=REQUEST_RETRIES, memory=memory)


class UnitLink:
    """One unit's connection and the protocol client on it, opened on demand."""

    def __init__(self, hass: HomeAssistant, address: str, name: str) -> None:
        """Describe the link; nothing is opened yet."""
        self._hass = hass
        self._address = address
        self._name = name
        self._bleak: BleakClient | None = None
        self._client: DalyClient | None = None
        self.dialect: Dialect | None = None
        # What the protocol learned about the unit; every connection's client shares it.
        self._memory = UnitMemory()
        self._shut_down = False

    @property
    def up(self) -> bool:
        """Return True while a started client sits on a connected link."""
        return self._client is not None and self._bleak is not None and self._bleak.is_connected

    @property
    def opened(self) -> bool:
        """Return True once a connection was made and not yet let go of."""
        return self._bleak is not None

    @property
    def shut_down(self) -> bool:
        """Return True once the link was closed for good."""
        return self._shut_down

    async def async_client(self) -> DalyClient:
        """Return the started client, connecting and detecting the dialect if needed."""
        if self._client is not None and self.up:
            return self._client
        await self.async_close()
        self._raise_if_shut_down()
        bleak_client = await async_open_link(
            self._hass,
            self._address,
            self._name,
            disconnected_callback=self._on_disconnect,
            max_attempts=CONNECT_ATTEMPTS,
        )
        if self._shut_down:
            # Shut down while connecting: a link kept now would hold the unit (and a proxy
            # slot) with nothing left to ever let go of it.
            await async_disconnect(bleak_client, self._name)
            self._raise_if_shut_down()
        self._bleak = bleak_client
        client = new_client(bleak_client, self._memory)
        # The memory makes the client ask in the dialect the last connection found first.
        self.dialect = await client.start()
        self._client = client
        return client

    async def async_close(self) -> None:
        """Stop notifications and disconnect; safe to call when already down."""
        client, bleak_client = self._client, self._bleak
        self._client = self._bleak = None
        if client is not None:
            await client.stop()
        if bleak_client is not None:
            await async_disconnect(bleak_client, self._name)

    async def async_shutdown(self) -> None:
        """Disconnect and refuse to connect again (unload, Home Assistant stopping).

        A request still in flight (a poll, a switch action) then fails instead of
        reconnecting behind the back of an entry that is gone.
        """
        self._shut_down = True
        await self.async_close()

    def _raise_if_shut_down(self) -> None:
        if self._shut_down:
            raise LinkShutDownError(f"{self._name}: the integration let go of the unit")

    def _on_disconnect(self, bleak_client: BleakClient) -> None:
        if bleak_client is not self._bleak:
            # A link we let go of ourselves.
            return
        _LOGGER.debug("%s: the unit dropped the connection", self._name)
        client = self._client
        # The next poll reconnects; reconnecting at once could steal the unit back from
        # a phone app that is waiting for it.
        self._client = self._bleak = None
        if client is not None:
            # Fails a request in flight now instead of after its timeout.
            self._hass.async_create_background_task(
                client.stop(), f"daly_bms {self._address} link lost", eager_start=True
            )


def failure_key(err: BaseException, *, connected: bool) -> str:
    """Return the translation key that explains `err`; `connected`: the link was up."""
    if isinstance(err, UnitNotInRangeError):
        return NOT_HEARD
    if isinstance(err, NO_PATH_ERRORS):
        return NO_CONNECTION_SLOT
    if isinstance(err, DalyNotSupportedError):
        return NOT_ANSWERING
    if isinstance(err, (DalyTimeoutError, DalyFrameError, TimeoutError)):
        return TIMEOUT
    if connected or isinstance(err, DalyConnectionError):
        return CONNECTION_LOST
    return CANNOT_CONNECT


def describe(err: BaseException) -> str:
    """Return a short technical description of `err` for a message placeholder."""
    return str(err) or type(err).__name__
