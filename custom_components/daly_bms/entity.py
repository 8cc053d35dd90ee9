"""The base entity: one device per unit, unique ids from the Bluetooth address."""

from __future__ import annotations

from homeassistant.components import bluetooth
from homeassistant.helpers.device_registry import CONNECTION_BLUETOOTH, DeviceInfo, format_mac
from homeassistant.helpers.entity import EntityDescription
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .coordinator import DalyCoordinator
from .product import product_line


class DalyEntity(CoordinatorEntity[DalyCoordinator]):
    """An entity that shows part of the coordinator's data."""

    _attr_has_entity_name = True

    def __init__(self, coordinator: DalyCoordinator, description: EntityDescription) -> None:
        """Bind the entity to its unit and description."""
        super().__init__(coordinator)
        self.entity_description = description
        self._attr_unique_id = entity_unique_id(coordinator.address, description.key)
        self._attr_device_info = device_info(coordinator)


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
