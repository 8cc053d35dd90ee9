"""Errors raised by the Daly protocol package.

Each says one thing a caller may act on differently: the link failed, the unit did not
answer, a frame was garbled, the dialect lacks an operation, the device speaks no Daly
dialect, or the unit did not follow a command. An error raised by a write carries the
status read back after it (``status``) when one could be read, so the caller can show
what the unit really does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .models import DalyStatus


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
