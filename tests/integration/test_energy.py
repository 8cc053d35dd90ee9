"""Energy counters and runtime estimates through Home Assistant, against the simulator's truth."""

from __future__ import annotations

from collections.abc import Callable

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntry
from homeassistant.const import STATE_UNAVAILABLE, STATE_UNKNOWN
from homeassistant.core import HomeAssistant, State
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import (
    async_fire_time_changed,
    mock_restore_cache_with_extra_data,
)

from simulator import SolarDayProfile
from simulator.faults import FaultKind
from simulator.radio import RadioUnit

from .common import entity_id, setup_entry, state, value

DAY_S = 24 * 3600


async def step(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, radio: RadioUnit, seconds: float
) -> None:
    """Let `seconds` pass for the unit and for Home Assistant alike; polls fall due."""
    radio.unit.advance(seconds)
    freezer.tick(seconds)
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)


def kwh(hass: HomeAssistant, radio: RadioUnit, key: str) -> float:
    return value(hass, "sensor", radio, key)


def solar_unit(add_simulated_unit: Callable[..., RadioUnit]) -> RadioUnit:
    radio = add_simulated_unit(
        soc=50.0,
        capacity_ah=280.0,
        profile=SolarDayProfile.for_capacity(280.0, start_hour=6.0),
    )
    radio.unit.firmware.write_register(0x8A, 0xFFFF)  # awake all day
    return radio


async def test_the_counters_follow_the_pack_over_a_day(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    add_simulated_unit: Callable[..., RadioUnit],
) -> None:
    radio = solar_unit(add_simulated_unit)
    await setup_entry(hass, radio, poll_interval=120)
    for _ in range(DAY_S // 121):
        await step(hass, freezer, radio, 121)
    battery = radio.unit.battery
    assert battery.charged_wh > 5000
    assert battery.discharged_wh > 5000
    charged = state(hass, "sensor", radio, "energy_charged")
    assert charged.attributes["unit_of_measurement"] == "kWh"
    assert charged.attributes["device_class"] == "energy"
    assert charged.attributes["state_class"] == "total_increasing"
    assert float(charged.state) * 1000 == pytest.approx(battery.charged_wh, rel=0.01)
    assert kwh(hass, radio, "energy_discharged") * 1000 == pytest.approx(
        battery.discharged_wh, rel=0.01
    )


async def test_every_reading_counts_even_when_nothing_else_changed(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    add_simulated_unit: Callable[..., RadioUnit],
) -> None:
    """A steady load reads the same every poll; each of those polls adds its energy."""
    radio = add_simulated_unit(capacity_ah=1000.0, soc=60.0)
    radio.unit.set_current(-10.0)
    await setup_entry(hass, radio)
    power = value(hass, "sensor", radio, "power")
    voltage = state(hass, "sensor", radio, "voltage")
    for _ in range(30):
        await step(hass, freezer, radio, 11)
    assert state(hass, "sensor", radio, "voltage").state == voltage.state  # same reading
    assert value(hass, "sensor", radio, "power") == power
    assert kwh(hass, radio, "energy_discharged") * 1000 == pytest.approx(-power * 330 / 3600)
    assert kwh(hass, radio, "energy_charged") == 0.0


async def test_no_energy_is_invented_while_the_unit_is_out_of_reach(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    add_simulated_unit: Callable[..., RadioUnit],
) -> None:
    radio = add_simulated_unit(capacity_ah=100.0, soc=60.0)
    radio.unit.set_current(-20.0)
    await setup_entry(hass, radio, connection_mode="per_poll")
    await step(hass, freezer, radio, 11)
    before = kwh(hass, radio, "energy_discharged")
    assert before > 0
    # An hour in which no reading succeeds: every connection attempt fails.
    radio.faults.set_probability(FaultKind.CONNECT_ERROR, 1.0)
    for _ in range(12):
        await step(hass, freezer, radio, 300)
    assert state(hass, "sensor", radio, "energy_discharged").state == STATE_UNAVAILABLE
    radio.faults.set_probability(FaultKind.CONNECT_ERROR, 0.0)
    await step(hass, freezer, radio, 301)  # the back-off waits up to five minutes
    after_gap = kwh(hass, radio, "energy_discharged")
    # An hour of 20 A went out meanwhile: none of it is counted.
    assert radio.unit.battery.discharged_wh > 1000
    assert after_gap == pytest.approx(before)
    await step(hass, freezer, radio, 11)
    assert kwh(hass, radio, "energy_discharged") > after_gap


async def test_runtime_estimates_follow_the_current(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    add_simulated_unit: Callable[..., RadioUnit],
) -> None:
    radio = add_simulated_unit(capacity_ah=100.0, soc=60.0)
    await setup_entry(hass, radio)
    assert state(hass, "sensor", radio, "time_to_empty").state == STATE_UNKNOWN  # idle
    assert state(hass, "sensor", radio, "time_to_full").state == STATE_UNKNOWN
    radio.unit.set_current(-20.0)
    for _ in range(5):
        await step(hass, freezer, radio, 11)
    empty = state(hass, "sensor", radio, "time_to_empty")
    assert empty.attributes["device_class"] == "duration"
    assert empty.attributes["unit_of_measurement"] == "h"
    assert float(empty.state) == pytest.approx(radio.unit.battery.remaining_ah / 20, rel=0.05)
    assert state(hass, "sensor", radio, "time_to_full").state == STATE_UNKNOWN
    radio.unit.set_current(25.0)
    for _ in range(5):
        await step(hass, freezer, radio, 11)
    battery = radio.unit.battery
    truth_h = (battery.rated_capacity_ah - battery.remaining_ah) / 25
    assert value(hass, "sensor", radio, "time_to_full") == pytest.approx(truth_h, rel=0.05)
    assert state(hass, "sensor", radio, "time_to_empty").state == STATE_UNKNOWN


# ------------------------------------------------------------------- restart, reload


async def test_a_reload_continues_the_counters(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    add_simulated_unit: Callable[..., RadioUnit],
) -> None:
    radio = add_simulated_unit(capacity_ah=100.0, soc=60.0)
    radio.unit.set_current(-20.0)
    entry = await setup_entry(hass, radio)
    for _ in range(10):
        await step(hass, freezer, radio, 11)
    counted = kwh(hass, radio, "energy_discharged")
    assert counted > 0.02  # 110 s of about 1 kW
    await reload(hass, entry)
    assert kwh(hass, radio, "energy_discharged") == pytest.approx(counted)  # not 0, not 2x
    for _ in range(10):
        await step(hass, freezer, radio, 11)
    assert kwh(hass, radio, "energy_discharged") > counted + 0.02


async def test_a_renamed_counter_keeps_its_total(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    add_simulated_unit: Callable[..., RadioUnit],
) -> None:
    """A new entity id removes and adds the entity again; the total carries over once."""
    radio = add_simulated_unit(address="C0:DA:1B:00:00:09", capacity_ah=100.0, soc=60.0)
    radio.unit.set_current(-20.0)
    mock_restore_cache_with_extra_data(
        hass,
        [
            (
                State("sensor.dl_c0da1b000009_energy_discharged", "50.0"),
                {"native_value": 50.0, "native_unit_of_measurement": "kWh"},
            )
        ],
    )
    await setup_entry(hass, radio)
    for _ in range(5):
        await step(hass, freezer, radio, 11)
    counted = kwh(hass, radio, "energy_discharged")
    assert counted > 50.0
    er.async_get(hass).async_update_entity(
        "sensor.dl_c0da1b000009_energy_discharged", new_entity_id="sensor.house_battery_out"
    )
    await hass.async_block_till_done(wait_background_tasks=True)
    assert float(hass.states.get("sensor.house_battery_out").state) == pytest.approx(counted)  # type: ignore[union-attr]


async def reload(hass: HomeAssistant, entry: ConfigEntry) -> None:
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)


