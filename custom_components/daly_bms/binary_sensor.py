"""Binary sensors: balancing, charging, any alarm, and MOS states where not switchable."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from homeassistant.components.binary_sensor import (
    BinarySensorDeviceClass,
    BinarySensorEntity,
    BinarySensorEntityDescription,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .alarms import needs_attention
from .bank_binary_sensor import async_setup_bank_binary_sensors
from .bank_coordinator import is_bank
from .coordinator import DalyConfigEntry, DalyCoordinator
from .data import DalyData
from .entity import DalyEntity
from .protocol import BatteryState, DalyStatus, Dialect

# Read-only entities fed by the coordinator: no per-entity request limit is needed.
PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class DalyBinarySensorEntityDescription(BinarySensorEntityDescription):
    """How one binary sensor reads its state from the coordinator's data."""

    is_on_fn: Callable[[DalyData], bool | None]
    attributes_fn: Callable[[DalyData], Mapping[str, Any]] | None = None
    exists_fn: Callable[[DalyData], bool] = lambda _data: True


def _charging(status: DalyStatus) -> bool | None:
    return None if status.state is None else status.state is BatteryState.CHARGING


def _balancing_attributes(data: DalyData) -> Mapping[str, Any]:
    cells = data.status.balancing_cells
    return {} if cells is None else {"balancing_cells": list(cells)}


def _mos_read_only(data: DalyData) -> bool:
    # p81 firmware has no verified MOS write, so its MOS states are shown, not switched.
    return data.status.dialect is Dialect.P81


BINARY_SENSORS: tuple[DalyBinarySensorEntityDescription, ...] = (
    DalyBinarySensorEntityDescription(
        key="balancing",
        translation_key="balancing",
        device_class=BinarySensorDeviceClass.RUNNING,
        is_on_fn=lambda data: data.status.balancing,
        attributes_fn=_balancing_attributes,
        exists_fn=lambda data: data.status.balancing is not None,
    ),
    DalyBinarySensorEntityDescription(
        key="charging",
        device_class=BinarySensorDeviceClass.BATTERY_CHARGING,
        is_on_fn=lambda data: _charging(data.status),
    ),
    DalyBinarySensorEntityDescription(
        key="problem",
        # Without a translation key the alarm names in active_alarms stay untranslated.
        translation_key="problem",
        device_class=BinarySensorDeviceClass.PROBLEM,
        # A MOS switched off on purpose also sets an alarm bit; it is listed, but it is
        # no problem an automation should wake anyone for.
        is_on_fn=lambda data: needs_attention(data.status.alarms),
        attributes_fn=lambda data: {"active_alarms": list(data.status.alarms)},
    ),
    DalyBinarySensorEntityDescription(
        key="charge_mos",
        translation_key="charge_mos",
        is_on_fn=lambda data: data.status.charge_mos,
        exists_fn=lambda data: _mos_read_only(data) and data.status.charge_mos is not None,
    ),
    DalyBinarySensorEntityDescription(
        key="discharge_mos",
        translation_key="discharge_mos",
        is_on_fn=lambda data: data.status.discharge_mos,
        exists_fn=lambda data: _mos_read_only(data) and data.status.discharge_mos is not None,
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

    def __init__(
        self, coordinator: DalyCoordinator, description: DalyBinarySensorEntityDescription
    ) -> None:
        """Create the binary sensor described by `description`."""
        super().__init__(coordinator, description)

    @property
    def is_on(self) -> bool | None:
        """Return the state from the latest reading."""
        return self.entity_description.is_on_fn(self.coordinator.data)

    @property
    def extra_state_attributes(self) -> Mapping[str, Any] | None:
        """Return extra details such as the active alarms or balancing cells."""
        if (attributes_fn := self.entity_description.attributes_fn) is None:
            return None
        return attributes_fn(self.coordinator.data)
