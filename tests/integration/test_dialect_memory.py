"""The dialect a unit answered in is kept with its entry and asked first on the next start.

An A5 unit comes last in the registry: without its entry naming the dialect, every start of
Home Assistant would sit through the D2 and p81 timeouts before it is asked in A5.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from unittest.mock import patch

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import CoreState, HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from simulator.radio import RadioUnit

from .common import mock_entry, value

A5_START = 0xA5


def _a5(add_simulated_unit: Callable[..., RadioUnit]) -> RadioUnit:
    return add_simulated_unit(dialect="a5", name="Akku-2")


async def _set_up(hass: HomeAssistant, radio: RadioUnit, dialect: object = None) -> MockConfigEntry:
    """Set up an entry for `radio` whose data names `dialect` (None: names none)."""
    entry = mock_entry(radio)
    entry.add_to_hass(hass)
    if dialect is not None:
        hass.config_entries.async_update_entry(entry, data={**entry.data, "dialect": dialect})
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    return entry


def _first_request(radio: RadioUnit, after: int = 0) -> int:
    return radio.requests[after][0]


@pytest.fixture
def home_assistant_starting(hass: HomeAssistant) -> Iterator[None]:
    """Home Assistant in its start, with a start-up budget far shorter than a timeout."""
    hass.set_state(CoreState.not_running)
    with patch("custom_components.daly_bms.coordinator.STARTUP_BUDGET", 0.5):
        yield
    hass.set_state(CoreState.running)


async def test_the_dialect_found_is_kept_and_asked_first_after_a_reload(
    hass: HomeAssistant, add_simulated_unit: Callable[..., RadioUnit]
) -> None:
    """An entry of an earlier version names no dialect: the first connection finds A5 the
    long way and keeps it; after a reload the unit is asked in A5 first."""
    radio = _a5(add_simulated_unit)
    entry = await _set_up(hass, radio)
    assert entry.state is ConfigEntryState.LOADED
    assert _first_request(radio) != A5_START  # asked in D2 first
    assert entry.data["dialect"] == "a5"

    before = len(radio.requests)
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert entry.state is ConfigEntryState.LOADED
    assert _first_request(radio, before) == A5_START
    assert value(hass, "sensor", radio, "soc") is not None


@pytest.mark.usefixtures("home_assistant_starting")
async def test_a_unit_asked_in_its_kept_dialect_is_set_up_within_the_start_budget(
    hass: HomeAssistant, add_simulated_unit: Callable[..., RadioUnit]
) -> None:
    """At Home Assistant's start an A5 unit whose entry names A5 is ready at once; one whose
    entry names no dialect spends the budget on the other dialects and is set up later."""
    kept = _a5(add_simulated_unit)
    assert (await _set_up(hass, kept, "a5")).state is ConfigEntryState.LOADED
    assert all(request[0] == A5_START for request in kept.requests)

    unknown = add_simulated_unit(dialect="a5", name="Akku-3")
    entry = await _set_up(hass, unknown)
    assert entry.state is ConfigEntryState.SETUP_RETRY
    assert entry.error_reason_translation_key == "startup_timeout"


@pytest.mark.parametrize("stored", ["d2", "x9", 7])
async def test_a_wrong_or_unknown_dialect_in_the_entry_costs_only_time(
    hass: HomeAssistant, add_simulated_unit: Callable[..., RadioUnit], stored: object
) -> None:
    """A dialect the unit no longer speaks (new firmware), or one this version does not
    know: the unit is still found, and the entry is corrected."""
    radio = _a5(add_simulated_unit)
    entry = await _set_up(hass, radio, stored)
    assert entry.state is ConfigEntryState.LOADED
    assert entry.data["dialect"] == "a5"
