"""MOS switches: the only writes, each verified against what the unit then reports."""

from __future__ import annotations

from collections.abc import Callable
import logging

from homeassistant.components.switch import DOMAIN as SWITCH_DOMAIN
from homeassistant.const import (
    ATTR_ENTITY_ID,
    SERVICE_TURN_OFF,
    SERVICE_TURN_ON,
    STATE_OFF,
    STATE_ON,
    STATE_UNKNOWN,
)
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
import pytest
from pytest_homeassistant_custom_component.typing import WebSocketGenerator

from custom_components.daly_bms.link import REQUEST_RETRIES
from simproxy import SimulatedBluetoothProxy
from simulator.clock import ManualClock
from simulator.faults import FaultKind
from simulator.radio import RadioUnit
from simulator.unit import SimulatedUnit
from tests.protocol.simlink import UnitWrapper
from tests.protocol.test_mos_write import FollowsThenFallsSilent

from .common import advance, setup_entry, state, until, writes

CHARGE_OFF = bytes.fromhex("D2 06 00 A5 00 00 8A 4A")
CHARGE_ON = bytes.fromhex("D2 06 00 A5 00 01 4B 8A")
DISCHARGE_OFF = bytes.fromhex("D2 06 00 A6 00 00 7A 4A")
MOS_BANKS = ("charge_mos", "discharge_mos")
REQUEST_ATTEMPTS = REQUEST_RETRIES + 1  # sends of one request before it is given up on
# Real seconds. Past the tests' request timeout (0.2 s): an echo this late is given up on.
LATE_SECONDS = 1.0
# Each answer takes LATENCY, within the 0.2 s request timeout. The poll's first status
# reply comes STALE_AFTER later still: the poll has read again by then (done at 0.2 +
# LATENCY), the switch action has written and had its echo (0.2 + 2 x LATENCY), and it
# waits for the status that checks the write (until 0.2 + 3 x LATENCY).
LATENCY = 0.15
STALE_AFTER = 0.425


async def _switch(hass: HomeAssistant, radio: RadioUnit, key: str, service: str) -> None:
    await hass.services.async_call(
        SWITCH_DOMAIN,
        service,
        {ATTR_ENTITY_ID: state(hass, "switch", radio, key).entity_id},
        blocking=True,
    )


async def test_switches_change_the_unit_and_show_its_state(
    hass: HomeAssistant, add_simulated_unit: Callable[..., RadioUnit]
) -> None:
    """Turning a MOS off and on again changes the simulated MOS, one frame each."""
    radio = add_simulated_unit()
    await setup_entry(hass, radio)
    battery = radio.unit.battery
    assert state(hass, "switch", radio, "charge_mos").state == STATE_ON
    assert writes(radio) == []

    await _switch(hass, radio, "charge_mos", SERVICE_TURN_OFF)
    assert battery.charge_mos is False
    assert state(hass, "switch", radio, "charge_mos").state == STATE_OFF
    assert writes(radio) == [CHARGE_OFF]

    await _switch(hass, radio, "discharge_mos", SERVICE_TURN_OFF)
    assert battery.discharge_mos is False
    assert state(hass, "switch", radio, "discharge_mos").state == STATE_OFF

    await _switch(hass, radio, "charge_mos", SERVICE_TURN_ON)
    assert battery.charge_mos is True
    assert state(hass, "switch", radio, "charge_mos").state == STATE_ON
    assert writes(radio) == [CHARGE_OFF, DISCHARGE_OFF, CHARGE_ON]

    # Nothing is written again by polls, reconnects or a reload.
    radio.drop_link()
    await advance(hass, 11)
    assert writes(radio) == [CHARGE_OFF, DISCHARGE_OFF, CHARGE_ON]


async def test_unit_that_keeps_its_mos_open_gives_a_translated_error(
    hass: HomeAssistant, add_simulated_unit: Callable[..., RadioUnit]
) -> None:
    """A protection holding the MOS: the action fails and the switch keeps the true state."""
    radio = add_simulated_unit()
    await setup_entry(hass, radio)
    radio.unit.set_temperature(70.0)  # charge over-temperature trips the charge MOS
    assert radio.unit.battery.charge_mos is False
    # Before the next poll Home Assistant still shows the MOS on; the action corrects it.
    assert state(hass, "switch", radio, "charge_mos").state == STATE_ON

    with pytest.raises(HomeAssistantError) as raised:
        await _switch(hass, radio, "charge_mos", SERVICE_TURN_ON)
    assert raised.value.translation_key == "mos_not_followed"
    assert "did not follow the command" in str(raised.value)
    assert state(hass, "switch", radio, "charge_mos").state == STATE_OFF
    assert writes(radio) == [CHARGE_ON]


