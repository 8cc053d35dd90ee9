"""Values decoded from a Daly BMS: enums and frozen dataclasses."""

from __future__ import annotations

from dataclasses import dataclass, fields
from enum import StrEnum
from typing import Any


class Dialect(StrEnum):
    """Wire dialect a unit speaks."""

    D2 = "d2"
    P81 = "p81"
    A5 = "a5"


class BatteryState(StrEnum):
    """What the pack is doing according to the BMS."""

    IDLE = "idle"
    CHARGING = "charging"
    DISCHARGING = "discharging"


class BatteryType(StrEnum):
    """Cell chemistry configured in the BMS."""

    LIFEPO4 = "lifepo4"
    LI_ION = "li_ion"
    LTO = "lto"


def _round(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)


@dataclass(frozen=True, slots=True, kw_only=True)
class DalyStatus:
    """One realtime snapshot; a value the unit does not report is None."""

    dialect: Dialect
    cell_count: int | None
    cell_voltages: tuple[float | None, ...]  # None: a cell whose reading is impossible
    cell_voltage_min: float | None
    cell_voltage_max: float | None
    cell_voltage_delta: float | None
    cell_voltage_avg: float | None
    temperatures: tuple[float | None, ...]  # None: a probe not fitted or not readable
    mos_temperature: float | None
    board_temperature: float | None
    voltage: float | None
    current: float | None
    power: float | None
    soc: float | None
    remaining_capacity: float | None
    cycles: int | None
    state: BatteryState | None
    charge_mos: bool | None
    discharge_mos: bool | None
    balancing: bool | None
    balancing_cells: tuple[int, ...] | None
    balance_current: float | None
    alarms: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        """Return the JSON-ready form printed by the command line tool."""
        return {
            "dialect": self.dialect.value,
            "cell_count": self.cell_count,
            "cell_voltages": [
                None if value is None else round(value, 3) for value in self.cell_voltages
            ],
            "cell_voltage_min": _round(self.cell_voltage_min, 3),
            "cell_voltage_max": _round(self.cell_voltage_max, 3),
            "cell_voltage_delta": _round(self.cell_voltage_delta, 3),
            "cell_voltage_avg": _round(self.cell_voltage_avg, 3),
            # The command line lists the probes that report, as the protocol notes describe.
            "temperatures": [round(value, 1) for value in self.temperatures if value is not None],
            "mos_temperature": _round(self.mos_temperature, 1),
            "board_temperature": _round(self.board_temperature, 1),
            "voltage": _round(self.voltage, 3),
            "current": _round(self.current, 1),
            "power": _round(self.power, 1),
            "soc": _round(self.soc, 1),
            "remaining_capacity": _round(self.remaining_capacity, 1),
            "cycles": self.cycles,
            "state": None if self.state is None else self.state.value,
            "charge_mos": self.charge_mos,
            "discharge_mos": self.discharge_mos,
            "balancing": self.balancing,
            "balancing_cells": (
                None if self.balancing_cells is None else list(self.balancing_cells)
            ),
            "alarms": list(self.alarms),
        }


# Settings fields in volts, amperes and degrees are rounded to these digits in as_dict.
_SETTINGS_DIGITS = {
    "rated_capacity": 1,
    "cell_reference_voltage": 3,
    "balancing_start_voltage": 3,
    "balancing_start_delta": 3,
}


@dataclass(frozen=True, slots=True, kw_only=True)
class DalySettings:
    """Configuration registers of a unit; None where the unit does not report one."""

    rated_capacity: float | None
    cell_reference_voltage: float | None
    battery_type: BatteryType | None
    sleep_time: int | None
    cell_overvoltage_warning: float | None
    cell_overvoltage_alarm: float | None
    cell_undervoltage_warning: float | None
    cell_undervoltage_alarm: float | None
    pack_overvoltage_warning: float | None
    pack_overvoltage_alarm: float | None
    pack_undervoltage_warning: float | None
    pack_undervoltage_alarm: float | None
    charge_overcurrent_warning: float | None
    charge_overcurrent_alarm: float | None
    discharge_overcurrent_warning: float | None
    discharge_overcurrent_alarm: float | None
    charge_overtemperature_warning: float | None
    charge_overtemperature_alarm: float | None
    charge_undertemperature_warning: float | None
    charge_undertemperature_alarm: float | None
    discharge_overtemperature_warning: float | None
    discharge_overtemperature_alarm: float | None
    discharge_undertemperature_warning: float | None
    discharge_undertemperature_alarm: float | None
    cell_delta_warning: float | None
    cell_delta_alarm: float | None
    balancing_start_voltage: float | None
    balancing_start_delta: float | None
    charge_mos: bool | None
    discharge_mos: bool | None
    mos_overtemperature: float | None
    soc_setting: float | None = None  # % last written to the SOC register
    acquisition_boards: int | None = None
    cells_per_board: tuple[int, ...] | None = None
    temperature_sensors_per_board: tuple[int, ...] | None = None

    def as_dict(self) -> dict[str, Any]:
        """Return a JSON-ready mapping of every setting."""
        result: dict[str, Any] = {}
        for field in fields(self):
            value = getattr(self, field.name)
            if isinstance(value, BatteryType):
                value = value.value
            elif isinstance(value, tuple):
                value = list(value)
            elif isinstance(value, float):
                digits = _SETTINGS_DIGITS.get(field.name)
                if digits is None:
                    # Cell limits are millivolt registers, the rest tenths or whole units.
                    digits = 3 if field.name.startswith("cell_") else 1
                value = round(value, digits)
            result[field.name] = value
        return result


@dataclass(frozen=True, slots=True, kw_only=True)
class DalyDeviceInfo:
    """Firmware identification strings."""

    dialect: Dialect
    software_version: str | None
    hardware_version: str | None

    def as_dict(self) -> dict[str, Any]:
        """Return a JSON-ready mapping."""
        return {
            "dialect": self.dialect.value,
            "software_version": self.software_version,
            "hardware_version": self.hardware_version,
        }
