"""What a working pack can report at all, and how fast its counters can move.

One table of bounds per status field. A value outside its bounds comes from a glitching
unit or link, not from a battery: the decoder reports it as None rather than a number.
Where the unit's own settings are known (rated capacity, cell count) readings are also
held against them (`UnitLimits`), and `ReadingGuard` holds each reading's counters against
the readings before it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
import logging
import time
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Final, NamedTuple

if TYPE_CHECKING:
    from .models import DalySettings, DalyStatus

_LOGGER = logging.getLogger(__name__)


class Bound(NamedTuple):
    """The closed range a field's value must fall in."""

    low: float
    high: float

    def allows(self, value: float) -> bool:
        """Return True if `value` lies within the range."""
        return self.low <= value <= self.high


# 1-48 cells of LTO, LiFePO4 or Li-ion, up to a few hundred amps and a few thousand Ah.
# Per-cell and per-probe bounds apply to each element of cell_voltages and temperatures.
# A cell at 0 mV or a probe at raw 0 is a lead that reads nothing, never a measurement.
BOUNDS: Final[Mapping[str, Bound]] = MappingProxyType(
    {
        "cell_count": Bound(1, 48),
        "cell_voltage": Bound(0.001, 5.0),
        "cell_voltage_min": Bound(0.001, 5.0),
        "cell_voltage_max": Bound(0.001, 5.0),
        "cell_voltage_avg": Bound(0.001, 5.0),
        "cell_voltage_delta": Bound(0.0, 5.0),
        "temperature": Bound(-39.0, 150.0),
        "mos_temperature": Bound(-40.0, 150.0),
        "board_temperature": Bound(-40.0, 150.0),
        "voltage": Bound(1.0, 250.0),
        "current": Bound(-2000.0, 2000.0),
        "soc": Bound(0.0, 100.0),
        "remaining_capacity": Bound(0.0, 5000.0),
        # 0xFFFF is what an unset counter reads: never a count.
        "cycles": Bound(0, 0xFFFE),
        "balance_current": Bound(-20.0, 20.0),
        # Derived from the fields above, so within these by construction.
        "power": Bound(-500_000.0, 500_000.0),
        "stored_energy": Bound(0.0, 1_250_000.0),
    }
)

# A coulomb counter may run a little past the rated capacity after a full charge; twice
# the rated capacity (or 0xFFFF, 6553.5 Ah) is a glitch.
REMAINING_OVER_RATED: Final = 1.2
# A rated capacity a pack can have. Settings outside it are not used to judge readings (a
# unit left unconfigured), and it is the range a user may set (0 and 6553.5 Ah are not
# capacities: an unset register).
RATED_CAPACITY: Final = Bound(1.0, 5000.0)

# What a unit's settings can be. A value outside comes from a register left unset (0,
# 0xFFFF, all ones) or a garbled reply, never from a unit set up for a pack; the writable
# rows of the settings table (settings.py) take their ranges from here, so a value that
# may be set and a value that is believed when read back are the same. The sleep time has
# no bound: every value of its register is a time the unit can hold.
SETTING_BOUNDS: Final[Mapping[str, Bound]] = MappingProxyType(
    {
        "rated_capacity": RATED_CAPACITY,
        "soc_setting": BOUNDS["soc"],
        "cell_reference_voltage": BOUNDS["cell_voltage"],
        "cell_overvoltage_warning": BOUNDS["cell_voltage"],
        "cell_overvoltage_alarm": BOUNDS["cell_voltage"],
        "cell_undervoltage_warning": BOUNDS["cell_voltage"],
        "cell_undervoltage_alarm": BOUNDS["cell_voltage"],
        "balancing_start_voltage": BOUNDS["cell_voltage"],
        "cell_delta_warning": BOUNDS["cell_voltage_delta"],
        "cell_delta_alarm": BOUNDS["cell_voltage_delta"],
        "balancing_start_delta": BOUNDS["cell_voltage_delta"],
        "pack_overvoltage_warning": BOUNDS["voltage"],
        "pack_overvoltage_alarm": BOUNDS["voltage"],
        "pack_undervoltage_warning": BOUNDS["voltage"],
        "pack_undervoltage_alarm": BOUNDS["voltage"],
        # Current limits are read as their magnitude.
        "charge_overcurrent_warning": BOUNDS["current"],
        "charge_overcurrent_alarm": BOUNDS["current"],
        "discharge_overcurrent_warning": BOUNDS["current"],
        "discharge_overcurrent_alarm": BOUNDS["current"],
        "charge_overtemperature_warning": BOUNDS["mos_temperature"],
        "charge_overtemperature_alarm": BOUNDS["mos_temperature"],
        "charge_undertemperature_warning": BOUNDS["mos_temperature"],
        "charge_undertemperature_alarm": BOUNDS["mos_temperature"],
        "discharge_overtemperature_warning": BOUNDS["mos_temperature"],
        "discharge_overtemperature_alarm": BOUNDS["mos_temperature"],
        "discharge_undertemperature_warning": BOUNDS["mos_temperature"],
        "discharge_undertemperature_alarm": BOUNDS["mos_temperature"],
        "mos_overtemperature": BOUNDS["mos_temperature"],
    }
)