async def test_a_restart_continues_from_the_stored_totals(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    add_simulated_unit: Callable[..., RadioUnit],
) -> None:
    radio = add_simulated_unit(address="C0:DA:1B:00:00:07", capacity_ah=100.0, soc=60.0)
    radio.unit.set_current(15.0)
    prefix = "sensor.dl_c0da1b000007"
    mock_restore_cache_with_extra_data(
        hass,
        [
            (
                State(f"{prefix}_energy_charged", "812.25"),
                {"native_value": 812.25, "native_unit_of_measurement": "kWh"},
            ),
            (
                State(f"{prefix}_energy_discharged", "790000"),
                {"native_value": 790000.0, "native_unit_of_measurement": "Wh"},
            ),
        ],
    )
    await setup_entry(hass, radio)
    assert entity_id(hass, "sensor", radio, "energy_charged") == f"{prefix}_energy_charged"
    assert kwh(hass, radio, "energy_charged") == pytest.approx(812.25)
    assert kwh(hass, radio, "energy_discharged") == pytest.approx(790.0)
    for _ in range(10):
        await step(hass, freezer, radio, 11)
    charged = kwh(hass, radio, "energy_charged")
    assert 812.25 < charged < 812.25 + 0.1
    assert kwh(hass, radio, "energy_discharged") == pytest.approx(790.0)


@pytest.mark.parametrize(
    "stored",
    [
        {"native_value": "lots", "native_unit_of_measurement": "kWh"},
        {"native_value": 5.0, "native_unit_of_measurement": "°C"},
        {"native_value": None, "native_unit_of_measurement": "kWh"},
    ],
)
async def test_a_stored_total_that_is_no_energy_starts_from_zero(
    hass: HomeAssistant,
    add_simulated_unit: Callable[..., RadioUnit],
    stored: dict[str, object],
) -> None:
    radio = add_simulated_unit(address="C0:DA:1B:00:00:08")
    mock_restore_cache_with_extra_data(
        hass, [(State("sensor.dl_c0da1b000008_energy_charged", "x"), stored)]
    )
    await setup_entry(hass, radio)
    assert kwh(hass, radio, "energy_charged") == 0.0
