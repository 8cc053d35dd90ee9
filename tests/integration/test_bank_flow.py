"""Creating a bank in the config flow, changing it in its options, and its diagnostics."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
import re

from homeassistant.config_entries import SOURCE_RECONFIGURE, SOURCE_USER, ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import device_registry as dr
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from simulator.radio import RadioUnit

from .bank_helpers import CAMPER, NORTH, SOUTH, add_pack, bank_state, setup_bank
from .common import DOMAIN, setup_entry

README = Path(__file__).parents[2] / "README.md"


def _choices(result: dict[str, object]) -> dict[str, str]:
    schema = result["data_schema"]
    selector = schema.schema["members"]  # type: ignore[attr-defined]
    return {option["value"]: option["label"] for option in selector.config["options"]}


def _unit_entry(hass: HomeAssistant, address: str) -> ConfigEntry:
    return next(
        entry
        for entry in hass.config_entries.async_entries(DOMAIN)
        if entry.data.get("address") == address
    )


async def _bank_form(hass: HomeAssistant) -> dict[str, object]:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    assert result["type"] is FlowResultType.MENU
    assert result["menu_options"] == ["unit", "bank"]
    return await hass.config_entries.flow.async_configure(  # type: ignore[return-value]
        result["flow_id"], {"next_step_id": "bank"}
    )


async def _three_packs(
    hass: HomeAssistant, add_simulated_unit: Callable[..., RadioUnit]
) -> dict[str, RadioUnit]:
    radios = {
        address: add_pack(add_simulated_unit, address, soc=60.0)
        for address in (NORTH, SOUTH, CAMPER)
    }
    for radio in radios.values():
        await setup_entry(hass, radio)
    return radios


async def test_bank_is_created_from_units_already_set_up(
    hass: HomeAssistant, add_simulated_unit: Callable[..., RadioUnit]
) -> None:
    """Menu -> bank -> name and packs: a bank entry and device, the packs under it."""
    radios = await _three_packs(hass, add_simulated_unit)
    # A renamed device is offered by the name the user gave it.
    north_entry = _unit_entry(hass, NORTH)
    north_device = dr.async_entries_for_config_entry(dr.async_get(hass), north_entry.entry_id)[0]
    dr.async_get(hass).async_update_device(north_device.id, name_by_user="Shed north")

    form = await _bank_form(hass)
    assert form["type"] is FlowResultType.FORM
    assert form["step_id"] == "bank"
    assert _choices(form) == {
        NORTH.lower(): "Shed north",
        SOUTH.lower(): radios[SOUTH].unit.name,
        CAMPER.lower(): radios[CAMPER].unit.name,
    }

    result = await hass.config_entries.flow.async_configure(
        form["flow_id"], {"name": "  ", "members": [NORTH.lower()]}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"members": "too_few_members"}

    result = await hass.config_entries.flow.async_configure(
        form["flow_id"], {"name": "  ", "members": [NORTH.lower(), SOUTH.lower()]}
    )
    await hass.async_block_till_done(wait_background_tasks=True)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Battery bank"
    entry = result["result"]
    assert entry.data == {"kind": "bank"}
    assert entry.options == {
        "members": [NORTH.lower(), SOUTH.lower()],
        "sum_available": False,
        "parallel_limit": 1.0,
    }
    assert bank_state(hass, entry, "sensor", "packs_available").state == "2"

    # Units already in a bank are not offered for another one.
    form = await _bank_form(hass)
    assert form["type"] is FlowResultType.ABORT
    assert form["reason"] == "no_bank_candidates"


async def test_bank_needs_two_units_set_up(
    hass: HomeAssistant, add_simulated_unit: Callable[..., RadioUnit]
) -> None:
    """With one unit set up there is nothing to make a bank of."""
    await setup_entry(hass, add_pack(add_simulated_unit, NORTH, soc=60.0))
    result = await _bank_form(hass)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "no_bank_candidates"


async def test_options_change_packs_policy_and_limit(
    hass: HomeAssistant, add_simulated_unit: Callable[..., RadioUnit]
) -> None:
    """The options list the bank's packs (a removed one too) and the free units."""
    await _three_packs(hass, add_simulated_unit)
    bank = await setup_bank(hass, NORTH, SOUTH)
    south_entry = _unit_entry(hass, SOUTH)
    assert await hass.config_entries.async_remove(south_entry.entry_id)
    await hass.async_block_till_done()

    form = await hass.config_entries.options.async_init(bank.entry_id)
    assert form["type"] is FlowResultType.FORM
    assert form["step_id"] == "bank"
    assert set(_choices(form)) == {NORTH.lower(), SOUTH.lower(), CAMPER.lower()}
    assert _choices(form)[SOUTH.lower()] == SOUTH

    result = await hass.config_entries.options.async_configure(
        form["flow_id"],
        {"members": [CAMPER.lower()], "sum_available": True, "parallel_limit": 0.5},
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"members": "too_few_members"}

    result = await hass.config_entries.options.async_configure(
        form["flow_id"],
        {
            "members": [NORTH.lower(), CAMPER.lower()],
            "sum_available": True,
            "parallel_limit": 0.5,
        },
    )
    await hass.async_block_till_done(wait_background_tasks=True)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert bank.options == {
        "members": [NORTH.lower(), CAMPER.lower()],
        "sum_available": True,
        "parallel_limit": 0.5,
    }
    ready = bank_state(hass, bank, "binary_sensor", "ready_to_parallel")
    assert ready.attributes["voltage_limit"] == 0.5
    assert bank_state(hass, bank, "sensor", "packs_available").state == "2"


