"""The legacy A5 dialect: its requests, how a reading is gathered, and its decoding.

A reading is several request/reply exchanges, one per command. The single-frame replies
are laid out in one flat tuple of "registers" (the table below), which the shared status
decoder walks like the register file of the other dialects, so plausibility and derived
values are the same for every dialect.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import IntEnum
import logging
import struct
from typing import Final

from .a5_frames import A5Frame, encode_a5, parse_a5_frame
from .alarms import D2_ALARM_BITS
from .decode import _decode_registers
from .errors import DalyFrameError
from .models import DalySettings, DalyStatus, Dialect
from .tables import CURRENT_OFFSET, Raw, Scaled, StatusLayout

_LOGGER = logging.getLogger(__name__)


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
_REQUIRED: Final = frozenset(
    {A5Command.PACK, A5Command.MOS, A5Command.STATUS, A5Command.BALANCING, A5Command.FAULTS}
)
_OPTIONAL: Final = frozenset({A5Command.CELL_EXTREMES, A5Command.TEMPERATURE_EXTREMES})

MAX_CELLS: Final = 48
MAX_PROBES: Final = 16
CELLS_PER_FRAME: Final = 3
PROBES_PER_FRAME: Final = 7
_INVALID_FRAME_NUMBER: Final = 0xFF
_CELL_FRAME: Final = struct.Struct(">3H")

# Byte 6 of the fault reply has D2's bits 0-3 in the same places but leaves bits 4-7
# reserved, and byte 7 is a fault code rather than bits; everything else lines up with
# D2's alarm word (see _alarm_words).
A5_ALARM_BITS: Final[tuple[str, ...]] = tuple(
    f"reserved_bit_{bit}" if 4 <= bit <= 15 else name for bit, name in enumerate(D2_ALARM_BITS)
)

# The flat register tuple of one reading.
_CELLS: Final = 0
_PROBES: Final = _CELLS + MAX_CELLS
_VOLTAGE: Final = _PROBES + MAX_PROBES
_CURRENT: Final = _VOLTAGE + 1
_SOC: Final = _CURRENT + 1
_CELL_MAX: Final = _SOC + 1
_CELL_MIN: Final = _CELL_MAX + 1
_REMAINING: Final = _CELL_MIN + 1
_CELL_COUNT: Final = _REMAINING + 1
_PROBE_COUNT: Final = _CELL_COUNT + 1
_CYCLES: Final = _PROBE_COUNT + 1
_STATE: Final = _CYCLES + 1
_CHARGE_MOS: Final = _STATE + 1
_DISCHARGE_MOS: Final = _CHARGE_MOS + 1
_BALANCING: Final = _DISCHARGE_MOS + 1
_ALARMS: Final = _BALANCING + 1
_ALARM_WORDS: Final = 4
_BITMAP: Final = _ALARMS + _ALARM_WORDS
_BITMAP_WORDS: Final = 3
_REGISTERS: Final = _BITMAP + _BITMAP_WORDS

A5_STATUS: Final = StatusLayout(
    dialect=Dialect.A5,
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
        Raw("cycles", _CYCLES),
        Raw("charge_mos", _CHARGE_MOS, flag=True),
        Raw("discharge_mos", _DISCHARGE_MOS, flag=True),
        Raw("balancing", _BALANCING, flag=True),
    ),
    state=_STATE,
    alarms=(_ALARMS, _ALARM_WORDS),
    alarm_bits=A5_ALARM_BITS,
    balancing_bitmap=(_BITMAP, _BITMAP_WORDS),
)


def request(command: int, host_address: int, data: bytes = b"") -> bytes:
    """Encode a request from the host at ``host_address``."""
    return encode_a5(host_address, command, data)


def mos_command(command: int, on: bool, host_address: int) -> bytes:
    """Switch the discharge (0xD9) or charge (0xDA) MOSFET: data byte 0 is 1 or 0."""
    if command not in (A5Command.DISCHARGE_MOS, A5Command.CHARGE_MOS):
        raise ValueError(f"0x{command:02X} is not a MOS command")
    return encode_a5(host_address, command, bytes((int(on),)))


def set_soc_command(soc: float, now: datetime, host_address: int) -> bytes:
    """Set the SOC in percent; the same command sets the unit's clock to ``now``."""
    if not 0.0 <= soc <= 100.0:
        raise ValueError(f"SOC {soc} outside 0..100 %")
    if not 2000 <= now.year <= 2255:
        raise ValueError(f"the unit's clock cannot hold the year {now.year}")
    clock = (now.year - 2000, now.month, now.day, now.hour, now.minute, now.second)
    return encode_a5(host_address, A5Command.SET_SOC, bytes(clock) + round(soc * 10).to_bytes(2))


