"""Register maps of both dialects, as data.

Each status layout addresses one flat tuple of register values indexed by register
number: the D2 reply as read from register 0, or for p81 block 1 (0x00-0x3F), one filler
for the unread register 0x40, then block 2 (0x41-0x7E). The decoder walks these tables;
adding a field is a table row, not new slicing code.
"""

from __future__ import annotations

from dataclasses import dataclass
import struct
from typing import Final, NamedTuple

from .alarms import D2_ALARM_BITS, P81_ALARM_BITS
from .models import BatteryState, BatteryType, Dialect

CURRENT_OFFSET: Final = 30000
TEMPERATURE_OFFSET: Final = 40


class Scaled(NamedTuple):
    """``(raw - offset) / divisor``; a raw value listed in ``absent`` means not reported."""

    field: str
    register: int
    offset: int
    divisor: int
    absent: tuple[int, ...] = ()


class Raw(NamedTuple):
    """A register taken as an integer (``flag``: as a bool, non-zero = on)."""

    field: str
    register: int
    flag: bool = False


@dataclass(frozen=True, slots=True)
class StatusLayout:
    """Where one dialect keeps each realtime value."""

    dialect: Dialect
    registers: int
    cells: tuple[int, int]  # first register, slots
    cell_count: int
    temperatures: tuple[int, int]
    temperature_count: int
    scaled: tuple[Scaled, ...]
    raw: tuple[Raw, ...]
    state: int
    alarms: tuple[int, int]  # first register, registers (most significant first)
    alarm_bits: tuple[str, ...]
    balancing_bitmap: tuple[int, int] | None  # first register, registers (cells 1-16 first)

    def unpacker(self) -> struct.Struct:
        """Return the struct that reads every register of this layout in one call."""
        return struct.Struct(f">{self.registers}H")


STATES: Final = {0: BatteryState.IDLE, 1: BatteryState.CHARGING, 2: BatteryState.DISCHARGING}
BATTERY_TYPES: Final = {0: BatteryType.LIFEPO4, 1: BatteryType.LI_ION, 2: BatteryType.LTO}

_MV: Final = 1000
_TENTH: Final = 10
_MISSING_MV: Final = (0,)

_D2_COMMON_SCALED: Final = (
    Scaled("voltage", 0x28, 0, _TENTH),
    Scaled("current", 0x29, CURRENT_OFFSET, _TENTH),
    Scaled("soc", 0x2A, 0, _TENTH),
    Scaled("cell_voltage_max", 0x2B, 0, _MV, _MISSING_MV),
    Scaled("cell_voltage_min", 0x2C, 0, _MV, _MISSING_MV),
    Scaled("remaining_capacity", 0x30, 0, _TENTH),
    Scaled("cell_voltage_avg", 0x37, 0, _MV, _MISSING_MV),
    Scaled("cell_voltage_delta", 0x38, 0, _MV, _MISSING_MV),
)
_D2_RAW: Final = (
    Raw("cycles", 0x33),
    Raw("balancing", 0x34, flag=True),
    Raw("charge_mos", 0x35, flag=True),
    Raw("discharge_mos", 0x36, flag=True),
)

D2_STATUS_62: Final = StatusLayout(
    dialect=Dialect.D2,
    registers=62,
    cells=(0x00, 32),
    cell_count=0x31,
    temperatures=(0x20, 8),
    temperature_count=0x32,
    scaled=_D2_COMMON_SCALED,
    raw=_D2_RAW,
    state=0x2F,
    alarms=(0x3A, 4),
    alarm_bits=D2_ALARM_BITS,
    balancing_bitmap=None,
)

D2_STATUS_80: Final = StatusLayout(
    dialect=Dialect.D2,
    registers=80,
    cells=(0x00, 32),
    cell_count=0x31,
    temperatures=(0x20, 8),
    temperature_count=0x32,
    scaled=(
        *_D2_COMMON_SCALED,
        Scaled("balance_current", 0x40, CURRENT_OFFSET, _MV, (0,)),
        # Units without the sensor answer 0x0000 or 0xFFFF.
        Scaled("mos_temperature", 0x42, TEMPERATURE_OFFSET, 1, (0, 0xFFFF)),
        Scaled("board_temperature", 0x43, TEMPERATURE_OFFSET, 1, (0,)),
    ),
    raw=_D2_RAW,
    state=0x2F,
    alarms=(0x3A, 4),
    alarm_bits=D2_ALARM_BITS,
    balancing_bitmap=(0x3E, 2),
)

# What a working pack can report at all (4-48 cells of LTO, LiFePO4 or Li-ion, up to a few
# hundred amps). A value outside its range comes from a glitching unit, not from a battery:
# it is reported as None rather than published.
PLAUSIBLE: Final[tuple[tuple[str, float, float], ...]] = (
    ("voltage", 1.0, 250.0),
    ("current", -2000.0, 2000.0),
    ("soc", 0.0, 100.0),
    ("cell_voltage_max", 0.0, 5.0),
    ("cell_voltage_min", 0.0, 5.0),
    ("cell_voltage_avg", 0.0, 5.0),
    ("cell_voltage_delta", 0.0, 5.0),
    ("balance_current", -20.0, 20.0),
    ("mos_temperature", -40.0, 150.0),
    ("board_temperature", -40.0, 150.0),
)
# Above these a cell or probe reading comes from a broken lead, not from the battery.
MAX_CELL_MV: Final = 5000
MAX_TEMPERATURE_RAW: Final = 150 + TEMPERATURE_OFFSET

P81_BLOCK1: Final = (0x00, 64)
P81_BLOCK2: Final = (0x41, 62)

