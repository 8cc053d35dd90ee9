"""Example frames from the protocol notes, plus an independent frame builder for tests.

The builder computes CRC-16/MODBUS bit by bit, separately from the package's table-driven
code, so a test that builds a frame here checks the package rather than agreeing with it.
"""

from __future__ import annotations

from collections.abc import Mapping


def hexbytes(text: str) -> bytes:
    """Bytes from whitespace-separated hex as printed in the notes."""
    return bytes.fromhex("".join(text.split()))


def reference_crc(data: bytes) -> int:
    """Bitwise CRC-16/MODBUS."""
    crc = 0xFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
    return crc


def with_crc(body: bytes) -> bytes:
    """Append the CRC, low byte first."""
    return body + reference_crc(body).to_bytes(2, "little")


def read_reply(address: int, registers: list[int]) -> bytes:
    """A read reply carrying ``registers``."""
    data = b"".join(value.to_bytes(2, "big") for value in registers)
    return with_crc(bytes([address, 0x03, len(data)]) + data)


def d2_registers(count: int = 80, overrides: Mapping[int, int] | None = None) -> list[int]:
    """A plausible D2 status register file: 4 cells, 2 sensors, idle, both MOS on."""
    registers = [0] * count
    registers[0:4] = [3300, 3310, 3305, 3295]
    registers[0x20:0x22] = [65, 66]
    registers[0x28] = 132
    registers[0x29] = 30000
    registers[0x2A] = 500
    registers[0x2B], registers[0x2C] = 3310, 3295
    registers[0x30] = 500
    registers[0x31] = 4
    registers[0x32] = 2
    registers[0x35] = registers[0x36] = 1
    registers[0x37] = 3302
    registers[0x38] = 15
    if count > 0x43:
        registers[0x40] = 30000
        registers[0x42] = 70
        registers[0x43] = 68
    for register, value in (overrides or {}).items():
        registers[register] = value
    return registers


EXAMPLE_A = hexbytes(
    """
D2 03 7C 0C DC 0C DB 0C DC 0C DC 0C DC 0C DC 0C DE 0C DC 0C DC 0C DC 0C DC 0C DC 0C DC 0C DC
0C DE 0C DC 0C DC 0C DC 0C DC 0C DC 0C DC 0C DE 0C DC 0C DC 00 00 00 00 00 00 00 00 00 00 00
00 00 00 00 00 00 38 00 36 00 38 00 38 00 00 00 00 00 00 00 00 03 16 75 30 01 4D 0C DE 0C DB
00 38 00 36 00 00 04 15 00 18 00 04 00 00 00 00 00 01 00 01 0C DC 00 03 00 00 00 00 00 00 00
00 00 00 49 67
"""
)

# Example C as printed in the notes has 130 bytes: one zero byte too many in the run of
# unused cell slots, so its CRC cannot match. Dropping any one byte of that run gives the
# 129-byte frame below, whose CRC is valid and whose values are the ones the notes state.
EXAMPLE_C_AS_PRINTED = hexbytes(
    """
D2 03 7C 0D 6E 0D 69 0D 59 0D D7 0D 0B 0D 0B 0D 0C 0D 0B 00 00 00 00 00 00 00 00 00 00 00 00
00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
00 00 00 00 00 00 00 3D 00 28 00 28 00 00 00 00 00 00 00 00 00 00 01 0F 75 30 03 E8 0D D7 0D
0B 00 3D 00 3D 00 00 00 FA 00 08 00 01 00 00 00 00 00 01 00 01 0D 46 00 CC 00 00 00 00 00 00
00 00 00 00 0E E1
"""
)
EXAMPLE_C = EXAMPLE_C_AS_PRINTED[:19] + EXAMPLE_C_AS_PRINTED[20:]

EXAMPLE_D = hexbytes(
    """
D2 03 52 04 1A 0C 80 00 01 00 04 00 00 00 00 00 01 00 00 00 00 00 00 1C 20 0D AC 0D AC 0A 28
0A 28 00 8C 00 8C 00 68 00 68 74 CC 74 CC 74 90 75 D0 00 55 00 55 00 28 00 28 00 6E 00 6E 00
27 00 27 00 FF 00 FF 00 FF 00 FF 0C 80 00 14 00 01 00 01 02 A8 00 57 7F 8B
"""
)

EXAMPLE_P_BLOCK1 = hexbytes(
    "51 03 80 0C F4 0C F0 0C F3 0C F2 0C F3 0C F1 0C F3 0C F3 0C F0 0C F3 0C F3 0C F4 0C F3"
    " 0C F3 0C F3 0C F5"
    + " 00" * 64
    + """ 00 3E 00 3E 00 3E 00 3E 00 00 00 00 00 00 00 00 02 12
74 D7 03 60 00 B6 00 10 00 04 0C F5 00 10 99 EF"""
)

EXAMPLE_P_BLOCK2 = hexbytes(
    """
51 03 7C 00 09 00 05 00 3E 00 04 00 3E 00 01 00 00 00 02 00 00 00 00 0A 98 00 07 00 07 00 00
00 00 00 00 00 00 00 01 00 01 00 00 00 00 00 00 0C F2 01 D7 00 00 00 40 00 46 00 00 00 00 FF
FF 00 00 75 30 1A 06 02 14 02 21 0B 4B 04 02 00 00 00 00 00 80 00 00 74 BE 00 11 03 5F 00 00
00 00 00 00 00 80 00 00 00 00 00 00 FF FF FF FF FF FF FF FF FF FF FF FF FF FF FF FF 00 FF FF
FF 00 02 B8 AC
"""
)

# Request table of the notes (section 2 and 5), CRC included.
REQUESTS = {
    "status_62": hexbytes("D2 03 00 00 00 3E D7 B9"),
    "status_80": hexbytes("D2 03 00 00 00 50 56 55"),
    "extra_block": hexbytes("D2 03 00 3E 00 09 F7 A3"),
    "settings": hexbytes("D2 03 00 80 00 29 96 5F"),
    "versions": hexbytes("D2 03 00 A9 00 20 87 91"),
    "p81_block1": hexbytes("81 03 00 00 00 40 5B FA"),
    "p81_block2": hexbytes("81 03 00 41 00 3E 8B CE"),
    # Not in the notes' table: the balancer switch read back on its own, the p81 settings
    # block (81 registers from 0x100) and the p81 version strings.
    "balancer": hexbytes("D2 03 00 CF 00 01 A7 96"),
}

# Command table of the notes (section 4).
COMMANDS = {
    ("charge", True): hexbytes("D2 06 00 A5 00 01 4B 8A"),
    ("charge", False): hexbytes("D2 06 00 A5 00 00 8A 4A"),
    ("discharge", True): hexbytes("D2 06 00 A6 00 01 BB 8A"),
    ("discharge", False): hexbytes("D2 06 00 A6 00 00 7A 4A"),
    ("balancer", True): hexbytes("D2 06 00 CF 00 01 6B 96"),
    ("balancer", False): hexbytes("D2 06 00 CF 00 00 AA 56"),
}
