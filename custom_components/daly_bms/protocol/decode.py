"""Turn checked frames into DalyStatus / DalySettings / DalyDeviceInfo."""

from __future__ import annotations

import logging
import struct
from typing import Any, Final

from .alarms import alarm_names
from .crc import crc16_modbus
from .errors import DalyFrameError
from .frames import D2_ADDRESS, FUNCTION_READ, P81_REPLY_ADDRESS, Frame, parse_frame
from .models import DalyDeviceInfo, DalySettings, DalyStatus, Dialect
from .tables import (
    BATTERY_TYPES,
    D2_SETTINGS,
    D2_STATUS_62,
    D2_STATUS_80,
    D2_VERSIONS,
    MAX_CELL_MV,
    MAX_TEMPERATURE_RAW,
    P81_BLOCK1,
    P81_BLOCK2,
    P81_SETTINGS,
    P81_STATUS,
    P81_VERSIONS,
    PLAUSIBLE,
    STATES,
    TEMPERATURE_OFFSET,
    StatusLayout,
)

_LOGGER = logging.getLogger(__name__)

_D2_STATUS: Final = {
    D2_STATUS_62.registers: (D2_STATUS_62, D2_STATUS_62.unpacker()),
    D2_STATUS_80.registers: (D2_STATUS_80, D2_STATUS_80.unpacker()),
}
_D2_STATUS_BY_LENGTH: Final = {2 * registers: entry for registers, entry in _D2_STATUS.items()}
_P81_BLOCK1_STRUCT: Final = struct.Struct(f">{P81_BLOCK1[1]}H")
_P81_BLOCK2_STRUCT: Final = struct.Struct(f">{P81_BLOCK2[1]}H")
# p81 never reads register 0x40; a zero keeps the flat tuple indexed by register number.
_P81_GAP: Final = (0,) * (P81_BLOCK2[0] - P81_BLOCK1[1])
_SETTINGS_STRUCT: Final = struct.Struct(f">{D2_SETTINGS.registers}H")
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
# Bound method: map() over it turns millivolts into volts without a Python-level call.
_MV_TO_V: Final = (1000).__rtruediv__


def _as_frame(frame: bytes | bytearray | Frame) -> Frame:
    return frame if isinstance(frame, Frame) else parse_frame(frame)


def _expect_read(frame: Frame, registers: int, what: str, address: int | None = None) -> None:
    if (
        frame.function != FUNCTION_READ
        or frame.register_count != registers
        or (address is not None and frame.address != address)
    ):
        raise DalyFrameError(
            f"not a {what} reply (address 0x{frame.address:02X}, function "
            f"0x{frame.function:02X}, {frame.register_count} registers)"
        )


def _decode_registers(layout: StatusLayout, regs: tuple[int, ...]) -> DalyStatus:
    values = _STATUS_TEMPLATE.copy()
    for field, register, offset, divisor, absent in layout.scaled:
        raw = regs[register]
        if raw not in absent:
            values[field] = (raw - offset) / divisor
    for field, register, flag in layout.raw:
        values[field] = regs[register] != 0 if flag else regs[register]

    first, slots = layout.cells
    cell_slots = regs[first : first + slots]
    count = regs[layout.cell_count]
    if not 0 < count <= slots:
        # The count register is missing or absurd: trust the slots, unused ones read 0.
        count = slots
        while count and not cell_slots[count - 1]:
            count -= 1
    cells = cell_slots[:count]
    cell_voltages: tuple[float | None, ...] = tuple(map(_MV_TO_V, cells))
    if cells and max(cells) > MAX_CELL_MV:
        # A broken sense lead: that cell is unknown, the rest of the pack still reads.
        _LOGGER.debug("dropping impossible cell voltages in %s", cells)
        cell_voltages = tuple(None if mv > MAX_CELL_MV else mv / 1000 for mv in cells)
        cells = tuple(mv for mv in cells if mv <= MAX_CELL_MV)
    if cells:
        if values["cell_voltage_max"] is None:
            values["cell_voltage_max"] = max(cells) / 1000
        if values["cell_voltage_min"] is None:
            values["cell_voltage_min"] = min(cells) / 1000
        if values["cell_voltage_avg"] is None:
            values["cell_voltage_avg"] = round(sum(cells) / len(cells) / 1000, 4)
        if values["cell_voltage_delta"] is None:
            values["cell_voltage_delta"] = round(
                values["cell_voltage_max"] - values["cell_voltage_min"], 3
            )

    first, slots = layout.temperatures
    sensors = min(regs[layout.temperature_count], slots)
    probes = regs[first : first + sensors]
    # Positions are kept so that probe n stays probe n: one that reads 0 (not fitted) or an
    # impossible value (a broken lead, often 0xFFFF) is None.
    temperatures = tuple(
        [
            float(raw - TEMPERATURE_OFFSET) if 0 < raw <= MAX_TEMPERATURE_RAW else None
            for raw in probes
        ]
    )
    if probes and max(probes) > MAX_TEMPERATURE_RAW:
        _LOGGER.debug("dropping impossible temperatures in %s", probes)

    for field, low, high in PLAUSIBLE:
        value = values[field]
        if value is not None and not low <= value <= high:
            _LOGGER.debug("dropping impossible %s %s", field, value)
            values[field] = None

    voltage = values["voltage"]
    current = values["current"]
    first, words = layout.alarms
    alarm_words = regs[first : first + words]
    alarms: tuple[str, ...] = ()
    # Nearly every frame has no alarm and no balancing; skip the bit work then.
    if any(alarm_words):
        bits = 0
        for word in alarm_words:
            bits = bits << 16 | word
        alarms = alarm_names(bits, layout.alarm_bits)
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
        dialect=layout.dialect,
        cell_count=count or None,
        cell_voltages=cell_voltages,
        temperatures=temperatures,
        power=(None if voltage is None or current is None else round(voltage * current, 2)),
        state=STATES.get(regs[layout.state]),
        balancing_cells=balancing_cells,
        alarms=alarms,
        **values,
    )


