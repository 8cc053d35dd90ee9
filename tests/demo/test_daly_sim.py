"""The demo-only integration inside Home Assistant: discoveries, confirmation, dashboard."""

from __future__ import annotations

from collections.abc import Generator
from datetime import timedelta
from typing import Any
from unittest.mock import patch

from homeassistant.components.energy import data as energy_data
from homeassistant.components.lovelace.const import LOVELACE_DATA
from homeassistant.components.lovelace.dashboard import LovelaceStorage
from homeassistant.config_entries import SOURCE_BLUETOOTH
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.helpers.device_registry import format_mac
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (  # type: ignore[import-untyped]
    async_fire_time_changed,
)

# Imported first so that Home Assistant finds daly_bms in this repository.
import custom_components  # noqa: F401
from demo import daly_sim
from demo.dashboard import DASHBOARD_URL_PATH
from demo.units import (
    BANK_NAME,
    DALY_ADDRESS,
    HUNDRED_BALANCE_ADDRESS,
    SECOND_DALY_ADDRESS,
    SHED_ADDRESS,
)

UNIT_ADDRESSES = sorted(
    format_mac(address)
    for address in (DALY_ADDRESS, SECOND_DALY_ADDRESS, HUNDRED_BALANCE_ADDRESS, SHED_ADDRESS)
)


@pytest.fixture(autouse=True)
def _custom_integrations(enable_custom_integrations: None, no_connect_backoff: None) -> None:
    """Let Home Assistant load daly_bms; retry failed connections without sleeping."""


@pytest.fixture(autouse=True)
def _short_request_timeout() -> Generator[None]:
    """Give up on a silent request after 0.2 s: the shed's A5 unit is found after D2 and
    p81 went unanswered, which takes seconds per request at the real timeout."""
    with patch("custom_components.daly_bms.link.REQUEST_TIMEOUT", 0.2):
        yield


async def _dashboard_store(hass: HomeAssistant) -> LovelaceStorage:
    """Set up lovelace with the storage dashboard scripts/demo registers beforehand."""
    assert await async_setup_component(hass, "lovelace", {})
    store = LovelaceStorage(
        hass,
        {
            "id": "daly_batteries",
            "url_path": DASHBOARD_URL_PATH,
            "title": "Batteries",
            "mode": "storage",
        },
    )
    hass.data[LOVELACE_DATA].dashboards[DASHBOARD_URL_PATH] = store
    return store


async def _start_demo(hass: HomeAssistant, *, auto_confirm: bool) -> None:
    config = daly_sim.CONFIG_SCHEMA({"daly_sim": {"speed": 60, "auto_confirm": auto_confirm}})
    assert await daly_sim.async_setup(hass, config)
    await hass.async_block_till_done()


async def _settle(hass: HomeAssistant, seconds: float = 5.0) -> None:
    """Let debounced work and retries run."""
    await hass.async_block_till_done(wait_background_tasks=True)
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=seconds))
    await hass.async_block_till_done(wait_background_tasks=True)


def _section_entities(section: dict[str, Any]) -> set[str]:
    found: set[str] = set()
    for card in section["cards"]:
        if "entity" in card:
            found.add(card["entity"])
        for row in card.get("entities", []):
            found.add(row["entity"] if isinstance(row, dict) else row)
    return found


async def test_auto_confirm_adds_the_batteries_and_the_bank_and_fills_the_dashboard(
    hass: HomeAssistant, bluetooth_stack: None
) -> None:
    store = await _dashboard_store(hass)
    await _start_demo(hass, auto_confirm=True)
    await _settle(hass)
    await _settle(hass)

    entries = hass.config_entries.async_entries("daly_bms")
    units = [entry for entry in entries if "address" in entry.data]
    assert sorted(entry.unique_id for entry in units) == UNIT_ADDRESSES
    assert all(entry.source == SOURCE_BLUETOOTH for entry in units)
    [bank] = [entry for entry in entries if entry.data.get("kind") == "bank"]
    assert bank.title == BANK_NAME
    assert bank.options["members"] == [DALY_ADDRESS.lower(), SECOND_DALY_ADDRESS.lower()]

    config = await store.async_load(False)
    sections = config["views"][0]["sections"]
    assert [section["cards"][0]["heading"][:4] for section in sections] == [
        "Hous",
        "DL-C",
        "DL-C",
        "JHB-",
        "Shed",
    ]
    for section in sections:
        entity_ids = _section_entities(section)
        soc = next(card["entity"] for card in section["cards"] if card["type"] == "gauge")
        assert 0.0 <= float(hass.states.get(soc).state) <= 100.0
        assert all(hass.states.get(entity_id) is not None for entity_id in entity_ids)
    cells = [card for card in sections[1]["cards"] if card.get("title") == "Cell voltages"]
    assert len(cells[0]["entities"]) == 16
    for row in cells[0]["entities"]:
        assert 2.5 <= float(hass.states.get(row["entity"]).state) <= 3.65

    # What a user may set has a card of its own, never the catch-all "More": all of it on
    # the three D2 units, the state of charge alone on the A5 unit.
    settings = [
        [row["name"] for row in card["entities"]]
        for section in sections[1:]
        for card in section["cards"]
        if card.get("title") == "Settings"
    ]
    everything = [
        "Rated capacity",
        "State of charge calibration",
        "Sleep time",
        "Never sleep",
        "Balancer",
    ]
    assert settings == [everything, everything, everything, ["State of charge calibration"]]
    unplaced = {
        entity_id
        for section in sections
        for card in section["cards"]
        if card.get("title") == "More"
        for entity_id in card["entities"]
    }
    assert not {entity_id for entity_id in unplaced if entity_id.startswith("number.")}
    assert not {
        entity_id for entity_id in unplaced if entity_id.endswith(("_never_sleep", "_balancer"))
    }

    # The two house packs start a few percent apart, well within a volt: ready to parallel.
    paralleling = next(card for card in sections[0]["cards"] if card.get("title") == "Paralleling")
    ready = hass.states.get(paralleling["entities"][0]["entity"])
    assert ready.state == "on"
    packs = {
        hass.states.get(card["entity"]).state
        for section in sections[1:3]
        for card in section["cards"]
        if card["type"] == "gauge"
    }
    assert len(packs) == 2  # at different states of charge

    # Each brand with its own firmware strings, the Daly software stored back to front
    # as real units do and shown the right way round.
    registry = dr.async_get(hass)
    firmware = {
        entry.title[:3]: {
            (device.sw_version, device.hw_version)
            for device in dr.async_entries_for_config_entry(registry, entry.entry_id)
        }
        for entry in units
    }
    assert firmware == {
        "DL-": {("11_240123_K00T", "H2.0_103R_309F9F")},
        "JHB": {("10_230607_B00T", "H1.2_102E_30XF")},
        # The shed's older unit speaks A5, which carries no version strings.
        "She": {(None, None)},
    }


