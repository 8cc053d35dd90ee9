"""The base entity and description: one device per unit, each value a function of the data."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from homeassistant.components import bluetooth
from homeassistant.helpers.device_registry import CONNECTION_BLUETOOTH, DeviceInfo, format_mac
from homeassistant.helpers.entity import EntityDescription
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .coordinator import DalyCoordinator
from .data import DalyData
from .product import product_line


def _always(_data: DalyData) -> bool:
    return True


@dataclass(frozen=True, kw_only=True)
class DalyEntityDescription[ValueT](EntityDescription):
    """How an entity reads the coordinator's data; shared by every platform.

    `value_fn` returns None for a value the unit did not report: the entity is then
    unknown, not unavailable (unavailable means the unit cannot be reached). `exists_fn`
    decides once, at the first reading, whether the unit has the entity at all.
    """

    value_fn: Callable[[DalyData], ValueT | None]
    exists_fn: Callable[[DalyData], bool] = _always
    attributes_fn: Callable[[DalyData], Mapping[str, Any]] | None = None


class DalyEntity(CoordinatorEntity[DalyCoordinator]):
    """An entity that shows part of the coordinator's data.

    Each platform's entity narrows `entity_description` to its own description class.
    """

    _attr_has_entity_name = True
    entity_description: DalyEntityDescription[Any]

    def __init__(
        self, coordinator: DalyCoordinator, description: DalyEntityDescription[Any]
    ) -> None:
        """Bind the entity to its unit and description."""
        super().__init__(coordinator)
        self.entity_description = description
        self._attr_unique_id = entity_unique_id(coordinator.address, description.key)
        self._attr_device_info = device_info(coordinator)

    @property
    def extra_state_attributes(self) -> Mapping[str, Any] | None:
        """Return extra details, such as the active alarms or the balancing cells."""
        if (attributes_fn := self.entity_description.attributes_fn) is None:
            return None
        return attributes_fn(self.coordinator.data)


def device_info(coordinator: DalyCoordinator) -> DeviceInfo:
    """Describe the unit for the device registry (known after the first refresh)."""
    # Read when the entities are made, right after the unit was reached through a fresh
    # advertisement: it carries the maker data the config flow judged by as well.
    advertisement = bluetooth.async_last_service_info(
        coordinator.hass, coordinator.address, connectable=True
    )
    line = product_line(
        coordinator.advertised_name,
        {} if advertisement is None else advertisement.manufacturer_data,
    )
    data = coordinator.data
    cells = data.status.cell_count or len(data.status.cell_voltages)
    return DeviceInfo(
        connections={(CONNECTION_BLUETOOTH, coordinator.address)},
        name=coordinator.advertised_name,
        manufacturer=line.manufacturer,
        model=f"{line.model} {cells}S" if cells else line.model,
        sw_version=data.device_info.software_version,
        hw_version=data.device_info.hardware_version,
    )


def entity_unique_id(address: str, key: str) -> str:
    """Return the unique id of the entity `key` of the unit at `address`."""
    return f"{format_mac(address)}_{key}"
