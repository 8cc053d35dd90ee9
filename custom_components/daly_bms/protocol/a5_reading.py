"""What the replies of one A5 reading mean, and how they become a DalyStatus.

A reading is several request/reply exchanges, one per command. The replies are laid out in
one flat tuple of "registers" (the table below) that the shared table-driven decoder walks
like the register file of the other dialects, so plausibility and derived values are the
same for every dialect.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import IntEnum
import struct
from typing import Final

from .a5_frames import FRAME_LENGTH, REPLY_ADDRESS, A5Frame, NumberedReply, parse_a5_frame
from .const import CURRENT_OFFSET
from .d2_alarms import ALARMS as D2_ALARMS
from .decode import CompiledStatus, Raw, Scaled, StatusLayout, decode_status_registers
from .errors import DalyFrameError
from .models import Alarm, AlarmSeverity, DalySettings, DalyStatus
from .plausibility import NO_LIMITS, UnitLimits, plausible_settings


class A5Command(IntEnum):
    """Command bytes of the A5 protocol."""

    SET_SOC = 0x21  # also sets the clock: YY MM DD hh mm ss, then SOC in 0.1 %
    RATED = 0x50  # rated capacity (mAh, u32) and nominal cell voltage (mV, u32)
    PACK = 0x90  # pack voltage, acquired voltage, current, SOC
    CELL_EXTREMES = 0x91  # highest / lowest cell with their numbers
    TEMPERATURE_EXTREMES = 0x92  # highest / lowest probe with their numbers
    MOS = 0x93  # state, charge MOS, discharge MOS, life counter, remaining capacity
    STATUS = 0x94  # cell count, probe count, charger, load, DI/DO, cycles
    CELL_VOLTAGES = 0x95  # numbered frames of three cells
    TEMPERATURES = 0x96  # numbered frames of seven probes
    BALANCING = 0x97  # balancing bitmap, bit 0 = cell 1
    FAULTS = 0x98  # fault bits, byte 7 a fault code
    DISCHARGE_MOS = 0xD9
    CHARGE_MOS = 0xDA


# What one reading asks for, in this order: 0x94 first because its cell and probe counts
# say how many 0x95 / 0x96 frames to wait for. The extremes (0x91 / 0x92) are left out:
# they follow from the cells and probes of the same reading, and each request is a radio
# round trip.
STATUS_COMMANDS: Final = (
    A5Command.STATUS,
    A5Command.PACK,
    A5Command.MOS,
    A5Command.CELL_VOLTAGES,
    A5Command.TEMPERATURES,
    A5Command.BALANCING,
    A5Command.FAULTS,
)
NUMBERED: Final = frozenset({A5Command.CELL_VOLTAGES, A5Command.TEMPERATURES})
_REQUIRED: Final = frozenset(STATUS_COMMANDS) - NUMBERED
_OPTIONAL: Final = frozenset({A5Command.CELL_EXTREMES, A5Command.TEMPERATURE_EXTREMES})
_SINGLE: Final = _REQUIRED | _OPTIONAL

MAX_CELLS: Final = 48
MAX_PROBES: Final = 16
_PER_FRAME: Final[dict[int, int]] = {A5Command.CELL_VOLTAGES: 3, A5Command.TEMPERATURES: 7}
_CELL_FRAME: Final = struct.Struct(">3H")


def _alarm_table() -> tuple[Alarm, ...]:
    # The fault bytes line up with D2's alarm word (see _alarm_words), except that byte 6
    # leaves bits 4-7 reserved where D2 names two states.
    table = list(D2_ALARMS)
    for bit in (4, 5):
        table[bit] = Alarm(f"reserved_bit_{bit}", AlarmSeverity.WARNING)
    return tuple(table)


ALARMS: Final = _alarm_table()
"""Each fault bit of the 0x98 reply as D2's 64-bit alarm word numbers it."""

# The flat register tuple of one reading: the cell and probe slots, one register per value,
# then the alarm word and the balancing bitmap in 16-bit registers.
_CELLS: Final = 0
_PROBES: Final = _CELLS + MAX_CELLS
_ALARM_WORDS: Final = 4
_BITMAP_WORDS: Final = 3
(
    _VOLTAGE,
    _CURRENT,
    _SOC,
    _CELL_MAX,
    _CELL_MIN,
    _REMAINING,
    _CELL_COUNT,
    _PROBE_COUNT,
    _CYCLES,
    _STATE,
    _CHARGE_MOS,
    _DISCHARGE_MOS,
    _BALANCING,
    _ALARMS,
) = range(_PROBES + MAX_PROBES, _PROBES + MAX_PROBES + 14)
_BITMAP: Final = _ALARMS + _ALARM_WORDS
_REGISTERS: Final = _BITMAP + _BITMAP_WORDS

