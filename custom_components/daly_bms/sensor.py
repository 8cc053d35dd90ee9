"""Sensors: the pack, its cells and temperatures, alarms, and the unit's settings."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from homeassistant.components.sensor import DOMAIN as SENSOR_DOMAIN, SensorEntity
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.typing import StateType

from .bank_coordinator import is_bank
from .bank_sensor import async_setup_bank_sensors
from .coordinator import DalyConfigEntry, DalyCoordinator
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

    def __init__(
        self, coordinator: DalyCoordinator, description: DalySensorEntityDescription
    ) -> None:
        """Create the sensor described by `description`."""
        super().__init__(coordinator, description)

    @property
    def native_value(self) -> StateType:
        """Return the value from the latest reading."""
        return self.entity_description.value_fn(self.coordinator.data)

    @property
    def extra_state_attributes(self) -> Mapping[str, Any] | None:
        """Return extra details, e.g. the list of active alarms."""
        if (attributes_fn := self.entity_description.attributes_fn) is None:
            return None
        return attributes_fn(self.coordinator.data)
