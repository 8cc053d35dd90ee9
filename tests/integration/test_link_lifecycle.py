"""The link on real hardware: unloads and stops mid-request, odd backend errors, bad readings.

Every test here ends with the question a user with a phone app or a busy proxy cares about:
is the unit let go of, and does the log stay quiet?
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
import logging
from typing import Any

from bleak.exc import BleakError
from homeassistant.components.switch import DOMAIN as SWITCH_DOMAIN
from homeassistant.config_entries import SOURCE_BLUETOOTH, ConfigEntryState
from homeassistant.const import (
    ATTR_ENTITY_ID,
    EVENT_HOMEASSISTANT_STOP,
    SERVICE_TURN_OFF,
    STATE_UNAVAILABLE,
    STATE_UNKNOWN,
)
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.exceptions import HomeAssistantError
import pytest

from simulator.faults import FaultKind
from simulator.radio import RadioUnit

from .common import DOMAIN, advance, confirm_found, setup_entry, state, until, writes

CHARGE_OFF = bytes.fromhex("D2 06 00 A5 00 00 8A 4A")
STATUS_READ = (0xD2, 0x03, 0x00, 0x00)
TEMPERATURE_1 = 0x20  # first temperature probe register of the D2 status block
SOC = 0x2A
LATENCY = 0.05  # real seconds per answer: long enough to act while a request is in flight
CONNECT_SECONDS = 0.1  # real seconds a slow connection takes: long enough to stop meanwhile
BROKEN_PROBE = 0xFFFF


def _loud(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]


def _ours(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name.startswith("custom_components.daly_bms")]


async def _until_requested(radio: RadioUnit, before: int) -> None:
    """Wait until a request reached the unit."""
    await until(lambda: len(radio.requests) > before, "a request reached the unit")


# ------------------------------------------------------- letting go of the unit


async def test_switch_action_during_unload_does_not_take_the_unit_back(
    hass: HomeAssistant, add_simulated_unit: Callable[..., RadioUnit]
) -> None:
    """Unloading while a MOS write waits for its answer: the action fails, the unit is free.

    Before, the broken request was retried on a new connection that nothing ever closed:
    the unit stayed held (and a proxy slot used) after the entry was gone.
    """
    radio = add_simulated_unit()
    entry = await setup_entry(hass, radio)
    radio.latency = LATENCY
    before = len(radio.requests)
    action = hass.async_create_task(
        hass.services.async_call(
            SWITCH_DOMAIN,
            SERVICE_TURN_OFF,
            {ATTR_ENTITY_ID: state(hass, "switch", radio, "charge_mos").entity_id},
            blocking=True,
        )
    )
    await _until_requested(radio, before)

    assert await hass.config_entries.async_unload(entry.entry_id)
    with pytest.raises(HomeAssistantError) as raised:
        await action
    await hass.async_block_till_done(wait_background_tasks=True)

    assert raised.value.translation_key == "connection_lost"
    assert not radio.connected
    assert writes(radio) == [CHARGE_OFF]  # sent once, never again after the unload


async def test_poll_in_flight_when_home_assistant_stops(
    hass: HomeAssistant,
    add_simulated_unit: Callable[..., RadioUnit],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Stopping mid-poll disconnects for good, quietly: no reconnect, no error line."""
    radio = add_simulated_unit()
    entry = await setup_entry(hass, radio)
    radio.latency = LATENCY
    before = len(radio.requests)
    poll = hass.async_create_task(entry.runtime_data.async_refresh())
    await _until_requested(radio, before)

    hass.bus.async_fire(EVENT_HOMEASSISTANT_STOP)
    await poll
    await hass.async_block_till_done(wait_background_tasks=True)

    assert not radio.connected
    assert len(radio.requests) == before + 1  # the status read in flight, nothing after it
    # The last reading stands: a restart leaves no "unavailable" dip in the history.
    assert state(hass, "sensor", radio, "soc").state != STATE_UNAVAILABLE
    assert _loud(caplog) == []
    assert not [r for r in _ours(caplog) if r.levelno >= logging.INFO]


