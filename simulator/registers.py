"""Register images: what the firmware would hold in RAM at the moment of a read.

Each function lays the battery's truth out in one address space, encoded with the
same scale and offset the protocol notes give, so a decoder following those notes
gets back exactly the (rounded) truth.
"""

from __future__ import annotations

from dataclasses import dataclass

from .battery import Battery
from .settings import CURRENT_OFFSET, TEMPERATURE_OFFSET

D2_STATUS_SIZE = 0x50  # 0x00-0x4F
P81_REALTIME_SIZE = 0x7F  # block 1 (0x00-0x3F), 0x40, block 2 (0x41-0x7E)
ABSENT = 0xFFFF
STATE_IDLE, STATE_CHARGING, STATE_DISCHARGING = 0, 1, 2
# Raw values no healthy unit reports there: SOC 1000 %, a probe at 215 degrees C.
IMPOSSIBLE_SOC = 10000
IMPOSSIBLE_TEMPERATURE = 0xFF


@dataclass(frozen=True, slots=True)
class StatusLayout:
    """Where a status block keeps the fields it shares between dialects."""

    cells: int
    temperatures: int
    soc: int
    remaining_capacity: int
    cycles: int


D2_LAYOUT = StatusLayout(
    cells=0x00, temperatures=0x20, soc=0x2A, remaining_capacity=0x30, cycles=0x33
)
P81_LAYOUT = StatusLayout(
    cells=0x00, temperatures=0x30, soc=0x3A, remaining_capacity=0x4B, cycles=0x4C
)


def u16(value: int) -> int:
    """Clamp into an unsigned 16-bit register."""
    return max(0, min(0xFFFF, value))


def mv(volts: float) -> int:
    """Volts as a millivolt register."""
    return u16(round(volts * 1000))


def temperature_raw(celsius: float) -> int:
    """Degrees C with the +40 offset."""
    return u16(round(celsius) + TEMPERATURE_OFFSET)


def current_raw(amps: float) -> int:
    """Signed current as 30000 + 0.1 A steps."""
    return u16(CURRENT_OFFSET + round(amps * 10))


def state_of(battery: Battery) -> int:
    """0 idle, 1 charging, 2 discharging, judged at the register's 0.1 A resolution."""
    deci_amps = round(battery.current * 10)
    if deci_amps > 0:
        return STATE_CHARGING
    if deci_amps < 0:
        return STATE_DISCHARGING
    return STATE_IDLE


def balance_bitmap(battery: Battery) -> int:
    """Bit n set = cell n + 1 is being balanced (up to 48 cells)."""
    bitmap = 0
    for cell in battery.balancing_cells:
        bitmap |= 1 << (cell - 1)
    return bitmap


def _cell_stats(battery: Battery) -> tuple[list[int], int, int, int]:
    cells = [mv(v) for v in battery.cell_voltages]
    # Average over the reported millivolts, so max/min/average/delta agree with the
    # cell registers to the millivolt.
    return cells, max(cells), min(cells), round(sum(cells) / len(cells))


def d2_status(battery: Battery, *, has_mos_sensor: bool = True) -> list[int]:
    """The 80 D2 status registers 0x00-0x4F."""
    regs = [0] * D2_STATUS_SIZE
    cells, max_mv, min_mv, avg_mv = _cell_stats(battery)
    layout = D2_LAYOUT
    regs[layout.cells : layout.cells + len(cells)] = cells
    temps = [temperature_raw(t) for t in battery.temperatures]
    regs[layout.temperatures : layout.temperatures + len(temps)] = temps
    regs[0x28] = u16(round(battery.pack_voltage * 10))
    regs[0x29] = current_raw(battery.current)
    regs[layout.soc] = u16(round(battery.soc * 10))
    regs[0x2B] = max_mv
    regs[0x2C] = min_mv
    regs[0x2D] = max(temps)
    regs[0x2E] = min(temps)
    regs[0x2F] = state_of(battery)
    regs[layout.remaining_capacity] = u16(round(battery.remaining_ah * 10))
    regs[0x31] = battery.cell_count
    regs[0x32] = battery.temperature_sensors
    regs[layout.cycles] = u16(battery.cycles)
    regs[0x34] = int(battery.balancing)
    regs[0x35] = int(battery.charge_mos)
    regs[0x36] = int(battery.discharge_mos)
    regs[0x37] = avg_mv
    regs[0x38] = max_mv - min_mv
    regs[0x39] = u16(round(abs(battery.power)))
    alarms = battery.alarm_bits
    regs[0x3A:0x3E] = [(alarms >> shift) & 0xFFFF for shift in (48, 32, 16, 0)]
    bitmap = balance_bitmap(battery)
    regs[0x3E] = bitmap & 0xFFFF
    regs[0x3F] = (bitmap >> 16) & 0xFFFF
    regs[0x40] = u16(CURRENT_OFFSET + round(battery.balance_current * 1000))
    regs[0x42] = temperature_raw(battery.mos_temperature) if has_mos_sensor else ABSENT
    regs[0x43] = temperature_raw(battery.board_temperature)
    return regs


