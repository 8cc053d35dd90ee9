"""The table-driven decoder: register layouts as data, and one walk over them.

A dialect describes where it keeps each value (`StatusLayout`, `SettingsLayout`,
`VersionLayout`); the functions here turn a tuple of register values into a DalyStatus,
DalySettings or DalyDeviceInfo. Every value passes the bounds of `plausibility.BOUNDS` (a
setting those of `plausibility.SETTING_BOUNDS`) on the way; one that fails is None, never
a number.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
import logging
import struct
from typing import Any, Final, NamedTuple

from .const import FUNCTION_READ, TEMPERATURE_OFFSET
from .derived import cell_summary
from .errors import DalyFrameError
from .frames import Frame, parse_frame
from .models import (
    BatteryState,
    BatteryType,
    Capabilities,
    DalyDeviceInfo,
    DalySettings,
    DalyStatus,
)
from .plausibility import BOUNDS, NO_LIMITS, UnitLimits, plausible_settings
from .versions import VersionStrings

_LOGGER = logging.getLogger(__name__)

STATES: Final = {0: BatteryState.IDLE, 1: BatteryState.CHARGING, 2: BatteryState.DISCHARGING}
BATTERY_TYPES: Final = {0: BatteryType.LIFEPO4, 1: BatteryType.LI_ION, 2: BatteryType.LTO}
MILLIVOLTS: Final = 1000
TENTHS: Final = 10


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
    absent: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class StatusLayout:
    """Where one dialect keeps each realtime value, by register number."""

    registers: int
    cells: tuple[int, int]  # first register, slots
    cell_count: int
    temperatures: tuple[int, int]
    temperature_count: int
    scaled: tuple[Scaled, ...]
    raw: tuple[Raw, ...]
    state: int
    alarms: tuple[int, int]  # first register, registers (most significant first)
    alarm_names: tuple[str, ...]  # by bit number, bit 0 least significant
    balancing_bitmap: tuple[int, int] | None  # first register, registers (cells 1-16 first)

    def unpacker(self) -> struct.Struct:
        """Return the struct that reads every register of this layout in one call."""
        return struct.Struct(f">{self.registers}H")

    def fields(self) -> frozenset[str]:
        """Return the DalyStatus fields this layout can fill."""
        always = {
            "cell_count",
            "cell_voltages",
            "cell_voltage_min",
            "cell_voltage_max",
            "cell_voltage_avg",
            "cell_voltage_delta",
            "temperatures",
            "state",
            "alarms",
            "power",
            "stored_energy",
        }
        always.update(scaled.field for scaled in self.scaled)
        always.update(raw.field for raw in self.raw)
        if self.balancing_bitmap is not None:
            always.add("balancing_cells")
        return frozenset(always)


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

    def unpacker(self) -> struct.Struct:
        """Return the struct that reads every register of this layout in one call."""
        return struct.Struct(f">{self.registers}H")

    def fields(self) -> frozenset[str]:
        """Return the DalySettings fields this layout fills."""
        names = {scaled.field for scaled in (*self.scaled, *self.magnitudes)}
        names.update(raw.field for raw in self.raw)
        names.update(("battery_type", "acquisition_boards"))
        names.update(("cells_per_board", "temperature_sensors_per_board"))
        return frozenset(names)


class VersionLayout(NamedTuple):
    """Where the version strings are read, and how their bytes are laid out."""

    first_register: int
    registers: int
    decode: Callable[[bytes], VersionStrings]


_STATUS_TEMPLATE: Final[dict[str, Any]] = {
    "cell_voltage_min": None,
    "cell_voltage_max": None,
    "cell_voltage_delta": None,
    "cell_voltage_avg": None,
    "mos_temperature": None,
    "board_temperature": None,
    "voltage": None,
    "current": None,
    "soc": None,
    "remaining_capacity": None,
    "cycles": None,
    "charge_mos": None,
    "discharge_mos": None,
    "balancing": None,
    "balance_current": None,
}
_NO_SETTINGS: Final[dict[str, Any]] = {field.name: None for field in fields(DalySettings)}
_SUMMARY: Final = ("cell_voltage_min", "cell_voltage_max", "cell_voltage_avg", "cell_voltage_delta")
# Bound method: map() over it turns millivolts into volts without a Python-level call.
_MV_TO_V: Final = (1000).__rtruediv__
_CELL_MV: Final = range(
    round(BOUNDS["cell_voltage"].low * MILLIVOLTS),
    round(BOUNDS["cell_voltage"].high * MILLIVOLTS) + 1,
)
_PROBE_RAW: Final = range(
    round(BOUNDS["temperature"].low) + TEMPERATURE_OFFSET,
    round(BOUNDS["temperature"].high) + TEMPERATURE_OFFSET + 1,
)


class _Row(NamedTuple):
    field: str
    register: int
    offset: int
    divisor: int
    absent: tuple[int, ...]
    low: float
    high: float


class CompiledStatus(NamedTuple):
    """A status layout ready for decoding: rows with their bounds, one unpacker."""

    layout: StatusLayout
    capabilities: Capabilities
    unpacker: struct.Struct
    rows: tuple[_Row, ...]


def compile_status(layout: StatusLayout, capabilities: Capabilities) -> CompiledStatus:
    """Attach the plausibility bounds to each row of `layout` once, not per frame."""
    rows = tuple(_Row(*scaled, *BOUNDS[scaled.field]) for scaled in layout.scaled)
    return CompiledStatus(layout, capabilities, layout.unpacker(), rows)


def as_frame(frame: bytes | bytearray | Frame) -> Frame:
    """Return `frame` checked (shape and CRC) if it is not a Frame yet."""
    return frame if isinstance(frame, Frame) else parse_frame(frame)


def expect_read(frame: Frame, registers: int, what: str, address: int | None = None) -> None:
    """Raise DalyFrameError unless `frame` is a read reply of `registers` registers."""
    if (
        frame.function != FUNCTION_READ
        or frame.register_count != registers
        or (address is not None and frame.address != address)
    ):
        raise DalyFrameError(
            f"not a {what} reply (address 0x{frame.address:02X}, function "
            f"0x{frame.function:02X}, {frame.register_count} registers)"
        )


def alarm_names(bits: int, table: tuple[str, ...]) -> tuple[str, ...]:
    """Return the names of the set bits in ``bits``, lowest bit first."""
    if not bits:
        return ()
    return tuple(name for bit, name in enumerate(table) if bits >> bit & 1)


def decode_status_registers(
    compiled: CompiledStatus, regs: tuple[int, ...], limits: UnitLimits = NO_LIMITS
) -> DalyStatus:
    """Turn a dialect's status registers into a DalyStatus, dropping impossible values."""
    layout = compiled.layout
    values = _STATUS_TEMPLATE.copy()
    for field, register, offset, divisor, absent, low, high in compiled.rows:
        raw = regs[register]
        if raw not in absent:
            value = (raw - offset) / divisor
            if low <= value <= high:
                values[field] = value
            else:
                _LOGGER.debug("dropping impossible %s %s", field, value)
    for field, register, flag, absent in layout.raw:
        raw = regs[register]
        if raw not in absent:
            values[field] = raw != 0 if flag else raw
    remaining = values["remaining_capacity"]
    if (
        remaining is not None
        and limits.rated_capacity is not None
        and remaining > limits.max_remaining_capacity()
    ):
        _LOGGER.debug("dropping remaining capacity %s Ah beyond the rated capacity", remaining)
        values["remaining_capacity"] = None

    count, cell_voltages, readable = _cells(layout, regs, limits.cell_count)
    if None in (
        values["cell_voltage_min"],
        values["cell_voltage_max"],
        values["cell_voltage_avg"],
        values["cell_voltage_delta"],
    ):
        for field, derived in zip(_SUMMARY, cell_summary(readable), strict=True):
            if values[field] is None:
                values[field] = derived

    first, slots = layout.temperatures
    probes = regs[first : first + min(regs[layout.temperature_count], slots)]
    # Positions are kept so that probe n stays probe n: one that reads 0 (not fitted) or an
    # impossible value (a broken lead, often 0xFFFF or 0x00FF) is None.
    temperatures = tuple(
        [float(raw - TEMPERATURE_OFFSET) if raw in _PROBE_RAW else None for raw in probes]
    )

    first, words = layout.alarms
    alarm_words = regs[first : first + words]
    alarms: tuple[str, ...] = ()
    # Nearly every frame has no alarm and no balancing; skip the bit work then.
    if any(alarm_words):
        bits = 0
        for word in alarm_words:
            bits = bits << 16 | word
        alarms = alarm_names(bits, layout.alarm_names)
    balancing_cells: tuple[int, ...] | None = None
    if layout.balancing_bitmap is not None:
        first, words = layout.balancing_bitmap
        bitmap = 0
        for shift, word in enumerate(regs[first : first + words]):
            bitmap |= word << (16 * shift)
        balancing_cells = (
            tuple(cell + 1 for cell in range(16 * words) if bitmap >> cell & 1) if bitmap else ()
        )

    return DalyStatus(
        capabilities=compiled.capabilities,
        cell_count=count or None,
        cell_voltages=cell_voltages,
        temperatures=temperatures,
        state=STATES.get(regs[layout.state]),
        balancing_cells=balancing_cells,
        alarms=alarms,
        **values,
    )


