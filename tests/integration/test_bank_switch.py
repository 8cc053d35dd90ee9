"""Bank switches: every pack switched and verified through its own coordinator."""

from __future__ import annotations

from collections.abc import Callable

from homeassistant.components.switch import DOMAIN as SWITCH_DOMAIN
from homeassistant.const import (
    ATTR_ENTITY_ID,
    SERVICE_TURN_OFF,
    SERVICE_TURN_ON,
    STATE_OFF,
    STATE_ON,
    STATE_UNKNOWN,
)
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from simulator.radio import RadioUnit

from .bank_helpers import bank_entity_id, bank_of_two, bank_state
from .common import advance, state, writes

CHARGE_ON = bytes.fromhex("D2 06 00 A5 00 01 4B 8A")
DISCHARGE_OFF = bytes.fromhex("D2 06 00 A6 00 00 7A 4A")
DISCHARGE_ON = bytes.fromhex("D2 06 00 A6 00 01 BB 8A")


async def _switch(hass: HomeAssistant, bank: MockConfigEntry, key: str, service: str) -> None:
    await hass.services.async_call(
        SWITCH_DOMAIN,
        service,
        {ATTR_ENTITY_ID: bank_entity_id(hass, bank, "switch", key)},
        blocking=True,
    )


async def test_bank_discharge_off_switches_every_pack_once(
    hass: HomeAssistant, add_simulated_unit: Callable[..., RadioUnit]
) -> None:
    """The paralleling step: one action opens the discharge MOSFET of each pack."""
    packs = await bank_of_two(hass, add_simulated_unit)
    north, south, bank = packs.north, packs.south, packs.bank
    assert bank_state(hass, bank, "switch", "discharge_mos").state == STATE_ON
    assert writes(north) == writes(south) == []

    await _switch(hass, bank, "discharge_mos", SERVICE_TURN_OFF)

    for radio in (north, south):
        assert radio.unit.battery.discharge_mos is False
        assert writes(radio) == [DISCHARGE_OFF]
        assert state(hass, "switch", radio, "discharge_mos").state == STATE_OFF
    discharge = bank_state(hass, bank, "switch", "discharge_mos")
    assert discharge.state == STATE_OFF
    assert discharge.attributes["packs_off"] == [north.unit.name, south.unit.name]
    assert bank_state(hass, bank, "switch", "charge_mos").state == STATE_ON

    await _switch(hass, bank, "discharge_mos", SERVICE_TURN_ON)
    assert north.unit.battery.discharge_mos is south.unit.battery.discharge_mos is True
    assert bank_state(hass, bank, "switch", "discharge_mos").state == STATE_ON

    # Polls, a lost link and a reload of the bank write nothing.
    north.drop_link()
    await advance(hass, 11)
    assert await hass.config_entries.async_reload(bank.entry_id)
    await advance(hass, 11)
    assert writes(north) == writes(south) == [DISCHARGE_OFF, DISCHARGE_ON]


async def test_pack_that_refuses_is_named_and_the_bank_shows_the_truth(
    hass: HomeAssistant, add_simulated_unit: Callable[..., RadioUnit]
) -> None:
    """A protection holds one pack's charge MOSFET open: the error names that pack."""
    packs = await bank_of_two(hass, add_simulated_unit)
    north, south, bank = packs.north, packs.south, packs.bank
    await _switch(hass, bank, "charge_mos", SERVICE_TURN_OFF)
    south.unit.set_temperature(70.0)  # charge over-temperature: the BMS keeps charge off

    with pytest.raises(HomeAssistantError) as raised:
        await _switch(hass, bank, "charge_mos", SERVICE_TURN_ON)

    assert raised.value.translation_key == "bank_mos_not_followed"
    assert raised.value.translation_placeholders == {
        "bank": "House bank",
        "packs": south.unit.name,
    }
    assert north.unit.battery.charge_mos is True
    assert south.unit.battery.charge_mos is False
    assert CHARGE_ON in writes(north)
    assert CHARGE_ON in writes(south)
    charge = bank_state(hass, bank, "switch", "charge_mos")
    assert charge.state == STATE_OFF
    assert charge.attributes["packs_off"] == [south.unit.name]


async def test_pack_not_running_is_named_and_the_others_still_switch(
    hass: HomeAssistant, add_simulated_unit: Callable[..., RadioUnit]
) -> None:
    """A member whose entry is unloaded cannot be asked: it is named, the rest follow."""
    packs = await bank_of_two(hass, add_simulated_unit)
    north, south, bank = packs.north, packs.south, packs.bank
    assert await hass.config_entries.async_unload(packs.south_entry.entry_id)
    await hass.async_block_till_done()
    discharge = bank_state(hass, bank, "switch", "discharge_mos")
    assert discharge.state == STATE_UNKNOWN
    assert discharge.attributes["packs_unknown"] == [south.unit.name]

    with pytest.raises(HomeAssistantError) as raised:
        await _switch(hass, bank, "discharge_mos", SERVICE_TURN_OFF)

    assert raised.value.translation_placeholders == {
        "bank": "House bank",
        "packs": south.unit.name,
    }
    assert north.unit.battery.discharge_mos is False
    assert south.unit.battery.discharge_mos is True
    assert writes(south) == []
    # Any pack off is enough to show the bank's switch off.
    assert bank_state(hass, bank, "switch", "discharge_mos").state == STATE_OFF
