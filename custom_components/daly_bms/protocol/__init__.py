"""Daly Smart BMS Bluetooth protocol: frames, dialects, decoding and an asyncio client.

Pure asyncio + bleak; nothing here depends on Home Assistant. The protocol is the single
source of what a unit is and can do: its dialect's `Capabilities`, alarm severities,
plausibility bounds and derived values all live here.
"""

from __future__ import annotations

from .a5 import A5
from .alarms import ALARM_NAMES, alarm_severity, most_severe, needs_attention
from .client import DalyClient
from .const import (
    ALT_NOTIFY_UUID,
    ALT_SERVICE_UUID,
    ALT_WRITE_UUID,
    NOTIFY_UUID,
    SERVICE_UUID,
    WRITE_UUID,
)
from .crc import crc16_modbus
from .d2 import D2, status_request as d2_status_request
from .dialects import (
    DIALECTS,
    DialectSpec,
    capabilities_of,
    decode_device_info,
    decode_settings,
    decode_status,
    device_info_request,
    dialect_spec,
    settings_request,
)
from .errors import (
    DalyCommandError,
    DalyConnectionError,
    DalyError,
    DalyFrameError,
    DalyNotRecognizedError,
    DalyNotSupportedError,
    DalySettingNotFollowedError,
    DalySettingRangeError,
    DalyTimeoutError,
)
from .frames import (
    Frame,
    FrameAssembler,
    encode_read,
    encode_write_multiple,
    encode_write_single,
    parse_frame,
)
from .memory import UnitMemory
from .models import (
    Alarm,
    AlarmSeverity,
    BatteryState,
    BatteryType,
    Capabilities,
    DalyDeviceInfo,
    DalySettings,
    DalyStatus,
    Dialect,
    MosBank,
)
from .p81 import P81, status_requests as p81_status_requests
from .plausibility import BOUNDS, Bound, ReadingGuard, UnitLimits
from .settings import NEVER_SLEEP, Setting, SettingKind

__all__ = [
    "A5",
    "ALARM_NAMES",
    "ALT_NOTIFY_UUID",
    "ALT_SERVICE_UUID",
    "ALT_WRITE_UUID",
    "BOUNDS",
    "D2",
    "DIALECTS",
    "NEVER_SLEEP",
    "NOTIFY_UUID",
    "P81",
    "SERVICE_UUID",
    "WRITE_UUID",
    "Alarm",
    "AlarmSeverity",
    "BatteryState",
    "BatteryType",
    "Bound",
    "Capabilities",
    "DalyClient",
    "DalyCommandError",
    "DalyConnectionError",
    "DalyDeviceInfo",
    "DalyError",
    "DalyFrameError",
    "DalyNotRecognizedError",
    "DalyNotSupportedError",
    "DalySettingNotFollowedError",
    "DalySettingRangeError",
    "DalySettings",
    "DalyStatus",
    "DalyTimeoutError",
    "Dialect",
    "DialectSpec",
    "Frame",
    "FrameAssembler",
    "MosBank",
    "ReadingGuard",
    "Setting",
    "SettingKind",
    "UnitLimits",
    "UnitMemory",
    "alarm_severity",
    "capabilities_of",
    "crc16_modbus",
    "d2_status_request",
    "decode_device_info",
    "decode_settings",
    "decode_status",
    "device_info_request",
    "dialect_spec",
    "encode_read",
    "encode_write_multiple",
    "encode_write_single",
    "most_severe",
    "needs_attention",
    "p81_status_requests",
    "parse_frame",
    "settings_request",
]