def _cells(
    layout: StatusLayout, regs: tuple[int, ...], expected: int | None
) -> tuple[int, tuple[float | None, ...], tuple[int, ...]]:
    """Return the cell count, each cell in volts (None if impossible) and the readable mV."""
    first, slots = layout.cells
    count = regs[layout.cell_count]
    if expected is not None and 0 < expected <= slots:
        if count != expected:
            # The unit is set up for `expected` cells: a count register that disagrees
            # comes from a garbled reply.
            _LOGGER.debug("cell count register %s, settings say %s", count, expected)
            count = expected
    elif not 0 < count <= slots:
        # The count register is missing or absurd: trust the slots, unused ones read 0.
        count = slots
        while count and not regs[first + count - 1]:
            count -= 1
    cells = regs[first : first + count]
    if not cells:
        return 0, (), ()
    if min(cells) in _CELL_MV and max(cells) in _CELL_MV:
        return count, tuple(map(_MV_TO_V, cells)), cells
    # A broken sense lead (0 mV, or 0xFFFF): that cell is unknown, the rest still reads.
    _LOGGER.debug("dropping impossible cell voltages in %s", cells)
    voltages = tuple([mv / MILLIVOLTS if mv in _CELL_MV else None for mv in cells])
    return count, voltages, tuple(mv for mv in cells if mv in _CELL_MV)


