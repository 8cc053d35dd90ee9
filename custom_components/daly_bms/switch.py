"""Switches for the charge and discharge MOSFETs: the only writes this integration makes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from homeassistant.components.switch import SwitchEntity, SwitchEntityDescription
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .bank_coordinator import is_bank
from .bank_switch import async_setup_bank_switches
from .coordinator import DalyConfigEntry
from .data import DalyData
from .entity import DalyEntity, DalyEntityDescription
from .protocol import MosBank

# One command at a time: the unit answers one request at a time on its single link.
PARALLEL_UPDATES = 1


@dataclass(frozen=True, kw_only=True)
class DalySwitchEntityDescription(SwitchEntityDescription, DalyEntityDescription[bool]):
    """A MOSFET bank the user may switch."""

    bank: MosBank


def _switchable(data: DalyData, bank: MosBank) -> bool:
    # A bank the unit cannot switch and confirm is a binary sensor instead.
    status = data.status
    return status.capabilities.can_switch(bank) and status.mos(bank) is not None


SWITCHES: tuple[DalySwitchEntityDescription, ...] = (
    DalySwitchEntityDescription(
        key="charge_mos",
        translation_key="charge_mos",
        bank=MosBank.CHARGE,
        value_fn=lambda data: data.status.mos(MosBank.CHARGE),
        exists_fn=lambda data: _switchable(data, MosBank.CHARGE),
    ),
    DalySwitchEntityDescription(
        key="discharge_mos",
        translation_key="discharge_mos",
        bank=MosBank.DISCHARGE,
        value_fn=lambda data: data.status.mos(MosBank.DISCHARGE),
        exists_fn=lambda data: _switchable(data, MosBank.DISCHARGE),
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: DalyConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Create the MOS switches where the unit's firmware supports switching."""
    if is_bank(entry):
        async_setup_bank_switches(entry, async_add_entities)
        return
    coordinator = entry.runtime_data
    async_add_entities(
        DalyMosSwitch(coordinator, description)
        for description in SWITCHES
        if description.exists_fn(coordinator.data)
    )


class DalyMosSwitch(DalyEntity, SwitchEntity):
    """A MOSFET bank; its state is always what the unit last reported."""

    entity_description: DalySwitchEntityDescription

    @property
    def is_on(self) -> bool | None:
        """Return the MOS state the unit reported last; None while it is not known."""
        return self.entity_description.value_fn(self.coordinator.data)

    async def async_turn_on(self, **kwargs: Any) -> None:
        """Close the MOSFET bank; raises a translated error if the unit does not."""
        await self.coordinator.async_set_mos(self.entity_description.bank, True)

    async def async_turn_off(self, **kwargs: Any) -> None:
        """Open the MOSFET bank; raises a translated error if the unit does not."""
        await self.coordinator.async_set_mos(self.entity_description.bank, False)