def p81_realtime(battery: Battery, *, heartbeat: int, has_mos_sensor: bool = True) -> list[int]:
    """The p81 realtime registers 0x00-0x7E (blocks 1 and 2 of the protocol notes).

    Balancing (0x4D), balance current (0x4E) and the balancing bitmaps (0x4F-0x51)
    are uncertain on real units; they are filled like their D2 counterparts. The
    32 alarm bits at 0x6D-0x6E carry the upper half of the D2 alarm word (voltage,
    current and temperature alarms), since the real p81 layout is not known.
    """
    regs = [0] * P81_REALTIME_SIZE
    cells, max_mv, _, avg_mv = _cell_stats(battery)
    layout = P81_LAYOUT
    regs[layout.cells : layout.cells + len(cells)] = cells
    temps = [temperature_raw(t) for t in battery.temperatures]
    regs[layout.temperatures : layout.temperatures + len(temps)] = temps
    regs[0x38] = u16(round(battery.pack_voltage * 10))
    regs[0x39] = current_raw(battery.current)
    regs[layout.soc] = u16(round(battery.soc * 10))
    regs[0x3B] = heartbeat & 0xFFFF
    regs[0x3C] = battery.cell_count
    regs[0x3D] = battery.temperature_sensors
    regs[0x3E] = max_mv
    regs[0x3F] = cells.index(max_mv) + 1
    regs[0x43] = max(temps)
    regs[0x44] = temps.index(max(temps)) + 1
    regs[0x45] = min(temps)
    regs[0x46] = temps.index(min(temps)) + 1
    regs[0x48] = state_of(battery)
    regs[layout.remaining_capacity] = u16(round(battery.remaining_ah * 10))
    regs[layout.cycles] = u16(battery.cycles)
    regs[0x4D] = int(battery.balancing)
    regs[0x4E] = u16(CURRENT_OFFSET + round(battery.balance_current * 1000))
    bitmap = balance_bitmap(battery)
    regs[0x4F:0x52] = [(bitmap >> shift) & 0xFFFF for shift in (0, 16, 32)]
    regs[0x52] = int(battery.charge_mos)
    regs[0x53] = int(battery.discharge_mos)
    regs[0x57] = avg_mv
    regs[0x58] = u16(round(abs(battery.power)))
    regs[0x59] = round(battery.discharged_wh) & 0xFFFF  # a counter: it wraps
    regs[0x5A] = temperature_raw(battery.mos_temperature) if has_mos_sensor else ABSENT
    regs[0x5B] = temperature_raw(battery.board_temperature)
    alarms = battery.alarm_bits
    regs[0x6D] = (alarms >> 48) & 0xFFFF
    regs[0x6E] = (alarms >> 32) & 0xFFFF
    return regs


def impossible_readings(layout: StatusLayout, *, cells: int) -> list[dict[int, int]]:
    """Status readings no healthy unit of `cells` cells reports, in a valid frame.

    Each maps registers to raw values: capacity and cycle counters at their all-ones
    sentinel, a counted cell at 0 mV or 65.535 V, SOC at 1000 %, a probe at 215 degrees C.
    """
    last_cell = layout.cells + cells - 1
    return [
        {layout.remaining_capacity: 0xFFFF},
        {layout.cycles: 0xFFFF},
        {layout.cells: 0},
        {last_cell: 0},
        {layout.cells: 0xFFFF},
        {layout.soc: IMPOSSIBLE_SOC},
        {layout.temperatures: IMPOSSIBLE_TEMPERATURE},
    ]
