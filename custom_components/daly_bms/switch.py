"""Switches for the charge and discharge MOSFETs: the only writes this integration makes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from homeassistant.components.switch import SwitchEntity, SwitchEntityDescription
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .bank_coordinator import is_bank
from .bank_switch import async_setup_bank_switches
from .coordinator import DalyConfigEntry, DalyCoordinator
from .data import DalyData
from .entity import DalyEntity
from .operations import MosSwitch
from .protocol import Dialect

# One command at a time: the unit answers one request at a time on its single link.
PARALLEL_UPDATES = 1


@dataclass(frozen=True, kw_only=True)
class DalySwitchEntityDescription(SwitchEntityDescription):
    """A MOSFET bank the user may switch."""

    mos: MosSwitch
    is_on_fn: Callable[[DalyData], bool | None]


SWITCHES: tuple[DalySwitchEntityDescription, ...] = (
    DalySwitchEntityDescription(
        key="charge_mos",
        translation_key="charge_mos",
        mos=MosSwitch.CHARGE,
        is_on_fn=lambda data: data.status.charge_mos,
    ),
    DalySwitchEntityDescription(
        key="discharge_mos",
        translation_key="discharge_mos",
        mos=MosSwitch.DISCHARGE,
        is_on_fn=lambda data: data.status.discharge_mos,
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
    data = coordinator.data
    if data.status.dialect is Dialect.P81:
        # p81 MOS writes are unverified; binary sensors show the MOS states instead.
        return
    async_add_entities(
        DalyMosSwitch(coordinator, description)
        for description in SWITCHES
        if description.is_on_fn(data) is not None
    )


class DalyMosSwitch(DalyEntity, SwitchEntity):
    """A MOSFET bank; its state is always what the unit last reported."""

    entity_description: DalySwitchEntityDescription

    def __init__(
        self, coordinator: DalyCoordinator, description: DalySwitchEntityDescription
    ) -> None:
        """Create the switch described by `description`."""
        super().__init__(coordinator, description)

    @property
    def is_on(self) -> bool | None:
        """Return the MOS state the unit reported last."""
        return self.entity_description.is_on_fn(self.coordinator.data)

    async def async_turn_on(self, **kwargs: Any) -> None:
        """Close the MOSFET bank; raises a translated error if the unit does not."""
        await self.coordinator.async_set_mos(self.entity_description.mos, True)

    async def async_turn_off(self, **kwargs: Any) -> None:
        """Open the MOSFET bank; raises a translated error if the unit does not."""
        await self.coordinator.async_set_mos(self.entity_description.mos, False)
