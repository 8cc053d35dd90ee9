"""Binary sensors of a bank: ready to parallel, and any problem in any pack."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from homeassistant.components.binary_sensor import (
    BinarySensorDeviceClass,
    BinarySensorEntity,
    BinarySensorEntityDescription,
)
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .bank import pack_spread
from .bank_coordinator import BankConfigEntry, BankData
from .bank_entity import BankEntity, BankEntityDescription
from .bank_sensor import pack_alarms


@dataclass(frozen=True, kw_only=True)
class BankBinarySensorEntityDescription(BinarySensorEntityDescription, BankEntityDescription[bool]):
    """An on/off state of the whole bank."""


def _parallel_attributes(data: BankData) -> dict[str, Any]:
    summary = data.summary
    highest, lowest = summary.highest_pack, summary.lowest_pack
    return {
        "highest_pack": None if highest is None else highest.pack,
        "highest_pack_voltage": None if highest is None else highest.voltage,
        "lowest_pack": None if lowest is None else lowest.pack,
        "lowest_pack_voltage": None if lowest is None else lowest.voltage,
        "voltage_spread": pack_spread(lowest, highest),
        "voltage_limit": data.policy.parallel_limit,
        "missing_packs": list(summary.missing),
    }


BANK_BINARY_SENSORS: tuple[BankBinarySensorEntityDescription, ...] = (
    BankBinarySensorEntityDescription(
        key="ready_to_parallel",
        translation_key="ready_to_parallel",
        value_fn=lambda data: data.summary.ready_to_parallel,
        attributes_fn=_parallel_attributes,
    ),
    BankBinarySensorEntityDescription(
        key="problem",
        translation_key="problem",
        device_class=BinarySensorDeviceClass.PROBLEM,
        value_fn=lambda data: data.summary.problem,
        attributes_fn=lambda data: {"pack_alarms": pack_alarms(data.summary)},
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

    @property
    def is_on(self) -> bool | None:
        """Return the bank's state."""
        return self.entity_description.value_fn(self.coordinator.data)
