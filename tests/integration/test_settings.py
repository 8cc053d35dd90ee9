"""Settings a user may change: numbers and switches made from the dialect's settings table,
each write confirmed by what the unit reports back."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from homeassistant.components.number import DOMAIN as NUMBER_DOMAIN, SERVICE_SET_VALUE
from homeassistant.const import (
    ATTR_ENTITY_ID,
    STATE_OFF,
    STATE_ON,
    STATE_UNKNOWN,
)
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import entity_registry as er
import pytest

from custom_components.daly_bms.const import DEFAULT_SLEEP_TIME, SETTINGS_EVERY_POLLS
from simulator import ConstantProfile
from simulator.radio import RadioUnit

from .common import advance, entity_id, setup_entry, state, switch_to, value, writes

P81 = {"name": "JHB-50181201A494", "dialect": "p81"}


async def set_number(hass: HomeAssistant, radio: RadioUnit, key: str, number: float) -> None:
    await hass.services.async_call(
        NUMBER_DOMAIN,
        SERVICE_SET_VALUE,
        {ATTR_ENTITY_ID: state(hass, "number", radio, key).entity_id, "value": number},
        blocking=True,
    )


@pytest.mark.parametrize(
    ("unit_options", "capacity_step", "sleep_step", "sleep_max"),
    [({}, 0.1, 1, 65534), (P81, 0.1, 10, 655340)],
    ids=["d2", "p81"],
)
async def test_numbers_are_config_entities_with_the_tables_ranges(
    hass: HomeAssistant,
    add_simulated_unit: Callable[..., RadioUnit],
    unit_options: dict[str, Any],
    capacity_step: float,
    sleep_step: int,
    sleep_max: int,
) -> None:
    """One number per writable row: its range and step from the table, category config."""
    radio = add_simulated_unit(capacity_ah=230.0, soc=61.3, **unit_options)
    await setup_entry(hass, radio)
    registry = er.async_get(hass)
    expected = {
        "rated_capacity": (230.0, 1.0, 5000.0, capacity_step, "Ah"),
        "sleep_time": (3600, 60, sleep_max, sleep_step, "s"),
        "soc_setting": (61.3, 0.0, 100.0, 0.1, "%"),
    }
    for key, (shown, low, high, step, unit) in expected.items():
        number = state(hass, "number", radio, key)
        entry = registry.async_get(number.entity_id)
        assert entry is not None
        assert entry.entity_category == "config"
        assert float(number.state) == shown
        assert (number.attributes["min"], number.attributes["max"]) == (low, high)
        assert number.attributes["step"] == step
        assert number.attributes["unit_of_measurement"] == unit
        assert number.attributes["mode"] == "box"
    # A sleep time in whole seconds, not "3600.0".
    assert state(hass, "number", radio, "sleep_time").state == "3600"
    assert writes(radio) == []


@pytest.mark.parametrize("unit_options", [{}, P81], ids=["d2", "p81"])
async def test_rated_capacity_round_trips(
    hass: HomeAssistant, add_simulated_unit: Callable[..., RadioUnit], unit_options: dict[str, Any]
) -> None:
    radio = add_simulated_unit(soc=50.0, **unit_options)
    await setup_entry(hass, radio)
    await set_number(hass, radio, "rated_capacity", 280.0)
    assert radio.unit.settings.limits.rated_capacity_ah == 280.0
    assert value(hass, "number", radio, "rated_capacity") == 280.0
    # The reading after the write shows what the new rating means at the same SOC.
    assert value(hass, "sensor", radio, "remaining_capacity") == pytest.approx(140.0, abs=0.1)
    assert len(writes(radio)) == 1


@pytest.mark.parametrize(
    ("unit_options", "capacity_mah"),
    [({}, 0), ({}, 0xFFFF * 100), (P81, 0), (P81, 0x0FFFFFFF)],
    ids=["d2 0 Ah", "d2 6553.5 Ah", "p81 0 Ah", "p81 268435.455 Ah"],
)
async def test_a_unit_without_a_plausible_rated_capacity_can_be_given_one(
    hass: HomeAssistant,
    add_simulated_unit: Callable[..., RadioUnit],
    unit_options: dict[str, Any],
    capacity_mah: int,
) -> None:
    """A first-use unit: the register holds no capacity a pack can have. The number is
    there all the same, unknown rather than that value, so the owner can set it."""
    radio = add_simulated_unit(**unit_options)
    radio.unit.settings.rated_capacity_mah = capacity_mah
    await setup_entry(hass, radio)
    assert state(hass, "number", radio, "rated_capacity").state == STATE_UNKNOWN
    assert entity_id(hass, "sensor", radio, "rated_capacity") is None
    await set_number(hass, radio, "rated_capacity", 280.0)
    assert radio.unit.settings.limits.rated_capacity_ah == 280.0
    assert value(hass, "number", radio, "rated_capacity") == 280.0


async def test_a_rated_capacity_that_turns_implausible_shows_unknown(
    hass: HomeAssistant, add_simulated_unit: Callable[..., RadioUnit]
) -> None:
    radio = add_simulated_unit()
    await setup_entry(hass, radio)
    assert value(hass, "number", radio, "rated_capacity") == 100.0
    assert radio.unit.firmware.write_register(0x80, 0xFFFF)
    for _ in range(SETTINGS_EVERY_POLLS + 1):  # past the next settings read
        await advance(hass, 11)
    assert state(hass, "number", radio, "rated_capacity").state == STATE_UNKNOWN


@pytest.mark.parametrize("unit_options", [{}, P81], ids=["d2", "p81"])
async def test_sleep_time_and_never_sleep(
    hass: HomeAssistant, add_simulated_unit: Callable[..., RadioUnit], unit_options: dict[str, Any]
) -> None:
    """Never sleep is the sleep time's "never"; off gives back the time the unit had."""
    radio = add_simulated_unit(**unit_options)
    await setup_entry(hass, radio)
    await set_number(hass, radio, "sleep_time", 7200)
    assert radio.unit.settings.limits.sleep_time_s == 7200
    assert state(hass, "switch", radio, "never_sleep").state == STATE_OFF

    await switch_to(hass, radio, "never_sleep", True)
    assert radio.unit.settings.limits.sleep_time_s == 0xFFFF
    assert state(hass, "switch", radio, "never_sleep").state == STATE_ON
    # Never is not a number of seconds: the number has no value meanwhile.
    assert state(hass, "number", radio, "sleep_time").state == STATE_UNKNOWN

    await switch_to(hass, radio, "never_sleep", False)
    assert radio.unit.settings.limits.sleep_time_s == 7200
    assert value(hass, "number", radio, "sleep_time") == 7200


