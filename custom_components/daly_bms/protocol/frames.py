"""Modbus-like frames: request encoders, single-frame parsing and stream reassembly."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
import struct
from typing import Final

from .const import (
    FUNCTION_READ,
    FUNCTION_WRITE_MULTIPLE,
    FUNCTION_WRITE_SINGLE,
    MODBUS_REPLY_ADDRESSES,
)
from .crc import crc16_modbus, crc_bytes
from .errors import DalyFrameError

# A read reply carries its length in one byte and registers are two bytes each, so the
# longest possible frame is header (3) + 254 data bytes + CRC (2).
MAX_READ_REGISTERS: Final = 127
MAX_FRAME_LENGTH: Final = 3 + 2 * MAX_READ_REGISTERS + 2
_WRITE_REPLY_LENGTH: Final = 8
_HEADER: Final = struct.Struct(">BBHH")


@dataclass(frozen=True, slots=True)
class Frame:
    """One complete frame whose shape and CRC have been checked."""

    address: int
    function: int
    raw: bytes

    @property
    def payload(self) -> bytes:
        """Register data of a read reply; register and value/count of a write reply."""
        if self.function == FUNCTION_READ:
            return self.raw[3:-2]
        return self.raw[2:6]

    @property
    def register_count(self) -> int:
        """Registers carried by a read reply, or the count echoed by a write-multiple."""
        if self.function == FUNCTION_READ:
            return self.raw[2] >> 1
        return int.from_bytes(self.raw[4:6], "big")

    @property
    def register(self) -> int | None:
        """First register of a write reply; read replies do not name it."""
        if self.function == FUNCTION_READ:
            return None
        return int.from_bytes(self.raw[2:4], "big")


def _check_range(name: str, value: int, low: int, high: int) -> None:
    if not low <= value <= high:
        raise ValueError(f"{name} {value} outside {low}..{high}")


def encode_read(address: int, register: int, count: int) -> bytes:
    """Encode a read-holding-registers request (function 0x03)."""
    _check_range("address", address, 0, 0xFF)
    _check_range("register", register, 0, 0xFFFF)
    _check_range("count", count, 1, MAX_READ_REGISTERS)
    body = _HEADER.pack(address, FUNCTION_READ, register, count)
    return body + crc_bytes(body)


def encode_write_single(address: int, register: int, value: int) -> bytes:
    """Encode a write-single-register request (function 0x06)."""
    _check_range("address", address, 0, 0xFF)
    _check_range("register", register, 0, 0xFFFF)
    _check_range("value", value, 0, 0xFFFF)
    body = _HEADER.pack(address, FUNCTION_WRITE_SINGLE, register, value)
    return body + crc_bytes(body)


def encode_write_multiple(address: int, register: int, values: Sequence[int]) -> bytes:
    """Encode a write-multiple-registers request (function 0x10, no byte-count byte)."""
    _check_range("address", address, 0, 0xFF)
    _check_range("register", register, 0, 0xFFFF)
    _check_range("count", len(values), 1, MAX_READ_REGISTERS)
    for value in values:
        _check_range("value", value, 0, 0xFFFF)
    body = _HEADER.pack(address, FUNCTION_WRITE_MULTIPLE, register, len(values))
    body += struct.pack(f">{len(values)}H", *values)
    return body + crc_bytes(body)


def parse_frame(data: bytes | bytearray) -> Frame:
    """Check that ``data`` is exactly one reply frame and return it."""
    if len(data) < 5:
        raise DalyFrameError(f"frame too short ({len(data)} bytes)")
    address, function = data[0], data[1]
    if address not in MODBUS_REPLY_ADDRESSES:
        raise DalyFrameError(f"unexpected address 0x{address:02X}")
    if function == FUNCTION_READ:
        if data[2] & 1:
            raise DalyFrameError(f"odd read length {data[2]}")
        expected = data[2] + 5
    elif function in (FUNCTION_WRITE_SINGLE, FUNCTION_WRITE_MULTIPLE):
        expected = _WRITE_REPLY_LENGTH
    else:
        raise DalyFrameError(f"unexpected function 0x{function:02X}")
    if len(data) != expected:
        raise DalyFrameError(f"frame is {len(data)} bytes, its header says {expected}")
    if crc16_modbus(data):
        raise DalyFrameError("bad CRC")
    return Frame(address, function, bytes(data))


class FrameAssembler:
    """Turn a stream of notification chunks into checked frames.

    Chunks may split frames, carry several frames, or carry text from the radio module.
    Candidates start at a reply address followed by a known function; the function tells
    the length. A candidate whose CRC fails is abandoned one byte at a time. A candidate
    still waiting for bytes is given up as soon as a complete valid frame turns up after
    it, so a truncated frame cannot hold back the good one behind it. Between calls the
    buffer never holds more than one incomplete candidate, i.e. at most
    ``MAX_FRAME_LENGTH`` bytes.
    """

    __slots__ = ("_addresses", "_buffer")

    def __init__(self, addresses: Iterable[int] = MODBUS_REPLY_ADDRESSES) -> None:
        """Accept frames from the given reply addresses."""
        self._addresses = frozenset(addresses)
        self._buffer = bytearray()

    def __len__(self) -> int:
        """Bytes held back waiting for the rest of a frame."""
        return len(self._buffer)

    def reset(self) -> None:
        """Forget any partial frame."""
        self._buffer.clear()

    def feed(self, chunk: bytes | bytearray) -> list[Frame]:
        """Add a chunk and return the frames it completed, oldest first."""
        buffer = self._buffer
        buffer += chunk
        addresses = self._addresses
        size = len(buffer)
        frames: list[Frame] = []
        pending = -1
        index = 0
        while index < size:
            if buffer[index] not in addresses:
                index += 1
                continue
            if index + 2 >= size:
                # Too few bytes to know the length yet; everything after is shorter still.
                if pending < 0:
                    pending = index
                break
            function = buffer[index + 1]
            if function == FUNCTION_READ:
                length = buffer[index + 2]
                if length & 1:
                    index += 1
                    continue
                end = index + length + 5
            elif function in (FUNCTION_WRITE_SINGLE, FUNCTION_WRITE_MULTIPLE):
                end = index + _WRITE_REPLY_LENGTH
            else:
                index += 1
                continue
            if end > size:
                if pending < 0:
                    pending = index
                index += 1
                continue
            candidate = bytes(buffer[index:end])
            if crc16_modbus(candidate):
                index += 1
                continue
            frames.append(Frame(candidate[0], function, candidate))
            pending = -1
            index = end
        del buffer[: pending if pending >= 0 else size]
        return frames