STATUS: Final = StatusLayout(
    registers=_REGISTERS,
    cells=(_CELLS, MAX_CELLS),
    cell_count=_CELL_COUNT,
    temperatures=(_PROBES, MAX_PROBES),
    temperature_count=_PROBE_COUNT,
    scaled=(
        Scaled("voltage", _VOLTAGE, 0, 10),
        Scaled("current", _CURRENT, CURRENT_OFFSET, 10),
        Scaled("soc", _SOC, 0, 10),
        Scaled("cell_voltage_max", _CELL_MAX, 0, 1000, (0,)),
        Scaled("cell_voltage_min", _CELL_MIN, 0, 1000, (0,)),
        Scaled("remaining_capacity", _REMAINING, 0, 1000),
    ),
    raw=(
        Raw("cycles", _CYCLES, absent=(0xFFFF,)),
        Raw("charge_mos", _CHARGE_MOS, flag=True),
        Raw("discharge_mos", _DISCHARGE_MOS, flag=True),
        Raw("balancing", _BALANCING, flag=True),
    ),
    state=_STATE,
    alarms=(_ALARMS, _ALARM_WORDS),
    alarm_names=tuple(alarm.name for alarm in ALARMS),
    balancing_bitmap=(_BITMAP, _BITMAP_WORDS),
)
SETTINGS_FIELDS: Final = frozenset({"rated_capacity", "cell_reference_voltage"})


