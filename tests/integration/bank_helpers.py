"""Shared pieces of the bank tests: packs on the simulated proxy, a bank entry, its states."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from homeassistant.core import HomeAssistant, State
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry

from simulator.radio import RadioUnit

from .common import DOMAIN, setup_entry

NORTH = "C0:DA:1B:00:01:01"
SOUTH = "C0:DA:1B:00:01:02"
CAMPER = "C0:DA:1B:00:01:03"


def add_pack(
    add_simulated_unit: Callable[..., RadioUnit],
    address: str,
    *,
    soc: float,
    capacity_ah: float = 280.0,
    cells: int = 16,
    **options: Any,
) -> RadioUnit:
    """Put a LiFePO4 pack near the proxy, idle unless told otherwise."""
    return add_simulated_unit(
        address=address, cells=cells, capacity_ah=capacity_ah, soc=soc, **options
    )


def set_true_soc(radio: RadioUnit, soc: float) -> None:
    """Give every cell of the pack `soc` of real charge, and tell its BMS so."""
    battery = radio.unit.battery
    for cell in range(1, battery.cell_count + 1):
        battery.set_cell_soc(cell, soc)
    battery.set_soc(soc)


async def setup_packs(hass: HomeAssistant, *radios: RadioUnit) -> list[MockConfigEntry]:
    """Set up an entry for each pack, one after the other."""
    return [await setup_entry(hass, radio) for radio in radios]


@dataclass(frozen=True, slots=True)
class BankOfTwo:
    """Two simulated packs set up as units, and a bank of them."""

    north: RadioUnit
    south: RadioUnit
    north_entry: MockConfigEntry
    south_entry: MockConfigEntry
    bank: MockConfigEntry


async def bank_of_two(
    hass: HomeAssistant,
    add_simulated_unit: Callable[..., RadioUnit],
    *,
    north_soc: float = 70.0,
    south_soc: float = 65.0,
    **bank_options: Any,
) -> BankOfTwo:
    """Put two 280 Ah packs on the air, set them up, and make a bank of them."""
    north = add_pack(add_simulated_unit, NORTH, soc=north_soc)
    south = add_pack(add_simulated_unit, SOUTH, soc=south_soc)
    north_entry, south_entry = await setup_packs(hass, north, south)
    bank = await setup_bank(hass, NORTH, SOUTH, **bank_options)
    return BankOfTwo(north, south, north_entry, south_entry, bank)


def bank_entry(
    *members: str, title: str = "House bank", entry_id: str | None = None, **options: Any
) -> MockConfigEntry:
    """Return a bank entry as the config flow creates it."""
    return MockConfigEntry(
        domain=DOMAIN,
        entry_id=entry_id,
        title=title,
        data={"kind": "bank"},
        options={"members": list(members), **options},
        version=1,
        minor_version=2,
    )


async def setup_bank(
    hass: HomeAssistant, *members: str, entry_id: str | None = None, **options: Any
) -> MockConfigEntry:
    """Add and set up a bank of `members`."""
    entry = bank_entry(*members, entry_id=entry_id, **options)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    return entry


def bank_entity_id(hass: HomeAssistant, entry: MockConfigEntry, platform: str, key: str) -> str:
    """Return the entity id of the bank's entity `key` (fails if there is none)."""
    found = er.async_get(hass).async_get_entity_id(platform, DOMAIN, f"bank_{entry.entry_id}_{key}")
    assert found is not None, f"no bank {platform} {key}"
    return found


def bank_state(hass: HomeAssistant, entry: MockConfigEntry, platform: str, key: str) -> State:
    """Return the state of the bank's entity `key`."""
    current = hass.states.get(bank_entity_id(hass, entry, platform, key))
    assert current is not None
    return current