def decode_status(
    frame: bytes | bytearray | Frame, block2: bytes | bytearray | Frame | None = None
) -> DalyStatus:
    """Decode a status reply: one D2 frame, or p81 block 1 plus block 2.

    Raises DalyFrameError when a frame has a bad CRC or is not a status reply.
    """
    if block2 is None and not isinstance(frame, Frame) and len(frame) > 3:
        # The common case, one D2 reply straight off the wire: check it in place rather
        # than building a Frame first.
        entry = _D2_STATUS_BY_LENGTH.get(frame[2])
        if (
            entry is not None
            and frame[0] == D2_ADDRESS
            and frame[1] == FUNCTION_READ
            and len(frame) == frame[2] + 5
        ):
            if crc16_modbus(frame):
                raise DalyFrameError("bad CRC")
            layout, unpacker = entry
            return _decode_registers(layout, unpacker.unpack_from(frame, 3))
    first = _as_frame(frame)
    if first.address == D2_ADDRESS and block2 is None:
        entry = _D2_STATUS.get(first.register_count)
        if entry is not None and first.function == FUNCTION_READ:
            layout, unpacker = entry
            return _decode_registers(layout, unpacker.unpack_from(first.raw, 3))
    elif first.address == P81_REPLY_ADDRESS:
        _expect_read(first, P81_BLOCK1[1], "p81 status block 1")
        if block2 is None:
            raise DalyFrameError("p81 status needs block 2 as well")
        second = _as_frame(block2)
        _expect_read(second, P81_BLOCK2[1], "p81 status block 2", P81_REPLY_ADDRESS)
        regs = (
            _P81_BLOCK1_STRUCT.unpack_from(first.raw, 3)
            + _P81_GAP
            + _P81_BLOCK2_STRUCT.unpack_from(second.raw, 3)
        )
        return _decode_registers(P81_STATUS, regs)
    raise DalyFrameError(
        f"not a status reply (address 0x{first.address:02X}, function "
        f"0x{first.function:02X}, {first.register_count} registers"
        f"{', with a second frame' if block2 is not None else ''})"
    )


def decode_settings(frame: bytes | bytearray | Frame) -> DalySettings:
    """Decode the 41-register settings reply of either dialect."""
    checked = _as_frame(frame)
    layout = D2_SETTINGS if checked.address == D2_ADDRESS else P81_SETTINGS
    _expect_read(checked, layout.registers, "settings")
    regs = _SETTINGS_STRUCT.unpack_from(checked.raw, 3)
    values: dict[str, Any] = {}
    for field, register, offset, divisor, _absent in layout.scaled:
        values[field] = (regs[register] - offset) / divisor
    for field, register, offset, divisor, _absent in layout.magnitudes:
        values[field] = abs(regs[register] - offset) / divisor
    for field, register, flag in layout.raw:
        values[field] = regs[register] != 0 if flag else regs[register]
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


def _text(raw: bytes) -> str | None:
    text = raw.split(b"\0", 1)[0].decode("ascii", "replace").strip()
    return text or None


def decode_device_info(frame: bytes | bytearray | Frame) -> DalyDeviceInfo:
    """Decode the version-string reply of either dialect."""
    checked = _as_frame(frame)
    dialect = Dialect.D2 if checked.address == D2_ADDRESS else Dialect.P81
    layout = D2_VERSIONS if dialect is Dialect.D2 else P81_VERSIONS
    _expect_read(checked, layout.registers, "version")
    payload = checked.payload
    return DalyDeviceInfo(
        dialect=dialect,
        software_version=_text(payload[layout.software]),
        hardware_version=_text(payload[layout.hardware]),
    )
