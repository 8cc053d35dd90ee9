"""The automation blueprints load with Home Assistant's loader and work against a simulated unit."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
import re
import shutil
from typing import Any
from urllib.parse import unquote

from homeassistant.components.automation.helpers import async_get_blueprints
from homeassistant.components.blueprint import importer
from homeassistant.const import EVENT_HOMEASSISTANT_STARTED, STATE_OFF, STATE_ON
from homeassistant.core import CoreState, HomeAssistant, ServiceCall
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    async_fire_time_changed,
    async_mock_service,
)

from simulator.radio import RadioUnit

from .common import advance, entity_id, setup_entry

REPO = Path(__file__).parents[2]
BLUEPRINTS = REPO / "blueprints" / "automation" / "daly_bms"
FILES = sorted(path.name for path in BLUEPRINTS.glob("*.yaml"))
SOURCE = "https://github.com/daly-bms/daly_bms/blob/main/blueprints/automation/daly_bms/"
POLL = 11

AFE_CHIP_FAULT = 24
MOS_OFF_BY_SOFT_SWITCH = 4
CELL_DELTA_WARNING = 40
CELL_OVERVOLTAGE_ALARM = 49


@pytest.fixture
def blueprints(hass: HomeAssistant, tmp_path: Path) -> Path:
    """A configuration directory of its own holding this repository's blueprints."""
    hass.config.config_dir = str(tmp_path)
    target = tmp_path / "blueprints" / "automation" / "daly_bms"
    shutil.copytree(BLUEPRINTS, target)
    return target


@pytest.fixture
def notifications(hass: HomeAssistant) -> list[ServiceCall]:
    """What the blueprints' default notification action sends."""
    return async_mock_service(hass, "persistent_notification", "create")


async def use_blueprint(
    hass: HomeAssistant, name: str, inputs: dict[str, Any], *, at_start: bool = False
) -> None:
    """Create one automation from the blueprint file `name` with `inputs`.

    `at_start`: as Home Assistant does while it starts, rather than on a reload.
    """
    if at_start:
        hass.set_state(CoreState.not_running)
    alias = name.removesuffix(".yaml")
    config = {"alias": alias, "use_blueprint": {"path": f"daly_bms/{name}", "input": inputs}}
    assert await async_setup_component(hass, "automation", {"automation": [config]})
    if at_start:
        hass.set_state(CoreState.running)
        hass.bus.async_fire(EVENT_HOMEASSISTANT_STARTED)
    await hass.async_block_till_done()
    state = hass.states.get(f"automation.{alias}")
    assert state is not None
    assert state.state == STATE_ON, state


def key(hass: HomeAssistant, platform: str, radio: RadioUnit, name: str) -> str:
    found = entity_id(hass, platform, radio, name)
    assert found is not None, name
    return found


async def poll(hass: HomeAssistant, radio: RadioUnit, seconds: float = 0.0) -> None:
    """Let `seconds` pass on the unit, then let Home Assistant read it."""
    if seconds:
        radio.unit.advance(seconds)
    await advance(hass, POLL)


# An automation that waits (for the cells to settle) keeps its run open, and Home
# Assistant's "block until done" would wait for it forever. While one waits, the tests
# read the unit through the coordinator directly and let the loop run a bounded while.
async def read_now(hass: HomeAssistant, radio: RadioUnit, seconds: float = 0.0) -> None:
    """Let `seconds` pass on the unit, read it once, and let the automation react."""
    if seconds:
        radio.unit.advance(seconds)
    entry = hass.config_entries.async_entries("daly_bms")[0]
    await entry.runtime_data.async_refresh()
    await run_loop()


async def run_loop(rounds: int = 50) -> None:
    """Let everything that is ready run (service calls, a switch write and its read-back)."""
    for _ in range(rounds):
        await asyncio.sleep(0.005)


async def let_time_pass(hass: HomeAssistant, seconds: float) -> None:
    """Fire Home Assistant's timers due within `seconds` (the settle timeout)."""
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=seconds))
    await run_loop()


def test_there_are_three_blueprints() -> None:
    assert FILES == [
        "alarm_notification.yaml",
        "cell_protection.yaml",
        "low_soc_load_shedding.yaml",
    ]