async def test_never_sleep_off_restores_the_factory_hour_when_the_unit_never_slept(
    hass: HomeAssistant, add_simulated_unit: Callable[..., RadioUnit]
) -> None:
    radio = add_simulated_unit()
    assert radio.unit.firmware.write_register(0x8A, 0xFFFF)
    await setup_entry(hass, radio)
    assert state(hass, "switch", radio, "never_sleep").state == STATE_ON
    assert state(hass, "number", radio, "sleep_time").state == STATE_UNKNOWN
    await switch_to(hass, radio, "never_sleep", False)
    assert radio.unit.settings.limits.sleep_time_s == 3600


@pytest.mark.parametrize(
    ("unit_options", "seconds"),
    [({}, 30), ({}, 0), (P81, 30)],
    ids=["d2 30 s", "d2 0 s", "p81 30 s"],
)
async def test_never_sleep_off_restores_the_factory_hour_over_a_time_that_may_not_be_set(
    hass: HomeAssistant,
    add_simulated_unit: Callable[..., RadioUnit],
    unit_options: dict[str, Any],
    seconds: int,
) -> None:
    """A sleep time shorter than the number allows (set in the phone app) is not written
    back: the write would be refused, and the unit would be left never sleeping."""
    # A load keeps the unit awake through its short sleep time.
    radio = add_simulated_unit(profile=ConstantProfile(-5.0), **unit_options)
    radio.unit.settings.sleep_time_s = seconds
    entry = await setup_entry(hass, radio)
    assert entry.runtime_data.data.settings.sleep_time == seconds
    await switch_to(hass, radio, "never_sleep", True)
    assert radio.unit.settings.limits.sleep_time_s == 0xFFFF
    assert entry.runtime_data.sleep_time_to_restore == seconds

    await switch_to(hass, radio, "never_sleep", False)
    assert radio.unit.settings.limits.sleep_time_s == DEFAULT_SLEEP_TIME
    assert value(hass, "number", radio, "sleep_time") == DEFAULT_SLEEP_TIME
    assert state(hass, "switch", radio, "never_sleep").state == STATE_OFF


