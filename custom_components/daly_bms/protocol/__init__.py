"""Daly Smart BMS Bluetooth protocol: frames, decoding and an asyncio client.

Pure asyncio + bleak; nothing here depends on Home Assistant.
"""

from __future__ import annotations

from .alarms import ALARM_NAMES, D2_ALARM_BITS, P81_ALARM_BITS
from .client import (
    ALT_NOTIFY_UUID,
    ALT_SERVICE_UUID,
    ALT_WRITE_UUID,
    NOTIFY_UUID,
    SERVICE_UUID,
    WRITE_UUID,
    DalyClient,
)
from .commands import (
    balancer_command,
    charge_mos_command,
    d2_status_request,
    device_info_request,
    discharge_mos_command,
    p81_status_requests,
    settings_request,
)
from .crc import crc16_modbus
from .decode import decode_device_info, decode_settings, decode_status
from .errors import (
    DalyCommandError,
    DalyConnectionError,
    DalyError,
    DalyFrameError,
    DalyNotSupportedError,
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
from .models import (
    BatteryState,
    BatteryType,
    DalyDeviceInfo,
    DalySettings,
    DalyStatus,
    Dialect,
)

__all__ = [
    "ALARM_NAMES",
    "ALT_NOTIFY_UUID",
    "ALT_SERVICE_UUID",
    "ALT_WRITE_UUID",
    "D2_ALARM_BITS",
    "NOTIFY_UUID",
    "P81_ALARM_BITS",
    "SERVICE_UUID",
    "WRITE_UUID",
    "BatteryState",
    "BatteryType",
    "DalyClient",
    "DalyCommandError",
    "DalyConnectionError",
    "DalyDeviceInfo",
    "DalyError",
    "DalyFrameError",
    "DalyNotSupportedError",
    "DalySettings",
    "DalyStatus",
    "DalyTimeoutError",
    "Dialect",
    "Frame",
    "FrameAssembler",
    "balancer_command",
    "charge_mos_command",
    "crc16_modbus",
    "d2_status_request",
    "decode_device_info",
    "decode_settings",
    "decode_status",
    "device_info_request",
    "discharge_mos_command",
    "encode_read",
    "encode_write_multiple",
    "encode_write_single",
    "p81_status_requests",
    "parse_frame",
    "settings_request",
]
