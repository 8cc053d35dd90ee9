"""Sensors of a bank: its state of charge, totals, extremes and alarms."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import (
    PERCENTAGE,
    UnitOfElectricCurrent,
    UnitOfElectricPotential,
    UnitOfEnergy,
    UnitOfPower,
)
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.typing import StateType

from .alarms import ALARM_OPTIONS, NO_ALARM
from .bank import BankSummary, CellExtreme
from .bank_coordinator import BankConfigEntry, BankCoordinator, BankData
from .bank_entity import BankEntity
from .sensor_descriptions import AMPERE_HOURS


@dataclass(frozen=True, kw_only=True)
class BankSensorEntityDescription(SensorEntityDescription):
    """How one bank sensor reads its value from the bank's data."""

    value_fn: Callable[[BankData], StateType]
    attributes_fn: Callable[[BankData], Mapping[str, Any]] | None = None


def _cell(extreme: CellExtreme | None) -> float | None:
    return None if extreme is None else extreme.voltage


def _cell_attributes(extreme: CellExtreme | None) -> Mapping[str, Any]:
    if extreme is None:
        return {}
    return {"pack": extreme.pack, "cell": extreme.cell}


def _spread_attributes(summary: BankSummary) -> Mapping[str, Any]:
    attributes: dict[str, Any] = {}
    if summary.highest_pack is not None:
        attributes["highest_pack"] = summary.highest_pack.pack
        attributes["highest_pack_voltage"] = summary.highest_pack.voltage
    if summary.lowest_pack is not None:
        attributes["lowest_pack"] = summary.lowest_pack.pack
        attributes["lowest_pack_voltage"] = summary.lowest_pack.voltage
    return attributes


def pack_alarms(summary: BankSummary) -> dict[str, list[str]]:
    """Return the active alarms by pack, packs without alarms left out."""
    by_pack: dict[str, list[str]] = {}
    for alarm in summary.alarms:
        by_pack.setdefault(alarm.pack, []).append(alarm.alarm)
    return by_pack


def _alarm(summary: BankSummary) -> str | None:
    if summary.worst_alarm is not None:
        return summary.worst_alarm.alarm
    # "None" is only true when every pack said so (or the user settles for those that did).
    return NO_ALARM if summary.alarms_complete else None


def _alarm_attributes(summary: BankSummary) -> Mapping[str, Any]:
    worst = summary.worst_alarm
    return {"pack": None if worst is None else worst.pack, "pack_alarms": pack_alarms(summary)}


BANK_SENSORS: tuple[BankSensorEntityDescription, ...] = (
    BankSensorEntityDescription(
        key="soc",
        device_class=SensorDeviceClass.BATTERY,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=PERCENTAGE,
        suggested_display_precision=1,
        value_fn=lambda data: data.summary.soc,
    ),
    BankSensorEntityDescription(
        key="current",
        device_class=SensorDeviceClass.CURRENT,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfElectricCurrent.AMPERE,
        suggested_display_precision=1,
        value_fn=lambda data: data.summary.current,
    ),
    BankSensorEntityDescription(
        key="power",
        device_class=SensorDeviceClass.POWER,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfPower.WATT,
        suggested_display_precision=0,
        value_fn=lambda data: data.summary.power,
    ),
    BankSensorEntityDescription(
        key="remaining_capacity",
        translation_key="remaining_capacity",
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=AMPERE_HOURS,
        suggested_display_precision=1,
        value_fn=lambda data: data.summary.remaining_capacity,
    ),
    BankSensorEntityDescription(
        key="stored_energy",
        translation_key="stored_energy",
        device_class=SensorDeviceClass.ENERGY_STORAGE,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfEnergy.WATT_HOUR,
        suggested_unit_of_measurement=UnitOfEnergy.KILO_WATT_HOUR,
        suggested_display_precision=2,
        value_fn=lambda data: data.summary.stored_energy,
    ),
    BankSensorEntityDescription(
        key="cell_voltage_min",
        translation_key="cell_voltage_min",
        device_class=SensorDeviceClass.VOLTAGE,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfElectricPotential.VOLT,
        suggested_display_precision=3,
        value_fn=lambda data: _cell(data.summary.lowest_cell),
        attributes_fn=lambda data: _cell_attributes(data.summary.lowest_cell),
    ),
    BankSensorEntityDescription(
        key="cell_voltage_max",
        translation_key="cell_voltage_max",
        device_class=SensorDeviceClass.VOLTAGE,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfElectricPotential.VOLT,
        suggested_display_precision=3,
        value_fn=lambda data: _cell(data.summary.highest_cell),
        attributes_fn=lambda data: _cell_attributes(data.summary.highest_cell),
    ),
    BankSensorEntityDescription(
        key="pack_voltage_spread",
        translation_key="pack_voltage_spread",
        device_class=SensorDeviceClass.VOLTAGE,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfElectricPotential.VOLT,
        suggested_display_precision=1,
        value_fn=lambda data: data.summary.voltage_spread,
        attributes_fn=lambda data: _spread_attributes(data.summary),
    ),
    BankSensorEntityDescription(
        key="packs_available",
        translation_key="packs_available",
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda data: data.summary.packs_available,
        attributes_fn=lambda data: {
            "packs_total": data.summary.packs_total,
            "missing_packs": list(data.summary.missing),
        },
    ),
    BankSensorEntityDescription(
        key="alarm",
        translation_key="alarm",
        device_class=SensorDeviceClass.ENUM,
        options=ALARM_OPTIONS,
        value_fn=lambda data: _alarm(data.summary),
        attributes_fn=lambda data: _alarm_attributes(data.summary),
    ),
)


def async_setup_bank_sensors(
    entry: BankConfigEntry, async_add_entities: AddConfigEntryEntitiesCallback
) -> None:
    """Create the sensors of the bank behind `entry`."""
    coordinator = entry.runtime_data
    async_add_entities(BankSensor(coordinator, description) for description in BANK_SENSORS)


class BankSensor(BankEntity, SensorEntity):
    """A value of the whole bank."""

    entity_description: BankSensorEntityDescription

    def __init__(
        self, coordinator: BankCoordinator, description: BankSensorEntityDescription
    ) -> None:
        """Create the sensor described by `description`."""
        super().__init__(coordinator, description)

    @property
    def native_value(self) -> StateType:
        """Return the bank's value; None (unknown) where the packs do not add up to one."""
        return self.entity_description.value_fn(self.coordinator.data)

    @property
    def extra_state_attributes(self) -> Mapping[str, Any] | None:
        """Return which pack a value belongs to, and the like."""
        if (attributes_fn := self.entity_description.attributes_fn) is None:
            return None
        return attributes_fn(self.coordinator.data)
