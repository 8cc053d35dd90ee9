"""The base entity and description of a bank: one device per bank, values from its data."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity import EntityDescription
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .bank_coordinator import BankCoordinator, BankData, bank_device_identifier


@dataclass(frozen=True, kw_only=True)
class BankEntityDescription[ValueT](EntityDescription):
    """How a bank entity reads the bank's data; shared by every platform.

    `value_fn` returns None where the packs do not add up to a value: the entity is then
    unknown. A bank is never unavailable; its packs are, and it says so.
    """

    value_fn: Callable[[BankData], ValueT | None]
    attributes_fn: Callable[[BankData], Mapping[str, Any]] | None = None


class BankEntity(CoordinatorEntity[BankCoordinator]):
    """An entity that shows part of the bank's data.

    Each platform's entity narrows `entity_description` to its own description class.
    """

    _attr_has_entity_name = True
    entity_description: BankEntityDescription[Any]

    def __init__(
        self, coordinator: BankCoordinator, description: BankEntityDescription[Any]
    ) -> None:
        """Bind the entity to its bank and description."""
        super().__init__(coordinator)
        self.entity_description = description
        entry = coordinator.config_entry
        self._attr_unique_id = f"bank_{entry.entry_id}_{description.key}"
        self._attr_device_info = DeviceInfo(identifiers={bank_device_identifier(entry)})

    @property
    def extra_state_attributes(self) -> Mapping[str, Any] | None:
        """Return which pack a value comes from, and the like."""
        if (attributes_fn := self.entity_description.attributes_fn) is None:
            return None
        return attributes_fn(self.coordinator.data)
