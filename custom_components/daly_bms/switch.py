"""Switches: the charge and discharge MOSFETs, the balancer, and Never sleep.

The MOSFETs are the unit's switches; the balancer is a switch row of the unit's settings
table, Never sleep the "never" of its sleep time row. Every switch writes only when the
user switches it, and shows what the unit reports afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from homeassistant.components.switch import SwitchEntity
from homeassistant.const import EntityCategory, Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity import Entity
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator

from .bank_entity import platform_entities
from .bank_switch import BANK_SWITCHES
from .const import DEFAULT_SLEEP_TIME
from .coordinator import DalyConfigEntry, DalyCoordinator
from .data import DalyData
from .entity import (
    DalyEntityDescription,
    SwitchValueDescription,
    ValueEntity,
    async_present,
    entities_of,
    unit_identity,
)
from .protocol import NEVER_SLEEP, MosBank, SettingKind

# One command at a time: the unit answers one request at a time on its single link.
PARALLEL_UPDATES = 1


@dataclass(frozen=True, kw_only=True)
class DalySwitchEntityDescription(
    SwitchValueDescription[DalyCoordinator, DalyData], DalyEntityDescription[bool]
):
    """Something of the unit the user may switch."""


def _mos_switch(bank: MosBank) -> DalySwitchEntityDescription:
    async def switch(coordinator: DalyCoordinator, on: bool, _label: str) -> None:
        await coordinator.async_set_mos(bank, on)

    return DalySwitchEntityDescription(
        key=f"{bank}_mos",
        translation_key=f"{bank}_mos",
        value_fn=lambda data: data.status.mos(bank),
        exists_fn=lambda data: (
            data.status.capabilities.can_switch(bank) and data.status.mos(bank) is not None
        ),
        switch_fn=switch,
    )


def _setting_switch(key: str) -> DalySwitchEntityDescription:
    """Describe a switch row of the settings table (the balancer, on D2 units)."""

    async def switch(coordinator: DalyCoordinator, on: bool, label: str) -> None:
        await coordinator.async_set_setting(key, on, label, switch=True)

    def value(data: DalyData) -> bool | None:
        found: bool | None = None if data.settings is None else getattr(data.settings, key)
        return found

    return DalySwitchEntityDescription(
        key=key,
        translation_key=key,
        entity_category=EntityCategory.CONFIG,
        value_fn=value,
        exists_fn=lambda data: value(data) is not None,
        switch_fn=switch,
    )


def _sleep_time_to_restore(coordinator: DalyCoordinator) -> int:
    """Return the sleep time Never sleep off gives back to the unit.

    The unit's own earlier sleep time where it may be set; otherwise the factory hour.
    One set in the phone app may be shorter than the row allows: written back, it would
    be refused and leave the unit never sleeping.
    """
    earlier = coordinator.sleep_time_to_restore
    row = coordinator.data.status.capabilities.setting("sleep_time")
    if row is not None and not row.minimum <= earlier <= row.maximum:
        return DEFAULT_SLEEP_TIME
    return earlier


async def _never_sleep(coordinator: DalyCoordinator, on: bool, label: str) -> None:
    sleep_time = NEVER_SLEEP if on else _sleep_time_to_restore(coordinator)
    await coordinator.async_set_setting("sleep_time", sleep_time, label, switch=True)


def _never_sleeps(data: DalyData) -> bool | None:
    sleep_time = None if data.settings is None else data.settings.sleep_time
    return None if sleep_time is None else sleep_time == NEVER_SLEEP


# "Never" of a sleep time as a switch: a user understands it, and the number stays a time.
NEVER_SLEEP_SWITCH = DalySwitchEntityDescription(
    key="never_sleep",
    translation_key="never_sleep",
    entity_category=EntityCategory.CONFIG,
    value_fn=_never_sleeps,
    exists_fn=lambda data: _never_sleeps(data) is not None,
    switch_fn=_never_sleep,
)

MOS_SWITCHES: tuple[DalySwitchEntityDescription, ...] = tuple(map(_mos_switch, MosBank))


def switch_descriptions(data: DalyData) -> list[DalySwitchEntityDescription]:
    """Return every switch the unit's dialect offers: MOSFETs, then its settings table's."""
    descriptions = list(MOS_SWITCHES)
    for setting in data.status.capabilities.writable:
        if setting.kind is SettingKind.SWITCH:
            descriptions.append(_setting_switch(setting.key))
        elif setting.never is not None:
            descriptions.append(NEVER_SLEEP_SWITCH)
    return descriptions


async def async_setup_entry(
    hass: HomeAssistant,
    entry: DalyConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Create the switches the unit's dialect can write and confirm, or the bank's."""
    async_add_entities(platform_entities(hass, entry, _unit_switches, ValueSwitch, BANK_SWITCHES))


def _unit_switches(hass: HomeAssistant, entry: DalyConfigEntry) -> list[Entity]:
    """Return the unit's switches."""
    coordinator = entry.runtime_data
    present = async_present(hass, entry, Platform.SWITCH, switch_descriptions(coordinator.data))
    return entities_of(ValueSwitch, coordinator, unit_identity, present)


class ValueSwitch[CoordT: DataUpdateCoordinator[Any]](ValueEntity[CoordT], SwitchEntity):
    """A switch of a unit or of a bank; its state is always what the data last reported."""

    entity_description: SwitchValueDescription[CoordT, Any]

    @property
    def is_on(self) -> bool | None:
        """Return the state the data reported last; None while it is not known."""
        on: bool | None = self.data_value
        return on

    async def async_turn_on(self, **kwargs: Any) -> None:
        """Switch on; raises a translated error if the unit (or a pack) does not follow."""
        await self._switch(True)

    async def async_turn_off(self, **kwargs: Any) -> None:
        """Switch off; raises a translated error if the unit (or a pack) does not follow."""
        await self._switch(False)

    async def _switch(self, on: bool) -> None:
        label = self.name if isinstance(self.name, str) else self.entity_description.key
        await self.entity_description.switch_fn(self.coordinator, on, label)