P81_STATUS: Final = StatusLayout(
    dialect=Dialect.P81,
    registers=P81_BLOCK2[0] + P81_BLOCK2[1],
    cells=(0x00, 48),
    cell_count=0x3C,
    temperatures=(0x30, 8),
    temperature_count=0x3D,
    scaled=(
        Scaled("voltage", 0x38, 0, _TENTH),
        Scaled("current", 0x39, CURRENT_OFFSET, _TENTH),
        Scaled("soc", 0x3A, 0, _TENTH),
        Scaled("cell_voltage_max", 0x3E, 0, _MV, _MISSING_MV),
        Scaled("remaining_capacity", 0x4B, 0, _TENTH),
        Scaled("cell_voltage_avg", 0x57, 0, _MV, _MISSING_MV),
        Scaled("mos_temperature", 0x5A, TEMPERATURE_OFFSET, 1, (0, 0xFFFF)),
        Scaled("board_temperature", 0x5B, TEMPERATURE_OFFSET, 1, (0,)),
    ),
    raw=(
        Raw("cycles", 0x4C),
        Raw("charge_mos", 0x52, flag=True),
        Raw("discharge_mos", 0x53, flag=True),
        Raw("energy_counter", 0x59),
    ),
    state=0x48,
    alarms=(0x6D, 2),
    alarm_bits=P81_ALARM_BITS,
    # Balancing (0x4D), balance current (0x4E) and the bitmaps (0x4F-0x51) are not
    # confirmed for p81 (a sample capture holds 7 in 0x4D while the bitmaps read 0), so
    # they stay unreported rather than guessed. Lowest cell and delta are derived.
    balancing_bitmap=None,
)


@dataclass(frozen=True, slots=True)
class SettingsLayout:
    """Where the configuration registers live, relative to the start of the read."""

    first_register: int
    registers: int
    scaled: tuple[Scaled, ...]
    magnitudes: tuple[Scaled, ...]  # signed limits reported as their magnitude
    raw: tuple[Raw, ...]
    battery_type: int
    boards: int  # board count, then three registers of cells and three of sensors per board


def _temperature(field: str, register: int) -> Scaled:
    return Scaled(field, register, TEMPERATURE_OFFSET, 1)


def _d2_settings(base: int) -> SettingsLayout:
    # p81 keeps the same block 0x80 registers higher; offsets below are D2 registers.
    def rel(register: int) -> int:
        return register - 0x80

    mv, tenth = _MV, _TENTH
    scaled = (
        Scaled("rated_capacity", rel(0x80), 0, tenth),
        Scaled("cell_reference_voltage", rel(0x81), 0, mv),
        Scaled("cell_overvoltage_warning", rel(0x8B), 0, mv),
        Scaled("cell_overvoltage_alarm", rel(0x8C), 0, mv),
        Scaled("cell_undervoltage_warning", rel(0x8D), 0, mv),
        Scaled("cell_undervoltage_alarm", rel(0x8E), 0, mv),
        Scaled("pack_overvoltage_warning", rel(0x8F), 0, tenth),
        Scaled("pack_overvoltage_alarm", rel(0x90), 0, tenth),
        Scaled("pack_undervoltage_warning", rel(0x91), 0, tenth),
        Scaled("pack_undervoltage_alarm", rel(0x92), 0, tenth),
        _temperature("charge_overtemperature_warning", rel(0x97)),
        _temperature("charge_overtemperature_alarm", rel(0x98)),
        _temperature("charge_undertemperature_warning", rel(0x99)),
        _temperature("charge_undertemperature_alarm", rel(0x9A)),
        _temperature("discharge_overtemperature_warning", rel(0x9B)),
        _temperature("discharge_overtemperature_alarm", rel(0x9C)),
        _temperature("discharge_undertemperature_warning", rel(0x9D)),
        _temperature("discharge_undertemperature_alarm", rel(0x9E)),
        Scaled("cell_delta_warning", rel(0x9F), 0, mv),
        Scaled("cell_delta_alarm", rel(0xA0), 0, mv),
        Scaled("balancing_start_voltage", rel(0xA3), 0, mv),
        Scaled("balancing_start_delta", rel(0xA4), 0, mv),
        _temperature("mos_overtemperature", rel(0xA8)),
        Scaled("soc_setting", rel(0xA7), 0, tenth),
    )
    magnitudes = (
        Scaled("charge_overcurrent_warning", rel(0x93), CURRENT_OFFSET, tenth),
        Scaled("charge_overcurrent_alarm", rel(0x94), CURRENT_OFFSET, tenth),
        Scaled("discharge_overcurrent_warning", rel(0x95), CURRENT_OFFSET, tenth),
        Scaled("discharge_overcurrent_alarm", rel(0x96), CURRENT_OFFSET, tenth),
    )
    raw = (
        Raw("sleep_time", rel(0x8A)),
        Raw("charge_mos", rel(0xA5), flag=True),
        Raw("discharge_mos", rel(0xA6), flag=True),
    )
    return SettingsLayout(
        first_register=base,
        registers=41,
        scaled=scaled,
        magnitudes=magnitudes,
        raw=raw,
        battery_type=rel(0x89),
        boards=rel(0x82),
    )


D2_SETTINGS: Final = _d2_settings(0x80)
P81_SETTINGS: Final = _d2_settings(0x100)


class VersionLayout(NamedTuple):
    """Byte ranges of the version strings within a version read."""

    first_register: int
    registers: int
    software: slice
    hardware: slice


D2_VERSIONS: Final = VersionLayout(0xA9, 32, slice(0, 16), slice(16, 32))
# The register sheet does not spell out the p81 string layout; these offsets are the
# commonly used ones and only feed informational strings.
P81_VERSIONS: Final = VersionLayout(0x178, 74, slice(0, 28), slice(28, 42))
