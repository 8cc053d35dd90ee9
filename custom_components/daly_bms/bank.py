"""A battery bank: what packs in parallel add up to, from what each member reports.

Pure functions, no Home Assistant. A member that is not available, or does not report a
value, makes the bank's value unknown: a total of the packs that happen to answer would
look like a real total and be silently too small. Users who prefer that smaller total
opt in with `BankPolicy.sum_available`. Readiness to parallel ignores that option: it is
about safety, and a pack nobody can see is never "within 1 V".
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Final

from .protocol import alarm_severity, needs_attention

# The manual's limit: packs may be connected in parallel when their voltages are within 1 V.
PARALLEL_LIMIT_V: Final = 1.0
# Pack voltages are reported in tenths of a volt; a stricter limit below that means nothing.
MIN_PARALLEL_LIMIT_V: Final = 0.1


@dataclass(frozen=True, slots=True, kw_only=True)
class PackReading:
    """What one available member reports; None where it does not say."""

    voltage: float | None = None
    current: float | None = None
    power: float | None = None
    soc: float | None = None
    remaining_capacity: float | None = None
    rated_capacity: float | None = None
    stored_energy: float | None = None
    cell_voltages: tuple[float | None, ...] = ()
    cell_voltage_min: float | None = None
    cell_voltage_max: float | None = None
    alarms: tuple[str, ...] = ()
    charge_mos: bool | None = None
    discharge_mos: bool | None = None


@dataclass(frozen=True, slots=True)
class Member:
    """A pack of the bank by the name the user knows it by; no reading while unavailable."""

    name: str
    reading: PackReading | None


@dataclass(frozen=True, slots=True, kw_only=True)
class BankPolicy:
    """The user's choices for one bank."""

    sum_available: bool = False
    parallel_limit: float = PARALLEL_LIMIT_V


@dataclass(frozen=True, slots=True)
class PackVoltage:
    """A pack and its voltage."""

    pack: str
    voltage: float


@dataclass(frozen=True, slots=True)
class CellExtreme:
    """The lowest or highest cell of the bank: its voltage, its pack, its position."""

    pack: str
    voltage: float
    cell: int | None  # 1-based; None when the pack reports the value but not which cell


@dataclass(frozen=True, slots=True)
class PackAlarm:
    """An active alarm and the pack that raised it."""

    pack: str
    alarm: str


@dataclass(frozen=True, slots=True, kw_only=True)
class BankSummary:
    """One consistent picture of the bank; None where it cannot be known."""

    packs_total: int
    packs_available: int
    missing: tuple[str, ...]
    soc: float | None
    current: float | None
    power: float | None
    remaining_capacity: float | None
    stored_energy: float | None
    lowest_cell: CellExtreme | None
    highest_cell: CellExtreme | None
    voltage_spread: float | None
    lowest_pack: PackVoltage | None
    highest_pack: PackVoltage | None
    ready_to_parallel: bool | None
    alarms: tuple[PackAlarm, ...]
    worst_alarm: PackAlarm | None
    problem: bool | None
    alarms_complete: bool
    charge_mos: bool | None
    discharge_mos: bool | None


def summarize(members: Sequence[Member], policy: BankPolicy) -> BankSummary:
    """Add up what the members report, following the user's policy for missing packs."""
    bank = _Bank(members, policy)
    available = [member for member in members if member.reading is not None]
    alarms = tuple(
        PackAlarm(member.name, alarm)
        for member in members
        if member.reading is not None
        for alarm in member.reading.alarms
    )
    alarms_complete = bank.stands_for_bank(len(available))
    if needs_attention(alarm.alarm for alarm in alarms):
        problem: bool | None = True
    else:
        problem = False if alarms_complete else None
    voltages = [PackVoltage(name, value) for name, value in bank.known(_voltage)]
    lowest_pack = min(voltages, key=lambda pack: pack.voltage, default=None)
    highest_pack = max(voltages, key=lambda pack: pack.voltage, default=None)
    spread = pack_spread(lowest_pack, highest_pack)
    return BankSummary(
        packs_total=len(members),
        packs_available=len(available),
        missing=tuple(member.name for member in members if member.reading is None),
        soc=_weighted_soc(bank),
        current=bank.total(lambda reading: reading.current),
        power=bank.total(lambda reading: reading.power),
        remaining_capacity=bank.total(lambda reading: reading.remaining_capacity),
        stored_energy=bank.total(lambda reading: reading.stored_energy),
        lowest_cell=_extreme(bank, _lowest_cell, min),
        highest_cell=_extreme(bank, _highest_cell, max),
        voltage_spread=spread if bank.stands_for_bank(len(voltages)) else None,
        lowest_pack=lowest_pack,
        highest_pack=highest_pack,
        ready_to_parallel=_ready(spread, len(voltages), len(members), policy.parallel_limit),
        alarms=alarms,
        worst_alarm=min(alarms, key=lambda alarm: alarm_severity(alarm.alarm), default=None),
        problem=problem,
        alarms_complete=alarms_complete,
        charge_mos=_all_on(members, lambda reading: reading.charge_mos),
        discharge_mos=_all_on(members, lambda reading: reading.discharge_mos),
    )


