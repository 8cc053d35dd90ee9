"""Where a bank's entities belong (one device per bank), and which platform entities a
unit's or a bank's entry gets."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity import Entity

from .bank_coordinator import BankCoordinator, BankData, bank_device_identifier, is_bank
from .coordinator import DalyConfigEntry
from .entity import EntityIdentity, ValueDescription, entities_of


def bank_identity(coordinator: BankCoordinator, key: str) -> EntityIdentity:
    """Return where the bank's entity `key` belongs.

    A bank is never unavailable; its packs are, and its entities say so.
    """
    entry = coordinator.config_entry
    return EntityIdentity(
        f"bank_{entry.entry_id}_{key}", DeviceInfo(identifiers={bank_device_identifier(entry)})
    )


def platform_entities(
    hass: HomeAssistant,
    entry: ConfigEntry[Any],
    unit: Callable[[HomeAssistant, DalyConfigEntry], Iterable[Entity]],
    bank: Callable[[BankCoordinator, Any, EntityIdentity], Entity],
    bank_descriptions: Iterable[ValueDescription[BankData, Any]],
) -> Iterable[Entity]:
    """Return a platform's entities for the entry: made by `unit`, or for a bank's entry
    by `bank` from `bank_descriptions`."""
    if is_bank(entry):
        return entities_of(bank, entry.runtime_data, bank_identity, bank_descriptions)
    return unit(hass, entry)
