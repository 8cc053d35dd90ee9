"""A5 frames from public captures of real units, and a separate frame builder for tests.

The builder adds the checksum byte by byte, apart from the package's code, so a test that
builds a frame here checks the package rather than agreeing with it.
"""

from __future__ import annotations

from collections.abc import Sequence


def hexbytes(text: str) -> bytes:
    """Bytes from whitespace-separated hex."""
    return bytes.fromhex("".join(text.split()))


def a5(address: int, command: int, data: Sequence[int] = ()) -> bytes:
    """One 13-byte frame: header, data padded to eight bytes, low byte of the sum."""
    body = [0xA5, address, command, 0x08, *data, *([0] * (8 - len(data)))]
    total = 0
    for byte in body:
        total = (total + byte) % 256
    return bytes([*body, total])


def reply(command: int, data: Sequence[int] = ()) -> bytes:
    """A frame from the unit (address 0x01)."""
    return a5(0x01, command, data)


def u16(value: int) -> list[int]:
    """Two bytes, most significant first."""
    return [value >> 8, value & 0xFF]


def u32(value: int) -> list[int]:
    """Four bytes, most significant first."""
    return [value >> 24, (value >> 16) & 0xFF, (value >> 8) & 0xFF, value & 0xFF]


def cell_frame(number: int, millivolts: Sequence[int], reserved: int = 0) -> bytes:
    """A 0x95 frame: frame number, three cells, a reserved byte."""
    data = [number]
    for mv in millivolts:
        data += u16(mv)
    data += [0] * (7 - len(data))
    return reply(0x95, [*data, reserved])


# A 16-cell unit's 0x95 reply over Bluetooth (a public capture): each frame carries a frame
# number from 1, three cells and a reserved byte that held 0xD3 in every frame; cell 16
# is the first slot of frame 6.
CAPTURE_16S_CELLS = [
    hexbytes("a5 01 95 08 01 0c 89 0c 86 0c 89 d3 d3"),
    hexbytes("a5 01 95 08 02 0c 86 0c 8a 0c 88 d3 d4"),
    hexbytes("a5 01 95 08 03 0c 89 0c 86 0c 94 d3 e0"),
    hexbytes("a5 01 95 08 04 0c 8e 0c 8f 0c 8e d3 e9"),
    hexbytes("a5 01 95 08 05 0c 8f 0c 8a 0c 8d d3 e5"),
    hexbytes("a5 01 95 08 06 0c 8c 00 00 00 00 d3 b4"),
]
CAPTURE_16S_MILLIVOLTS = [
    3209, 3206, 3209, 3206, 3210, 3208, 3209, 3206, 3220,
    3214, 3215, 3214, 3215, 3210, 3213, 3212,
]  # fmt: skip

# A notification from a serial capture of a real unit (dbus-serialbattery issue 165): frame
# 5 of the 0x95 reply lost its last four bytes and frame 6 follows at once, then a 0x90
# reply (54.0 V, raw current 30294, SOC 64.6 %).
CAPTURE_CUT_SHORT = hexbytes(
    """
a5 01 95 08 01 0d 29 0d 33 0d 32 90 89
a5 01 95 08 02 0d 2f 0d 2e 0d 33 90 8c
a5 01 95 08 03 0d 33 0d 33 0d 33 90 96
a5 01 95 08 04 0d 33 0d 32 0d 2f 90 92
a5 01 95 08 05 0d 30 0d 34
a5 01 95 08 06 0d 32 0d 34 0d 31 90 97
a5 01 90 08 02 1c 00 00 76 56 02 86 b0
"""
)

# The data bytes of a 0x95 reply of 16 frames from a 14-cell unit (a public log): frames
# 6-16 hold no cells, the reserved byte is 0xED throughout.
CAPTURE_16_FRAMES_DATA = [
    hexbytes("01 0f a2 0f f7 0f ec ed"),
    hexbytes("02 0f d7 0f c2 0f db ed"),
    hexbytes("03 0f d4 0f e1 10 2a ed"),
    hexbytes("04 0f b1 0f 9a 0f b3 ed"),
    hexbytes("05 0f cc 0f b5 00 00 ed"),
    *(bytes([number, 0, 0, 0, 0, 0, 0, 0xED]) for number in range(6, 17)),
]
CAPTURE_14S_MILLIVOLTS = [
    4002, 4087, 4076, 4055, 4034, 4059, 4052, 4065, 4138, 4017, 3994, 4019, 4044, 4021,
]  # fmt: skip

# A Bluetooth session with a unit's dongle (a public forum post): the request to 0x95 from
# host address 0x80 and the first replies, one frame per notification; the reserved byte
# held 0xF4 here.
CAPTURE_BLUETOOTH_REQUEST = hexbytes("a5 80 95 08 00 00 00 00 00 00 00 00 c2")
CAPTURE_BLUETOOTH_REPLIES = [
    hexbytes("a5 01 95 08 01 0d 08 0d 10 0d 0b f4 82"),
    hexbytes("a5 01 95 08 02 0d 0b 0d 0a 0d 0e f4 83"),
    hexbytes("a5 01 95 08 03 0d 10 0d 0c 0d 0a f4 87"),
    hexbytes("a5 01 95 08 04 0d 0b 0d 0a 0d 10 f4 87"),
]
