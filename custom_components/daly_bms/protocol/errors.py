"""Errors raised by the Daly protocol package.

Each says one thing a caller may act on differently: the link failed, the unit did not
answer, a frame was garbled, the dialect lacks an operation, the device speaks no Daly
dialect, the unit did not follow a command, or a setting was asked for a value it cannot
take. An error raised by a write carries what was read back after it (``status``, or for
a setting ``settings``) when it could be read, so the caller can show what the unit
really does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .models import DalySettings, DalyStatus
    from .settings import Setting


class DalyError(Exception):
    """Base class of every error the protocol package raises."""

    def __init__(self, *args: object, status: DalyStatus | None = None) -> None:
        """Keep ``status``, the unit's status read back after a failed write, if any."""
        super().__init__(*args)
        self.status = status


class DalyConnectionError(DalyError):
    """The Bluetooth link failed or lacks the Daly characteristics."""


class DalyTimeoutError(DalyError):
    """No answer arrived in time, retries included (a sleeping unit, a lost reply)."""


class DalyFrameError(DalyError):
    """A frame has the wrong shape or a bad CRC."""


class DalyNotSupportedError(DalyError):
    """The unit's dialect lacks the operation, or cannot confirm it; nothing was sent."""


class DalyNotRecognizedError(DalyNotSupportedError):
    """The device answers no Daly dialect: not a Daly unit, or one that is asleep."""


class DalyCommandError(DalyError):
    """The unit acknowledged a write, but fresh readings agree it did not follow it."""

    status: DalyStatus

    def __init__(self, message: str, *, status: DalyStatus) -> None:
        """Keep the status read back after the write."""
        super().__init__(message, status=status)


class DalySettingRangeError(DalyError, ValueError):
    """A setting was asked for a value outside its range; nothing was sent."""

    def __init__(self, setting: Setting, value: float) -> None:
        """Name the setting, the value and the range."""
        unit = f" {setting.unit}" if setting.unit else ""
        super().__init__(
            f"{setting.key} {value:g}{unit} is outside "
            f"{setting.minimum:g}-{setting.maximum:g}{unit}"
        )
        self.key = setting.key
        self.value = value
        self.minimum = setting.minimum
        self.maximum = setting.maximum


class DalySettingNotFollowedError(DalyError):
    """The unit was sent a setting, and the settings read back do not show it.

    ``acknowledged``: the unit echoed the write (it heard it and kept its old value);
    otherwise the echo was lost as well. ``actual`` is the value the unit reports now.
    """

    def __init__(
        self,
        setting: Setting,
        requested: float,
        settings: DalySettings,
        *,
        acknowledged: bool,
    ) -> None:
        """Keep the settings read back after the write."""
        actual = getattr(settings, setting.key)
        super().__init__(f"{setting.key} is {actual} after setting it to {requested:g}")
        self.key = setting.key
        self.requested = requested
        self.actual: float | bool | None = actual
        self.settings = settings
        self.acknowledged = acknowledged
