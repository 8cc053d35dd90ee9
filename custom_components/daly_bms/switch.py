"""Switches: the charge and discharge MOSFETs, the balancer, and Never sleep.

The MOSFETs are the unit's switches; the balancer is a switch row of the unit's settings
table, Never sleep the "never" of its sleep time row. Every switch writes only when the
user switches it, and shows what the unit reports afterwards.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from homeassistant.components.switch import SwitchEntity, SwitchEntityDescription
from homeassistant.const import EntityCategory, Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .bank_coordinator import is_bank
from .bank_switch import async_setup_bank_switches
from .const import DEFAULT_SLEEP_TIME
from .coordinator import DalyConfigEntry, DalyCoordinator
from .data import DalyData
from .entity import DalyEntity, DalyEntityDescription, registered_keys
from .protocol import NEVER_SLEEP, MosBank, SettingKind

# One command at a time: the unit answers one request at a time on its single link.
PARALLEL_UPDATES = 1


type SwitchFn = Callable[[DalyCoordinator, bool, str], Awaitable[None]]


@dataclass(frozen=True, kw_only=True)
class DalySwitchEntityDescription(SwitchEntityDescription, DalyEntityDescription[bool]):
    """Something of the unit the user may switch; `switch_fn(coordinator, on, label)`."""

    switch_fn: SwitchFn


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
    """Create the switches the unit's dialect can write and confirm."""
    if is_bank(entry):
        async_setup_bank_switches(entry, async_add_entities)
        return
    coordinator = entry.runtime_data
    known = registered_keys(hass, entry, Platform.SWITCH)
    async_add_entities(
        DalySwitch(coordinator, description)
        for description in switch_descriptions(coordinator.data)
        if description.key in known or description.exists_fn(coordinator.data)
    )


class DalySwitch(DalyEntity, SwitchEntity):
    """A switch of the unit; its state is always what the unit last reported."""

    entity_description: DalySwitchEntityDescription

    @property
    def is_on(self) -> bool | None:
        """Return the state the unit reported last; None while it is not known."""
        return self.entity_description.value_fn(self.coordinator.data)

    async def async_turn_on(self, **kwargs: Any) -> None:
        """Switch on; raises a translated error if the unit does not follow."""
        await self._switch(True)

    async def async_turn_off(self, **kwargs: Any) -> None:
        """Switch off; raises a translated error if the unit does not follow."""
        await self._switch(False)

    async def _switch(self, on: bool) -> None:
        label = self.name if isinstance(self.name, str) else self.entity_description.key
        await self.entity_description.switch_fn(self.coordinator, on, label)
