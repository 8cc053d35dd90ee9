"""Binary sensors: balancing, charging and any alarm."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from homeassistant.components.binary_sensor import (
    DOMAIN as BINARY_SENSOR_DOMAIN,
    BinarySensorDeviceClass,
    BinarySensorEntity,
    BinarySensorEntityDescription,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .bank_binary_sensor import async_setup_bank_binary_sensors
from .bank_coordinator import is_bank
from .const import DOMAIN
from .coordinator import DalyConfigEntry
from .data import DalyData
from .entity import DalyEntity, DalyEntityDescription, entity_unique_id
from .protocol import BatteryState, DalyStatus, MosBank, needs_attention

MOS_KEYS = tuple(f"{bank}_mos" for bank in MosBank)

# Read-only entities fed by the coordinator: no per-entity request limit is needed.
PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class DalyBinarySensorEntityDescription(BinarySensorEntityDescription, DalyEntityDescription[bool]):
    """A binary sensor of a unit."""


def _charging(status: DalyStatus) -> bool | None:
    return None if status.state is None else status.state is BatteryState.CHARGING


def _balancing_attributes(data: DalyData) -> Mapping[str, Any]:
    cells = data.status.balancing_cells
    return {} if cells is None else {"balancing_cells": list(cells)}


BINARY_SENSORS: tuple[DalyBinarySensorEntityDescription, ...] = (
    DalyBinarySensorEntityDescription(
        key="balancing",
        translation_key="balancing",
        device_class=BinarySensorDeviceClass.RUNNING,
        value_fn=lambda data: data.status.balancing,
        attributes_fn=_balancing_attributes,
        exists_fn=lambda data: data.status.balancing is not None,
    ),
    DalyBinarySensorEntityDescription(
        key="charging",
        device_class=BinarySensorDeviceClass.BATTERY_CHARGING,
        value_fn=lambda data: _charging(data.status),
    ),
    DalyBinarySensorEntityDescription(
        key="problem",
        # Without a translation key the alarm names in active_alarms stay untranslated.
        translation_key="problem",
        device_class=BinarySensorDeviceClass.PROBLEM,
        # A MOS switched off on purpose also sets an alarm bit; it is listed, but it is
        # no problem an automation should wake anyone for.
        value_fn=lambda data: needs_attention(data.status.alarms),
        attributes_fn=lambda data: {"active_alarms": list(data.status.alarms)},
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: DalyConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Create the binary sensors for the unit behind `entry`."""
    if is_bank(entry):
        async_setup_bank_binary_sensors(entry, async_add_entities)
        return
    coordinator = entry.runtime_data
    # MOS states were binary sensors while no dialect had a confirmed MOS write; every
    # dialect's MOS is a switch now, and the old entries would linger as "not provided".
    registry = er.async_get(hass)
    for key in MOS_KEYS:
        unique_id = entity_unique_id(coordinator.address, key)
        if entity_id := registry.async_get_entity_id(BINARY_SENSOR_DOMAIN, DOMAIN, unique_id):
            registry.async_remove(entity_id)
    async_add_entities(
        DalyBinarySensor(coordinator, description)
        for description in BINARY_SENSORS
        if description.exists_fn(coordinator.data)
    )


class DalyBinarySensor(DalyEntity, BinarySensorEntity):
    """An on/off state read from the unit."""

    entity_description: DalyBinarySensorEntityDescription

    @property
    def is_on(self) -> bool | None:
        """Return the state from the latest reading; None if the unit did not report it."""
        return self.entity_description.value_fn(self.coordinator.data)