def plausible_settings(values: dict[str, Any]) -> dict[str, Any]:
    """Set every value of `values` outside its SETTING_BOUNDS to None; return `values`."""
    for field, bound in SETTING_BOUNDS.items():
        value = values.get(field)
        if value is not None and not bound.allows(value):
            _LOGGER.debug("dropping implausible setting %s %s", field, value)
            values[field] = None
    return values


# Counters that only ever grow, and the most they can grow per second: a full cycle
# takes at least half an hour (2 C charge and discharge, far beyond a daily use).
COUNTER_RATES: Final[Mapping[str, float]] = MappingProxyType({"cycles": 1 / 1800})
# A counter that went backwards or jumped is believed once it reads consistently this
# many times in a row (a BMS that was reset); a glitch does not repeat like that.
COUNTER_CONFIRMATIONS: Final = 10


@dataclass(frozen=True, slots=True)
class UnitLimits:
    """What the unit's own settings say a reading can be; None where unknown."""

    rated_capacity: float | None = None
    cell_count: int | None = None

    @classmethod
    def from_settings(cls, settings: DalySettings | None) -> UnitLimits:
        """Return the limits the settings give, leaving out implausible settings."""
        if settings is None:
            return NO_LIMITS
        rated = settings.rated_capacity
        cells = settings.cell_count
        return cls(
            rated_capacity=rated if rated is not None and RATED_CAPACITY.allows(rated) else None,
            cell_count=cells if cells is not None and BOUNDS["cell_count"].allows(cells) else None,
        )

    def max_remaining_capacity(self) -> float:
        """Return the largest remaining capacity in Ah a reading may show."""
        high = BOUNDS["remaining_capacity"].high
        if self.rated_capacity is None:
            return high
        return min(high, self.rated_capacity * REMAINING_OVER_RATED)


NO_LIMITS: Final = UnitLimits()


@dataclass(slots=True)
class _Counter:
    value: int
    at: float
    # A value that disagrees with `value`, and how often in a row it was read.
    candidate: int | None = None
    candidate_at: float = 0.0
    seen: int = 0


class ReadingGuard:
    """Holds each new reading's counters against the one before (one guard per unit).

    A counter that goes backwards, or grows faster than a battery can cycle, is unknown in
    that reading; the previous value stays the reference. A new value that keeps being read
    consistently becomes the reference after `confirmations` readings (a reset BMS).
    """

    def __init__(
        self,
        *,
        clock: Callable[[], float] = time.monotonic,
        confirmations: int = COUNTER_CONFIRMATIONS,
    ) -> None:
        """Create a guard that has seen nothing yet; `clock` returns seconds."""
        self._clock = clock
        self._confirmations = confirmations
        self._counters: dict[str, _Counter] = {}

    def check(self, status: DalyStatus) -> DalyStatus:
        """Return `status`, with counters that cannot follow the last reading as None."""
        now = self._clock()
        dropped: dict[str, Any] = {}
        for field, rate in COUNTER_RATES.items():
            value = getattr(status, field)
            if value is not None and not self._believe(field, value, rate, now):
                dropped[field] = None
        return replace(status, **dropped) if dropped else status

    def _believe(self, field: str, value: int, rate: float, now: float) -> bool:
        counter = self._counters.get(field)
        if counter is None or _can_follow(counter.value, counter.at, value, rate, now):
            self._counters[field] = _Counter(value, now)
            return True
        if counter.candidate is not None and _can_follow(
            counter.candidate, counter.candidate_at, value, rate, now
        ):
            counter.seen += 1
        else:
            counter.seen = 1
        counter.candidate, counter.candidate_at = value, now
        if counter.seen >= self._confirmations:
            _LOGGER.debug("%s went from %s to %s and stayed there", field, counter.value, value)
            self._counters[field] = _Counter(value, now)
            return True
        _LOGGER.debug("dropping %s %s after %s", field, value, counter.value)
        return False


def _can_follow(before: int, at: float, value: int, rate: float, now: float) -> bool:
    # One step is always allowed: a cycle may complete between any two readings.
    return 0 <= value - before <= 1 + max(now - at, 0.0) * rate
