"""A unit that sleeps, drops the link or leaves the air: availability, logs, back-off."""

from __future__ import annotations

from collections.abc import Callable
import logging

from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
import pytest

from simproxy import SimulatedBluetoothProxy
from simulator.radio import RadioUnit

from .common import advance, setup_entry, state, writes

POLL = 10


def _lines(caplog: pytest.LogCaptureFixture, text: str) -> list[logging.LogRecord]:
    return [record for record in caplog.records if text in record.getMessage()]


def _available(hass: HomeAssistant, radio: RadioUnit) -> bool:
    return state(hass, "sensor", radio, "soc").state != STATE_UNAVAILABLE


async def test_sleeping_unit_goes_unavailable_and_comes_back(
    hass: HomeAssistant,
    add_simulated_unit: Callable[..., RadioUnit],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Entities go unavailable while the unit sleeps; one info line each way, no errors."""
    radio = add_simulated_unit()
    await setup_entry(hass, radio)
    assert _available(hass, radio)
    caplog.clear()

    # No current for the unit's sleep time (3600 s by default): the BMS falls asleep.
    radio.unit.advance(3601)
    assert radio.unit.asleep
    await advance(hass, POLL + 1)
    assert not _available(hass, radio)
    assert state(hass, "switch", radio, "charge_mos").state == STATE_UNAVAILABLE
    for _ in range(4):
        await advance(hass, 300)
    assert not _available(hass, radio)

    radio.unit.set_load(-3.0)  # a load switched on wakes it
    assert not radio.unit.asleep
    await advance(hass, 300)
    assert _available(hass, radio)
    assert float(state(hass, "sensor", radio, "current").state) == pytest.approx(-3.0, abs=0.1)

    [lost] = _lines(caplog, "is unavailable")
    assert lost.levelno == logging.INFO
    assert "stopped answering" in lost.getMessage()
    [back] = _lines(caplog, "data recovered")
    assert back.levelno == logging.INFO
    assert [r for r in caplog.records if r.levelno >= logging.WARNING] == []
    assert writes(radio) == []


async def test_retries_are_spaced_out_while_the_unit_sleeps(
    hass: HomeAssistant, add_simulated_unit: Callable[..., RadioUnit]
) -> None:
    """Each failed poll doubles the wait before the next, up to five minutes."""
    radio = add_simulated_unit()
    await setup_entry(hass, radio)
    radio.unit.force_sleep()

    async def attempted_within(seconds: float) -> bool:
        before = len(radio.requests)
        await advance(hass, seconds)
        return len(radio.requests) > before

    assert await attempted_within(POLL + 1)  # 1st failure: next try after 10 s
    assert await attempted_within(POLL + 1)  # 2nd failure: next try after 20 s
    assert not await attempted_within(POLL + 1)
    assert await attempted_within(2 * POLL + 1)  # 3rd failure: next after 40 s
    assert not await attempted_within(2 * POLL + 1)
    assert await attempted_within(4 * POLL + 1)
    for _ in range(6):
        assert await attempted_within(301)  # never longer than five minutes
    # Home Assistant rounds the next poll down to a whole second of its clock, so the
    # check for "not yet" leaves a margin.
    assert not await attempted_within(290)


async def test_unit_out_of_range_comes_back_with_a_later_poll(
    hass: HomeAssistant, add_simulated_unit: Callable[..., RadioUnit]
) -> None:
    """Out of range: the link drops, entities go unavailable, a later poll finds it again."""
    radio = add_simulated_unit()
    await setup_entry(hass, radio)
    radio.vanish()
    await advance(hass, POLL + 1)
    assert not _available(hass, radio)

    radio.reappear()
    await advance(hass, POLL + 1)
    assert _available(hass, radio)
    assert radio.connected


async def test_unit_no_longer_heard_by_any_proxy_goes_unavailable(
    hass: HomeAssistant,
    simulated_proxy: SimulatedBluetoothProxy,
    add_simulated_unit: Callable[..., RadioUnit],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """When Home Assistant stops hearing the unit its entities follow without a poll, and
    the first advertisement heard afterwards brings them back at once."""
    radio = add_simulated_unit()
    await setup_entry(hass, radio, poll_interval=3600)
    simulated_proxy.async_stop()  # the proxy goes offline and drops the link
    await advance(hass, 301)  # Home Assistant's Bluetooth availability check
    assert not _available(hass, radio)
    [lost] = _lines(caplog, "is unavailable")
    assert "has not been heard" in lost.getMessage()

    simulated_proxy.async_start()
    simulated_proxy.async_advertise(radio)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert _available(hass, radio)


async def test_a_held_unit_that_stops_advertising_stays_available(
    hass: HomeAssistant, add_simulated_unit: Callable[..., RadioUnit]
) -> None:
    """A connected unit falls silent on the air; that alone is no reason to give up."""
    radio = add_simulated_unit()
    await setup_entry(hass, radio)
    for _ in range(3):
        await advance(hass, 301)
    assert radio.connected
    assert _available(hass, radio)


async def test_per_poll_mode_frees_the_unit_between_polls(
    hass: HomeAssistant, add_simulated_unit: Callable[..., RadioUnit]
) -> None:
    """Connect, read, disconnect: between polls the phone app can have the unit."""
    radio = add_simulated_unit()
    await setup_entry(hass, radio, connection_mode="per_poll")
    assert not radio.connected
    assert radio.advertisement() is not None

    before = len(radio.requests)
    radio.unit.set_load(-20.0)
    await advance(hass, POLL + 1)
    assert len(radio.requests) > before
    assert not radio.connected
    assert float(state(hass, "sensor", radio, "current").state) == pytest.approx(-20.0, abs=0.1)


async def test_persistent_link_is_restored_after_a_drop_without_writing(
    hass: HomeAssistant, add_simulated_unit: Callable[..., RadioUnit]
) -> None:
    """The unit ending the link is met by a reconnect at the next poll; reads only."""
    radio = add_simulated_unit()
    entry = await setup_entry(hass, radio)
    radio.drop_link()
    assert not radio.connected
    await advance(hass, POLL + 1)
    assert radio.connected
    assert _available(hass, radio)

    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert radio.connected
    assert writes(radio) == []
