"""Alarm bit names.

D2 reports 64 alarm bits in registers 0x3A-0x3D, read as one big-endian 64-bit value
with bit 0 least significant. Every bit has a stable name, reserved ones included, so a
unit that sets an undocumented bit is still reported rather than silently ignored.

p81 reports two alarm registers (0x6D-0x6E) whose bit layout is not documented. Reusing
the D2 names there would be a guess, so those bits get neutral names ``p81_alarm_bit_N``
(bit 0 = least significant bit of register 0x6E).
"""

from __future__ import annotations

from typing import Final


def _pair(stem: str) -> tuple[str, str]:
    return (f"{stem}_warning", f"{stem}_alarm")


def _d2_bit_names() -> tuple[str, ...]:
    names = [f"reserved_bit_{bit}" for bit in range(64)]
    named: dict[int, tuple[str, ...]] = {
        0: (
            "current_module_fault",
            "pack_voltage_module_fault",
            "short_circuit_protection",
            "low_voltage_charge_inhibit",
            "mos_off_by_soft_switch",
            "charging_cabinet_offline",
        ),
        16: (
            "charge_mos_overtemperature",
            "discharge_mos_overtemperature",
            "charge_mos_temperature_sensor_fault",
            "discharge_mos_temperature_sensor_fault",
            "charge_mos_adhesion",
            "discharge_mos_adhesion",
            "charge_mos_open_circuit",
            "discharge_mos_open_circuit",
        ),
        24: (
            "afe_chip_fault",
            "cell_collection_offline",
            "temperature_sensor_fault",
            "eeprom_fault",
            "rtc_fault",
            "precharge_failure",
            "vehicle_communication_fault",
            "internal_communication_fault",
        ),
        32: (
            *_pair("charge_overcurrent"),
            *_pair("discharge_overcurrent"),
            *_pair("soc_high"),
            *_pair("soc_low"),
        ),
        40: (*_pair("cell_delta"), *_pair("temperature_difference")),
        48: (
            *_pair("cell_overvoltage"),
            *_pair("cell_undervoltage"),
            *_pair("pack_overvoltage"),
            *_pair("pack_undervoltage"),
        ),
        56: (
            *_pair("charge_overtemperature"),
            *_pair("charge_undertemperature"),
            *_pair("discharge_overtemperature"),
            *_pair("discharge_undertemperature"),
        ),
    }
    for first, group in named.items():
        names[first : first + len(group)] = group
    return tuple(names)


D2_ALARM_BITS: Final[tuple[str, ...]] = _d2_bit_names()
"""Name of each D2 alarm bit, indexed by bit number."""

P81_ALARM_BITS: Final[tuple[str, ...]] = tuple(f"p81_alarm_bit_{bit}" for bit in range(32))
"""Name of each p81 alarm bit, indexed by bit number."""

ALARM_NAMES: Final[tuple[str, ...]] = D2_ALARM_BITS + P81_ALARM_BITS
"""Every name the decoder can report."""


def alarm_names(bits: int, table: tuple[str, ...] = D2_ALARM_BITS) -> tuple[str, ...]:
    """Return the names of the set bits in ``bits``, lowest bit first."""
    if not bits:
        return ()
    return tuple(name for bit, name in enumerate(table) if bits >> bit & 1)