@pytest.mark.parametrize("unit_options", [{}, P81], ids=["d2", "p81"])
async def test_state_of_charge_calibration(
    hass: HomeAssistant, add_simulated_unit: Callable[..., RadioUnit], unit_options: dict[str, Any]
) -> None:
    """Set the SOC after a full charge: the unit's SOC follows, and every entity shows it."""
    radio = add_simulated_unit(soc=87.4, **unit_options)
    await setup_entry(hass, radio)
    assert value(hass, "number", radio, "soc_setting") == 87.4
    await set_number(hass, radio, "soc_setting", 100.0)
    assert radio.unit.battery.soc == pytest.approx(100.0)
    assert value(hass, "number", radio, "soc_setting") == 100.0
    assert value(hass, "sensor", radio, "soc") == 100.0


async def test_balancer_switch(
    hass: HomeAssistant, add_simulated_unit: Callable[..., RadioUnit]
) -> None:
    radio = add_simulated_unit()
    await setup_entry(hass, radio)
    balancer = state(hass, "switch", radio, "balancer")
    assert balancer.state == STATE_ON
    entry = er.async_get(hass).async_get(balancer.entity_id)
    assert entry is not None
    assert entry.entity_category == "config"
    await switch_to(hass, radio, "balancer", False)
    assert radio.unit.settings.limits.balancer is False
    assert state(hass, "switch", radio, "balancer").state == STATE_OFF
    assert writes(radio) == [bytes.fromhex("D2 06 00 CF 00 00 AA 56")]
    await switch_to(hass, radio, "balancer", True)
    assert radio.unit.settings.limits.balancer is True
    assert state(hass, "switch", radio, "balancer").state == STATE_ON


async def test_p81_unit_has_no_balancer_switch(
    hass: HomeAssistant, add_simulated_unit: Callable[..., RadioUnit]
) -> None:
    radio = add_simulated_unit(**P81)
    await setup_entry(hass, radio)
    assert entity_id(hass, "switch", radio, "balancer") is None
    for key in ("charge_mos", "discharge_mos", "never_sleep"):
        assert entity_id(hass, "switch", radio, key) is not None


# -- refusals ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "number"),
    [("rated_capacity", 0.0), ("rated_capacity", 6553.5), ("soc_setting", 100.5)],
)
async def test_out_of_range_values_are_refused_before_anything_is_sent(
    hass: HomeAssistant, add_simulated_unit: Callable[..., RadioUnit], key: str, number: float
) -> None:
    radio = add_simulated_unit()
    entry = await setup_entry(hass, radio)
    before = len(radio.requests)
    # Through the entity, Home Assistant itself holds the value against the range...
    with pytest.raises(ServiceValidationError):
        await set_number(hass, radio, key, number)
    # ...and the integration does too, with its own message, for any other caller.
    with pytest.raises(ServiceValidationError) as refused:
        await entry.runtime_data.async_set_setting(key, number, "Setting")
    assert refused.value.translation_key == "setting_out_of_range"
    placeholders = refused.value.translation_placeholders or {}
    assert placeholders["setting"] == "Setting"
    assert placeholders["value"].startswith(f"{number:g}")
    assert len(radio.requests) == before


async def test_a_setting_the_dialect_lacks_is_refused(
    hass: HomeAssistant, add_simulated_unit: Callable[..., RadioUnit]
) -> None:
    radio = add_simulated_unit(**P81)
    entry = await setup_entry(hass, radio)
    before = len(radio.requests)
    with pytest.raises(HomeAssistantError) as refused:
        await entry.runtime_data.async_set_setting("balancer", False, "Balancer")
    assert refused.value.translation_key == "setting_not_supported"
    assert len(radio.requests) == before