def frames_needed(command: int, count: int) -> int:
    """Frames of a numbered reply that carry ``count`` cells or probes."""
    per_frame = CELLS_PER_FRAME if command == A5Command.CELL_VOLTAGES else PROBES_PER_FRAME
    return -(-count // per_frame)


class NumberedReply:
    """Gathers the numbered frames of one 0x95 / 0x96 reply until the needed ones are in.

    Frames are numbered from 1 on every unit seen; the vendor's document says from 0, so a
    reply that holds a frame 0 is read from 0 (and the caller remembers that for the
    unit). A reply may carry more frames than needed (room for 48 cells on a 16-cell
    pack); those carry stale bytes and are ignored, as are frames marked invalid (0xFF).
    """

    __slots__ = ("_frames", "command", "first_number", "needed")

    def __init__(self, command: int, needed: int, *, first_number: int = 1) -> None:
        """Wait for ``needed`` frames of ``command``."""
        self.command = command
        self.needed = needed
        self.first_number = first_number
        self._frames: dict[int, bytes] = {}

    def add(self, frame: A5Frame) -> bool:
        """Take a frame if it belongs here; return True once the reply is complete."""
        if frame.command == self.command:
            number = frame.data[0]
            if number == 0:
                self.first_number = 0
            if number != _INVALID_FRAME_NUMBER:
                # The first copy wins: a garbled tail may repeat a number with garbage.
                self._frames.setdefault(number, frame.data)
        return self.complete

    @property
    def complete(self) -> bool:
        """Whether every needed frame has arrived."""
        first = self.first_number
        return all(number in self._frames for number in range(first, first + self.needed))

    def payloads(self) -> tuple[bytes, ...]:
        """Data bytes of the needed frames, first cells or probes first."""
        if not self.complete:
            raise DalyFrameError(f"reply to 0x{self.command:02X} is missing frames")
        first = self.first_number
        return tuple(self._frames[number] for number in range(first, first + self.needed))


@dataclass(frozen=True, slots=True)
class A5Reading:
    """The replies that make up one status reading."""

    replies: dict[int, bytes]  # command: data bytes of a single-frame reply
    cell_frames: tuple[bytes, ...] = ()  # data bytes of the 0x95 frames, in order
    probe_frames: tuple[bytes, ...] = ()  # data bytes of the 0x96 frames, in order


def counts(status_data: bytes) -> tuple[int, int]:
    """Cell and probe counts from a 0x94 reply; zero where the value is impossible."""
    cells, probes = status_data[0], status_data[1]
    return (cells if cells <= MAX_CELLS else 0, probes if probes <= MAX_PROBES else 0)


def gather_reading(frames: Iterable[bytes | bytearray | A5Frame]) -> A5Reading:
    """Sort the frames of one reading, given in any order, into an A5Reading.

    Raises DalyFrameError for a frame that is not a valid reply, two different replies to
    one command, or a reading that lacks a reply it needs.
    """
    replies: dict[int, bytes] = {}
    numbered: dict[int, list[A5Frame]] = {A5Command.CELL_VOLTAGES: [], A5Command.TEMPERATURES: []}
    for item in frames:
        frame = item if isinstance(item, A5Frame) else parse_a5_frame(item)
        if frame.address != 0x01:
            raise DalyFrameError(f"not a reply: address 0x{frame.address:02X}")
        if frame.command in numbered:
            numbered[frame.command].append(frame)
        elif frame.command in _REQUIRED or frame.command in _OPTIONAL:
            if replies.setdefault(frame.command, frame.data) != frame.data:
                raise DalyFrameError(f"two different replies to 0x{frame.command:02X}")
        else:
            raise DalyFrameError(f"0x{frame.command:02X} is not part of a status reading")
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


def decode_a5_status(reading: A5Reading) -> DalyStatus:
    """Decode one A5 reading into a DalyStatus; a value the unit did not report is None."""
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
    return _decode_registers(A5_STATUS, tuple(regs))


def _alarm_words(faults: bytes) -> list[int]:
    """Lay the fault bytes out as D2's alarm registers, most significant first.

    D2 register 0x3A holds the temperature alarms (A5 byte 1) above the voltage alarms
    (byte 0), 0x3B the difference alarms (byte 3) above current and SOC (byte 2), 0x3C
    the hardware faults (byte 5) above the MOS faults (byte 4), 0x3D the module faults
    (byte 6) in its low byte. Byte 7, a fault code, is not a set of bits.
    """
    return _words(faults[:7] + b"\0", _ALARM_WORDS)


def decode_a5_settings(rated: bytes | bytearray | A5Frame) -> DalySettings:
    """Decode the 0x50 reply: rated capacity and nominal cell voltage; A5 has no others."""
    frame = rated if isinstance(rated, A5Frame) else parse_a5_frame(rated)
    if frame.command != A5Command.RATED or frame.address != 0x01:
        raise DalyFrameError(f"not a reply to 0x50 (command 0x{frame.command:02X})")
    capacity_mah, cell_mv = struct.unpack(">II", frame.data)
    return DalySettings(
        rated_capacity=capacity_mah / 1000 if capacity_mah else None,
        cell_reference_voltage=cell_mv / 1000 if 0 < cell_mv <= 5000 else None,
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