async def test_refused_write_reaches_the_user_without_an_error_of_ours(
    hass: HomeAssistant,
    add_simulated_unit: Callable[..., RadioUnit],
    hass_ws_client: WebSocketGenerator,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """From the dashboard: the refusal comes back translated; the integration logs nothing.

    The one line Home Assistant's websocket API writes for every failed action is core's;
    an expected refusal adds no error, warning or traceback of the integration's own.
    """
    radio = add_simulated_unit()
    await setup_entry(hass, radio)
    radio.unit.set_temperature(70.0)
    client = await hass_ws_client(hass)
    caplog.clear()
    caplog.set_level(logging.DEBUG)

    await client.send_json_auto_id(
        {
            "type": "call_service",
            "domain": SWITCH_DOMAIN,
            "service": SERVICE_TURN_ON,
            "target": {ATTR_ENTITY_ID: state(hass, "switch", radio, "charge_mos").entity_id},
        }
    )
    response = await client.receive_json()

    assert not response["success"]
    assert response["error"]["translation_key"] == "mos_not_followed"
    assert response["error"]["translation_domain"] == "daly_bms"
    ours = [
        record
        for record in caplog.records
        if record.name.startswith("custom_components.daly_bms")
        and (record.levelno >= logging.WARNING or record.exc_info)
    ]
    assert ours == []
    assert not any(record.exc_info for record in caplog.records)
    loud = {record.name for record in caplog.records if record.levelno >= logging.WARNING}
    assert loud <= {"homeassistant.components.websocket_api.http.connection"}


async def test_switch_when_the_unit_is_out_of_reach(
    hass: HomeAssistant, add_simulated_unit: Callable[..., RadioUnit]
) -> None:
    """No path to the unit: the action says so in words, nothing is written."""
    radio = add_simulated_unit()
    await setup_entry(hass, radio)
    radio.vanish()
    with pytest.raises(HomeAssistantError) as raised:
        await _switch(hass, radio, "discharge_mos", SERVICE_TURN_OFF)
    assert raised.value.translation_key == "no_connection_slot"
    assert radio.unit.battery.discharge_mos is True
    assert writes(radio) == []


async def test_switch_on_a_sleeping_unit(
    hass: HomeAssistant, add_simulated_unit: Callable[..., RadioUnit]
) -> None:
    """A unit asleep on a live link ignores the command; the action reports a timeout."""
    radio = add_simulated_unit()
    await setup_entry(hass, radio)
    radio.unit.force_sleep()
    with pytest.raises(HomeAssistantError) as raised:
        await _switch(hass, radio, "charge_mos", SERVICE_TURN_OFF)
    assert raised.value.translation_key == "timeout"
    assert radio.unit.battery.charge_mos is True


async def test_switch_in_per_poll_mode_releases_the_unit(
    hass: HomeAssistant, add_simulated_unit: Callable[..., RadioUnit]
) -> None:
    """Per-poll mode connects for the command and lets go afterwards."""
    radio = add_simulated_unit()
    await setup_entry(hass, radio, connection_mode="per_poll")
    await _switch(hass, radio, "charge_mos", SERVICE_TURN_OFF)
    assert radio.unit.battery.charge_mos is False
    assert not radio.connected


@pytest.mark.parametrize(("key", "register"), [("charge_mos", 0x21), ("discharge_mos", 0x22)])
async def test_p81_switches_through_its_mos_control_registers(
    hass: HomeAssistant, add_simulated_unit: Callable[..., RadioUnit], key: str, register: int
) -> None:
    """A p81 unit switches through 0x121 / 0x122; realtime block 2 confirms it."""
    radio = add_simulated_unit(name="JHB-50181201A494", dialect="p81")
    await setup_entry(hass, radio)
    await _switch(hass, radio, key, SERVICE_TURN_OFF)
    assert getattr(radio.unit.battery, key) is False
    assert state(hass, "switch", radio, key).state == STATE_OFF
    assert [frame[:6] for frame in writes(radio)] == [bytes((0x81, 6, 1, register, 0, 0))]
    await _switch(hass, radio, key, SERVICE_TURN_ON)
    assert getattr(radio.unit.battery, key) is True
    assert state(hass, "switch", radio, key).state == STATE_ON


async def test_p81_unit_that_does_not_switch_keeps_showing_its_state(
    hass: HomeAssistant, add_simulated_unit: Callable[..., RadioUnit]
) -> None:
    """A p81 unit that echoes the MOS write but keeps its MOS on: reported, never assumed."""
    radio = add_simulated_unit(name="JHB-50181201A494", dialect="p81", ignores_writes={0x122})
    await setup_entry(hass, radio)
    with pytest.raises(HomeAssistantError) as raised:
        await _switch(hass, radio, "discharge_mos", SERVICE_TURN_OFF)
    assert raised.value.translation_key == "mos_not_followed"
    assert radio.unit.battery.discharge_mos is True
    assert state(hass, "switch", radio, "discharge_mos").state == STATE_ON


async def test_switch_on_a_link_that_breaks_mid_answer(
    hass: HomeAssistant, add_simulated_unit: Callable[..., RadioUnit]
) -> None:
    """The held link dies during the echo: the same command is sent once more on a new one."""
    from simulator.faults import FaultKind

    radio = add_simulated_unit()
    await setup_entry(hass, radio)
    radio.faults.inject(FaultKind.DISCONNECT)
    await _switch(hass, radio, "charge_mos", SERVICE_TURN_OFF)
    assert radio.unit.battery.charge_mos is False
    assert state(hass, "switch", radio, "charge_mos").state == STATE_OFF
    assert writes(radio) == [CHARGE_OFF, CHARGE_OFF]
    assert radio.connected


async def test_switch_in_per_poll_mode_on_a_sleeping_unit(
    hass: HomeAssistant, add_simulated_unit: Callable[..., RadioUnit]
) -> None:
    """Connecting for the command finds a silent unit: it may be asleep, nothing is sent."""
    radio = add_simulated_unit()
    await setup_entry(hass, radio, connection_mode="per_poll")
    radio.unit.force_sleep()
    with pytest.raises(HomeAssistantError) as raised:
        await _switch(hass, radio, "charge_mos", SERVICE_TURN_OFF)
    assert raised.value.translation_key == "not_answering"
    assert writes(radio) == []
    assert not radio.connected


# ------------------------------------------- a write whose answer goes astray


@pytest.mark.parametrize("fault", [FaultKind.DROP, FaultKind.LATE])
async def test_lost_echo_still_shows_the_unit_state_at_once(
    hass: HomeAssistant, add_simulated_unit: Callable[..., RadioUnit], fault: FaultKind
) -> None:
    """Every echo lost or too late: the unit switched, the status read back says so."""
    radio = add_simulated_unit()
    await setup_entry(hass, radio)
    radio.faults.late_seconds = LATE_SECONDS
    radio.faults.inject(fault, times=REQUEST_ATTEMPTS)

    await _switch(hass, radio, "charge_mos", SERVICE_TURN_OFF)

    assert radio.faults.fired[fault] == REQUEST_ATTEMPTS
    assert radio.unit.battery.charge_mos is False
    assert state(hass, "switch", radio, "charge_mos").state == STATE_OFF
    assert writes(radio) == [CHARGE_OFF] * REQUEST_ATTEMPTS


async def test_write_the_unit_never_got_shows_its_true_state(
    hass: HomeAssistant, add_simulated_unit: Callable[..., RadioUnit]
) -> None:
    """The command is lost on the way and the switch showed an outdated state: the action
    fails, and the switch shows what the unit reports, not what it showed before."""
    radio = add_simulated_unit()
    await setup_entry(hass, radio)
    radio.unit.set_temperature(70.0)  # a protection opens the charge MOS between polls
    assert state(hass, "switch", radio, "charge_mos").state == STATE_ON
    radio.faults.inject(FaultKind.ASLEEP, times=REQUEST_ATTEMPTS)  # each command ignored

    with pytest.raises(HomeAssistantError) as raised:
        await _switch(hass, radio, "charge_mos", SERVICE_TURN_ON)

    assert raised.value.translation_key == "mos_not_confirmed"
    assert "did not confirm the command" in str(raised.value)
    assert radio.unit.battery.charge_mos is False
    assert state(hass, "switch", radio, "charge_mos").state == STATE_OFF


@pytest.mark.parametrize(("key", "other"), [MOS_BANKS, MOS_BANKS[::-1]])
async def test_unit_silent_after_the_write_leaves_the_switch_unknown(
    hass: HomeAssistant, add_simulated_unit: Callable[..., RadioUnit], key: str, other: str
) -> None:
    """No answer at all after the command: the switch says unknown, not the old state,
    until the next reading shows what the unit did."""
    radio = add_simulated_unit()
    await setup_entry(hass, radio)
    radio.faults.set_probability(FaultKind.DROP, 1.0)

    with pytest.raises(HomeAssistantError) as raised:
        await _switch(hass, radio, key, SERVICE_TURN_OFF)

    assert raised.value.translation_key == "timeout"
    assert getattr(radio.unit.battery, key) is False  # it did switch; nobody heard it
    assert state(hass, "switch", radio, key).state == STATE_UNKNOWN
    assert state(hass, "switch", radio, other).state == STATE_ON

    radio.faults.set_probability(FaultKind.DROP, 0.0)
    await advance(hass, 11)
    assert state(hass, "switch", radio, key).state == STATE_OFF


async def test_status_from_before_the_write_does_not_decide(
    hass: HomeAssistant, add_simulated_unit: Callable[..., RadioUnit]
) -> None:
    """A poll's late status reply lands while the write is being checked: it shows the MOS
    as it was before the command. The switch must still end up showing the unit's state.

    Timeline (each answer takes LATENCY): the poll's first status read is answered
    STALE_AFTER late, after the poll gave up on it and read again; the switch action,
    queued behind the poll, writes, gets the echo and asks for the status; the stale reply
    arrives before the real one.
    """
    radio = add_simulated_unit()
    entry = await setup_entry(hass, radio)
    radio.latency = LATENCY
    radio.faults.late_seconds = STALE_AFTER
    radio.faults.inject(FaultKind.LATE)
    before = len(radio.requests)
    poll = hass.async_create_task(entry.runtime_data.async_refresh())
    await until(lambda: len(radio.requests) > before, "a request reached the unit")

    await _switch(hass, radio, "charge_mos", SERVICE_TURN_OFF)
    await poll

    assert radio.faults.fired[FaultKind.LATE] == 1
    assert radio.unit.battery.charge_mos is False
    assert state(hass, "switch", radio, "charge_mos").state == STATE_OFF
    assert writes(radio) == [CHARGE_OFF]


async def test_p81_unit_switches_in_per_poll_mode(
    hass: HomeAssistant, add_simulated_unit: Callable[..., RadioUnit]
) -> None:
    """In per-poll mode a p81 switch opens a connection, writes, confirms and lets go."""
    radio = add_simulated_unit(name="JHB-50181201A494", dialect="p81")
    await setup_entry(hass, radio, connection_mode="per_poll")
    await _switch(hass, radio, "charge_mos", SERVICE_TURN_OFF)
    assert radio.unit.battery.charge_mos is False
    assert state(hass, "switch", radio, "charge_mos").state == STATE_OFF
    assert not radio.connected


def _wrapped_unit(
    hass: HomeAssistant,
    proxy: SimulatedBluetoothProxy,
    clock: ManualClock,
    wrap: Callable[[SimulatedUnit], UnitWrapper],
) -> RadioUnit:
    unit = SimulatedUnit(name="DL-C0DA1B0000A1", address="C0:DA:1B:00:00:A1", clock=clock)
    radio = proxy.add_unit(wrap(unit))
    proxy.async_advertise(radio)
    return radio


async def test_an_earlier_reply_then_silence_does_not_show_the_old_state(
    hass: HomeAssistant, simulated_proxy: SimulatedBluetoothProxy, sim_clock: ManualClock
) -> None:
    """The only status read after the command is answered first by the unit's earlier
    reply (sent again), then the unit falls silent: the switch must not show the state
    from before the command; it shows unknown until a reading settles it."""
    radio = _wrapped_unit(
        hass, simulated_proxy, sim_clock, lambda unit: FollowsThenFallsSilent(unit, reads=1)
    )
    await setup_entry(hass, radio)
    radio.faults.inject(FaultKind.STALE)

    with pytest.raises(HomeAssistantError) as raised:
        await _switch(hass, radio, "discharge_mos", SERVICE_TURN_OFF)

    assert raised.value.translation_key == "mos_not_confirmed"
    assert radio.faults.fired[FaultKind.STALE] == 1
    assert radio.unit.unit.battery.discharge_mos is False  # type: ignore[attr-defined]
    assert state(hass, "switch", radio, "discharge_mos").state == STATE_UNKNOWN
    assert state(hass, "switch", radio, "charge_mos").state == STATE_ON
