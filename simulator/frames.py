"""Request parsing and reply building for the Modbus-like Daly framing."""

from __future__ import annotations

from dataclasses import dataclass
import struct

from .crc import crc_ok, with_crc

READ = 0x03
WRITE_SINGLE = 0x06
WRITE_MULTIPLE = 0x10
# The reply's length byte counts data bytes, so one read returns at most 127 registers.
MAX_READ_COUNT = 127


@dataclass(frozen=True, slots=True)
class Request:
    """One well-formed request; ``values`` holds the written registers."""

    address: int
    function: int
    register: int
    count: int
    values: tuple[int, ...] = ()


def parse_request(frame: bytes) -> Request | None:
    """Decode ``frame``; None for anything the firmware would not act on."""
    if len(frame) < 8 or not crc_ok(frame):
        return None
    address, function, register, word = struct.unpack_from(">BBHH", frame)
    if function == READ:
        if len(frame) != 8 or not 1 <= word <= MAX_READ_COUNT:
            return None
        return Request(address, function, register, word)
    if function == WRITE_SINGLE:
        if len(frame) != 8:
            return None
        return Request(address, function, register, 1, (word,))
    if function == WRITE_MULTIPLE:
        # No byte-count byte in this dialect: the count alone gives the length.
        if word < 1 or len(frame) != 8 + 2 * word:
            return None
        values = struct.unpack_from(f">{word}H", frame, 6)
        return Request(address, function, register, word, values)
    return None


def read_reply(address: int, registers: list[int]) -> bytes:
    """``address 03 LEN data CRC``."""
    data = struct.pack(f">{len(registers)}H", *registers)
    return with_crc(bytes((address, READ, len(data))) + data)


def write_single_reply(address: int, register: int, value: int) -> bytes:
    """The echo of a single-register write."""
    return with_crc(struct.pack(">BBHH", address, WRITE_SINGLE, register, value))


def write_multiple_reply(address: int, register: int, count: int) -> bytes:
    """``address 10 RH RL NH NL CRC``."""
    return with_crc(struct.pack(">BBHH", address, WRITE_MULTIPLE, register, count))
