"""Binary sensors of a bank: ready to parallel, and any problem in any pack."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from homeassistant.components.binary_sensor import (
    BinarySensorDeviceClass,
    BinarySensorEntity,
    BinarySensorEntityDescription,
)
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .bank import BankSummary, pack_spread
from .bank_coordinator import BankConfigEntry, BankCoordinator, BankData
from .bank_entity import BankEntity
from .bank_sensor import pack_alarms


@dataclass(frozen=True, kw_only=True)
class BankBinarySensorEntityDescription(BinarySensorEntityDescription):
    """How one bank binary sensor reads its state from the bank's data."""

    is_on_fn: Callable[[BankData], bool | None]
    attributes_fn: Callable[[BankData, BankCoordinator], Mapping[str, Any]]


def _parallel_attributes(summary: BankSummary, coordinator: BankCoordinator) -> dict[str, Any]:
    highest, lowest = summary.highest_pack, summary.lowest_pack
    return {
        "highest_pack": None if highest is None else highest.pack,
        "highest_pack_voltage": None if highest is None else highest.voltage,
        "lowest_pack": None if lowest is None else lowest.pack,
        "lowest_pack_voltage": None if lowest is None else lowest.voltage,
        "voltage_spread": pack_spread(lowest, highest),
        "voltage_limit": coordinator.policy.parallel_limit,
        "missing_packs": list(summary.missing),
    }


BANK_BINARY_SENSORS: tuple[BankBinarySensorEntityDescription, ...] = (
    BankBinarySensorEntityDescription(
        key="ready_to_parallel",
        translation_key="ready_to_parallel",
        is_on_fn=lambda data: data.summary.ready_to_parallel,
        attributes_fn=lambda data, coordinator: _parallel_attributes(data.summary, coordinator),
    ),
    BankBinarySensorEntityDescription(
        key="problem",
        translation_key="problem",
        device_class=BinarySensorDeviceClass.PROBLEM,
        is_on_fn=lambda data: data.summary.problem,
        attributes_fn=lambda data, _coordinator: {"pack_alarms": pack_alarms(data.summary)},
    ),
)


def async_setup_bank_binary_sensors(
    entry: BankConfigEntry, async_add_entities: AddConfigEntryEntitiesCallback
) -> None:
    """Create the binary sensors of the bank behind `entry`."""
    coordinator = entry.runtime_data
    async_add_entities(
        BankBinarySensor(coordinator, description) for description in BANK_BINARY_SENSORS
    )


class BankBinarySensor(BankEntity, BinarySensorEntity):
    """An on/off state of the whole bank; unknown while a pack that decides it is unknown."""

    entity_description: BankBinarySensorEntityDescription

    def __init__(
        self, coordinator: BankCoordinator, description: BankBinarySensorEntityDescription
    ) -> None:
        """Create the binary sensor described by `description`."""
        super().__init__(coordinator, description)

    @property
    def is_on(self) -> bool | None:
        """Return the bank's state."""
        return self.entity_description.is_on_fn(self.coordinator.data)

    @property
    def extra_state_attributes(self) -> Mapping[str, Any]:
        """Return which packs decide the state."""
        return self.entity_description.attributes_fn(self.coordinator.data, self.coordinator)