async def test_reload_during_a_poll_keeps_one_connection(
    hass: HomeAssistant, add_simulated_unit: Callable[..., RadioUnit]
) -> None:
    """Reloading mid-poll: the old entry lets go, so the reloaded one gets the unit."""
    radio = add_simulated_unit()
    entry = await setup_entry(hass, radio)
    old = entry.runtime_data
    radio.latency = LATENCY
    before = len(radio.requests)
    poll = hass.async_create_task(old.async_refresh())
    await _until_requested(radio, before)

    assert await hass.config_entries.async_reload(entry.entry_id)
    await poll
    await hass.async_block_till_done(wait_background_tasks=True)

    assert entry.state is ConfigEntryState.LOADED
    assert entry.runtime_data is not old
    assert radio.connected
    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert not radio.connected  # nothing left holding the unit


async def test_connection_completing_after_stop_is_let_go_of(
    hass: HomeAssistant, add_simulated_unit: Callable[..., RadioUnit]
) -> None:
    """Home Assistant stops while a proxy is still connecting: the late link is closed.

    Connecting through a proxy takes seconds; a link that completes after the stop would
    otherwise hold the unit with nothing left to close it.
    """
    radio = add_simulated_unit()
    entry = await setup_entry(hass, radio)
    radio.drop_link()  # the next poll has to connect again
    radio.faults.connect_seconds = CONNECT_SECONDS
    radio.faults.inject(FaultKind.SLOW_CONNECT)
    before = len(radio.requests)
    poll = hass.async_create_task(entry.runtime_data.async_refresh())
    await until(lambda: radio.faults.fired[FaultKind.SLOW_CONNECT] == 1, "a slow connect")
    hass.bus.async_fire(EVENT_HOMEASSISTANT_STOP)
    for _ in range(10):  # let the stop listener run
        await asyncio.sleep(0)
    assert not radio.connected  # the connection is still pending: it completes after the stop
    await poll
    await hass.async_block_till_done(wait_background_tasks=True)

    assert not radio.connected
    assert len(radio.requests) == before