@pytest.mark.parametrize("name", FILES)
async def test_the_blueprint_loader_accepts_it(
    hass: HomeAssistant, blueprints: Path, name: str
) -> None:
    blueprint = await async_get_blueprints(hass).async_get_blueprint(f"daly_bms/{name}")
    assert blueprint.domain == "automation"
    assert blueprint.metadata["source_url"] == SOURCE + name
    assert blueprint.metadata["homeassistant"]["min_version"] == "2026.2.3"
    assert blueprint.inputs


@pytest.mark.parametrize("name", FILES)
async def test_the_import_link_fetches_this_file(
    hass: HomeAssistant, aioclient_mock: Any, name: str
) -> None:
    """Home Assistant's importer turns the source URL into the raw file it downloads."""
    raw = importer._get_github_import_url(SOURCE + name)
    assert (
        raw
        == f"https://raw.githubusercontent.com/daly-bms/daly_bms/main/blueprints/automation/daly_bms/{name}"
    )
    aioclient_mock.get(raw, text=(BLUEPRINTS / name).read_text(encoding="utf-8"))
    imported = await importer.fetch_blueprint_from_url(hass, raw)
    assert imported.blueprint.domain == "automation"
    assert imported.suggested_filename == f"daly-bms/{name.removesuffix('.yaml')}"


