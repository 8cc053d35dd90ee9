"""Version strings as real units lay them out in their version blocks.

D2 (32 registers from 0xA9, 64 bytes): the software string in bytes 0-15; the hardware
string in bytes 16-31 on newer units, where a production date ``YYYYMMDD`` may follow at
32-39, or in bytes 32-47 on older units, which leave 16-31 zero. Some firmware stores the
software string reversed character by character (``T00K_321042_11`` for
``11_240123_K00T``).

p81 (74 registers from 0x178, 148 bytes): NUL-padded 14-byte fields at byte offsets 0
(software), 14 (hardware or model), 28 (firmware family) and 42 (serial number), and a
production date ``YYYYMMDD`` at offset 70. Everything else reads zero.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

D2_VERSION_REGISTERS = 32
P81_VERSION_REGISTERS = 74
D2_FIELD = 16
D2_DATE_OFFSET = 32
P81_FIELD = 14
P81_SOFTWARE, P81_HARDWARE, P81_FAMILY, P81_SERIAL = 0, 14, 28, 42
P81_DATE_OFFSET = 70
DATE_LENGTH = 8


class HardwareOffset(IntEnum):
    """Where a D2 unit keeps its hardware string in the version block."""

    NEWER = 16
    OLDER = 32


@dataclass(frozen=True, slots=True)
class VersionStrings:
    """What a unit says about itself; the strings as a person would read them.

    ``software_reversed`` stores the software string back to front, as some D2 and p81
    firmware does. ``hardware_offset`` matters to D2 only; ``family`` and ``serial_number``
    exist in the p81 block only. ``production_date`` is ``YYYYMMDD``; a D2 unit has room
    for it only with the hardware string at the newer offset.
    """

    software: str = ""
    hardware: str = ""
    family: str = ""
    serial_number: str = ""
    production_date: str = ""
    software_reversed: bool = False
    hardware_offset: HardwareOffset = HardwareOffset.NEWER

    def __post_init__(self) -> None:
        """Refuse strings that do not fit the fields real units have."""
        for name, text in (("software", self.software), ("hardware", self.hardware)):
            _check(name, text, D2_FIELD)
        for name, text in (("family", self.family), ("serial_number", self.serial_number)):
            _check(name, text, P81_FIELD)
        if self.production_date and not (
            len(self.production_date) == DATE_LENGTH and self.production_date.isdigit()
        ):
            raise ValueError(f"production date must be YYYYMMDD, got {self.production_date!r}")
        if self.production_date and self.hardware_offset is HardwareOffset.OLDER:
            raise ValueError("an older D2 unit keeps its hardware string where the date goes")

    @property
    def stored_software(self) -> str:
        """The software string as the unit stores it."""
        return self.software[::-1] if self.software_reversed else self.software

    def d2_block(self) -> list[int]:
        """The 32 registers of a D2 version read (0xA9-0xC8); ValueError if a field overflows."""
        raw = bytearray(2 * D2_VERSION_REGISTERS)
        _put(raw, 0, self.stored_software, D2_FIELD)
        _put(raw, self.hardware_offset, self.hardware, D2_FIELD)
        _put(raw, D2_DATE_OFFSET, self.production_date, DATE_LENGTH)
        return _registers(raw)

    def p81_block(self) -> list[int]:
        """The 74 registers of a p81 version read (0x178-0x1C1); ValueError on overflow."""
        raw = bytearray(2 * P81_VERSION_REGISTERS)
        _put(raw, P81_SOFTWARE, self.stored_software, P81_FIELD)
        _put(raw, P81_HARDWARE, self.hardware, P81_FIELD)
        _put(raw, P81_FAMILY, self.family, P81_FIELD)
        _put(raw, P81_SERIAL, self.serial_number, P81_FIELD)
        _put(raw, P81_DATE_OFFSET, self.production_date, DATE_LENGTH)
        return _registers(raw)


def _check(name: str, text: str, size: int) -> None:
    if len(text) > size or not text.isascii() or "\0" in text:
        raise ValueError(f"{name} must be at most {size} ASCII characters, got {text!r}")


def _put(raw: bytearray, offset: int, text: str, size: int) -> None:
    if len(text) > size:
        raise ValueError(f"{text!r} does not fit a field of {size} bytes")
    data = text.encode("ascii")
    raw[offset : offset + len(data)] = data


def _registers(raw: bytes | bytearray) -> list[int]:
    return [int.from_bytes(raw[i : i + 2], "big") for i in range(0, len(raw), 2)]
