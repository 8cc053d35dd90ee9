"""Binary sensors: balancing, charging and any alarm."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from homeassistant.components.binary_sensor import (
    DOMAIN as BINARY_SENSOR_DOMAIN,
    BinarySensorDeviceClass,
    BinarySensorEntity,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity import Entity
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator

from .bank_binary_sensor import BANK_BINARY_SENSORS
from .bank_entity import platform_entities
from .coordinator import DalyConfigEntry
from .data import DalyData
from .entity import (
    BinaryValueDescription,
    DalyEntityDescription,
    ValueEntity,
    async_present,
    async_remove_replaced,
    entities_of,
    unit_identity,
)
from .protocol import BatteryState, DalyStatus, MosBank, needs_attention

MOS_KEYS = tuple(f"{bank}_mos" for bank in MosBank)

# Read-only entities fed by the coordinator: no per-entity request limit is needed.
PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class DalyBinarySensorEntityDescription(
    BinaryValueDescription[DalyData], DalyEntityDescription[bool]
):
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
    """Create the binary sensors for the unit or the bank behind `entry`."""
    async_add_entities(
        platform_entities(hass, entry, _unit_binary_sensors, ValueBinarySensor, BANK_BINARY_SENSORS)
    )


def _unit_binary_sensors(hass: HomeAssistant, entry: DalyConfigEntry) -> list[Entity]:
    """Return the unit's binary sensors."""
    coordinator = entry.runtime_data
    # MOS states were binary sensors while no dialect had a confirmed MOS write; every
    # dialect's MOS is a switch now, and the old entries would linger as "not provided".
    async_remove_replaced(hass, coordinator, BINARY_SENSOR_DOMAIN, MOS_KEYS)
    present = async_present(hass, entry, BINARY_SENSOR_DOMAIN, BINARY_SENSORS)
    return entities_of(ValueBinarySensor, coordinator, unit_identity, present)


class ValueBinarySensor[CoordT: DataUpdateCoordinator[Any]](
    ValueEntity[CoordT], BinarySensorEntity
):
    """An on/off state of a unit or of a bank."""

    entity_description: BinaryValueDescription[Any]

    @property
    def is_on(self) -> bool | None:
        """Return the state of the latest data; None while it is not known."""
        on: bool | None = self.data_value
        return on
