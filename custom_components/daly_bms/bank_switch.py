"""Switches of a bank: the charge and discharge MOSFETs of every pack at once."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from homeassistant.components.switch import SwitchEntity, SwitchEntityDescription
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .bank import PackReading
from .bank_coordinator import BankConfigEntry, BankData
from .bank_entity import BankEntity, BankEntityDescription
from .protocol import MosBank


@dataclass(frozen=True, kw_only=True)
class BankSwitchEntityDescription(SwitchEntityDescription, BankEntityDescription[bool]):
    """A MOSFET bank switched in every pack."""

    mos: MosBank


def _packs_not_on(data: BankData, mos: MosBank) -> Mapping[str, Any]:
    """Name the packs whose MOSFET is off, and those whose state is not known."""
    off: list[str] = []
    unknown: list[str] = []
    for member in data.members:
        state = None if member.reading is None else _pack_state(member.reading, mos)
        if state is False:
            off.append(member.name)
        elif state is None:
            unknown.append(member.name)
    return {"packs_off": off, "packs_unknown": unknown}


def _pack_state(reading: PackReading, mos: MosBank) -> bool | None:
    return reading.charge_mos if mos is MosBank.CHARGE else reading.discharge_mos


BANK_SWITCHES: tuple[BankSwitchEntityDescription, ...] = (
    BankSwitchEntityDescription(
        key="charge_mos",
        translation_key="charge_mos",
        mos=MosBank.CHARGE,
        value_fn=lambda data: data.summary.charge_mos,
        attributes_fn=lambda data: _packs_not_on(data, MosBank.CHARGE),
    ),
    BankSwitchEntityDescription(
        key="discharge_mos",
        translation_key="discharge_mos",
        mos=MosBank.DISCHARGE,
        value_fn=lambda data: data.summary.discharge_mos,
        attributes_fn=lambda data: _packs_not_on(data, MosBank.DISCHARGE),
    ),
)


def async_setup_bank_switches(
    entry: BankConfigEntry, async_add_entities: AddConfigEntryEntitiesCallback
) -> None:
    """Create the switches of the bank behind `entry`."""
    coordinator = entry.runtime_data
    async_add_entities(BankMosBank(coordinator, description) for description in BANK_SWITCHES)


class BankMosBank(BankEntity, SwitchEntity):
    """On only while every pack reports its MOSFET on; switches every pack when used."""

    entity_description: BankSwitchEntityDescription

    @property
    def is_on(self) -> bool | None:
        """Return on when all packs are on, off when any is off, else unknown."""
        return self.entity_description.value_fn(self.coordinator.data)

    async def async_turn_on(self, **kwargs: Any) -> None:
        """Close the MOSFETs of every pack; raises a translated error naming any that did not."""
        await self.coordinator.async_set_mos(self.entity_description.mos, True)

    async def async_turn_off(self, **kwargs: Any) -> None:
        """Open the MOSFETs of every pack; raises a translated error naming any that did not."""
        await self.coordinator.async_set_mos(self.entity_description.mos, False)