def test_the_readme_links_each_blueprint_with_an_import_badge() -> None:
    """Each badge opens Home Assistant's importer on the raw file of one blueprint."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    links = re.findall(
        r"\(https://my\.home-assistant\.io/redirect/blueprint_import/\?blueprint_url=([^)]+)\)",
        text,
    )
    imported = sorted(unquote(link) for link in links)
    assert imported == sorted(importer._get_github_import_url(SOURCE + name) for name in FILES)


# -------------------------------------------------------------------------- low SOC


async def loads(hass: HomeAssistant) -> list[str]:
    """Two loads to shed, switched on; `homeassistant.turn_off` as in every installation."""
    assert await async_setup_component(hass, "homeassistant", {})
    assert await async_setup_component(
        hass, "input_boolean", {"input_boolean": {"inverter": {}, "water_heater": {}}}
    )
    names = ["input_boolean.inverter", "input_boolean.water_heater"]
    await hass.services.async_call("input_boolean", "turn_on", {"entity_id": names}, blocking=True)
    return names


def states(hass: HomeAssistant, entity_ids: list[str]) -> set[str]:
    return {hass.states.get(name).state for name in entity_ids}  # type: ignore[union-attr]


async def load_shedding(
    hass: HomeAssistant,
    add_simulated_unit: Callable[..., RadioUnit],
    soc: float,
    *,
    at_start: bool = False,
    switched_off: int = 0,
) -> tuple[RadioUnit, list[str]]:
    """A 100 Ah unit at `soc`, two loads (the first `switched_off` of them off), the blueprint."""
    names = await loads(hass)
    if switched_off:
        await hass.services.async_call(
            "input_boolean", "turn_off", {"entity_id": names[:switched_off]}, blocking=True
        )
    radio = add_simulated_unit(soc=soc, capacity_ah=100.0)
    await setup_entry(hass, radio)
    inputs = {"battery": key(hass, "sensor", radio, "soc"), "loads": {"entity_id": names}}
    await use_blueprint(hass, "low_soc_load_shedding.yaml", inputs, at_start=at_start)
    return radio, names


async def test_low_soc_sheds_the_loads_and_restores_them_above_the_upper_level(
    hass: HomeAssistant, blueprints: Path, add_simulated_unit: Callable[..., RadioUnit]
) -> None:
    radio, names = await load_shedding(hass, add_simulated_unit, 24.0)  # off 20 %, on 40 %
    radio.unit.set_current(-20.0)
    await poll(hass, radio, 6 * 60)  # 22 %
    assert states(hass, names) == {STATE_ON}
    await poll(hass, radio, 9 * 60)  # 19 %
    assert states(hass, names) == {STATE_OFF}

    radio.unit.set_current(20.0)
    await poll(hass, radio, 45 * 60)  # 34 %: above "off" but not yet above "on"
    assert states(hass, names) == {STATE_OFF}
    await poll(hass, radio, 20 * 60)  # 40.7 %
    assert states(hass, names) == {STATE_ON}


async def test_low_soc_at_start_sheds_the_loads(
    hass: HomeAssistant, blueprints: Path, add_simulated_unit: Callable[..., RadioUnit]
) -> None:
    _, names = await load_shedding(hass, add_simulated_unit, 12.0, at_start=True)
    assert states(hass, names) == {STATE_OFF}


async def test_a_restart_above_the_lower_level_touches_nothing(
    hass: HomeAssistant, blueprints: Path, add_simulated_unit: Callable[..., RadioUnit]
) -> None:
    _, names = await load_shedding(hass, add_simulated_unit, 80.0, at_start=True, switched_off=1)
    assert [hass.states.get(name).state for name in names] == [STATE_OFF, STATE_ON]  # type: ignore[union-attr]


# ------------------------------------------------------------------- cell protection


async def cell_protection(
    hass: HomeAssistant, radio: RadioUnit, *, stop_charging: bool = True
) -> str:
    switch = key(hass, "switch", radio, "charge_mos")
    await use_blueprint(
        hass,
        "cell_protection.yaml",
        {
            "highest_cell": key(hass, "sensor", radio, "cell_voltage_max"),
            "cell_difference": key(hass, "sensor", radio, "cell_voltage_delta"),
            "high_voltage": 3.45,
            "settled_voltage": 3.40,
            "high_difference": 150,
            "settled_difference": 100,
            "settle_time": {"minutes": 2},
            "charge_switch": [switch] if stop_charging else [],
        },
    )
    return switch


async def charge_until_stopped(hass: HomeAssistant, radio: RadioUnit) -> None:
    """Charge at 30 A, one reading a minute, until the automation opens the charge MOS."""
    battery = radio.unit.battery
    radio.unit.set_current(30.0)
    for _ in range(60):
        await read_now(hass, radio, 60)
        if not battery.charge_mos:
            return
    raise AssertionError("charging was never stopped")


async def test_a_cell_running_high_stops_charging_until_the_cells_settle(
    hass: HomeAssistant,
    blueprints: Path,
    notifications: list[ServiceCall],
    add_simulated_unit: Callable[..., RadioUnit],
) -> None:
    radio = add_simulated_unit(cells=16, soc=95.0, capacity_ah=100.0)
    await setup_entry(hass, radio)
    switch = await cell_protection(hass, radio)
    battery = radio.unit.battery
    await charge_until_stopped(hass, radio)
    assert hass.states.get(switch).state == STATE_OFF  # type: ignore[union-attr]
    assert battery.current == 0.0  # the charger still asks for 30 A
    assert max(battery.cell_voltages) < 3.6  # well before the BMS's own protection
    assert len(notifications) == 1
    assert "highest cell is at 3.4" in notifications[0].data["message"]
    assert "Charging is stopped" in notifications[0].data["message"]

    # Still high: nothing changes. Then a load pulls the pack down into the flat part.
    await read_now(hass, radio, 60)
    assert not battery.charge_mos
    radio.unit.set_current(-20.0)
    await read_now(hass, radio, 30 * 60)
    await let_time_pass(hass, 60)
    assert not battery.charge_mos  # settled, but not yet for the settle time
    await let_time_pass(hass, 121)
    assert battery.charge_mos
    assert hass.states.get(switch).state == STATE_ON  # type: ignore[union-attr]
    assert [call.data["message"] for call in notifications[1:]] == [
        "The cells have settled; charging is switched back on."
    ]


async def test_a_brief_dip_does_not_count_as_settled(
    hass: HomeAssistant,
    blueprints: Path,
    notifications: list[ServiceCall],
    add_simulated_unit: Callable[..., RadioUnit],
) -> None:
    radio = add_simulated_unit(cells=16, soc=95.0, capacity_ah=100.0)
    await setup_entry(hass, radio)
    await cell_protection(hass, radio)
    battery = radio.unit.battery
    await charge_until_stopped(hass, radio)
    radio.unit.set_current(-20.0)
    await read_now(hass, radio, 30 * 60)  # settled ...
    battery.set_cell_soc(5, 10.0)  # ... then one cell drops out of line: 150+ mV apart
    radio.unit.refresh()
    await read_now(hass, radio, 60)
    await let_time_pass(hass, 121)
    assert not battery.charge_mos
    # Back in line: the settle time starts over from here.
    battery.set_cell_soc(5, battery.cell_socs[3])
    radio.unit.refresh()
    await read_now(hass, radio)
    assert not battery.charge_mos
    await let_time_pass(hass, 121)
    assert battery.charge_mos


async def test_a_spread_notifies_and_leaves_a_switch_it_did_not_turn_off_alone(
    hass: HomeAssistant,
    blueprints: Path,
    notifications: list[ServiceCall],
    add_simulated_unit: Callable[..., RadioUnit],
) -> None:
    radio = add_simulated_unit(cells=16, soc=60.0, capacity_ah=100.0)
    await setup_entry(hass, radio)
    switch = await cell_protection(hass, radio)
    await hass.services.async_call("switch", "turn_off", {"entity_id": switch}, blocking=True)
    battery = radio.unit.battery
    battery.set_cell_soc(7, 4.0)  # a weak cell: far below the others
    radio.unit.refresh()
    await read_now(hass, radio)
    assert len(notifications) == 1
    message = notifications[0].data["message"]
    assert "The cells differ by" in message
    assert "Charging is stopped" in message  # a switch was chosen, and it is off
    battery.set_cell_soc(7, 60.0)
    radio.unit.refresh()
    await read_now(hass, radio)
    await let_time_pass(hass, 121)
    await read_now(hass, radio)
    assert not battery.charge_mos
    assert len(notifications) == 1


async def test_without_a_switch_it_only_notifies(
    hass: HomeAssistant,
    blueprints: Path,
    notifications: list[ServiceCall],
    add_simulated_unit: Callable[..., RadioUnit],
) -> None:
    radio = add_simulated_unit(cells=16, soc=60.0, capacity_ah=100.0)
    await setup_entry(hass, radio)
    await cell_protection(hass, radio, stop_charging=False)
    radio.unit.battery.set_cell_soc(2, 4.0)
    radio.unit.refresh()
    await read_now(hass, radio)
    assert len(notifications) == 1
    assert "Charging is stopped" not in notifications[0].data["message"]
    assert radio.unit.battery.charge_mos


# ----------------------------------------------------------------------------- alarms


async def test_a_new_alarm_is_told_in_words(
    hass: HomeAssistant,
    blueprints: Path,
    notifications: list[ServiceCall],
    add_simulated_unit: Callable[..., RadioUnit],
) -> None:
    radio = add_simulated_unit()
    await setup_entry(hass, radio)
    await use_blueprint(
        hass,
        "alarm_notification.yaml",
        {"alarm_sensor": key(hass, "sensor", radio, "alarm"), "include_warnings": False},
    )
    radio.unit.set_extra_alarm_bits(1 << AFE_CHIP_FAULT)
    await poll(hass, radio)
    assert len(notifications) == 1
    assert notifications[0].data["title"] == f"{radio.unit.name}: Measurement chip (AFE) fault"
    assert notifications[0].data["message"] == f"{radio.unit.name} reports afe chip fault."

    # The same alarm on the next reading is not news; a warning or a MOS switched off on
    # purpose is not asked for.
    await poll(hass, radio)
    radio.unit.set_extra_alarm_bits(
        1 << AFE_CHIP_FAULT | 1 << CELL_DELTA_WARNING | 1 << MOS_OFF_BY_SOFT_SWITCH
    )
    await poll(hass, radio)
    assert len(notifications) == 1

    radio.unit.set_extra_alarm_bits(1 << AFE_CHIP_FAULT | 1 << CELL_OVERVOLTAGE_ALARM)
    await poll(hass, radio)
    assert len(notifications) == 2
    assert notifications[1].data["message"] == f"{radio.unit.name} reports cell overvoltage alarm."


async def test_warnings_are_told_when_asked_for(
    hass: HomeAssistant,
    blueprints: Path,
    notifications: list[ServiceCall],
    add_simulated_unit: Callable[..., RadioUnit],
) -> None:
    radio = add_simulated_unit()
    await setup_entry(hass, radio)
    await use_blueprint(
        hass, "alarm_notification.yaml", {"alarm_sensor": key(hass, "sensor", radio, "alarm")}
    )
    radio.unit.set_extra_alarm_bits(1 << CELL_DELTA_WARNING)
    await poll(hass, radio)
    assert [call.data["title"] for call in notifications] == [
        f"{radio.unit.name}: Cell voltage difference warning"
    ]
