"""Errors raised by the Daly protocol package."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .models import DalyStatus


class DalyError(Exception):
    """Base class of every error the protocol package raises."""


class DalyConnectionError(DalyError):
    """The Bluetooth link failed or lacks the Daly characteristics."""


class DalyTimeoutError(DalyError):
    """No valid answer arrived in time, retries included."""


class DalyFrameError(DalyError):
    """A frame has the wrong shape or a bad CRC."""


class DalyNotSupportedError(DalyError):
    """The unit speaks neither dialect, or the dialect lacks the operation."""


class DalyCommandError(DalyError):
    """The unit acknowledged a write but its status shows it was not followed."""

    def __init__(self, message: str, *, status: DalyStatus) -> None:
        """Keep the status read back after the write."""
        super().__init__(message)
        self.status = status
