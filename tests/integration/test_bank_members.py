"""A bank keeps working while its packs are reloaded, removed, added again or unavailable."""

from __future__ import annotations

from collections.abc import Callable
import logging

from homeassistant.const import STATE_OFF, STATE_ON, STATE_UNKNOWN
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, issue_registry as ir
import pytest

from simulator.radio import RadioUnit

from .bank_helpers import (
    CAMPER,
    NORTH,
    SOUTH,
    add_pack,
    bank_of_two,
    bank_state,
    setup_bank,
)
from .common import DOMAIN, advance, setup_entry, unit_device, value, writes


def _problems(caplog: pytest.LogCaptureFixture) -> list[str]:
    """Warnings, errors and tracebacks the integration logged."""
    return [
        record.getMessage()
        for record in caplog.records
        if record.name.startswith("custom_components.daly_bms")
        and (record.levelno >= logging.WARNING or record.exc_info)
    ]


def _current(hass: HomeAssistant, *radios: RadioUnit) -> float:
    return sum(value(hass, "sensor", radio, "current") for radio in radios)


async def test_member_reloaded_is_followed_again(
    hass: HomeAssistant,
    add_simulated_unit: Callable[..., RadioUnit],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """While a pack reloads the totals are unknown; then they follow its new coordinator."""
    packs = await bank_of_two(hass, add_simulated_unit)
    north, south, south_entry, bank = packs.north, packs.south, packs.south_entry, packs.bank

    assert await hass.config_entries.async_unload(south_entry.entry_id)
    await hass.async_block_till_done()
    assert bank_state(hass, bank, "sensor", "current").state == STATE_UNKNOWN
    assert bank_state(hass, bank, "sensor", "packs_available").state == "1"

    assert await hass.config_entries.async_setup(south_entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert bank_state(hass, bank, "sensor", "packs_available").state == "2"

    # The reloaded pack's new readings reach the bank.
    south.unit.set_current(-20.0)
    north.unit.set_current(-5.0)
    await advance(hass, 11)
    assert _current(hass, north, south) == pytest.approx(-25.0, abs=0.5)
    assert float(bank_state(hass, bank, "sensor", "current").state) == pytest.approx(
        _current(hass, north, south)
    )
    assert _problems(caplog) == []


async def test_member_removed_and_set_up_again(
    hass: HomeAssistant,
    add_simulated_unit: Callable[..., RadioUnit],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A removed pack is missing with a repair issue; set up again, it rejoins by itself."""
    packs = await bank_of_two(hass, add_simulated_unit)
    south, south_entry, bank = packs.south, packs.south_entry, packs.bank
    issues = ir.async_get(hass)

    assert await hass.config_entries.async_remove(south_entry.entry_id)
    await hass.async_block_till_done()
    available = bank_state(hass, bank, "sensor", "packs_available")
    assert available.state == "1"
    assert available.attributes["missing_packs"] == [SOUTH]
    assert bank_state(hass, bank, "sensor", "soc").state == STATE_UNKNOWN
    assert bank_state(hass, bank, "binary_sensor", "ready_to_parallel").state == STATE_UNKNOWN
    [issue] = [issue for (domain, _), issue in issues.issues.items() if domain == DOMAIN]
    assert issue.translation_key == "bank_member_not_set_up"
    assert issue.translation_placeholders == {"bank": "House bank", "address": SOUTH}

    again = await setup_entry(hass, south)
    assert bank_state(hass, bank, "sensor", "packs_available").state == "2"
    assert bank_state(hass, bank, "sensor", "soc").state != STATE_UNKNOWN
    assert not [key for key in issues.issues if key[0] == DOMAIN]
    bank_device = dr.async_entries_for_config_entry(dr.async_get(hass), bank.entry_id)[0]
    assert unit_device(hass, again, south).via_device_id == bank_device.id
    assert _problems(caplog) == []


async def test_bank_set_up_before_its_members(
    hass: HomeAssistant,
    add_simulated_unit: Callable[..., RadioUnit],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """At startup the bank may come first: it waits for its packs without complaint."""
    north = add_pack(add_simulated_unit, NORTH, soc=70.0)
    south = add_pack(add_simulated_unit, SOUTH, soc=65.0)
    north_entry = await setup_entry(hass, north)
    assert await hass.config_entries.async_unload(north_entry.entry_id)
    bank = await setup_bank(hass, NORTH, SOUTH)  # south has no entry yet, north is not loaded

    assert bank_state(hass, bank, "sensor", "packs_available").state == "0"
    assert bank_state(hass, bank, "sensor", "soc").state == STATE_UNKNOWN
    assert bank_state(hass, bank, "switch", "charge_mos").state == STATE_UNKNOWN
    assert bank_state(hass, bank, "binary_sensor", "problem").state == STATE_UNKNOWN

    assert await hass.config_entries.async_setup(north_entry.entry_id)
    await setup_entry(hass, south)
    assert bank_state(hass, bank, "sensor", "packs_available").state == "2"
    assert bank_state(hass, bank, "switch", "charge_mos").state == STATE_ON
    assert bank_state(hass, bank, "binary_sensor", "problem").state == STATE_OFF
    assert bank_state(hass, bank, "sensor", "alarm").state == "none"
    assert _problems(caplog) == []


async def test_sum_of_available_packs_when_opted_in(
    hass: HomeAssistant, add_simulated_unit: Callable[..., RadioUnit]
) -> None:
    """With the option on, a sleeping pack leaves the totals of the others, not unknown."""
    north = add_pack(add_simulated_unit, NORTH, soc=70.0, capacity_ah=280.0)
    south = add_pack(add_simulated_unit, SOUTH, soc=30.0, capacity_ah=100.0)
    await setup_entry(hass, north)
    await setup_entry(hass, south)
    bank = await setup_bank(hass, NORTH, SOUTH, sum_available=True)
    north_capacity = value(hass, "sensor", north, "remaining_capacity")

    south.faults.asleep = True
    await advance(hass, 11)
    await advance(hass, 11)

    assert float(bank_state(hass, bank, "sensor", "remaining_capacity").state) == pytest.approx(
        north_capacity
    )
    assert float(bank_state(hass, bank, "sensor", "soc").state) == pytest.approx(
        value(hass, "sensor", north, "soc")
    )
    # Readiness never counts a pack it cannot see.
    assert bank_state(hass, bank, "binary_sensor", "ready_to_parallel").state == STATE_UNKNOWN


async def test_options_change_the_packs_and_their_devices(
    hass: HomeAssistant, add_simulated_unit: Callable[..., RadioUnit]
) -> None:
    """A pack taken out no longer shows under the bank; one put in does."""
    radios = {
        address: add_pack(add_simulated_unit, address, soc=60.0)
        for address in (NORTH, SOUTH, CAMPER)
    }
    entries = {address: await setup_entry(hass, radio) for address, radio in radios.items()}
    bank = await setup_bank(hass, NORTH, SOUTH)
    bank_device = dr.async_entries_for_config_entry(dr.async_get(hass), bank.entry_id)[0]

    def via(address: str) -> str | None:
        return unit_device(hass, entries[address], radios[address]).via_device_id

    assert (via(NORTH), via(SOUTH), via(CAMPER)) == (bank_device.id, bank_device.id, None)

    hass.config_entries.async_update_entry(
        bank, options={**bank.options, "members": [NORTH, CAMPER]}
    )
    assert await hass.config_entries.async_reload(bank.entry_id)
    await hass.async_block_till_done()
    assert (via(NORTH), via(SOUTH), via(CAMPER)) == (bank_device.id, None, bank_device.id)
    assert bank_state(hass, bank, "sensor", "packs_available").attributes["packs_total"] == 2

    # Removing the bank leaves the packs as devices of their own.
    assert await hass.config_entries.async_remove(bank.entry_id)
    await hass.async_block_till_done()
    assert (via(NORTH), via(SOUTH), via(CAMPER)) == (None, None, None)


async def test_restart_brings_the_bank_back_as_it_was(
    hass: HomeAssistant,
    add_simulated_unit: Callable[..., RadioUnit],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Everything stops and starts again, the bank first: same entities, nothing switched."""
    packs = await bank_of_two(hass, add_simulated_unit)
    bank = packs.bank
    await hass.services.async_call(
        "switch",
        "turn_off",
        {"entity_id": bank_state(hass, bank, "switch", "discharge_mos").entity_id},
        blocking=True,
    )
    before = {
        key: bank_state(hass, bank, platform, key).entity_id
        for platform, key in (
            ("sensor", "soc"),
            ("binary_sensor", "ready_to_parallel"),
            ("switch", "discharge_mos"),
        )
    }
    written = [writes(packs.north), writes(packs.south)]

    for entry in (bank, packs.north_entry, packs.south_entry):
        assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    for entry in (bank, packs.south_entry, packs.north_entry):
        assert await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done(wait_background_tasks=True)

    for platform, key in (
        ("sensor", "soc"),
        ("binary_sensor", "ready_to_parallel"),
        ("switch", "discharge_mos"),
    ):
        assert bank_state(hass, bank, platform, key).entity_id == before[key]
    assert bank_state(hass, bank, "sensor", "packs_available").state == "2"
    assert bank_state(hass, bank, "sensor", "soc").state != STATE_UNKNOWN
    assert bank_state(hass, bank, "binary_sensor", "ready_to_parallel").state == STATE_ON
    # The packs' discharge MOSFETs stay as the user left them: off, and nothing written.
    assert bank_state(hass, bank, "switch", "discharge_mos").state == STATE_OFF
    assert [writes(packs.north), writes(packs.south)] == written
    bank_device = dr.async_entries_for_config_entry(dr.async_get(hass), bank.entry_id)
    assert len(bank_device) == 1
    for entry, radio in ((packs.north_entry, packs.north), (packs.south_entry, packs.south)):
        assert unit_device(hass, entry, radio).via_device_id == bank_device[0].id
    assert _problems(caplog) == []
