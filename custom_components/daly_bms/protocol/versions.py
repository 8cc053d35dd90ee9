"""Version strings as real units lay them out: where each string sits, and which way round.

D2 (32 registers from 0xA9, 64 bytes): software in bytes 0-15; hardware in bytes 16-31 on
newer units, where a production date ``YYYYMMDD`` may follow at 32-39, or in bytes 32-47
on older units, which leave 16-31 empty. p81 (74 registers from 0x178, 148 bytes):
14-byte fields at 0 (software), 14 (hardware or model), 28 (firmware family), 42 (serial
number), and a production date ``YYYYMMDD`` at 70.

Some firmware stores the software string back to front (``T00K_321042_11`` for
``11_240123_K00T``: version 11, built 2024-01-23); it is shown the right way round.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
import re
from typing import Final

D2_BYTES: Final = 64
P81_BYTES: Final = 148
_D2_FIELD: Final = 16
_D2_HARDWARE_NEWER: Final = 16
_D2_HARDWARE_OLDER: Final = 32
_D2_DATE: Final = 32
_P81_FIELD: Final = 14
_P81_SOFTWARE, _P81_HARDWARE, _P81_FAMILY, _P81_SERIAL = 0, 14, 28, 42
_P81_DATE: Final = 70
_DATE_LENGTH: Final = 8
# A version string as the firmware names itself: version, build date YYMMDD, a code
# (``11_240123_K00T``). Stored back to front it starts with the code and ends in digits.
_FORWARD: Final = re.compile(r"^\d+_(\d{6})_[0-9A-Za-z.]*[A-Za-z][0-9A-Za-z.]*$")
_PRINTABLE: Final = frozenset(range(0x20, 0x7F))


@dataclass(frozen=True, slots=True, kw_only=True)
class VersionStrings:
    """What a unit says about itself; None where it says nothing readable."""

    software: str | None
    hardware: str | None
    firmware_family: str | None = None
    serial_number: str | None = None
    production_date: date | None = None


def text(raw: bytes) -> str | None:
    """Return a NUL-padded ASCII field as text; None when empty or not printable ASCII."""
    value = raw.split(b"\0", 1)[0]
    if not value or not set(value) <= _PRINTABLE:
        return None
    return value.decode("ascii").strip() or None


def software(raw: bytes) -> str | None:
    """Return a software string, turned the right way round if the unit stored it reversed."""
    value = text(raw)
    if value is None:
        return None
    reversed_value = value[::-1]
    if (
        not _FORWARD.match(value)
        and (match := _FORWARD.match(reversed_value)) is not None
        and _build_date(match.group(1)) is not None
    ):
        return reversed_value
    return value


def _build_date(yymmdd: str) -> date | None:
    try:
        return date(2000 + int(yymmdd[:2]), int(yymmdd[2:4]), int(yymmdd[4:]))
    except ValueError:
        return None


def production_date(raw: bytes) -> date | None:
    """Return a ``YYYYMMDD`` field as a date; None unless it is one."""
    if len(raw) != _DATE_LENGTH or not raw.isdigit():
        return None
    try:
        return date(int(raw[:4]), int(raw[4:6]), int(raw[6:]))
    except ValueError:
        return None


def decode_d2(payload: bytes) -> VersionStrings:
    """Decode the 64 bytes of a D2 version read."""
    newer = payload[_D2_HARDWARE_NEWER : _D2_HARDWARE_NEWER + _D2_FIELD]
    if any(newer):
        return VersionStrings(
            software=software(payload[:_D2_FIELD]),
            hardware=text(newer),
            production_date=production_date(payload[_D2_DATE : _D2_DATE + _DATE_LENGTH]),
        )
    # Older units leave bytes 16-31 empty and keep the hardware string at 32.
    return VersionStrings(
        software=software(payload[:_D2_FIELD]),
        hardware=text(payload[_D2_HARDWARE_OLDER : _D2_HARDWARE_OLDER + _D2_FIELD]),
    )


def decode_p81(payload: bytes) -> VersionStrings:
    """Decode the 148 bytes of a p81 version read."""

    def field(offset: int) -> bytes:
        return payload[offset : offset + _P81_FIELD]

    return VersionStrings(
        software=software(field(_P81_SOFTWARE)),
        hardware=text(field(_P81_HARDWARE)),
        firmware_family=text(field(_P81_FAMILY)),
        serial_number=text(field(_P81_SERIAL)),
        production_date=production_date(payload[_P81_DATE : _P81_DATE + _DATE_LENGTH]),
    )
