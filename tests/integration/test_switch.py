"""MOS switches: the only writes, each verified against what the unit then reports."""

from __future__ import annotations

from collections.abc import Callable

from homeassistant.components.switch import DOMAIN as SWITCH_DOMAIN
from homeassistant.const import (
    ATTR_ENTITY_ID,
    SERVICE_TURN_OFF,
    SERVICE_TURN_ON,
    STATE_OFF,
    STATE_ON,
)
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
import pytest

from simulator.radio import RadioUnit

from .common import advance, setup_entry, state, writes

CHARGE_OFF = bytes.fromhex("D2 06 00 A5 00 00 8A 4A")
CHARGE_ON = bytes.fromhex("D2 06 00 A5 00 01 4B 8A")
DISCHARGE_OFF = bytes.fromhex("D2 06 00 A6 00 00 7A 4A")


async def _switch(hass: HomeAssistant, radio: RadioUnit, key: str, service: str) -> None:
    await hass.services.async_call(
        SWITCH_DOMAIN,
        service,
        {ATTR_ENTITY_ID: state(hass, "switch", radio, key).entity_id},
        blocking=True,
    )


async def test_switches_change_the_unit_and_show_its_state(
    hass: HomeAssistant, add_simulated_unit: Callable[..., RadioUnit]
) -> None:
    """Turning a MOS off and on again changes the simulated MOS, one frame each."""
    radio = add_simulated_unit()
    await setup_entry(hass, radio)
    battery = radio.unit.battery
    assert state(hass, "switch", radio, "charge_mos").state == STATE_ON
    assert writes(radio) == []

    await _switch(hass, radio, "charge_mos", SERVICE_TURN_OFF)
    assert battery.charge_mos is False
    assert state(hass, "switch", radio, "charge_mos").state == STATE_OFF
    assert writes(radio) == [CHARGE_OFF]

    await _switch(hass, radio, "discharge_mos", SERVICE_TURN_OFF)
    assert battery.discharge_mos is False
    assert state(hass, "switch", radio, "discharge_mos").state == STATE_OFF

    await _switch(hass, radio, "charge_mos", SERVICE_TURN_ON)
    assert battery.charge_mos is True
    assert state(hass, "switch", radio, "charge_mos").state == STATE_ON
    assert writes(radio) == [CHARGE_OFF, DISCHARGE_OFF, CHARGE_ON]

    # Nothing is written again by polls, reconnects or a reload.
    radio.drop_link()
    await advance(hass, 11)
    assert writes(radio) == [CHARGE_OFF, DISCHARGE_OFF, CHARGE_ON]


async def test_unit_that_keeps_its_mos_open_gives_a_translated_error(
    hass: HomeAssistant, add_simulated_unit: Callable[..., RadioUnit]
) -> None:
    """A protection holding the MOS: the action fails and the switch keeps the true state."""
    radio = add_simulated_unit()
    await setup_entry(hass, radio)
    radio.unit.set_temperature(70.0)  # charge over-temperature trips the charge MOS
    assert radio.unit.battery.charge_mos is False
    # Before the next poll Home Assistant still shows the MOS on; the action corrects it.
    assert state(hass, "switch", radio, "charge_mos").state == STATE_ON

    with pytest.raises(HomeAssistantError) as raised:
        await _switch(hass, radio, "charge_mos", SERVICE_TURN_ON)
    assert raised.value.translation_key == "mos_not_followed"
    assert "did not follow the command" in str(raised.value)
    assert state(hass, "switch", radio, "charge_mos").state == STATE_OFF
    assert writes(radio) == [CHARGE_ON]


async def test_switch_when_the_unit_is_out_of_reach(
    hass: HomeAssistant, add_simulated_unit: Callable[..., RadioUnit]
) -> None:
    """No path to the unit: the action says so in words, nothing is written."""
    radio = add_simulated_unit()
    await setup_entry(hass, radio)
    radio.vanish()
    with pytest.raises(HomeAssistantError) as raised:
        await _switch(hass, radio, "discharge_mos", SERVICE_TURN_OFF)
    assert raised.value.translation_key == "no_connection_slot"
    assert radio.unit.battery.discharge_mos is True
    assert writes(radio) == []


async def test_switch_on_a_sleeping_unit(
    hass: HomeAssistant, add_simulated_unit: Callable[..., RadioUnit]
) -> None:
    """A unit asleep on a live link ignores the command; the action reports a timeout."""
    radio = add_simulated_unit()
    await setup_entry(hass, radio)
    radio.unit.force_sleep()
    with pytest.raises(HomeAssistantError) as raised:
        await _switch(hass, radio, "charge_mos", SERVICE_TURN_OFF)
    assert raised.value.translation_key == "timeout"
    assert radio.unit.battery.charge_mos is True


async def test_switch_in_per_poll_mode_releases_the_unit(
    hass: HomeAssistant, add_simulated_unit: Callable[..., RadioUnit]
) -> None:
    """Per-poll mode connects for the command and lets go afterwards."""
    radio = add_simulated_unit()
    await setup_entry(hass, radio, connection_mode="per_poll")
    await _switch(hass, radio, "charge_mos", SERVICE_TURN_OFF)
    assert radio.unit.battery.charge_mos is False
    assert not radio.connected


async def test_p81_mos_write_is_refused_before_anything_is_sent(
    hass: HomeAssistant, add_simulated_unit: Callable[..., RadioUnit]
) -> None:
    """The coordinator refuses p81 MOS writes with a translated error; nothing is sent."""
    from custom_components.daly_bms.protocol import MosBank

    radio = add_simulated_unit(name="JHB-50181201A494", dialect="p81")
    entry = await setup_entry(hass, radio)
    with pytest.raises(HomeAssistantError) as raised:
        await entry.runtime_data.async_set_mos(MosBank.CHARGE, False)
    assert raised.value.translation_key == "mos_not_supported"
    assert writes(radio) == []
    assert radio.unit.battery.charge_mos is True


async def test_switch_on_a_link_that_breaks_mid_answer(
    hass: HomeAssistant, add_simulated_unit: Callable[..., RadioUnit]
) -> None:
    """The held link dies during the echo: the same command is sent once more on a new one."""
    from simulator.faults import FaultKind

    radio = add_simulated_unit()
    await setup_entry(hass, radio)
    radio.faults.inject(FaultKind.DISCONNECT)
    await _switch(hass, radio, "charge_mos", SERVICE_TURN_OFF)
    assert radio.unit.battery.charge_mos is False
    assert state(hass, "switch", radio, "charge_mos").state == STATE_OFF
    assert writes(radio) == [CHARGE_OFF, CHARGE_OFF]
    assert radio.connected


async def test_switch_in_per_poll_mode_on_a_sleeping_unit(
    hass: HomeAssistant, add_simulated_unit: Callable[..., RadioUnit]
) -> None:
    """Connecting for the command finds a silent unit: it may be asleep, nothing is sent."""
    radio = add_simulated_unit()
    await setup_entry(hass, radio, connection_mode="per_poll")
    radio.unit.force_sleep()
    with pytest.raises(HomeAssistantError) as raised:
        await _switch(hass, radio, "charge_mos", SERVICE_TURN_OFF)
    assert raised.value.translation_key == "not_answering"
    assert writes(radio) == []
    assert not radio.connected
