"""Binary sensors: balancing, charging, any alarm, and MOS states where not switchable."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from homeassistant.components.binary_sensor import (
    BinarySensorDeviceClass,
    BinarySensorEntity,
    BinarySensorEntityDescription,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .bank_binary_sensor import async_setup_bank_binary_sensors
from .bank_coordinator import is_bank
from .coordinator import DalyConfigEntry
from .data import DalyData
from .entity import DalyEntity, DalyEntityDescription
from .protocol import BatteryState, DalyStatus, MosBank, needs_attention

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


def _mos_read_only(data: DalyData, bank: MosBank) -> bool:
    # A bank the unit cannot switch and confirm is shown here; a switch shows the others.
    status = data.status
    return not status.capabilities.can_switch(bank) and status.mos(bank) is not None


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
    DalyBinarySensorEntityDescription(
        key="charge_mos",
        translation_key="charge_mos",
        value_fn=lambda data: data.status.mos(MosBank.CHARGE),
        exists_fn=lambda data: _mos_read_only(data, MosBank.CHARGE),
    ),
    DalyBinarySensorEntityDescription(
        key="discharge_mos",
        translation_key="discharge_mos",
        value_fn=lambda data: data.status.mos(MosBank.DISCHARGE),
        exists_fn=lambda data: _mos_read_only(data, MosBank.DISCHARGE),
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
