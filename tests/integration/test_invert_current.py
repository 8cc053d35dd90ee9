"""Invert current: for firmware that reports the sign the other way round, per unit."""

from __future__ import annotations

from collections.abc import Callable

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.switch import DOMAIN as SWITCH_DOMAIN
from homeassistant.const import (
    ATTR_ENTITY_ID,
    SERVICE_TURN_OFF,
    STATE_OFF,
    STATE_ON,
    STATE_UNKNOWN,
)
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import async_fire_time_changed

from simulator.radio import RadioUnit

from .common import setup_entry, state, value


def charging(hass: HomeAssistant, radio: RadioUnit) -> str:
    return state(hass, "binary_sensor", radio, "charging").state


@pytest.mark.parametrize("dialect", ["d2", "p81"])
async def test_current_power_and_state_follow_the_option(
    hass: HomeAssistant, add_simulated_unit: Callable[..., RadioUnit], dialect: str
) -> None:
    straight = add_simulated_unit(dialect=dialect)
    inverted = add_simulated_unit(dialect=dialect)
    # Both units discharge 12.5 A; the second one's firmware is said to report it as charge.
    for radio in (straight, inverted):
        radio.unit.set_load(-12.5)
    await setup_entry(hass, straight)
    await setup_entry(hass, inverted, invert_current=True)

    assert value(hass, "sensor", straight, "current") == -12.5
    assert value(hass, "sensor", inverted, "current") == 12.5
    power = value(hass, "sensor", straight, "power")
    assert power < 0
    assert value(hass, "sensor", inverted, "power") == -power
    assert state(hass, "sensor", straight, "state").state == "discharging"
    assert state(hass, "sensor", inverted, "state").state == "charging"
    assert charging(hass, straight) == STATE_OFF
    assert charging(hass, inverted) == STATE_ON


async def test_the_reading_after_a_switch_is_inverted_too(
    hass: HomeAssistant, add_simulated_unit: Callable[..., RadioUnit]
) -> None:
    """A status read to confirm a write passes the same way as a poll's."""
    radio = add_simulated_unit()
    radio.unit.set_load(5.0)
    await setup_entry(hass, radio, invert_current=True)
    assert value(hass, "sensor", radio, "current") == -5.0
    radio.unit.set_load(-3.0)
    await hass.services.async_call(
        SWITCH_DOMAIN,
        SERVICE_TURN_OFF,
        {ATTR_ENTITY_ID: state(hass, "switch", radio, "charge_mos").entity_id},
        blocking=True,
    )
    # Discharge still flows through a closed discharge MOSFET; the unit says -3 A.
    assert value(hass, "sensor", radio, "current") == 3.0
    assert state(hass, "sensor", radio, "state").state == "charging"


async def test_idle_stays_idle(
    hass: HomeAssistant, add_simulated_unit: Callable[..., RadioUnit]
) -> None:
    radio = add_simulated_unit()
    await setup_entry(hass, radio, invert_current=True)
    assert value(hass, "sensor", radio, "current") == 0.0
    assert state(hass, "sensor", radio, "current").state == "0.0"
    assert state(hass, "sensor", radio, "state").state == "idle"


async def test_energy_counters_and_runtime_follow_the_option(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    add_simulated_unit: Callable[..., RadioUnit],
) -> None:
    """A unit discharging 20 A whose firmware is said to report it the other way round."""
    radio = add_simulated_unit(capacity_ah=100.0, soc=40.0)
    radio.unit.firmware.write_register(0x8A, 0xFFFF)
    await setup_entry(hass, radio, invert_current=True)
    radio.unit.set_current(-20.0)
    for _ in range(30):
        radio.unit.advance(11)
        freezer.tick(11)
        async_fire_time_changed(hass)
        await hass.async_block_till_done(wait_background_tasks=True)
    # Counted as charge: the corrected sign says so.
    assert value(hass, "sensor", radio, "energy_charged") > 0.05
    assert value(hass, "sensor", radio, "energy_discharged") == 0.0
    battery = radio.unit.battery
    to_full_h = (battery.rated_capacity_ah - battery.remaining_ah) / 20
    assert value(hass, "sensor", radio, "time_to_full") == pytest.approx(to_full_h, rel=0.05)
    assert state(hass, "sensor", radio, "time_to_empty").state == STATE_UNKNOWN
