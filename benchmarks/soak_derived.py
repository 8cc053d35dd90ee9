"""Judging the values made from many readings: energy counters and runtime estimates.

No single reading explains them, so they are held against what the readings around them
allow. An energy counter never goes backwards and never counts more than went through the
pack's terminals since the first reading (the simulator counts that exactly), beyond what a
straight line between two readings can overshoot. A runtime estimate is a finite number of
seconds, shown only in the direction some recent reading went, and within what the recent
readings' remaining capacities and currents (each one wire step off) allow.
"""

from __future__ import annotations

from collections.abc import Iterable
import math
from typing import Final

from homeassistant.components.sensor.const import UNIT_CONVERTERS
from homeassistant.const import STATE_UNAVAILABLE, STATE_UNKNOWN
from homeassistant.core import State

from benchmarks.soak_truth import DA, DAH, SettingsTruth, StatusTruth

ENERGY: Final = {"energy_charged": "charged_wh", "energy_discharged": "discharged_wh"}
RUNTIME: Final = ("time_to_empty", "time_to_full")
# A trapezoid between two readings overshoots when the current steps (a MOS switched, the
# charger cut in): at most half an interval at full power per step. Allowed on top of the
# terminals' energy: this share of it, and this many Wh.
ENERGY_SLACK: Final = 0.05
ENERGY_SLACK_WH: Final = 50.0
# Readings a runtime estimate may be made from (its window is five; late and resent
# replies make the ones that reached the client a few more).
RECENT: Final = 20
# The estimator's idle threshold: no estimate below this current.
IDLE_A: Final = 0.15


def _number(state: State, unit: str) -> float | None:
    """Return the state as a number in `unit`; None when unknown or unavailable."""
    if state.state in (STATE_UNAVAILABLE, STATE_UNKNOWN):
        return None
    try:
        value = float(state.state)
    except ValueError:
        return math.nan
    shown_unit = state.attributes.get("unit_of_measurement")
    converter = UNIT_CONVERTERS.get(state.attributes.get("device_class"))
    if shown_unit != unit and converter is not None:
        value = converter.converter_factory(shown_unit, unit)(value)
    return value


class DerivedChecks:
    """Energy counters and runtime estimates of one unit, held against the readings."""

    def __init__(self) -> None:
        """Watch nothing yet."""
        self.entities: dict[str, str] = {}
        self._first: StatusTruth | None = None
        self._latest: StatusTruth | None = None
        # The latest readings by the time the unit gave them (a resent one counts once).
        self._recent: dict[float, StatusTruth] = {}
        self._counted: dict[str, float] = {}

    def track(self, entity_id: str, key: str) -> bool:
        """Take the entity `key` if it is made from many readings; True when taken."""
        if key in ENERGY or key in RUNTIME:
            self.entities[entity_id] = key
            return True
        return False

    def arrived(self, readings: Iterable[StatusTruth]) -> None:
        """Note readings whose answers reached the client (again, for a resent one)."""
        for reading in readings:
            if self._first is None or reading.at < self._first.at:
                self._first = reading
            if self._latest is None or reading.at > self._latest.at:
                self._latest = reading
            self._recent[reading.at] = reading
        for at in sorted(self._recent)[:-RECENT]:
            del self._recent[at]

    def judge(
        self, states: dict[str, State], settings: SettingsTruth | None
    ) -> list[tuple[str, str]]:
        """Return each entity whose value the readings rule out, with what they allow."""
        found: list[tuple[str, str]] = []
        for entity_id, key in self.entities.items():
            state = states[entity_id]
            if key in ENERGY:
                problem = self._energy(entity_id, ENERGY[key], _number(state, "Wh"))
            else:
                rated = None if settings is None else settings.limits.rated_capacity_ah
                problem = self._runtime(key, _number(state, "s"), rated)
            if problem is not None:
                found.append((entity_id, problem))
        return found

    def energy_counted(self) -> dict[str, tuple[float, float]]:
        """Return, per energy entity, the Wh it counted last and what went through since."""
        counted: dict[str, tuple[float, float]] = {}
        for entity_id, key in self.entities.items():
            if key in ENERGY and self._first is not None and self._latest is not None:
                field = ENERGY[key]
                through = getattr(self._latest, field) - getattr(self._first, field)
                counted[key] = (self._counted.get(entity_id, 0.0), through)
        return counted

    def _energy(self, entity_id: str, field: str, wh: float | None) -> str | None:
        if wh is None:
            return None
        last = self._counted.get(entity_id, 0.0)
        if not math.isfinite(wh) or wh < 0:
            return "a finite count of Wh"
        self._counted[entity_id] = max(last, wh)
        if wh < last - 1e-6:
            return f"no less than the {last:.3f} Wh counted before"
        if self._first is None or self._latest is None:
            return "nothing counted before a reading"
        through = getattr(self._latest, field) - getattr(self._first, field)
        limit = through * (1 + ENERGY_SLACK) + ENERGY_SLACK_WH
        if wh > limit:
            return f"at most {limit:.1f} Wh ({through:.1f} Wh went through the terminals)"
        return None

    def _runtime(self, key: str, seconds: float | None, rated: float | None) -> str | None:
        if seconds is None:
            return None
        discharging = key == "time_to_empty"
        readings = [r for r in self._recent.values() if (r.current < 0) == discharging]
        if not math.isfinite(seconds) or seconds < 0 or not readings:
            return f"no estimate: no recent reading {'dis' if discharging else ''}charged"
        remaining = [r.remaining_ah for r in self._recent.values()]
        fastest = max(abs(r.current) for r in readings) + DA
        if discharging:
            low = (min(remaining) - DAH) / fastest
            high = (max(remaining) + DAH) / IDLE_A
        else:
            if rated is None:
                return "no estimate without the rated capacity"
            low = max(0.0, rated - max(remaining) - DAH) / fastest
            high = (rated - min(remaining) + DAH) / IDLE_A
        low, high = low * 3600 - 1, high * 3600 + 1
        if not low <= seconds <= high:
            return f"between {low:.0f} s and {high:.0f} s"
        return None
