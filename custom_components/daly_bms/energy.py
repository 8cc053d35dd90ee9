"""Energy counters and runtime estimates, derived from every reading as it arrives.

Pure logic: no Home Assistant here. The coordinator feeds :class:`EnergyTracker` with each
successful reading, changed or not, and publishes what it returns.

Energy comes from pack voltage x current, integrated by trapezoid over the time between two
readings. An interval longer than the gap bound (the unit slept, was out of reach, Home
Assistant was busy or restarting) is not integrated at all: nobody knows what flowed then,
so nothing is invented. The counters only ever grow.

Register 0x59 of p81 units is documented as an energy counter in Wh, but it read 0 on the
one real unit seen, and whether it counts charge, discharge or both is not known. It is
used only once it has shown that it behaves: it moves, never steps back (beyond its 16-bit
wrap) and agrees with V x I in one direction, and not with the throughput, over a stretch
with both charge and discharge. Until then, and as soon as it disagrees, V x I is used.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from enum import StrEnum
import math
from statistics import median
from typing import Final

from .protocol import DalySettings, DalyStatus

# A reading that comes this much later than two poll intervals still counts: one missed
# poll or a slow connection is routine, a unit that stopped answering is not.
GAP_SLACK_S: Final = 30.0
WH_PER_WS: Final = 1 / 3600

COUNTER_MODULUS: Final = 0x10000
# Each direction needs this much energy of its own before the counter is judged against it.
COUNTER_VETTING_WH: Final = 200.0
# Agreement allowed between the counter and V x I: relative, plus the counter's 1 Wh steps.
COUNTER_TOLERANCE: Final = 0.03
COUNTER_SLACK_WH: Final = 3.0

# Readings whose median smooths the current for the runtime estimates: one spike among
# them cannot move the median, three in a row (a real change) do.
RUNTIME_WINDOW: Final = 5
# Below this smoothed current the pack counts as idle: one step of the current register
# (0.1 A) and a little noise.
IDLE_CURRENT_A: Final = 0.15


def max_gap_s(poll_interval_s: float) -> float:
    """Longest time between two readings that is still integrated, for a poll interval."""
    return 2 * poll_interval_s + GAP_SLACK_S


class Direction(StrEnum):
    """Which way energy went through the pack's terminals."""

    CHARGED = "charged"
    DISCHARGED = "discharged"


@dataclass(frozen=True, slots=True)
class EnergyTotals:
    """Energy charged into and discharged from the pack, in Wh."""

    charged_wh: float = 0.0
    discharged_wh: float = 0.0

    def get(self, direction: Direction) -> float:
        """The total of ``direction``."""
        return self.charged_wh if direction is Direction.CHARGED else self.discharged_wh


def trapezoid_wh(power_start_w: float, power_end_w: float, seconds: float) -> EnergyTotals:
    """Energy of one interval with power changing linearly, split at the zero crossing."""
    if power_start_w >= 0 and power_end_w >= 0:
        return EnergyTotals((power_start_w + power_end_w) / 2 * seconds * WH_PER_WS, 0.0)
    if power_start_w <= 0 and power_end_w <= 0:
        return EnergyTotals(0.0, -(power_start_w + power_end_w) / 2 * seconds * WH_PER_WS)
    # The sign changed: the line crosses zero at `crossing`, two triangles either side.
    crossing = seconds * power_start_w / (power_start_w - power_end_w)
    first = power_start_w * crossing / 2 * WH_PER_WS
    second = power_end_w * (seconds - crossing) / 2 * WH_PER_WS
    if power_start_w > 0:
        return EnergyTotals(first, -second)
    return EnergyTotals(second, -first)


