"""A deliberately tiny, separate reading of the protocol notes, used to check the simulator.

Written straight from the register tables (no shared code with the simulator or with the
integration's protocol package), bit-by-bit CRC instead of a table, so that a mistake in
either side shows up as a disagreement.
"""

from __future__ import annotations

from typing import Any


def crc(data: bytes) -> int:
    """CRC-16/MODBUS, the slow way."""
    value = 0xFFFF
    for byte in data:
        value ^= byte
        for _ in range(8):
            lsb = value & 1
            value >>= 1
            if lsb:
                value ^= 0xA001
    return value


def frame(*body: int) -> bytes:
    """Bytes plus their CRC, low byte first."""
    raw = bytes(body)
    check = crc(raw)
    return raw + bytes((check & 0xFF, check >> 8))


def read_request(register: int, count: int, address: int = 0xD2) -> bytes:
    """``address 03 RH RL NH NL CRC``."""
    return frame(address, 0x03, register >> 8, register & 0xFF, count >> 8, count & 0xFF)


def write_request(register: int, value: int, address: int = 0xD2) -> bytes:
    """``address 06 RH RL VH VL CRC``."""
    return frame(address, 0x06, register >> 8, register & 0xFF, value >> 8, value & 0xFF)


def write_many_request(register: int, values: list[int], address: int = 0xD2) -> bytes:
    """``address 10 RH RL NH NL data CRC`` (no byte-count byte)."""
    body = [address, 0x10, register >> 8, register & 0xFF, 0, len(values)]
    for value in values:
        body += [value >> 8, value & 0xFF]
    return frame(*body)


def crc_valid(data: bytes) -> bool:
    """Whether the trailing CRC matches."""
    return crc(data[:-2]) == data[-2] | (data[-1] << 8)


def registers(reply: bytes, address: int = 0xD2) -> list[int]:
    """The 16-bit registers of a read reply, after checking its shape and CRC."""
    assert reply[0] == address
    assert reply[1] == 0x03
    assert len(reply) == reply[2] + 5
    assert crc_valid(reply)
    data = reply[3:-2]
    return [data[i] * 256 + data[i + 1] for i in range(0, len(data), 2)]


def _temperature(raw: int) -> float | None:
    return None if raw in (0, 0xFFFF) else raw - 40


def decode_d2_status(reply: bytes) -> dict[str, Any]:
    """Section 3 of the notes, for a read of 62 or 80 registers from 0x00."""
    r = registers(reply)
    cell_count = r[0x31]
    sensor_count = r[0x32]
    status: dict[str, Any] = {
        "cells": [r[i] / 1000 for i in range(cell_count)],
        "unused_cells": r[cell_count:0x20],
        "temperatures": [r[0x20 + i] - 40 for i in range(sensor_count)],
        "unused_temperatures": r[0x20 + sensor_count : 0x28],
        "voltage": r[0x28] / 10,
        "current": (r[0x29] - 30000) / 10,
        "soc": r[0x2A] / 10,
        "cell_max": r[0x2B] / 1000,
        "cell_min": r[0x2C] / 1000,
        "temperature_max": r[0x2D] - 40,
        "temperature_min": r[0x2E] - 40,
        "state": r[0x2F],
        "remaining_ah": r[0x30] / 10,
        "cell_count": cell_count,
        "sensor_count": sensor_count,
        "cycles": r[0x33],
        "balancing": r[0x34] != 0,
        "charge_mos": r[0x35] == 1,
        "discharge_mos": r[0x36] == 1,
        "cell_avg": r[0x37] / 1000,
        "cell_delta": r[0x38] / 1000,
        "power": r[0x39],
        "alarms": (r[0x3A] << 48) | (r[0x3B] << 32) | (r[0x3C] << 16) | r[0x3D],
    }
    if len(r) >= 0x50:
        bitmap = r[0x3E] | (r[0x3F] << 16)
        status["balancing_cells"] = [n + 1 for n in range(32) if bitmap >> n & 1]
        status["balance_current"] = (r[0x40] - 30000) / 1000
        status["mos_temperature"] = _temperature(r[0x42])
        status["board_temperature"] = _temperature(r[0x43])
    return status


def decode_settings(reply: bytes, address: int = 0xD2) -> dict[str, Any]:
    """Section 4 of the notes, for a read of 41 registers from 0x80."""
    r = registers(reply, address)
    assert len(r) == 41

    def at(register: int) -> int:
        return r[register - 0x80]

    return {
        "rated_capacity_ah": at(0x80) / 10,
        "cell_reference_v": at(0x81) / 1000,
        "battery_type": at(0x89),
        "sleep_time_s": at(0x8A),
        "cell_ov": (at(0x8B) / 1000, at(0x8C) / 1000),
        "cell_uv": (at(0x8D) / 1000, at(0x8E) / 1000),
        "pack_ov": (at(0x8F) / 10, at(0x90) / 10),
        "pack_uv": (at(0x91) / 10, at(0x92) / 10),
        "charge_oc": (abs(at(0x93) - 30000) / 10, abs(at(0x94) - 30000) / 10),
        "discharge_oc": (abs(at(0x95) - 30000) / 10, abs(at(0x96) - 30000) / 10),
        "charge_ot": (at(0x97) - 40, at(0x98) - 40),
        "charge_ut": (at(0x99) - 40, at(0x9A) - 40),
        "discharge_ot": (at(0x9B) - 40, at(0x9C) - 40),
        "discharge_ut": (at(0x9D) - 40, at(0x9E) - 40),
        "cell_delta": (at(0x9F) / 1000, at(0xA0) / 1000),
        "balance_start_v": at(0xA3) / 1000,
        "balance_start_delta_v": at(0xA4) / 1000,
        "charge_mos": at(0xA5),
        "discharge_mos": at(0xA6),
        "soc": at(0xA7) / 10,
        "mos_overtemperature": at(0xA8) - 40,
    }


def ascii_text(regs: list[int]) -> str:
    """Registers as NUL-padded ASCII."""
    raw = b"".join(bytes((value >> 8, value & 0xFF)) for value in regs)
    return raw.rstrip(b"\0").decode("ascii")


def decode_p81_settings(reply: bytes) -> dict[str, Any]:
    """Section 5 of the notes (the p81 settings table), for a read of 81 registers from 0x100."""
    r = registers(reply, 0x51)
    assert len(r) == 81

    def at(register: int) -> int:
        return r[register - 0x100]

    def two_bytes(register: int) -> list[int]:
        return [at(register) >> 8, at(register) & 0xFF]

    return {
        "board": at(0x100),
        "cell_count": at(0x101),
        "sensor_count": at(0x106),
        "rated_capacity_mah": at(0x109) << 16 | at(0x10A),
        "sleep_raw": at(0x115),
        "soc_setting": at(0x116) / 10,
        "charge_mos": at(0x121),
        "discharge_mos": at(0x122),
        "clock": two_bytes(0x123) + two_bytes(0x124) + two_bytes(0x125),
        "password": ascii_text([at(0x126), at(0x127), at(0x128)]),
    }


def text_at(regs: list[int], offset: int, size: int) -> str:
    """The NUL-padded ASCII field of ``size`` bytes at byte ``offset`` of a register block."""
    raw = b"".join(bytes((value >> 8, value & 0xFF)) for value in regs)
    return raw[offset : offset + size].split(b"\0", 1)[0].decode("ascii")
