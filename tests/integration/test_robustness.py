"""Real links misbehave: garbage, broken frames, dropped links, shy firmware."""

from __future__ import annotations

from collections.abc import Callable

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
import pytest

from simulator.faults import FaultInjector, FaultKind
from simulator.radio import RadioUnit

from .common import (
    advance,
    entity_id,
    setup_entry,
    state,
    unit_device,
    value,
    writes,
)


async def test_junk_and_cut_up_notifications_change_nothing(
    hass: HomeAssistant, add_simulated_unit: Callable[..., RadioUnit]
) -> None:
    """AT text before every answer and answers cut into pieces still read correctly."""
    faults = FaultInjector(seed=3, probabilities={FaultKind.JUNK: 1.0, FaultKind.SPLIT: 1.0})
    radio = add_simulated_unit(faults=faults, mtu=23)
    radio.unit.set_load(12.0)
    await setup_entry(hass, radio)
    for _ in range(3):
        await advance(hass, 11)
        assert value(hass, "sensor", radio, "current") == pytest.approx(12.0, abs=0.051)
    assert faults.fired[FaultKind.JUNK] > 3


async def test_a_corrupted_or_lost_answer_is_asked_again(
    hass: HomeAssistant, add_simulated_unit: Callable[..., RadioUnit]
) -> None:
    """One flipped byte or one lost notification costs a resend, not availability."""
    radio = add_simulated_unit()
    await setup_entry(hass, radio)
    radio.faults.inject(FaultKind.FLIP)
    await advance(hass, 11)
    assert state(hass, "sensor", radio, "soc").state != STATE_UNAVAILABLE
    radio.faults.inject(FaultKind.DROP)
    await advance(hass, 11)
    assert state(hass, "sensor", radio, "soc").state != STATE_UNAVAILABLE
    assert radio.faults.fired[FaultKind.FLIP] == radio.faults.fired[FaultKind.DROP] == 1


async def test_link_lost_mid_answer_is_rebuilt_within_the_poll(
    hass: HomeAssistant, add_simulated_unit: Callable[..., RadioUnit]
) -> None:
    """A held link that dies half-way through an answer is replaced at once."""
    radio = add_simulated_unit()
    await setup_entry(hass, radio)
    radio.faults.inject(FaultKind.DISCONNECT)
    radio.unit.set_load(-5.0)
    await advance(hass, 11)
    assert radio.faults.fired[FaultKind.DISCONNECT] == 1
    assert radio.connected
    assert value(hass, "sensor", radio, "current") == pytest.approx(-5.0, abs=0.051)


async def test_refused_connection_at_setup_explains_itself(
    hass: HomeAssistant, add_simulated_unit: Callable[..., RadioUnit]
) -> None:
    """Another central holding the unit at startup: retry later, saying so."""
    radio = add_simulated_unit()
    radio.faults.set_probability(FaultKind.REFUSE, 1.0)
    entry = await setup_entry(hass, radio)
    assert entry.state is ConfigEntryState.SETUP_RETRY
    assert entry.reason is not None
    assert "Could not connect" in entry.reason
    assert "phone app" in entry.reason


async def test_unit_keeping_versions_and_settings_to_itself(
    hass: HomeAssistant, add_simulated_unit: Callable[..., RadioUnit]
) -> None:
    """Firmware that ignores version and settings reads still gives a working device."""
    radio = add_simulated_unit(
        name="DL-0102030405AA",
        address="01:02:03:04:05:AA",
        reports_versions=False,
        reports_settings=False,
    )
    unit = radio.unit
    entry = await setup_entry(hass, radio)
    assert entry.state is ConfigEntryState.LOADED

    assert value(hass, "sensor", radio, "soc") == pytest.approx(unit.battery.soc, abs=0.051)
    assert entity_id(hass, "sensor", radio, "rated_capacity") is None
    device = unit_device(hass, entry, radio)
    assert device.sw_version is None
    assert device.model == "Smart BMS 16S"
    assert writes(radio) == []


async def test_link_lost_in_per_poll_mode_costs_one_poll(
    hass: HomeAssistant,
    add_simulated_unit: Callable[..., RadioUnit],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A fresh link that dies mid-answer fails that poll only, and says what happened."""
    radio = add_simulated_unit()
    await setup_entry(hass, radio, connection_mode="per_poll")
    radio.faults.inject(FaultKind.DISCONNECT)
    await advance(hass, 11)
    assert state(hass, "sensor", radio, "soc").state == STATE_UNAVAILABLE
    assert any(
        "connection to" in r.getMessage() and "was lost" in r.getMessage() for r in caplog.records
    )

    await advance(hass, 11)
    assert state(hass, "sensor", radio, "soc").state != STATE_UNAVAILABLE
