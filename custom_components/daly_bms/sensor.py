"""Sensors: the pack, its cells and temperatures, alarms, and the unit's settings."""

from __future__ import annotations

from homeassistant.components.sensor import DOMAIN as SENSOR_DOMAIN, SensorEntity
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.typing import StateType

from .bank_coordinator import is_bank
from .bank_sensor import async_setup_bank_sensors
from .coordinator import DalyConfigEntry
from .entity import DalyEntity, entity_unique_id
from .sensor_descriptions import DalySensorEntityDescription, sensor_descriptions

# Read-only entities fed by the coordinator: no per-entity request limit is needed.
PARALLEL_UPDATES = 0


async def async_setup_entry(
    hass: HomeAssistant,
    entry: DalyConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Create the sensors for the unit behind `entry`."""
    if is_bank(entry):
        async_setup_bank_sensors(entry, async_add_entities)
        return
    coordinator = entry.runtime_data
    prefix = entity_unique_id(coordinator.address, "")
    known = frozenset(
        registered.unique_id.removeprefix(prefix)
        for registered in er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id)
        if registered.domain == SENSOR_DOMAIN
    )
    async_add_entities(
        DalySensor(coordinator, description)
        for description in sensor_descriptions(coordinator.data, known)
    )


class DalySensor(DalyEntity, SensorEntity):
    """A value read from the unit."""

    entity_description: DalySensorEntityDescription

    @property
    def native_value(self) -> StateType:
        """Return the value from the latest reading; None if the unit did not report it."""
        return self.entity_description.value_fn(self.coordinator.data)
