"""Values decoded from a Daly BMS, and what a dialect can tell and do: frozen dataclasses."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from datetime import date
from enum import IntEnum, StrEnum
from typing import Any

from .derived import power_w, stored_energy_wh
from .settings import Setting, SettingKind


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


_OPPOSITE = {
    BatteryState.CHARGING: BatteryState.DISCHARGING,
    BatteryState.DISCHARGING: BatteryState.CHARGING,
}


class MosBank(StrEnum):
    """A MOSFET bank of the BMS: the charge path or the discharge path."""

    CHARGE = "charge"
    DISCHARGE = "discharge"


class AlarmSeverity(IntEnum):
    """How much an active alarm matters; lower is more serious."""

    PROTECTION = 0  # a protection, a fault or a level-2 alarm: the BMS acts or is broken
    WARNING = 1  # a level-1 warning, or a bit nobody documented: worth a look
    INFORMATIONAL = 2  # a state the unit reports as a bit (a MOS switched off on purpose)


@dataclass(frozen=True, slots=True)
class Alarm:
    """One alarm bit of a dialect's alarm table."""

    name: str
    severity: AlarmSeverity


@dataclass(frozen=True, slots=True, kw_only=True)
class Capabilities:
    """What one dialect reports and what it can change on a unit, as the protocol knows it."""

    dialect: Dialect
    # Banks whose switching the dialect can both command and confirm by reading back.
    switchable_mos: frozenset[MosBank]
    # DalyStatus fields the dialect can carry (a given unit may still leave some unknown).
    status_fields: frozenset[str]
    # DalySettings fields it reads, and the settings it can write and confirm by reading back.
    settings: frozenset[str]
    writable: tuple[Setting, ...] = ()

    @property
    def writable_settings(self) -> frozenset[str]:
        """Return the DalySettings fields this dialect can write and confirm."""
        return frozenset(setting.key for setting in self.writable)

    @property
    def balancer_switch(self) -> bool:
        """Return True if the balancer can be switched and the switch read back."""
        return "balancer" in self.writable_settings

    def setting(self, key: str) -> Setting | None:
        """Return the writable setting `key`, None if this dialect cannot set it."""
        return next((setting for setting in self.writable if setting.key == key), None)

    def numbers(self) -> tuple[Setting, ...]:
        """Return the writable settings a user sets as numbers."""
        return tuple(s for s in self.writable if s.kind is SettingKind.NUMBER)

    def can_switch(self, bank: MosBank) -> bool:
        """Return True if switching `bank` can be commanded and confirmed."""
        return bank in self.switchable_mos

    def carries(self, field: str) -> bool:
        """Return True if the status field `field` can be reported by this dialect."""
        return field in self.status_fields


@dataclass(frozen=True, slots=True, kw_only=True)
class DalyStatus:
    """One realtime snapshot; a value the unit does not report, or an impossible one, is None."""

    capabilities: Capabilities
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
    current: float | None  # A, positive while charging
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
    # p81 register 0x59, raw 16-bit Wh; what it counts is not confirmed on real units.
    energy_counter: int | None = None

    @property
    def dialect(self) -> Dialect:
        """Return the dialect the reading came in."""
        return self.capabilities.dialect

    @property
    def power(self) -> float | None:
        """Return the pack power in W, positive while charging."""
        return power_w(self.voltage, self.current)

    @property
    def stored_energy(self) -> float | None:
        """Return the energy left in the pack in Wh (remaining Ah at the present voltage)."""
        return stored_energy_wh(self.remaining_capacity, self.voltage)

    def with_current_inverted(self) -> DalyStatus:
        """Return this reading with the current's sign turned (and the state with it).

        For firmware that reports discharge as positive; power follows the current.
        """
        return replace(
            self,
            current=None if self.current is None else -self.current or 0.0,
            state=None if self.state is None else _OPPOSITE.get(self.state, self.state),
        )

    def mos(self, bank: MosBank) -> bool | None:
        """Return whether the MOSFET bank `bank` is on."""
        return self.charge_mos if bank is MosBank.CHARGE else self.discharge_mos

    def without_mos(self, bank: MosBank) -> DalyStatus:
        """Return this reading with the state of the MOSFET bank `bank` unknown."""
        if bank is MosBank.CHARGE:
            return replace(self, charge_mos=None)
        return replace(self, discharge_mos=None)

    def as_dict(self) -> dict[str, Any]:
        """Return the JSON-ready form the command line prints (before its rounding)."""
        return {
            "dialect": self.dialect.value,
            "cell_count": self.cell_count,
            "cell_voltages": list(self.cell_voltages),
            "cell_voltage_min": self.cell_voltage_min,
            "cell_voltage_max": self.cell_voltage_max,
            "cell_voltage_delta": self.cell_voltage_delta,
            "cell_voltage_avg": self.cell_voltage_avg,
            # The probes that report, as the protocol notes list them.
            "temperatures": [value for value in self.temperatures if value is not None],
            "mos_temperature": self.mos_temperature,
            "board_temperature": self.board_temperature,
            "voltage": self.voltage,
            "current": self.current,
            "power": self.power,
            "soc": self.soc,
            "remaining_capacity": self.remaining_capacity,
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
    soc_setting: float | None = None  # % in the SOC register (where the SOC is set)
    balancer: bool | None = None  # the balancer switch, where the unit reads it back
    acquisition_boards: int | None = None
    cells_per_board: tuple[int, ...] | None = None
    temperature_sensors_per_board: tuple[int, ...] | None = None

    @property
    def cell_count(self) -> int | None:
        """Return the cells the unit is set up for (all fitted boards), if it says."""
        if not self.cells_per_board:
            return None
        return sum(self.cells_per_board) or None

    def as_dict(self) -> dict[str, Any]:
        """Return a JSON-ready mapping of every setting."""
        result: dict[str, Any] = {}
        for field in fields(self):
            value = getattr(self, field.name)
            if isinstance(value, BatteryType):
                value = value.value
            elif isinstance(value, tuple):
                value = list(value)
            result[field.name] = value
        return result


@dataclass(frozen=True, slots=True, kw_only=True)
class DalyDeviceInfo:
    """Firmware identification strings, and what the unit's dialect can do."""

    capabilities: Capabilities
    software_version: str | None
    hardware_version: str | None  # p81: hardware or model
    firmware_family: str | None = None
    serial_number: str | None = None
    production_date: date | None = None

    @property
    def dialect(self) -> Dialect:
        """Return the dialect the unit speaks."""
        return self.capabilities.dialect

    def identity(self) -> dict[str, Any]:
        """Return what the unit says it is, JSON-ready (None where it does not say)."""
        return {
            "software_version": self.software_version,
            "hardware_version": self.hardware_version,
            "serial_number": self.serial_number,
            "production_date": (
                None if self.production_date is None else self.production_date.isoformat()
            ),
        }

    def as_dict(self) -> dict[str, Any]:
        """Return a JSON-ready mapping."""
        return {
            "dialect": self.dialect.value,
            **self.identity(),
            "firmware_family": self.firmware_family,
        }