def frames_needed(command: int, count: int) -> int:
    """Return the frames of a numbered reply that carry ``count`` cells or probes."""
    return -(-count // _PER_FRAME[command])


def counts(status_data: bytes) -> tuple[int, int]:
    """Return the cell and probe counts of a 0x94 reply; zero where impossible."""
    cells, probes = status_data[0], status_data[1]
    return (cells if cells <= MAX_CELLS else 0, probes if probes <= MAX_PROBES else 0)


@dataclass(frozen=True, slots=True)
class A5Reading:
    """The replies that make up one status reading."""

    replies: dict[int, bytes]  # command: data bytes of a single-frame reply
    cell_frames: tuple[bytes, ...] = ()  # data bytes of the 0x95 frames, in order
    probe_frames: tuple[bytes, ...] = ()  # data bytes of the 0x96 frames, in order


def split_frames(stream: bytes | bytearray) -> list[A5Frame]:
    """Cut back-to-back frames apart, checking each."""
    if not stream or len(stream) % FRAME_LENGTH:
        raise DalyFrameError(f"A5 frames are {FRAME_LENGTH} bytes each, not {len(stream)} bytes")
    return [
        parse_a5_frame(stream[start : start + FRAME_LENGTH])
        for start in range(0, len(stream), FRAME_LENGTH)
    ]


def gather_reading(frames: Iterable[A5Frame]) -> A5Reading:
    """Sort the reply frames of one reading, in any order, into an A5Reading.

    Raises DalyFrameError for a frame that is not a reply of a reading, two different
    replies to one command, or a reading that lacks a reply it needs.
    """
    replies: dict[int, bytes] = {}
    numbered: dict[int, list[A5Frame]] = {command: [] for command in NUMBERED}
    for frame in frames:
        if frame.address != REPLY_ADDRESS:
            raise DalyFrameError(f"not a reply: address 0x{frame.address:02X}")
        command = frame.function
        if command in numbered:
            numbered[command].append(frame)
        elif command in _SINGLE:
            data = frame.raw[4:12]
            if replies.setdefault(command, data) != data:
                raise DalyFrameError(f"two different replies to 0x{command:02X}")
        else:
            raise DalyFrameError(f"0x{command:02X} is not part of a status reading")
    missing = sorted(_REQUIRED - replies.keys())
    if missing:
        names = ", ".join(f"0x{command:02X}" for command in missing)
        raise DalyFrameError(f"a status reading needs the replies to {names} as well")
    cells, probes = counts(replies[A5Command.STATUS])
    collected: list[tuple[bytes, ...]] = []
    for command, count in ((A5Command.CELL_VOLTAGES, cells), (A5Command.TEMPERATURES, probes)):
        reply = NumberedReply(command, frames_needed(command, count))
        for frame in numbered[command]:
            reply.add(frame)
        collected.append(reply.payloads())
    return A5Reading(replies, collected[0], collected[1])


def _words(data: bytes, count: int) -> list[int]:
    # Byte 0 bit 0 is the first bit, so pairs of bytes are little-endian words.
    return [data[2 * i] | data[2 * i + 1] << 8 for i in range(count)]


def _alarm_words(faults: bytes) -> list[int]:
    """Lay the fault bytes out as D2's alarm registers, most significant first.

    D2 register 0x3A holds the temperature alarms (A5 byte 1) above the voltage alarms
    (byte 0), 0x3B the difference alarms (byte 3) above current and SOC (byte 2), 0x3C
    the hardware faults (byte 5) above the MOS faults (byte 4), 0x3D the module faults
    (byte 6) in its low byte. Byte 7, a fault code, is not a set of bits.
    """
    return _words(faults[:7] + b"\0", _ALARM_WORDS)


def decode_reading(
    compiled: CompiledStatus, reading: A5Reading, limits: UnitLimits = NO_LIMITS
) -> DalyStatus:
    """Decode one A5 reading; a value the unit did not report, or an impossible one, is None."""
    regs = [0] * _REGISTERS
    replies = reading.replies
    status = replies[A5Command.STATUS]
    cells, probes = counts(status)
    regs[_CELL_COUNT], regs[_PROBE_COUNT] = cells, probes
    regs[_CYCLES] = int.from_bytes(status[5:7])

    voltages = [mv for data in reading.cell_frames for mv in _CELL_FRAME.unpack_from(data, 1)]
    # Slots past the cell count carry whatever the unit last left there.
    regs[_CELLS : _CELLS + cells] = voltages[:cells]
    temperatures = [raw for data in reading.probe_frames for raw in data[1:]]
    regs[_PROBES : _PROBES + probes] = temperatures[:probes]

    pack = replies[A5Command.PACK]
    regs[_VOLTAGE] = int.from_bytes(pack[0:2])
    # A5 counts current the other way round (discharge above the offset); mirrored about
    # the offset it reads like the other dialects: positive while charging.
    regs[_CURRENT] = 2 * CURRENT_OFFSET - int.from_bytes(pack[4:6])
    regs[_SOC] = int.from_bytes(pack[6:8])

    extremes = replies.get(A5Command.CELL_EXTREMES)
    if extremes is not None:
        regs[_CELL_MAX] = int.from_bytes(extremes[0:2])
        regs[_CELL_MIN] = int.from_bytes(extremes[3:5])

    mos = replies[A5Command.MOS]
    regs[_STATE], regs[_CHARGE_MOS], regs[_DISCHARGE_MOS] = mos[0], mos[1], mos[2]
    regs[_REMAINING] = int.from_bytes(mos[4:8])

    # Bits past the cell count are stale like the unused cell slots.
    bitmap = int.from_bytes(replies[A5Command.BALANCING][0:6], "little") & ((1 << cells) - 1)
    regs[_BITMAP : _BITMAP + _BITMAP_WORDS] = _words(bitmap.to_bytes(6, "little"), _BITMAP_WORDS)
    regs[_BALANCING] = int(bitmap != 0)

    regs[_ALARMS : _ALARMS + _ALARM_WORDS] = _alarm_words(replies[A5Command.FAULTS])
    return decode_status_registers(compiled, tuple(regs), limits)


def decode_rated(frame: A5Frame) -> DalySettings:
    """Decode the 0x50 reply: rated capacity and nominal cell voltage; A5 has no others."""
    if frame.command != A5Command.RATED or frame.address != REPLY_ADDRESS:
        raise DalyFrameError(f"not a reply to 0x50 (command 0x{frame.command:02X})")
    capacity_mah, cell_mv = struct.unpack(">II", frame.data)
    values = {"rated_capacity": capacity_mah / 1000, "cell_reference_voltage": cell_mv / 1000}
    return DalySettings(
        **plausible_settings(values),
        **dict.fromkeys(_SETTINGS_NOT_CARRIED),
    )


# DalySettings fields the A5 protocol has no reply for.
_SETTINGS_NOT_CARRIED: Final = (
    "battery_type",
    "sleep_time",
    "cell_overvoltage_warning",
    "cell_overvoltage_alarm",
    "cell_undervoltage_warning",
    "cell_undervoltage_alarm",
    "pack_overvoltage_warning",
    "pack_overvoltage_alarm",
    "pack_undervoltage_warning",
    "pack_undervoltage_alarm",
    "charge_overcurrent_warning",
    "charge_overcurrent_alarm",
    "discharge_overcurrent_warning",
    "discharge_overcurrent_alarm",
    "charge_overtemperature_warning",
    "charge_overtemperature_alarm",
    "charge_undertemperature_warning",
    "charge_undertemperature_alarm",
    "discharge_overtemperature_warning",
    "discharge_overtemperature_alarm",
    "discharge_undertemperature_warning",
    "discharge_undertemperature_alarm",
    "cell_delta_warning",
    "cell_delta_alarm",
    "balancing_start_voltage",
    "balancing_start_delta",
    "charge_mos",
    "discharge_mos",
    "mos_overtemperature",
)