class EnergyMeter:
    """Charged and discharged energy of one unit; restorable, never going backwards."""

    def __init__(self, max_gap_s: float) -> None:
        """Integrate intervals of up to ``max_gap_s`` seconds."""
        self.max_gap_s = max_gap_s
        self._charged_wh = 0.0
        self._discharged_wh = 0.0
        self._last: tuple[float, float] | None = None
        self._restored: set[Direction] = set()

    @property
    def totals(self) -> EnergyTotals:
        """The counters as they stand."""
        return EnergyTotals(self._charged_wh, self._discharged_wh)

    def interval(self, timestamp: float, power_w: float | None) -> EnergyTotals | None:
        """Take a reading at ``timestamp`` (seconds); return its interval's energy, if any.

        None when there is nothing to integrate: the first reading, an unknown power (the
        last known reading stays the start of the next interval), time that did not move
        forward, or a gap longer than the bound. Nothing is counted until :meth:`count`.
        """
        if power_w is None or not math.isfinite(power_w):
            return None
        last, self._last = self._last, (timestamp, power_w)
        if last is None:
            return None
        seconds = timestamp - last[0]
        if not 0 < seconds <= self.max_gap_s:
            return None
        return trapezoid_wh(last[1], power_w, seconds)

    def count(self, energy: EnergyTotals) -> None:
        """Add an interval's energy; negative or non-finite parts are ignored."""
        if math.isfinite(energy.charged_wh) and energy.charged_wh > 0:
            self._charged_wh += energy.charged_wh
        if math.isfinite(energy.discharged_wh) and energy.discharged_wh > 0:
            self._discharged_wh += energy.discharged_wh

    def restore(self, direction: Direction, wh: float) -> None:
        """Continue from a total stored before a restart or reload, once per direction.

        Energy counted since the start is kept on top of it, so a late restore loses
        nothing; a second restore (an entity added again) would count twice and is ignored.
        """
        if direction in self._restored or not math.isfinite(wh) or wh < 0:
            return
        self._restored.add(direction)
        if direction is Direction.CHARGED:
            self._charged_wh += wh
        else:
            self._discharged_wh += wh


class BmsEnergyCounter:
    """Decides whether the unit's own energy counter (p81 register 0x59) can be trusted."""

    def __init__(self) -> None:
        """Start out distrusting: V x I is used until the counter proves itself."""
        self.follows: Direction | None = None
        self._last_raw: int | None = None
        self._counted = 0
        self._ours = EnergyTotals()

    def _start_over(self, raw: int | None) -> None:
        self._last_raw = raw
        self._counted = 0
        self._ours = EnergyTotals()

    def observe(self, raw: int | None, ours: EnergyTotals | None) -> EnergyTotals | None:
        """Take the counter of one reading; return the interval's energy to count.

        ``ours`` is the V x I energy of the interval (None when it was not integrated). The
        result is ``ours`` with the trusted direction, if any, replaced by the counter's step.
        """
        last, self._last_raw = self._last_raw, raw
        if raw is None or last is None or ours is None:
            # No counter, or a gap: compare again from here; what moved meanwhile is unknown.
            if raw is None:
                self.follows = None
            self._start_over(raw)
            return ours
        step = (raw - last) % COUNTER_MODULUS
        if step > 2 * (ours.charged_wh + ours.discharged_wh) + COUNTER_SLACK_WH:
            # Stepped back (a huge step modulo the wrap) or jumped: not an energy counter.
            self.follows = None
            self._start_over(raw)
            return ours
        self._counted += step
        self._ours = EnergyTotals(
            self._ours.charged_wh + ours.charged_wh,
            self._ours.discharged_wh + ours.discharged_wh,
        )
        if min(self._ours.charged_wh, self._ours.discharged_wh) >= COUNTER_VETTING_WH:
            self.follows = self._judge()
            self._start_over(raw)
        if self.follows is Direction.CHARGED:
            return EnergyTotals(float(step), ours.discharged_wh)
        if self.follows is Direction.DISCHARGED:
            return EnergyTotals(ours.charged_wh, float(step))
        return ours

    def _judge(self) -> Direction | None:
        ours = self._ours
        throughput = ours.charged_wh + ours.discharged_wh
        if _agrees(self._counted, throughput):
            return None
        for direction in Direction:
            if _agrees(self._counted, ours.get(direction)):
                return direction
        return None


