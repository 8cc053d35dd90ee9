"""Switches of a bank: the charge and discharge MOSFETs of every pack at once."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from homeassistant.components.switch import SwitchEntity, SwitchEntityDescription
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .bank import BankSummary, PackReading
from .bank_coordinator import BankConfigEntry, BankCoordinator
from .bank_entity import BankEntity
from .operations import MosSwitch


@dataclass(frozen=True, kw_only=True)
class BankSwitchEntityDescription(SwitchEntityDescription):
    """A MOSFET bank switched in every pack."""

    mos: MosSwitch
    pack_state_fn: Callable[[PackReading], bool | None]
    is_on_fn: Callable[[BankSummary], bool | None]


BANK_SWITCHES: tuple[BankSwitchEntityDescription, ...] = (
    BankSwitchEntityDescription(
        key="charge_mos",
        translation_key="charge_mos",
        mos=MosSwitch.CHARGE,
        pack_state_fn=lambda reading: reading.charge_mos,
        is_on_fn=lambda summary: summary.charge_mos,
    ),
    BankSwitchEntityDescription(
        key="discharge_mos",
        translation_key="discharge_mos",
        mos=MosSwitch.DISCHARGE,
        pack_state_fn=lambda reading: reading.discharge_mos,
        is_on_fn=lambda summary: summary.discharge_mos,
    ),
)


def async_setup_bank_switches(
    entry: BankConfigEntry, async_add_entities: AddConfigEntryEntitiesCallback
) -> None:
    """Create the switches of the bank behind `entry`."""
    coordinator = entry.runtime_data
    async_add_entities(BankMosSwitch(coordinator, description) for description in BANK_SWITCHES)


class BankMosSwitch(BankEntity, SwitchEntity):
    """On only while every pack reports its MOSFET on; switches every pack when used."""

    entity_description: BankSwitchEntityDescription

    def __init__(
        self, coordinator: BankCoordinator, description: BankSwitchEntityDescription
    ) -> None:
        """Create the switch described by `description`."""
        super().__init__(coordinator, description)

    @property
    def is_on(self) -> bool | None:
        """Return on when all packs are on, off when any is off, else unknown."""
        return self.entity_description.is_on_fn(self.coordinator.data.summary)

    @property
    def extra_state_attributes(self) -> Mapping[str, Any]:
        """Name the packs that are off, or whose state is not known."""
        off: list[str] = []
        unknown: list[str] = []
        for member in self.coordinator.data.members:
            state = (
                None
                if member.reading is None
                else self.entity_description.pack_state_fn(member.reading)
            )
            if state is False:
                off.append(member.name)
            elif state is None:
                unknown.append(member.name)
        return {"packs_off": off, "packs_unknown": unknown}

    async def async_turn_on(self, **kwargs: Any) -> None:
        """Close the MOSFETs of every pack; raises a translated error naming any that did not."""
        await self.coordinator.async_set_mos(self.entity_description.mos, True)

    async def async_turn_off(self, **kwargs: Any) -> None:
        """Open the MOSFETs of every pack; raises a translated error naming any that did not."""
        await self.coordinator.async_set_mos(self.entity_description.mos, False)
