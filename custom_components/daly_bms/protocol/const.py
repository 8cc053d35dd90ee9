"""Numbers of the Daly wire protocol that several modules need, declared once."""

from __future__ import annotations

from typing import Final


def _uuid16(short: str) -> str:
    return f"0000{short}-0000-1000-8000-00805f9b34fb"


# GATT: requests are written to the write characteristic, answers come as notifications.
SERVICE_UUID: Final = _uuid16("fff0")
NOTIFY_UUID: Final = _uuid16("fff1")
WRITE_UUID: Final = _uuid16("fff2")
# Newer firmware offers this pair as well; some units only this one.
ALT_SERVICE_UUID: Final = _uuid16("ff00")
ALT_NOTIFY_UUID: Final = _uuid16("ff01")
ALT_WRITE_UUID: Final = _uuid16("ff02")
CHARACTERISTIC_PAIRS: Final = ((NOTIFY_UUID, WRITE_UUID), (ALT_NOTIFY_UUID, ALT_WRITE_UUID))

# Modbus-like framing shared by the D2 and p81 dialects.
D2_ADDRESS: Final = 0xD2
P81_REQUEST_ADDRESS: Final = 0x81  # 0x80 + board number 1
P81_REPLY_ADDRESS: Final = 0x51  # 0x50 + board number 1
MODBUS_REPLY_ADDRESSES: Final = frozenset({D2_ADDRESS, P81_REPLY_ADDRESS})
FUNCTION_READ: Final = 0x03
FUNCTION_WRITE_SINGLE: Final = 0x06
FUNCTION_WRITE_MULTIPLE: Final = 0x10

# Register encodings: current is (raw - 30000) / 10 A, temperatures raw - 40 deg C.
CURRENT_OFFSET: Final = 30000
TEMPERATURE_OFFSET: Final = 40

# Seconds to wait for an answer, and resends after silence, per request.
DEFAULT_TIMEOUT: Final = 3.0
DEFAULT_RETRIES: Final = 2
