"""The bank's energy counters: what the packs' own counters added, for the Energy dashboard."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant, State
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
    mock_restore_cache_with_extra_data,
)

from simulator.clock import ManualClock
from simulator.radio import RadioUnit

from .bank_helpers import NORTH, SOUTH, add_pack, bank_of_two, bank_state, setup_bank
from .common import mock_entry, setup_entry, value

BANK_ID = "0123456789abcdef0123456789abcdef"
STORE_KEY = f"daly_bms.bank_{BANK_ID}"


async def _step(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    sim_clock: ManualClock,
    radios: tuple[RadioUnit, ...],
    seconds: float = 11,
    times: int = 1,
) -> None:
    """Let time pass for the packs and for Home Assistant alike; polls fall due."""
    for _ in range(times):
        sim_clock.advance(seconds)
        for radio in radios:
            radio.unit.catch_up()
        freezer.tick(seconds)
        async_fire_time_changed(hass)
        await hass.async_block_till_done(wait_background_tasks=True)


def _kwh(hass: HomeAssistant, bank: MockConfigEntry, key: str) -> float:
    return float(bank_state(hass, bank, "sensor", key).state)


def _packs(hass: HomeAssistant, key: str, *radios: RadioUnit) -> float:
    return sum(value(hass, "sensor", radio, key) for radio in radios)


async def test_bank_counts_what_the_packs_count(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    sim_clock: ManualClock,
    add_simulated_unit: Callable[..., RadioUnit],
) -> None:
    """One pack charging, one discharging: the bank's counters add both packs' rises."""
    packs = await bank_of_two(hass, add_simulated_unit)
    radios = (packs.north, packs.south)
    packs.north.unit.set_current(30.0)
    packs.south.unit.set_current(-12.0)
    start = {key: _packs(hass, key, *radios) for key in ("energy_charged", "energy_discharged")}
    assert _kwh(hass, packs.bank, "energy_charged") == 0.0

    await _step(hass, freezer, sim_clock, radios, times=30)

    for key in ("energy_charged", "energy_discharged"):
        added = _packs(hass, key, *radios) - start[key]
        assert added > 0.05, key  # 330 s of about 1.6 kW in, 0.6 kW out
        assert _kwh(hass, packs.bank, key) == pytest.approx(added), key
    charged = bank_state(hass, packs.bank, "sensor", "energy_charged")
    assert charged.attributes["unit_of_measurement"] == "kWh"
    assert charged.attributes["device_class"] == "energy"
    assert charged.attributes["state_class"] == "total_increasing"


async def test_restart_continues_the_bank_and_counts_no_pack_twice(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    freezer: FrozenDateTimeFactory,
    sim_clock: ManualClock,
    add_simulated_unit: Callable[..., RadioUnit],
) -> None:
    """After a restart the packs restore thousands of kWh; the bank adds only what is new."""
    north = add_pack(add_simulated_unit, NORTH, soc=60.0)
    south = add_pack(add_simulated_unit, SOUTH, soc=60.0)
    north.unit.set_current(-20.0)
    south.unit.set_current(-20.0)
    # What the last run left: the packs' counters, and the bank's total and marks.
    mock_restore_cache_with_extra_data(
        hass,
        [
            (
                State(f"sensor.dl_{radio.address.replace(':', '').lower()}_{key}", str(total)),
                {"native_value": total, "native_unit_of_measurement": "kWh"},
            )
            for radio, totals in ((north, (1200.0, 1100.0)), (south, (900.0, 800.0)))
            for key, total in zip(("energy_charged", "energy_discharged"), totals, strict=True)
        ],
    )
    north_key, south_key = NORTH.lower(), SOUTH.lower()
    marks = {
        "charged": {"total_wh": 40_000.0, "marks": {north_key: 1_200_000.0, south_key: 900_000.0}},
        "discharged": {
            "total_wh": 35_000.0,
            "marks": {north_key: 1_100_000.0, south_key: 800_000.0},
        },
    }
    hass_storage[STORE_KEY] = {"version": 1, "minor_version": 1, "key": STORE_KEY, "data": marks}

    # Home Assistant may set the bank up before its packs.
    bank = await setup_bank(hass, NORTH, SOUTH, entry_id=BANK_ID)
    assert _kwh(hass, bank, "energy_discharged") == pytest.approx(35.0)
    await setup_entry(hass, north)
    await setup_entry(hass, south)
    assert _packs(hass, "energy_discharged", north, south) == pytest.approx(1900.0, abs=0.01)
    assert _kwh(hass, bank, "energy_discharged") == pytest.approx(35.0, abs=0.01)

    await _step(hass, freezer, sim_clock, (north, south), times=20)
    added = _packs(hass, "energy_discharged", north, south) - 1900.0
    assert added > 0.05
    assert _kwh(hass, bank, "energy_discharged") == pytest.approx(35.0 + added, abs=0.001)
    assert _kwh(hass, bank, "energy_charged") == pytest.approx(40.0)

    # Unloading writes the totals; removing the bank deletes them.
    assert await hass.config_entries.async_unload(bank.entry_id)
    stored = hass_storage[STORE_KEY]["data"]["discharged"]["total_wh"]
    assert stored / 1000 == pytest.approx(35.0 + added, abs=0.001)
    assert await hass.config_entries.async_remove(bank.entry_id)
    assert STORE_KEY not in hass_storage


async def test_a_pack_leaving_or_joining_the_bank_does_not_step_its_counters(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    sim_clock: ManualClock,
    add_simulated_unit: Callable[..., RadioUnit],
) -> None:
    """A plain sum would drop by a whole pack here, which the Energy dashboard reads as a reset."""
    packs = await bank_of_two(hass, add_simulated_unit)
    radios = (packs.north, packs.south)
    for radio in radios:
        radio.unit.set_current(-20.0)
    await _step(hass, freezer, sim_clock, radios, times=10)
    before = _kwh(hass, packs.bank, "energy_discharged")
    assert before > 0.02

    bank = packs.bank
    hass.config_entries.async_update_entry(bank, options={**bank.options, "members": [NORTH]})
    assert await hass.config_entries.async_reload(bank.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert _kwh(hass, bank, "energy_discharged") == pytest.approx(before)
    north_before = value(hass, "sensor", packs.north, "energy_discharged")
    await _step(hass, freezer, sim_clock, radios, times=10)
    north_added = value(hass, "sensor", packs.north, "energy_discharged") - north_before
    assert _kwh(hass, bank, "energy_discharged") == pytest.approx(before + north_added)

    # The south pack, with everything it counted meanwhile, joins again: no jump.
    after = _kwh(hass, bank, "energy_discharged")
    both = {**bank.options, "members": [NORTH, SOUTH]}
    hass.config_entries.async_update_entry(bank, options=both)
    assert await hass.config_entries.async_reload(bank.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert _kwh(hass, bank, "energy_discharged") == pytest.approx(after)


async def test_a_pack_counter_switched_back_on_does_not_jump_the_bank(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    sim_clock: ManualClock,
    add_simulated_unit: Callable[..., RadioUnit],
) -> None:
    """A pack's disabled counter, enabled again, takes up its stored 500 kWh at once."""
    north = add_pack(add_simulated_unit, NORTH, soc=60.0)
    south = add_pack(add_simulated_unit, SOUTH, soc=60.0)
    for radio in (north, south):
        radio.unit.set_current(-20.0)
    counter_id = f"sensor.dl_{NORTH.replace(':', '').lower()}_energy_discharged"
    mock_restore_cache_with_extra_data(
        hass,
        [
            (
                State(counter_id, "500.0"),
                {"native_value": 500.0, "native_unit_of_measurement": "kWh"},
            )
        ],
    )
    north_entry = mock_entry(north)
    north_entry.add_to_hass(hass)
    registry = er.async_get(hass)
    registry.async_get_or_create(
        "sensor",
        "daly_bms",
        f"{NORTH.lower()}_energy_discharged",
        suggested_object_id=counter_id.removeprefix("sensor."),
        config_entry=north_entry,
        disabled_by=er.RegistryEntryDisabler.USER,
    )
    assert await hass.config_entries.async_setup(north_entry.entry_id)
    await setup_entry(hass, south)
    bank = await setup_bank(hass, NORTH, SOUTH)
    truth_start = north.unit.battery.discharged_wh + south.unit.battery.discharged_wh

    await _step(hass, freezer, sim_clock, (north, south), times=10)
    registry.async_update_entity(counter_id, disabled_by=None)
    assert await hass.config_entries.async_reload(north_entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert value(hass, "sensor", north, "energy_discharged") == pytest.approx(500.0, abs=0.01)
    await _step(hass, freezer, sim_clock, (north, south), times=10)

    truth = north.unit.battery.discharged_wh + south.unit.battery.discharged_wh - truth_start
    assert truth > 100
    # The bank counts what flowed (less the pack's one interval around the reload).
    assert _kwh(hass, bank, "energy_discharged") * 1000 == pytest.approx(truth, rel=0.15)