async def test_without_auto_confirm_the_batteries_wait_in_discovered(
    hass: HomeAssistant, bluetooth_stack: None
) -> None:
    store = await _dashboard_store(hass)
    await _start_demo(hass, auto_confirm=False)
    await _settle(hass, 30.0)

    assert hass.config_entries.async_entries("daly_bms") == []
    flows = hass.config_entries.flow.async_progress_by_handler("daly_bms")
    assert sorted(flow["context"]["unique_id"] for flow in flows) == UNIT_ADDRESSES
    assert {flow["step_id"] for flow in flows} == {"bluetooth_confirm"}

    config = await store.async_load(False)
    cards = config["views"][0]["sections"][0]["cards"]
    assert cards[0]["type"] == "markdown"
    assert "Discovered" in cards[0]["content"]

    # Confirming one by hand, as the UI's "Add" does, brings its section in: once to check
    # the unit, once more where the flow says which protocol it answered in.
    found = await hass.config_entries.flow.async_configure(flows[0]["flow_id"], {})
    assert found["step_id"] == "found"
    await hass.config_entries.flow.async_configure(flows[0]["flow_id"], {})
    await _settle(hass)
    config = await store.async_load(False)
    assert len(config["views"][0]["sections"]) == 1
    assert config["views"][0]["sections"][0]["cards"][0]["type"] == "heading"
    # The bank is left for the user to add, like the units.
    assert all("address" in entry.data for entry in hass.config_entries.async_entries("daly_bms"))


async def test_every_battery_goes_into_the_energy_dashboard_once(
    hass: HomeAssistant, bluetooth_stack: None
) -> None:
    await _dashboard_store(hass)
    await _start_demo(hass, auto_confirm=True)
    await _settle(hass)
    await _settle(hass)

    manager = await energy_data.async_get_manager(hass)
    assert manager.data is not None
    sources = manager.data["energy_sources"]
    assert [source["type"] for source in sources] == ["battery"] * 4
    for source in sources:
        discharged = hass.states.get(source["stat_energy_from"])  # type: ignore[typeddict-item]
        charged = hass.states.get(source["stat_energy_to"])  # type: ignore[typeddict-item]
        power = source["power_config"]["stat_rate_inverted"]  # type: ignore[typeddict-item]
        assert discharged.entity_id.endswith("_energy_discharged")
        assert charged.entity_id.endswith("_energy_charged")
        assert power.endswith("_power")
        for state in (discharged, charged):
            assert state.attributes["state_class"] == "total_increasing"
            assert float(state.state) >= 0.0

    # A battery taken out comes back with the next change of entities, behind the sources
    # that stayed; nothing is added twice.
    await manager.async_update({"energy_sources": sources[1:]})  # type: ignore[typeddict-item]
    await _settle(hass)
    assert manager.data["energy_sources"] == sources[1:]
    hass.bus.async_fire(er.EVENT_ENTITY_REGISTRY_UPDATED, {"action": "update", "entity_id": ""})
    await _settle(hass)
    refreshed = manager.data["energy_sources"]
    assert [source["stat_energy_from"] for source in refreshed] == [
        *(source["stat_energy_from"] for source in sources[1:]),  # type: ignore[typeddict-item]
        sources[0]["stat_energy_from"],  # type: ignore[typeddict-item]
    ]
