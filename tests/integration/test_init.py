"""Setting up, retrying, unloading and stopping: the entry's life cycle."""

from __future__ import annotations

from collections.abc import Callable

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import EVENT_HOMEASSISTANT_STOP
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.device_registry import format_mac
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from simproxy import SimulatedBluetoothProxy
from simulator.radio import RadioUnit

from .common import DOMAIN, entity_id, setup_entry, state, unique_id, unit_device, writes


async def test_setup_registers_the_device_and_unload_disconnects(
    hass: HomeAssistant, add_simulated_unit: Callable[..., RadioUnit]
) -> None:
    """The device carries what the unit reports; unloading lets go of the unit."""
    radio = add_simulated_unit(
        name="DL-40D63C3223A2",
        cells=8,
        software_version="DLY-TEST-1.0",
        hardware_version="R24TK1A-TEST",
    )
    entry = await setup_entry(hass, radio)
    assert entry.state is ConfigEntryState.LOADED
    assert radio.connected

    device = unit_device(hass, entry, radio)
    assert device.name == "DL-40D63C3223A2"
    assert device.manufacturer == "Daly"
    assert device.model == "Smart BMS 8S"
    assert device.sw_version == "DLY-TEST-1.0"
    assert device.hw_version == "R24TK1A-TEST"

    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.NOT_LOADED
    assert not radio.connected
    assert writes(radio) == []


async def test_100balance_unit_is_named_after_its_maker(
    hass: HomeAssistant, add_simulated_unit: Callable[..., RadioUnit]
) -> None:
    """JHB- units are sold by 100balance."""
    radio = add_simulated_unit(name="JHB-50181201A494", dialect="p81")
    entry = await setup_entry(hass, radio)
    device = unit_device(hass, entry, radio)
    assert device.manufacturer == "100balance"
    assert device.model == "Balance BMS 16S"


async def test_unit_not_heard_retries_with_a_reason(
    hass: HomeAssistant,
    simulated_proxy: SimulatedBluetoothProxy,
    add_simulated_unit: Callable[..., RadioUnit],
) -> None:
    """A unit nobody hears leaves the entry waiting, saying why; its advertisement ends it."""
    radio = add_simulated_unit(advertise=False)
    entry = await setup_entry(hass, radio)
    assert entry.state is ConfigEntryState.SETUP_RETRY
    assert entry.reason is not None
    assert "has not been heard" in entry.reason
    assert radio.requests == []

    simulated_proxy.async_advertise(radio)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert entry.state is ConfigEntryState.LOADED


async def test_sleeping_unit_retries_with_a_reason(
    hass: HomeAssistant, add_simulated_unit: Callable[..., RadioUnit]
) -> None:
    """A unit that connects but stays silent is reported as possibly asleep."""
    radio = add_simulated_unit()
    radio.unit.force_sleep()
    entry = await setup_entry(hass, radio)
    assert entry.state is ConfigEntryState.SETUP_RETRY
    assert entry.reason is not None
    assert "did not answer" in entry.reason
    assert not radio.connected
    assert writes(radio) == []


async def test_home_assistant_stop_disconnects(
    hass: HomeAssistant, add_simulated_unit: Callable[..., RadioUnit]
) -> None:
    """Stopping Home Assistant frees the unit for the phone app."""
    radio = add_simulated_unit()
    await setup_entry(hass, radio)
    assert radio.connected
    hass.bus.async_fire(EVENT_HOMEASSISTANT_STOP)
    await hass.async_block_till_done()
    assert not radio.connected


async def test_entry_from_version_1_1_keeps_its_entities(
    hass: HomeAssistant, add_simulated_unit: Callable[..., RadioUnit]
) -> None:
    """Entries made before unique ids were normalised keep their entities and settings."""
    radio = add_simulated_unit(name="DL-40D63C3223A2", address="40:D6:3C:32:23:A2")
    old = MockConfigEntry(
        domain=DOMAIN,
        version=1,
        minor_version=1,
        unique_id=radio.address,
        title=radio.unit.name,
        data={"address": radio.address, "name": radio.unit.name},
    )
    old.add_to_hass(hass)
    registry = er.async_get(hass)
    # Renamed by the user in the earlier version: the new name must survive.
    renamed = registry.async_get_or_create(
        "sensor",
        DOMAIN,
        f"{radio.address}_soc",
        config_entry=old,
        suggested_object_id="shed_battery_soc",
    )

    await hass.config_entries.async_setup(old.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)

    assert old.state is ConfigEntryState.LOADED
    assert (old.version, old.minor_version) == (1, 2)
    assert old.unique_id == "40:d6:3c:32:23:a2"
    migrated = registry.async_get(renamed.entity_id)
    assert migrated is not None
    assert migrated.unique_id == unique_id(radio, "soc") == "40:d6:3c:32:23:a2_soc"
    assert entity_id(hass, "sensor", radio, "soc") == "sensor.shed_battery_soc"
    soc = float(state(hass, "sensor", radio, "soc").state)
    assert soc == pytest.approx(radio.unit.battery.soc, abs=0.051)
    assert not [e for e in registry.entities.values() if e.unique_id.startswith(radio.address)]


async def test_entry_from_a_newer_version_is_not_loaded(
    hass: HomeAssistant, add_simulated_unit: Callable[..., RadioUnit]
) -> None:
    """After a downgrade an entry this version cannot read is left alone, not rewritten."""
    radio = add_simulated_unit()
    entry = MockConfigEntry(
        domain=DOMAIN,
        version=2,
        unique_id=radio.address,
        data={"address": radio.address, "name": radio.unit.name},
    )
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert entry.state is ConfigEntryState.MIGRATION_ERROR
    assert entry.unique_id == radio.address
    assert radio.requests == []


async def test_entry_from_a_newer_minor_version_loads_as_it_is(
    hass: HomeAssistant, add_simulated_unit: Callable[..., RadioUnit]
) -> None:
    """A later minor version only adds what this version can do without: it is not rewritten."""
    radio = add_simulated_unit()
    entry = MockConfigEntry(
        domain=DOMAIN,
        version=1,
        minor_version=3,
        unique_id=format_mac(radio.address),
        data={"address": radio.address, "name": radio.unit.name},
    )
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert entry.state is ConfigEntryState.LOADED
    assert (entry.version, entry.minor_version) == (1, 3)