async def test_switch_during_a_poll_waits_for_its_answer(
    hass: HomeAssistant,
    add_simulated_unit: Callable[..., RadioUnit],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """One request in flight: a MOS write issued mid-poll goes out after the poll's reads."""
    radio = add_simulated_unit()
    entry = await setup_entry(hass, radio)
    radio.latency = LATENCY
    answered = len(radio.notifications)  # one notification per answer at this MTU
    sent: list[tuple[bytes, int]] = []
    handle_request = radio.unit.handle_request

    def recording(request: bytes, **options: Any) -> bytes | None:
        sent.append((request, len(radio.notifications) - answered))
        return handle_request(request, **options)

    monkeypatch.setattr(radio.unit, "handle_request", recording)
    before = len(radio.requests)
    poll = hass.async_create_task(entry.runtime_data.async_refresh())
    await _until_requested(radio, before)
    await hass.services.async_call(
        SWITCH_DOMAIN,
        SERVICE_TURN_OFF,
        {ATTR_ENTITY_ID: state(hass, "switch", radio, "charge_mos").entity_id},
        blocking=True,
    )
    await poll

    requests = [request for request, _ in sent]
    assert tuple(requests[0][:4]) == STATUS_READ
    assert CHARGE_OFF in requests[1:]
    # Each request reached the unit only after every earlier one had been answered.
    assert [answers for _, answers in sent] == list(range(len(sent)))
    assert radio.unit.battery.charge_mos is False
    assert state(hass, "switch", radio, "charge_mos").state == "off"


# ---------------------------------------------------- what backends really raise


async def test_disconnect_that_raises_eof_is_not_an_unexpected_error(
    hass: HomeAssistant,
    add_simulated_unit: Callable[..., RadioUnit],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """BlueZ's D-Bus raises EOFError from a disconnect when the bus drops: readings go on.

    Before, the error escaped the per-poll disconnect and every poll logged a traceback.
    """
    radio = add_simulated_unit()
    radio.faults.set_probability(FaultKind.DISCONNECT_ERROR, 1.0)
    await setup_entry(hass, radio, connection_mode="per_poll")
    radio.unit.set_load(-7.0)
    for _ in range(3):
        await advance(hass, 11)
    assert float(state(hass, "sensor", radio, "current").state) == pytest.approx(-7.0, abs=0.1)
    assert not radio.connected
    assert radio.faults.fired[FaultKind.DISCONNECT_ERROR] >= 3  # one per poll at least
    assert _loud(caplog) == []


async def test_connect_that_raises_os_error_backs_off_quietly(
    hass: HomeAssistant,
    add_simulated_unit: Callable[..., RadioUnit],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """An OSError out of the Bluetooth stack is a failed connection, not a crash.

    bleak-retry-connector passes OSError through; before, each poll logged a traceback
    and retried at the full rate.
    """
    radio = add_simulated_unit()
    await setup_entry(hass, radio, connection_mode="per_poll")
    radio.faults.set_probability(FaultKind.CONNECT_ERROR, 1.0)  # OSError "No such device"
    caplog.clear()
    for _ in range(3):
        await advance(hass, 11)
    # Retries wait 10 s, then 20 s: the third interval passes without an attempt.
    assert radio.faults.fired[FaultKind.CONNECT_ERROR] == 2
    assert state(hass, "sensor", radio, "soc").state == STATE_UNAVAILABLE
    [lost] = [r for r in _ours(caplog) if "is unavailable" in r.getMessage()]
    assert lost.levelno == logging.INFO
    assert "Could not connect" in lost.getMessage()
    assert _loud(caplog) == []

    radio.faults.set_probability(FaultKind.CONNECT_ERROR, 0.0)
    await advance(hass, 60)
    assert state(hass, "sensor", radio, "soc").state != STATE_UNAVAILABLE


async def test_flow_check_survives_a_failing_disconnect(
    hass: HomeAssistant, add_simulated_unit: Callable[..., RadioUnit]
) -> None:
    """A unit that answered is added even if letting go of it raises (before: Unknown error)."""
    radio = add_simulated_unit()
    await hass.async_block_till_done(wait_background_tasks=True)
    radio.faults.disconnect_error = lambda: BleakError("org.bluez.Error.NotConnected")
    radio.faults.set_probability(FaultKind.DISCONNECT_ERROR, 1.0)
    [flow] = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert flow["context"]["source"] == SOURCE_BLUETOOTH
    result = await hass.config_entries.flow.async_configure(flow["flow_id"], {})
    result = await confirm_found(hass, result)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert radio.faults.fired[FaultKind.DISCONNECT_ERROR] > 0


# ------------------------------------------------------------- impossible readings


async def test_broken_probe_leaves_only_its_own_sensor_without_a_value(
    hass: HomeAssistant,
    add_simulated_unit: Callable[..., RadioUnit],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A probe that reads 0xFFFF (a broken lead): only that probe's sensor has no value.

    The rest of the battery stays visible, the link is kept, and nothing is logged above
    debug level on every poll.
    """
    radio = add_simulated_unit()
    await setup_entry(hass, radio)
    caplog.clear()

    radio.faults.forced_registers[TEMPERATURE_1] = BROKEN_PROBE
    radio.faults.set_probability(FaultKind.GLITCH, 1.0)  # every status read, until turned off
    for _ in range(3):
        await advance(hass, 11)
    # Unknown, not unavailable: the unit is reachable, it only has no value for this probe.
    assert state(hass, "sensor", radio, "temperature_1").state == STATE_UNKNOWN
    assert float(state(hass, "sensor", radio, "temperature_2").state) > 0
    assert float(state(hass, "sensor", radio, "soc").state) > 0
    assert radio.connected
    assert not [r for r in _ours(caplog) if "is unavailable" in r.getMessage()]
    assert _loud(caplog) == []

    assert radio.faults.fired[FaultKind.GLITCH] >= 3
    radio.faults.set_probability(FaultKind.GLITCH, 0.0)
    await advance(hass, 11)
    assert float(state(hass, "sensor", radio, "temperature_1").state) > 0


async def test_impossible_scalar_leaves_only_that_sensor_without_a_value(
    hass: HomeAssistant,
    add_simulated_unit: Callable[..., RadioUnit],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A state of charge of 200 % is dropped: that sensor is unknown, the rest stay."""
    radio = add_simulated_unit()
    await setup_entry(hass, radio)
    radio.faults.forced_registers[SOC] = 2000
    radio.faults.set_probability(FaultKind.GLITCH, 1.0)
    for _ in range(3):
        await advance(hass, 11)
    assert state(hass, "sensor", radio, "soc").state == STATE_UNKNOWN
    assert float(state(hass, "sensor", radio, "voltage").state) > 0
    assert _loud(caplog) == []
