"""Home Assistant's Energy dashboard takes a unit as a battery: its own validation says so."""

from __future__ import annotations

from collections.abc import Callable, Generator
from datetime import timedelta
import logging
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.energy import data as energy_data, validate
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import async_fire_time_changed
from pytest_homeassistant_custom_component.components.recorder.common import (
    async_wait_recording_done,
    do_adhoc_statistics,
)

from simulator.radio import RadioUnit

from .common import entity_id, setup_entry, value


@pytest.fixture
def mock_recorder_before_hass(async_test_recorder: Any) -> Generator[None]:
    """Prepare the recorder's database before Home Assistant starts (recorder_mock needs it).

    The test plugin logs every SQL statement; the recorder's thread would print them
    after the test's capture has ended.
    """
    engine = logging.getLogger("sqlalchemy.engine")
    level = engine.level
    engine.setLevel(logging.WARNING)
    yield
    engine.setLevel(level)


def battery_source(hass: HomeAssistant, radio: RadioUnit) -> dict[str, Any]:
    """The battery as the README tells users to add it (and the demo writes it)."""

    def sensor(key: str) -> str:
        found = entity_id(hass, "sensor", radio, key)
        assert found is not None, key
        return found

    return {
        "type": "battery",
        "stat_energy_from": sensor("energy_discharged"),
        "stat_energy_to": sensor("energy_charged"),
        # Our power is positive while charging; the Energy dashboard wants it positive
        # while discharging, so it is added as "inverted".
        "power_config": {"stat_rate_inverted": sensor("power")},
    }


async def compile_statistics(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> None:
    """Let the recorder compile the five minutes the states fell in, as it does by itself."""
    start = dt_util.utcnow().replace(second=0, microsecond=0)
    start -= timedelta(minutes=start.minute % 5)
    freezer.move_to(start + timedelta(minutes=5, seconds=1))
    async_fire_time_changed(hass)
    do_adhoc_statistics(hass, start=start)
    await async_wait_recording_done(hass)


@pytest.mark.parametrize("current", [-20.0, 20.0])
async def test_energy_validation_accepts_the_unit_as_a_battery(
    recorder_mock: Any,
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    add_simulated_unit: Callable[..., RadioUnit],
    current: float,
) -> None:
    radio = add_simulated_unit(capacity_ah=100.0, soc=60.0)
    radio.unit.set_current(current)
    await setup_entry(hass, radio)
    assert await async_setup_component(hass, "energy", {})
    manager = await energy_data.async_get_manager(hass)
    await manager.async_update({"energy_sources": [battery_source(hass, radio)]})  # type: ignore[typeddict-item]
    await hass.async_block_till_done()
    await compile_statistics(hass, freezer)

    result = await validate.async_validate(hass)
    assert result.as_dict()["energy_sources"] == [[]]

    # The dashboard's generated power sensor shows discharging as positive.
    stat_rate = manager.data["energy_sources"][0]["stat_rate"]  # type: ignore[typeddict-item]
    generated = hass.states.get(stat_rate)
    assert generated is not None
    ours = value(hass, "sensor", radio, "power")
    assert (ours < 0) == (current < 0)
    assert float(generated.state) == pytest.approx(-ours)


async def test_energy_validation_notices_a_wrong_sensor(
    recorder_mock: Any,
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    add_simulated_unit: Callable[..., RadioUnit],
) -> None:
    """The control case: the stored energy, which users tried before, is flagged as before."""
    radio = add_simulated_unit(capacity_ah=100.0, soc=60.0)
    await setup_entry(hass, radio)
    assert await async_setup_component(hass, "energy", {})
    source = battery_source(hass, radio)
    source["stat_energy_from"] = entity_id(hass, "sensor", radio, "stored_energy")
    manager = await energy_data.async_get_manager(hass)
    await manager.async_update({"energy_sources": [source]})  # type: ignore[typeddict-item]
    await hass.async_block_till_done()
    await compile_statistics(hass, freezer)

    issues = (await validate.async_validate(hass)).as_dict()["energy_sources"][0]
    assert {issue["type"] for issue in issues} == {
        "entity_unexpected_device_class",  # "Unexpected device class"
        "entity_state_class_measurement_no_last_reset",  # "Last reset missing"
    }
