"""Sensors: the pack, its cells and temperatures, alarms, and the unit's settings."""

from __future__ import annotations

import logging
from typing import Any

from homeassistant.components.sensor import DOMAIN as SENSOR_DOMAIN, RestoreSensor, SensorEntity
from homeassistant.const import UnitOfEnergy
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.entity import Entity
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.typing import StateType
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator
from homeassistant.util.unit_conversion import EnergyConverter

from .bank_entity import platform_entities
from .bank_sensor import BANK_SENSORS
from .coordinator import DalyConfigEntry, DalyCoordinator
from .entity import (
    SensorValueDescription,
    ValueEntity,
    async_remove_replaced,
    entities_of,
    registered_keys,
    unit_identity,
)
from .sensor_descriptions import sensor_descriptions
from .sensor_energy import ENERGY_SENSORS, RUNTIME_SENSORS, DalyEnergySensorEntityDescription

_LOGGER = logging.getLogger(__package__)

# Read-only entities fed by the coordinator: no per-entity request limit is needed.
PARALLEL_UPDATES = 0


async def async_setup_entry(
    hass: HomeAssistant,
    entry: DalyConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Create the sensors for the unit or the bank behind `entry`."""
    async_add_entities(platform_entities(hass, entry, _unit_sensors, ValueSensor, BANK_SENSORS))


def _unit_sensors(hass: HomeAssistant, entry: DalyConfigEntry) -> list[Entity]:
    """Return the unit's sensors."""
    coordinator = entry.runtime_data
    # A setting the unit's dialect can write is a number now, no longer a sensor as well.
    writable = coordinator.data.status.capabilities.writable_settings
    async_remove_replaced(hass, coordinator, SENSOR_DOMAIN, writable)
    known = registered_keys(hass, entry, SENSOR_DOMAIN)
    readings = (*sensor_descriptions(coordinator.data, known), *RUNTIME_SENSORS)
    return [
        *entities_of(ValueSensor, coordinator, unit_identity, readings),
        *entities_of(DalyEnergySensor, coordinator, unit_identity, ENERGY_SENSORS),
    ]


class ValueSensor[CoordT: DataUpdateCoordinator[Any]](ValueEntity[CoordT], SensorEntity):
    """A value of a unit or of a bank."""

    entity_description: SensorValueDescription[Any]

    @property
    def native_value(self) -> StateType:
        """Return the value of the latest data; None (unknown) where there is none."""
        value: StateType = self.data_value
        return value


class DalyEnergySensor(ValueSensor[DalyCoordinator], RestoreSensor):
    """An energy counter that continues from its last total across restarts and reloads."""

    entity_description: DalyEnergySensorEntityDescription

    async def async_added_to_hass(self) -> None:
        """Hand the stored total to the coordinator's meter, which shows it at once."""
        await super().async_added_to_hass()
        last = await self.async_get_last_sensor_data()
        if last is None or last.native_value is None:
            return
        try:
            wh = EnergyConverter.convert(
                float(last.native_value),  # type: ignore[arg-type]
                last.native_unit_of_measurement,
                UnitOfEnergy.WATT_HOUR,
            )
        except (TypeError, ValueError, HomeAssistantError) as err:
            # Not an energy: the counter starts from what is counted from now on.
            _LOGGER.debug("%s: stored total %r not restored: %s", self.entity_id, last, err)
            return
        self.coordinator.async_restore_energy(self.entity_description.direction, wh)
