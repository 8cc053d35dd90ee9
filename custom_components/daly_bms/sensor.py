"""Sensors: the pack, its cells and temperatures, alarms, and the unit's settings."""

from __future__ import annotations

import logging

from homeassistant.components.sensor import DOMAIN as SENSOR_DOMAIN, RestoreSensor, SensorEntity
from homeassistant.const import UnitOfEnergy
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.typing import StateType
from homeassistant.util.unit_conversion import EnergyConverter

from .bank_coordinator import is_bank
from .bank_sensor import async_setup_bank_sensors
from .coordinator import DalyConfigEntry
from .entity import DalyEntity, entity_unique_id
from .sensor_descriptions import DalySensorEntityDescription, sensor_descriptions
from .sensor_energy import ENERGY_SENSORS, RUNTIME_SENSORS, DalyEnergySensorEntityDescription

_LOGGER = logging.getLogger(__package__)

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
        [
            *(
                DalySensor(coordinator, description)
                for description in (*sensor_descriptions(coordinator.data, known), *RUNTIME_SENSORS)
            ),
            *(DalyEnergySensor(coordinator, description) for description in ENERGY_SENSORS),
        ]
    )


class DalySensor(DalyEntity, SensorEntity):
    """A value read from the unit."""

    entity_description: DalySensorEntityDescription

    @property
    def native_value(self) -> StateType:
        """Return the value from the latest reading; None if the unit did not report it."""
        return self.entity_description.value_fn(self.coordinator.data)


class DalyEnergySensor(DalySensor, RestoreSensor):
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