def _agrees(counted: float, expected: float) -> bool:
    return abs(counted - expected) <= COUNTER_TOLERANCE * expected + COUNTER_SLACK_WH


@dataclass(frozen=True, slots=True)
class Runtime:
    """Time left until the pack is empty or full, in seconds; None when not known."""

    to_empty_s: float | None = None
    to_full_s: float | None = None


class RuntimeEstimator:
    """Time to empty and time to full from the median current of the last readings."""

    def __init__(self, max_gap_s: float) -> None:
        """Forget readings older than ``max_gap_s`` before the newest one."""
        self.max_gap_s = max_gap_s
        self._currents: deque[tuple[float, float]] = deque(maxlen=RUNTIME_WINDOW)

    def add(self, timestamp: float, current_a: float | None) -> None:
        """Take the current of one reading (A, + = charging)."""
        if current_a is None or not math.isfinite(current_a):
            return
        if self._currents and not 0 < timestamp - self._currents[-1][0] <= self.max_gap_s:
            # After a gap the pack may do something else entirely: start afresh.
            self._currents.clear()
        self._currents.append((timestamp, current_a))

    @property
    def smoothed_current(self) -> float | None:
        """The median current of the recent readings."""
        if not self._currents:
            return None
        return median(current for _, current in self._currents)

    def estimate(
        self, remaining_ah: float | None, rated_ah: float | None, soc: float | None
    ) -> Runtime:
        """Time to empty while discharging, time to full while charging."""
        current = self.smoothed_current
        if current is None or abs(current) < IDLE_CURRENT_A:
            return Runtime()
        remaining, rated = _capacities(remaining_ah, rated_ah, soc)
        if current < 0:
            return Runtime(to_empty_s=None if remaining is None else remaining / -current * 3600)
        if remaining is None or rated is None:
            return Runtime()
        return Runtime(to_full_s=max(0.0, rated - remaining) / current * 3600)


def _capacities(
    remaining_ah: float | None, rated_ah: float | None, soc: float | None
) -> tuple[float | None, float | None]:
    """Remaining and full capacity in Ah, each from the other and the SOC when missing."""
    if rated_ah is not None and rated_ah <= 0:
        rated_ah = None
    if remaining_ah is None and rated_ah is not None and soc is not None:
        remaining_ah = rated_ah * soc / 100
    if rated_ah is None and remaining_ah is not None and soc:
        rated_ah = remaining_ah * 100 / soc
    return remaining_ah, rated_ah


@dataclass(frozen=True, slots=True)
class Derived:
    """What the readings add up to: the energy counters and the runtime estimates."""

    energy: EnergyTotals = EnergyTotals()
    runtime: Runtime = Runtime()


class EnergyTracker:
    """One unit's meter, counter check and runtime estimator, fed with every reading."""

    def __init__(self, poll_interval_s: float) -> None:
        """Set the gap bound from the unit's poll interval."""
        gap = max_gap_s(poll_interval_s)
        self.meter = EnergyMeter(gap)
        self.counter = BmsEnergyCounter()
        self.runtime = RuntimeEstimator(gap)
        self._derived = Derived()

    def update(
        self, timestamp: float, status: DalyStatus, settings: DalySettings | None
    ) -> Derived:
        """Count one successful reading taken at ``timestamp`` (monotonic seconds)."""
        interval = self.meter.interval(timestamp, status.power)
        interval = self.counter.observe(status.energy_counter, interval)
        if interval is not None:
            self.meter.count(interval)
        self.runtime.add(timestamp, status.current)
        rated = None if settings is None else settings.rated_capacity
        self._derived = Derived(
            energy=self.meter.totals,
            runtime=self.runtime.estimate(status.remaining_capacity, rated, status.soc),
        )
        return self._derived

    def restore(self, direction: Direction, wh: float) -> Derived:
        """Continue a counter from its stored total (see :meth:`EnergyMeter.restore`)."""
        self.meter.restore(direction, wh)
        self._derived = Derived(energy=self.meter.totals, runtime=self._derived.runtime)
        return self._derived
