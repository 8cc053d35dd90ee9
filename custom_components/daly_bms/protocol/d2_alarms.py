"""The D2 alarm bits, named and ranked.

Registers 0x3A-0x3D hold 64 alarm bits, read as one big-endian value with bit 0 least
significant. Level 1 of a pair warns; level 2 is the alarm at which the BMS protects.
"""

from __future__ import annotations

from typing import Final

from .models import Alarm, AlarmSeverity

_P, _W, _I = AlarmSeverity.PROTECTION, AlarmSeverity.WARNING, AlarmSeverity.INFORMATIONAL


def _pair(stem: str) -> tuple[Alarm, Alarm]:
    return Alarm(f"{stem}_warning", _W), Alarm(f"{stem}_alarm", _P)


def _alarm_table() -> tuple[Alarm, ...]:
    # Undocumented bits keep a name, so a unit that sets one is still reported; nobody
    # knows what they mean, so they rank with warnings.
    table = [Alarm(f"reserved_bit_{bit}", _W) for bit in range(64)]
    named: dict[int, tuple[Alarm, ...]] = {
        0: (
            Alarm("current_module_fault", _P),
            Alarm("pack_voltage_module_fault", _P),
            Alarm("short_circuit_protection", _P),
            Alarm("low_voltage_charge_inhibit", _P),
            # States, not trouble: a MOS switched off on purpose, no cabinet attached.
            Alarm("mos_off_by_soft_switch", _I),
            Alarm("charging_cabinet_offline", _I),
        ),
        16: tuple(
            Alarm(f"{flow}_mos_{fault}", _P)
            for fault in ("overtemperature", "temperature_sensor_fault", "adhesion", "open_circuit")
            for flow in ("charge", "discharge")
        ),
        24: (
            Alarm("afe_chip_fault", _P),
            Alarm("cell_collection_offline", _P),
            Alarm("temperature_sensor_fault", _P),
            Alarm("eeprom_fault", _P),
            Alarm("rtc_fault", _P),
            Alarm("precharge_failure", _P),
            Alarm("vehicle_communication_fault", _I),
            Alarm("internal_communication_fault", _P),
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
        table[first : first + len(group)] = group
    return tuple(table)


ALARMS: Final = _alarm_table()
"""Each alarm bit of registers 0x3A-0x3D as one big-endian 64-bit value, by bit number."""