@pytest.mark.parametrize(
    ("unit_options", "registers"), [({}, {0x80}), (P81, {0x109, 0x10A})], ids=["d2", "p81"]
)
async def test_a_unit_that_does_not_take_a_value_keeps_showing_its_own(
    hass: HomeAssistant,
    add_simulated_unit: Callable[..., RadioUnit],
    unit_options: dict[str, Any],
    registers: set[int],
) -> None:
    radio = add_simulated_unit(ignores_writes=registers, **unit_options)
    await setup_entry(hass, radio)
    with pytest.raises(HomeAssistantError) as refused:
        await set_number(hass, radio, "rated_capacity", 280.0)
    assert refused.value.translation_key == "setting_not_followed"
    placeholders = refused.value.translation_placeholders or {}
    assert (placeholders["value"], placeholders["actual"]) == ("280 Ah", "100 Ah")
    assert value(hass, "number", radio, "rated_capacity") == 100.0
    assert radio.unit.settings.limits.rated_capacity_ah == 100.0


async def test_a_balancer_that_does_not_switch_keeps_showing_its_state(
    hass: HomeAssistant, add_simulated_unit: Callable[..., RadioUnit]
) -> None:
    radio = add_simulated_unit(ignores_writes={0xCF})
    await setup_entry(hass, radio)
    with pytest.raises(HomeAssistantError) as refused:
        await switch_to(hass, radio, "balancer", False)
    assert refused.value.translation_key == "switch_not_followed"
    assert state(hass, "switch", radio, "balancer").state == STATE_ON


async def test_never_sleep_not_taken(
    hass: HomeAssistant, add_simulated_unit: Callable[..., RadioUnit]
) -> None:
    radio = add_simulated_unit(ignores_writes={0x8A})
    await setup_entry(hass, radio)
    with pytest.raises(HomeAssistantError) as refused:
        await switch_to(hass, radio, "never_sleep", True)
    assert refused.value.translation_key == "switch_not_followed"
    assert state(hass, "switch", radio, "never_sleep").state == STATE_OFF
    assert value(hass, "number", radio, "sleep_time") == 3600


async def test_a_unit_that_is_gone_fails_with_the_links_message(
    hass: HomeAssistant, add_simulated_unit: Callable[..., RadioUnit]
) -> None:
    radio = add_simulated_unit()
    entry = await setup_entry(hass, radio)
    radio.faults.asleep = True
    with pytest.raises(HomeAssistantError) as refused:
        await set_number(hass, radio, "rated_capacity", 280.0)
    assert refused.value.translation_key == "timeout"
    assert radio.unit.settings.limits.rated_capacity_ah == 100.0
    # Taken or not, nobody can tell: unknown until the unit is asked again, which the
    # very next reading does (settings are otherwise read one reading in ten).
    assert state(hass, "number", radio, "rated_capacity").state == STATE_UNKNOWN
    radio.faults.asleep = False
    await entry.runtime_data.async_refresh()
    assert value(hass, "number", radio, "rated_capacity") == 100.0


async def test_a5_unit_calibrates_its_state_of_charge_and_shows_its_rating_read_only(
    hass: HomeAssistant, add_simulated_unit: Callable[..., RadioUnit]
) -> None:
    """The A5 table has the SOC as its one writable setting; the rating stays a sensor."""
    radio = add_simulated_unit(dialect="a5", name="DL-C0DA1B0000A5", soc=72.0)
    await setup_entry(hass, radio)
    assert value(hass, "number", radio, "soc_setting") == 72.0
    await set_number(hass, radio, "soc_setting", 100.0)
    assert radio.unit.battery.soc == pytest.approx(100.0)
    assert value(hass, "sensor", radio, "soc") == 100.0
    assert entity_id(hass, "number", radio, "rated_capacity") is None
    assert entity_id(hass, "sensor", radio, "rated_capacity") is not None
    assert entity_id(hass, "switch", radio, "never_sleep") is None
    assert len(writes(radio)) == 1
