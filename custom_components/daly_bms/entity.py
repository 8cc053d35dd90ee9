"""The base entity: one device per unit, unique ids from the Bluetooth address."""

from __future__ import annotations

from homeassistant.helpers.entity import EntityDescription
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .coordinator import DalyCoordinator


class DalyEntity(CoordinatorEntity[DalyCoordinator]):
    """An entity that shows part of the coordinator's data."""

    _attr_has_entity_name = True

    def __init__(self, coordinator: DalyCoordinator, description: EntityDescription) -> None:
        """Bind the entity to its unit and description."""
        super().__init__(coordinator)
        self.entity_description = description
        self._attr_unique_id = f"{coordinator.address}_{description.key}"
        self._attr_device_info = coordinator.device_info