async def test_reconfigure_of_a_bank_points_to_its_options(
    hass: HomeAssistant, add_simulated_unit: Callable[..., RadioUnit]
) -> None:
    """A bank has no unit of its own to check again."""
    await _three_packs(hass, add_simulated_unit)
    bank = await setup_bank(hass, NORTH, SOUTH)
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_RECONFIGURE, "entry_id": bank.entry_id}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "bank_reconfigure"


async def test_bank_diagnostics_name_packs_by_position(
    hass: HomeAssistant,
    add_simulated_unit: Callable[..., RadioUnit],
    hass_client: ClientSessionGenerator,
) -> None:
    """Diagnostics show the sums and each pack's reading, without addresses or names."""
    radios = await _three_packs(hass, add_simulated_unit)
    bank: MockConfigEntry = await setup_bank(hass, NORTH, SOUTH)
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, bank)

    text = repr(diagnostics)
    for address in (NORTH, SOUTH):
        assert address not in text
        assert address.lower() not in text
        assert radios[address].unit.name not in text
        assert address.replace(":", "") not in text
    assert diagnostics["options"] == {"members": 2, "sum_available": False, "parallel_limit": 1.0}
    assert [member["pack"] for member in diagnostics["members"]] == ["pack 1", "pack 2"]
    assert all(member["followed"] and member["set_up"] for member in diagnostics["members"])
    assert diagnostics["members"][0]["reading"]["voltage"] > 40
    assert diagnostics["summary"]["packs_available"] == 2
    assert diagnostics["summary"]["lowest_cell"]["pack"] in {"pack 1", "pack 2"}


async def test_readme_bank_entity_ids_exist(
    hass: HomeAssistant, add_simulated_unit: Callable[..., RadioUnit]
) -> None:
    """The README's bank automation names entities a bank called "House bank" really gets."""
    text = README.read_text(encoding="utf-8")
    examples = set(re.findall(r"\b(?:sensor|binary_sensor|switch)\.house_bank_\w+", text))
    assert len(examples) >= 2
    await _three_packs(hass, add_simulated_unit)
    await setup_bank(hass, NORTH, SOUTH)
    missing = sorted(entity for entity in examples if hass.states.get(entity) is None)
    assert missing == [], f"README names entities a bank does not get: {missing}"
