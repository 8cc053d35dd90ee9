"""CRC-16/MODBUS (reflected polynomial 0xA001, initial value 0xFFFF)."""

from __future__ import annotations

from array import array
import struct
from typing import Final

_POLY: Final = 0xA001


def _byte_table() -> tuple[int, ...]:
    table: list[int] = []
    for index in range(256):
        crc = index
        for _ in range(8):
            crc = (crc >> 1) ^ _POLY if crc & 1 else crc >> 1
        table.append(crc)
    return tuple(table)


_BYTE_TABLE: Final = _byte_table()


def _word_table() -> array[int]:
    # The register is 16 bits wide, so XOR-ing in two bytes (little-endian, because the
    # CRC is reflected) and shifting 16 times depends on nothing but that 16-bit value.
    # One lookup per byte pair halves the interpreter work; an unsigned-short array keeps
    # the 65536 entries at 128 KiB instead of a few MiB of int objects.
    table = _BYTE_TABLE

    def sixteen_shifts(value: int) -> int:
        crc = (value >> 8) ^ table[value & 0xFF]
        return (crc >> 8) ^ table[crc & 0xFF]

    # The shifts are linear over GF(2), so entry (high << 8 | low) is the XOR of the
    # entries for its two bytes; that builds the table in a fraction of the time.
    low = [sixteen_shifts(byte) for byte in range(256)]
    words = array("H")
    for high in range(256):
        base = sixteen_shifts(high << 8)
        words.extend([base ^ entry for entry in low])
    return words


_WORD_TABLE: Final = _word_table()
_WORD_STRUCTS: Final = tuple(struct.Struct(f"<{count}H") for count in range(131))


def crc16_modbus(data: bytes | bytearray | memoryview) -> int:
    """Return the CRC-16/MODBUS of ``data``."""
    crc = 0xFFFF
    start = len(data) & 1
    if start:
        crc = (crc >> 8) ^ _BYTE_TABLE[(crc ^ data[0]) & 0xFF]
    words = (len(data) - start) >> 1
    if words < len(_WORD_STRUCTS):
        unpacked = _WORD_STRUCTS[words].unpack_from(data, start)
    else:
        unpacked = struct.unpack_from(f"<{words}H", data, start)
    table = _WORD_TABLE
    for word in unpacked:
        crc = table[crc ^ word]
    return crc


def crc_bytes(data: bytes | bytearray) -> bytes:
    """Return the two CRC bytes to append to ``data`` (low byte first)."""
    return crc16_modbus(data).to_bytes(2, "little")


def has_valid_crc(frame: bytes | bytearray | memoryview) -> bool:
    """Tell whether ``frame`` ends with the correct CRC of what precedes it."""
    # Running the CRC over a frame including its own low-byte-first CRC leaves zero.
    return len(frame) >= 3 and crc16_modbus(frame) == 0
