"""What the charger and the loads ask of the battery over time (A, + = charging)."""

from __future__ import annotations

from collections.abc import Sequence
import math
from typing import Protocol

from .charger import ChargeController, Pack

DAY_S = 86_400.0


class Profile(Protocol):
    """The current the outside world asks for at simulated time ``t``.

    It is a demand: the BMS may refuse it (an open MOS lets no current through). ``pack``
    is the battery as a charger wired to it sees it; profiles without a charger ignore it.
    """

    def current_at(self, t: float, pack: Pack | None = None) -> float:
        """Demanded current in A at ``t`` simulated seconds, positive = charging."""
        ...


class ConstantProfile:
    """The same current all the time (0 A = nothing connected)."""

    def __init__(self, current_a: float = 0.0) -> None:
        self.current_a = float(current_a)

    def current_at(self, t: float, pack: Pack | None = None) -> float:
        """Demanded current in A."""
        return self.current_a


class ScheduleProfile:
    """Step changes: ``[(start_s, current_a), ...]``; before the first step 0 A."""

    def __init__(self, steps: Sequence[tuple[float, float]]) -> None:
        self.steps = sorted((float(s), float(a)) for s, a in steps)

    def current_at(self, t: float, pack: Pack | None = None) -> float:
        """Demanded current in A."""
        current = 0.0
        for start, amps in self.steps:
            if start > t:
                break
            current = amps
        return current


class SolarDayProfile:
    """An off-grid house: solar panels by day, loads in the evening and at night.

    Solar output is a half sine between ``sunrise_h`` and ``sunset_h`` peaking at
    midday; the house draws a small base load by day, more in the evening, less at
    night. The battery sees the difference, so net charging starts in mid-morning,
    peaks around noon and turns to discharge in the afternoon. The time of day is
    ``start_hour`` plus the clock's seconds.

    The panels charge through ``charger`` (by default a three-stage controller set for
    the pack's chemistry), so a full pack is held at its absorption and then float voltage
    instead of being pushed into the BMS's over-voltage protection. Asked without a pack,
    the profile gives the plain difference of sun and loads. A charger keeps state: give
    each unit a profile of its own.
    """

    def __init__(
        self,
        *,
        start_hour: float = 6.0,
        peak_solar_a: float = 15.0,
        day_load_a: float = 2.0,
        evening_load_a: float = 10.0,
        night_load_a: float = 3.0,
        sunrise_h: float = 6.0,
        sunset_h: float = 18.0,
        evening_end_h: float = 23.0,
        charger: ChargeController | None = None,
    ) -> None:
        self.start_hour = start_hour
        self.peak_solar_a = peak_solar_a
        self.day_load_a = day_load_a
        self.evening_load_a = evening_load_a
        self.night_load_a = night_load_a
        self.sunrise_h = sunrise_h
        self.sunset_h = sunset_h
        self.evening_end_h = evening_end_h
        self.charger = charger if charger is not None else ChargeController()

    @classmethod
    def for_capacity(cls, capacity_ah: float, *, start_hour: float = 6.0) -> SolarDayProfile:
        """Defaults scaled to a pack of ``capacity_ah`` (defaults suit 100 Ah)."""
        k = capacity_ah / 100.0
        return cls(
            start_hour=start_hour,
            peak_solar_a=15.0 * k,
            day_load_a=2.0 * k,
            evening_load_a=10.0 * k,
            night_load_a=3.0 * k,
        )

    def hour_of_day(self, t: float) -> float:
        """Hour of day (0-24) at ``t`` simulated seconds."""
        return ((self.start_hour * 3600.0 + t) % DAY_S) / 3600.0

    def solar_a(self, hour: float) -> float:
        """Solar charge current at ``hour``."""
        if not self.sunrise_h < hour < self.sunset_h:
            return 0.0
        phase = (hour - self.sunrise_h) / (self.sunset_h - self.sunrise_h)
        return self.peak_solar_a * math.sin(math.pi * phase)

    def load_a(self, hour: float) -> float:
        """House load at ``hour`` (a magnitude)."""
        if self.sunrise_h <= hour < self.sunset_h:
            return self.day_load_a
        if self.sunset_h <= hour < self.evening_end_h:
            return self.evening_load_a
        return self.night_load_a

    def current_at(self, t: float, pack: Pack | None = None) -> float:
        """Demanded current in A: solar minus load, as the charger lets it reach ``pack``."""
        hour = self.hour_of_day(t)
        solar, load = self.solar_a(hour), self.load_a(hour)
        if pack is None:
            return solar - load
        return self.charger.battery_current(t, solar, load, pack)
