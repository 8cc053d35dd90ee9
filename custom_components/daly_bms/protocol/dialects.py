"""The registry of dialects: which exist, in which order a unit is asked, which decodes what.

A new dialect is a module with a `DialectSpec` and one line in `DIALECTS`.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

from .a5 import A5
from .d2 import D2
from .dialect import DialectSpec, Exchange, FrameInput
from .errors import DalyFrameError
from .frames import Frame
from .models import AlarmSeverity, Capabilities, DalyDeviceInfo, DalySettings, DalyStatus, Dialect
from .p81 import P81
from .plausibility import NO_LIMITS, UnitLimits

# Asked in this order when nothing is known about a unit.
DIALECTS: Final[tuple[DialectSpec, ...]] = (D2, P81, A5)

_BY_DIALECT: Final = {spec.dialect: spec for spec in DIALECTS}
# First byte of a reply -> its dialect; the earlier dialect wins should two share one.
_BY_REPLY: Final = {
    address: spec
    for spec in reversed(DIALECTS)
    for address in range(256)
    if spec.replies_with(address)
}

ALARM_SEVERITY: Final[Mapping[str, AlarmSeverity]] = MappingProxyType(
    {alarm.name: alarm.severity for spec in DIALECTS for alarm in spec.alarms}
)
"""Severity of every alarm name any dialect reports."""


def dialect_spec(dialect: Dialect) -> DialectSpec:
    """Return the module-level description of `dialect`."""
    return _BY_DIALECT[dialect]


def capabilities_of(dialect: Dialect) -> Capabilities:
    """Return what `dialect` reports and can change."""
    return _BY_DIALECT[dialect].capabilities


def _spec_of_reply(frame: FrameInput) -> DialectSpec | None:
    if isinstance(frame, Frame):
        address = frame.address
    elif frame:
        address = frame[0]
    else:
        return None
    return _BY_REPLY.get(address)


def _not_a(what: str, frame: FrameInput) -> DalyFrameError:
    if isinstance(frame, Frame):
        return DalyFrameError(f"not a {what} reply (address 0x{frame.address:02X})")
    if not frame:
        return DalyFrameError("frame too short (0 bytes)")
    return DalyFrameError(f"not a {what} reply (unexpected address 0x{frame[0]:02X})")


def decode_status(
    frame: FrameInput, block2: FrameInput | None = None, *, limits: UnitLimits = NO_LIMITS
) -> DalyStatus:
    """Decode a status reply: one D2 frame, or p81 block 1 plus block 2.

    Raises DalyFrameError when a frame has a bad CRC or is not a status reply.
    """
    spec = _spec_of_reply(frame)
    if spec is None:
        raise _not_a("status", frame)
    return spec.decode_status(frame, block2, limits=limits)


def decode_settings(frame: FrameInput) -> DalySettings:
    """Decode the settings reply of any dialect."""
    spec = _spec_of_reply(frame)
    if spec is None:
        raise _not_a("settings", frame)
    return spec.decode_settings(frame)


def decode_device_info(frame: FrameInput) -> DalyDeviceInfo:
    """Decode the version-string reply of any dialect."""
    spec = _spec_of_reply(frame)
    if spec is None:
        raise _not_a("version", frame)
    return spec.decode_device_info(frame)


def settings_request(dialect: Dialect) -> bytes:
    """Return the request for the settings block of `dialect`."""
    return _BY_DIALECT[dialect].settings_request()


def device_info_request(dialect: Dialect) -> bytes:
    """Return the request for the version strings of `dialect`."""
    return _BY_DIALECT[dialect].device_info_request()


__all__ = [
    "ALARM_SEVERITY",
    "DIALECTS",
    "DialectSpec",
    "Exchange",
    "capabilities_of",
    "decode_device_info",
    "decode_settings",
    "decode_status",
    "device_info_request",
    "dialect_spec",
    "settings_request",
]