def decode_settings_registers(layout: SettingsLayout, regs: tuple[int, ...]) -> DalySettings:
    """Turn a settings block into DalySettings, dropping values no unit can be set to."""
    values: dict[str, Any] = {}
    for field, register, offset, divisor, _absent in layout.scaled:
        values[field] = (regs[register] - offset) / divisor
    for field, register, offset, divisor, _absent in layout.magnitudes:
        values[field] = abs(regs[register] - offset) / divisor
    for field, register, flag, _absent in layout.raw:
        values[field] = regs[register] != 0 if flag else regs[register]
    plausible_settings(values)
    boards = regs[layout.boards]
    # Three slots each; only those of fitted boards mean anything.
    fitted = min(boards, 3)
    cells_first = layout.boards + 1
    sensors_first = cells_first + 3
    return DalySettings(
        battery_type=BATTERY_TYPES.get(regs[layout.battery_type]),
        acquisition_boards=boards,
        cells_per_board=regs[cells_first : cells_first + fitted],
        temperature_sensors_per_board=regs[sensors_first : sensors_first + fitted],
        **values,
    )


def settings_of(values: Mapping[str, Any]) -> DalySettings:
    """Return DalySettings with `values` and every other field unknown (None)."""
    return DalySettings(**{**_NO_SETTINGS, **values})


def decode_versions(
    layout: VersionLayout, frame: Frame, capabilities: Capabilities
) -> DalyDeviceInfo:
    """Turn a version-string reply (of the layout's size) into DalyDeviceInfo."""
    strings = layout.decode(frame.payload)
    return DalyDeviceInfo(
        capabilities=capabilities,
        software_version=strings.software,
        hardware_version=strings.hardware,
        firmware_family=strings.firmware_family,
        serial_number=strings.serial_number,
        production_date=strings.production_date,
    )
