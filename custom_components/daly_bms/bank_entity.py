"""The base of a bank's entities: one device per bank, unique ids from its entry."""

from __future__ import annotations

from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity import EntityDescription
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .bank_coordinator import BankCoordinator, bank_device_identifier


class BankEntity(CoordinatorEntity[BankCoordinator]):
    """An entity that shows part of the bank's data; unknown where the bank cannot tell."""

    _attr_has_entity_name = True

    def __init__(self, coordinator: BankCoordinator, description: EntityDescription) -> None:
        """Bind the entity to its bank and description."""
        super().__init__(coordinator)
        self.entity_description = description
        entry = coordinator.config_entry
        self._attr_unique_id = f"bank_{entry.entry_id}_{description.key}"
        self._attr_device_info = DeviceInfo(identifiers={bank_device_identifier(entry)})
