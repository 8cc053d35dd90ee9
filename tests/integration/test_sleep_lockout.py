"""The lock-out trap: a MOSFET switched off on a unit that sleeps when idle is a warning."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import ATTR_ENTITY_ID
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
import pytest

from simulator.radio import RadioUnit
from simulator.settings import REG_DISCHARGE_MOS

from .common import DOMAIN, advance, setup_entry, state, switch_to

P81 = {"name": "JHB-50181201A494", "dialect": "p81"}


def issues(hass: HomeAssistant) -> list[ir.IssueEntry]:
    return [issue for issue in ir.async_get(hass).issues.values() if issue.domain == DOMAIN]


@pytest.mark.parametrize("unit_options", [{}, P81], ids=["d2", "p81"])
@pytest.mark.parametrize("bank", ["discharge_mos", "charge_mos"])
async def test_mosfet_off_on_a_unit_that_sleeps_raises_the_issue_until_it_no_longer_applies(
    hass: HomeAssistant,
    add_simulated_unit: Callable[..., RadioUnit],
    unit_options: dict[str, Any],
    bank: str,
) -> None:
    name = unit_options.get("name", "DL-40D63C3223A2")
    radio = add_simulated_unit(**{"name": name, **unit_options})
    entry = await setup_entry(hass, radio)
    assert issues(hass) == []

    await switch_to(hass, radio, bank, False)
    [issue] = issues(hass)
    assert issue.issue_id == f"sleep_lockout_{entry.entry_id}"
    assert issue.translation_key == "sleep_lockout"
    assert issue.translation_placeholders == {"name": name, "sleep_time": "3600"}
    assert issue.severity is ir.IssueSeverity.WARNING

    # The way out the issue names: the unit never sleeps, so it stays reachable.
    await switch_to(hass, radio, "never_sleep", True)
    assert issues(hass) == []
    await switch_to(hass, radio, "never_sleep", False)
    assert len(issues(hass)) == 1

    await switch_to(hass, radio, bank, True)
    assert issues(hass) == []


async def test_the_issue_names_the_sleep_time_in_force(
    hass: HomeAssistant, add_simulated_unit: Callable[..., RadioUnit]
) -> None:
    radio = add_simulated_unit()
    await setup_entry(hass, radio)
    await switch_to(hass, radio, "discharge_mos", False)
    await hass.services.async_call(
        "number",
        "set_value",
        {ATTR_ENTITY_ID: state(hass, "number", radio, "sleep_time").entity_id, "value": 600},
        blocking=True,
    )
    [issue] = issues(hass)
    assert issue.translation_placeholders is not None
    assert issue.translation_placeholders["sleep_time"] == "600"


async def test_a_unit_that_never_sleeps_raises_no_issue(
    hass: HomeAssistant, add_simulated_unit: Callable[..., RadioUnit]
) -> None:
    radio = add_simulated_unit()
    assert radio.unit.firmware.write_register(0x8A, 0xFFFF)
    await setup_entry(hass, radio)
    await switch_to(hass, radio, "discharge_mos", False)
    await switch_to(hass, radio, "charge_mos", False)
    assert issues(hass) == []


async def test_a_mosfet_switched_off_elsewhere_is_found_at_the_next_settings_read(
    hass: HomeAssistant, add_simulated_unit: Callable[..., RadioUnit]
) -> None:
    """Switched off in the phone app: the settings read every tenth poll shows it."""
    radio = add_simulated_unit()
    await setup_entry(hass, radio)
    assert radio.unit.firmware.write_register(0xA6, 0)
    for _ in range(10):
        await advance(hass, 11)
    assert len(issues(hass)) == 1
    assert radio.unit.firmware.write_register(0xA6, 1)
    for _ in range(10):
        await advance(hass, 11)
    assert issues(hass) == []


async def test_the_issue_outlasts_a_reload_and_a_unit_asleep_and_goes_with_the_entry(
    hass: HomeAssistant, add_simulated_unit: Callable[..., RadioUnit]
) -> None:
    """The notice matters most when the unit has fallen asleep: a reload (or a restart)
    that then finds the unit silent keeps it; it is withdrawn by a reading that shows the
    trap gone, and removing the entry deletes it."""
    radio = add_simulated_unit()
    entry = await setup_entry(hass, radio)
    await switch_to(hass, radio, "discharge_mos", False)
    [raised] = issues(hass)
    assert raised.is_persistent

    radio.unit.force_sleep()
    await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert entry.state is not ConfigEntryState.LOADED
    assert [issue.issue_id for issue in issues(hass)] == [raised.issue_id]

    # Current wakes it; the MOSFET is switched back on and the next reading shows it.
    radio.unit.wake()
    radio.unit.settings.write(REG_DISCHARGE_MOS, 1)
    await advance(hass, 120)
    assert entry.state is ConfigEntryState.LOADED
    assert issues(hass) == []

    await switch_to(hass, radio, "discharge_mos", False)
    assert len(issues(hass)) == 1
    assert await hass.config_entries.async_remove(entry.entry_id)
    await hass.async_block_till_done()
    assert issues(hass) == []
