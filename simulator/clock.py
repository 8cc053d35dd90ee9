"""Injectable time: a hand-cranked clock for tests, a scaled wall clock for the demo."""

from __future__ import annotations

from collections.abc import Callable
import time
from typing import Protocol


class Clock(Protocol):
    """Simulated seconds since the clock was made."""

    def now(self) -> float:
        """Current simulated time in seconds."""
        ...

    def advance(self, seconds: float) -> None:
        """Jump simulated time forward."""
        ...


class ManualClock:
    """A clock that only moves when told to, so tests are exact and instant."""

    def __init__(self, start: float = 0.0) -> None:
        self._now = float(start)

    def now(self) -> float:
        """Current simulated time in seconds."""
        return self._now

    def advance(self, seconds: float) -> None:
        """Move time forward by ``seconds`` (never backwards)."""
        if seconds < 0:
            raise ValueError("time only moves forward")
        self._now += seconds


class RealtimeClock:
    """Wall-clock time multiplied by ``speed``: a demo day can pass in minutes.

    ``advance`` adds a fixed offset, so one shared clock can still be skipped ahead
    (for example to show the evening discharge right away).
    """

    def __init__(
        self, speed: float = 1.0, *, monotonic: Callable[[], float] = time.monotonic
    ) -> None:
        if speed <= 0:
            raise ValueError("speed must be positive")
        self.speed = float(speed)
        self._monotonic = monotonic
        self._origin = monotonic()
        self._offset = 0.0

    def now(self) -> float:
        """Current simulated time in seconds."""
        return (self._monotonic() - self._origin) * self.speed + self._offset

    def advance(self, seconds: float) -> None:
        """Skip simulated time forward by ``seconds``."""
        if seconds < 0:
            raise ValueError("time only moves forward")
        self._offset += seconds