class _Bank:
    """The members and the policy: which values stand for the whole bank."""

    def __init__(self, members: Sequence[Member], policy: BankPolicy) -> None:
        self.members = members
        self.policy = policy

    def known[T](self, get: Callable[[PackReading], T | None]) -> list[tuple[str, T]]:
        """Return (pack, value) for every member that reports the value now."""
        return [
            (member.name, value)
            for member in self.members
            if member.reading is not None and (value := get(member.reading)) is not None
        ]

    def stands_for_bank(self, reporting: int) -> bool:
        """Return True if values from `reporting` members may speak for the whole bank."""
        return reporting > 0 and (reporting == len(self.members) or self.policy.sum_available)

    def usable[T](self, get: Callable[[PackReading], T | None]) -> list[tuple[str, T]] | None:
        """Return the known values if they may speak for the bank, else None."""
        found = self.known(get)
        return found if self.stands_for_bank(len(found)) else None

    def total(self, get: Callable[[PackReading], float | None]) -> float | None:
        """Return the sum over the packs, or None when it would not be the bank's."""
        found = self.usable(get)
        return None if found is None else sum(value for _, value in found)


def _voltage(reading: PackReading) -> float | None:
    return reading.voltage


def pack_capacity(reading: PackReading) -> float | None:
    """Return the pack's full capacity in Ah: its rated capacity, else what its SOC implies."""
    if reading.rated_capacity is not None and reading.rated_capacity > 0:
        return reading.rated_capacity
    if reading.remaining_capacity is not None and reading.soc:
        return reading.remaining_capacity * 100 / reading.soc
    return None


def pack_energy_wh(reading: PackReading) -> float | None:
    """Return the energy of the full pack in Wh: its capacity at its present voltage."""
    capacity = pack_capacity(reading)
    if capacity is None or reading.voltage is None:
        return None
    return capacity * reading.voltage


def _soc_and_capacity(reading: PackReading) -> tuple[float, float] | None:
    capacity = pack_capacity(reading)
    if reading.soc is None or capacity is None:
        return None
    return reading.soc, capacity


def _weighted_soc(bank: _Bank) -> float | None:
    """SOC of the bank: each pack's SOC weighted by its capacity, as the charge adds up."""
    found = bank.usable(_soc_and_capacity)
    if found is None:
        return None
    capacity = sum(weight for _, (_, weight) in found)
    return sum(soc * weight for _, (soc, weight) in found) / capacity


def _cell_at(reading: PackReading, voltage: float) -> int | None:
    """Return the 1-based position of the cell reading `voltage`, if one does."""
    for position, cell in enumerate(reading.cell_voltages, start=1):
        # Both come from the same millivolt registers; half a millivolt absorbs rounding.
        if cell is not None and abs(cell - voltage) < 0.0005:
            return position
    return None


def _cell_extreme(
    reading: PackReading, reported: float | None, pick: Callable[[list[float]], float]
) -> tuple[float, int | None] | None:
    """Return the pack's extreme cell voltage and the position of a cell reading it.

    The unit's own value comes first, as the pack's entity shows it; else its cells'.
    """
    cells = [cell for cell in reading.cell_voltages if cell is not None]
    voltage = reported if reported is not None else (pick(cells) if cells else None)
    if voltage is None:
        return None
    return voltage, _cell_at(reading, voltage)


def _lowest_cell(reading: PackReading) -> tuple[float, int | None] | None:
    return _cell_extreme(reading, reading.cell_voltage_min, min)


def _highest_cell(reading: PackReading) -> tuple[float, int | None] | None:
    return _cell_extreme(reading, reading.cell_voltage_max, max)


def _extreme(
    bank: _Bank,
    get: Callable[[PackReading], tuple[float, int | None] | None],
    pick: Callable[..., tuple[str, tuple[float, int | None]]],
) -> CellExtreme | None:
    """The lowest or highest cell of the bank; the first pack in member order on a tie."""
    found = bank.usable(get)
    if found is None:
        return None
    pack, (voltage, cell) = pick(found, key=lambda item: item[1][0])
    return CellExtreme(pack, voltage, cell)


def pack_spread(lowest: PackVoltage | None, highest: PackVoltage | None) -> float | None:
    """Return how far apart two packs' voltages are, in volts."""
    if lowest is None or highest is None:
        return None
    # Tenths of a volt apart: rounded so 53.1 - 52.1 is 1.0, not 1.0000000000000036.
    return round(highest.voltage - lowest.voltage, 3)


def _ready(spread: float | None, reporting: int, members: int, limit: float) -> bool | None:
    """On only when every pack reports and all are within `limit` volts of each other."""
    if spread is not None and spread > limit:
        # Already too far apart: no pack still to be heard from can make that right.
        return False
    if reporting < members or reporting == 0:
        return None
    return True


def _all_on(members: Sequence[Member], get: Callable[[PackReading], bool | None]) -> bool | None:
    """On when every pack says on, off when any says off, unknown otherwise."""
    states = [None if member.reading is None else get(member.reading) for member in members]
    if False in states:
        return False
    if states and all(state is True for state in states):
        return True
    return None
