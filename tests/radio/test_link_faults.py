"""Faults of the link itself and of a unit's readings, as a client sees them."""

from __future__ import annotations

import asyncio
import errno

from bleak import BleakClient
from bleak.exc import BleakError
import pytest

from simulator.crc import crc_ok
from simulator.faults import FaultInjector, FaultKind
from simulator.radio import RadioRegistry, RadioUnit
from simulator.unit import SimulatedUnit
from tests.radio.helpers import (
    D2,
    P81,
    Inbox,
    make_unit,
    plain_bleak_client,
    read_request,
    request,
    subscribe,
)

STATUS_62 = read_request(0x00, 0x3E)
FIRST_REGISTER = read_request(0x00, 0x01)
SETTINGS_FIRST = read_request(0x80, 0x01)
TEMPERATURE_1 = 0x20  # first temperature probe register of the D2 status block
BROKEN_PROBE = 0xFFFF
# The whole status block of each dialect, and what changes between two reads of it.
FULL_STATUS = {"d2": read_request(0x00, 0x50, D2), "p81": read_request(0x00, 0x7F, P81)}
P81_HEARTBEAT = 0x3B


def _on_air(
    faults: FaultInjector, unit: SimulatedUnit | None = None
) -> tuple[RadioRegistry, RadioUnit]:
    registry = RadioRegistry()
    radio = registry.add(unit if unit is not None else make_unit(), faults=faults)
    return registry, radio


# ------------------------------------------------------------------ connecting


async def test_connect_error_raises_os_error_and_holds_nothing() -> None:
    faults = FaultInjector()
    registry, radio = _on_air(faults)
    client = plain_bleak_client(radio.address, registry.peripheral_class())
    faults.inject(FaultKind.CONNECT_ERROR)
    with pytest.raises(OSError, match="No such device") as raised:
        await client.connect()
    assert raised.value.errno == errno.ENODEV
    assert not isinstance(raised.value, TimeoutError)
    assert not client.is_connected
    assert not radio.connected
    assert registry.linked_addresses == []
    assert faults.fired[FaultKind.CONNECT_ERROR] == 1
    await client.connect()  # one failed setup, not a lasting state
    assert client.is_connected
    await client.disconnect()


async def test_connect_error_by_chance_raises_the_chosen_error() -> None:
    faults = FaultInjector(
        probabilities={FaultKind.CONNECT_ERROR: 1.0},
        connect_error=lambda: OSError(errno.EHOSTDOWN, "Host is down"),
    )
    registry, radio = _on_air(faults)
    client = plain_bleak_client(radio.address, registry.peripheral_class())
    for _ in range(3):
        with pytest.raises(OSError, match="Host is down"):
            await client.connect()
    assert faults.fired[FaultKind.CONNECT_ERROR] == 3
    assert not radio.connected


async def test_slow_connect_is_pending_then_succeeds() -> None:
    faults = FaultInjector(connect_seconds=0.05)
    registry, radio = _on_air(faults)
    client = plain_bleak_client(radio.address, registry.peripheral_class())
    faults.inject(FaultKind.SLOW_CONNECT)
    connecting = asyncio.create_task(client.connect())
    for _ in range(10):
        await asyncio.sleep(0)
    assert faults.fired[FaultKind.SLOW_CONNECT] == 1
    assert not connecting.done()
    assert not radio.connected
    async with asyncio.timeout(5):
        await connecting
    assert client.is_connected
    assert radio.central is not None
    await client.disconnect()


async def test_slow_connect_given_up_on_leaves_the_unit_free() -> None:
    faults = FaultInjector(connect_seconds=60.0)
    registry, radio = _on_air(faults)
    client = plain_bleak_client(radio.address, registry.peripheral_class())
    faults.inject(FaultKind.SLOW_CONNECT)
    with pytest.raises(TimeoutError):
        async with asyncio.timeout(0.05):
            await client.connect()
    assert not radio.connected
    await client.connect()  # the command was spent: the next attempt is quick
    assert client.is_connected
    await client.disconnect()


async def test_unit_gone_during_a_slow_connect_is_not_reached() -> None:
    faults = FaultInjector(connect_seconds=0.05)
    registry, radio = _on_air(faults)
    client = plain_bleak_client(radio.address, registry.peripheral_class())
    faults.inject(FaultKind.SLOW_CONNECT)
    connecting = asyncio.create_task(client.connect())
    await asyncio.sleep(0)
    registry.remove(radio.address)
    with pytest.raises(TimeoutError, match="no answer"):
        await connecting
    assert not radio.connected


def test_connect_seconds_must_not_be_negative() -> None:
    with pytest.raises(ValueError, match="connect_seconds"):
        FaultInjector(connect_seconds=-1.0)


# ---------------------------------------------------------------- disconnecting


async def test_disconnect_error_raises_eof_after_letting_go() -> None:
    faults = FaultInjector()
    registry, radio = _on_air(faults)
    lost = asyncio.Event()
    client = plain_bleak_client(
        radio.address, registry.peripheral_class(), disconnected_callback=lambda _c: lost.set()
    )
    await client.connect()
    faults.inject(FaultKind.DISCONNECT_ERROR)
    with pytest.raises(EOFError):
        await client.disconnect()
    assert not client.is_connected
    assert not radio.connected
    assert registry.linked_addresses == []
    assert not lost.is_set()  # a disconnect the client asked for, failing or not
    other = plain_bleak_client(radio.address, registry.peripheral_class())
    await other.connect()  # the unit is free for the next central
    await other.disconnect()  # the command was spent: no error this time


async def test_disconnect_error_by_chance_raises_the_chosen_error_even_when_down() -> None:
    faults = FaultInjector(
        probabilities={FaultKind.DISCONNECT_ERROR: 1.0},
        disconnect_error=lambda: BleakError("org.bluez.Error.NotConnected"),
    )
    registry, radio = _on_air(faults)
    client = plain_bleak_client(radio.address, registry.peripheral_class())
    await client.connect()
    with pytest.raises(BleakError, match="NotConnected"):
        await client.disconnect()
    with pytest.raises(BleakError, match="NotConnected"):
        await client.disconnect()
    assert faults.fired[FaultKind.DISCONNECT_ERROR] == 2
    assert not radio.connected


# ------------------------------------------------------------------- readings


async def _status_link(
    faults: FaultInjector, dialect: str = "d2"
) -> tuple[RadioUnit, Inbox, BleakClient]:
    registry, radio = _on_air(faults, make_unit(dialect=dialect))
    client = plain_bleak_client(radio.address, registry.peripheral_class())
    await client.connect()
    return radio, await subscribe(client), client


def _register(frame: bytes, register: int) -> int:
    return int.from_bytes(frame[3 + 2 * register : 5 + 2 * register], "big")


def _registers(frame: bytes) -> list[int]:
    return [_register(frame, register) for register in range(frame[2] // 2)]


async def test_glitch_forces_one_register_in_a_valid_frame() -> None:
    faults = FaultInjector()
    _radio, inbox, client = await _status_link(faults)
    faults.force_register(TEMPERATURE_1, BROKEN_PROBE)
    await request(client, STATUS_62)
    await request(client, STATUS_62)
    await inbox.wait_for(lambda box: len(box.notifications) == 2)
    glitched, healthy = inbox.notifications
    assert crc_ok(glitched)
    assert len(glitched) == len(healthy) == 129
    assert _register(glitched, TEMPERATURE_1) == BROKEN_PROBE
    assert _register(healthy, TEMPERATURE_1) != BROKEN_PROBE
    differing = [i for i, (a, b) in enumerate(zip(glitched, healthy, strict=True)) if a != b]
    field = range(3 + 2 * TEMPERATURE_1, 5 + 2 * TEMPERATURE_1)
    assert differing
    assert all(i in field or i >= 127 for i in differing)  # the value, then the CRC
    assert faults.fired[FaultKind.GLITCH] == 1


async def test_glitch_is_kept_for_a_read_that_shows_it() -> None:
    faults = FaultInjector()
    _radio, inbox, client = await _status_link(faults)
    faults.force_register(TEMPERATURE_1, BROKEN_PROBE)
    await request(client, FIRST_REGISTER)
    await inbox.wait_for(lambda box: len(box.notifications) == 1)
    assert faults.pending(FaultKind.GLITCH) == 1
    await request(client, read_request(TEMPERATURE_1, 1))
    await inbox.wait_for(lambda box: len(box.notifications) == 2)
    assert inbox.notifications[1][3:5] == BROKEN_PROBE.to_bytes(2, "big")
    assert crc_ok(inbox.notifications[1])
    assert faults.pending(FaultKind.GLITCH) == 0


async def test_glitch_by_chance_lasts_until_turned_off() -> None:
    faults = FaultInjector(forced_registers={TEMPERATURE_1: BROKEN_PROBE})
    faults.set_probability(FaultKind.GLITCH, 1.0)
    _radio, inbox, client = await _status_link(faults)
    for _ in range(3):
        await request(client, STATUS_62)
    await inbox.wait_for(lambda box: len(box.notifications) == 3)
    assert all(_register(frame, TEMPERATURE_1) == BROKEN_PROBE for frame in inbox.notifications)
    faults.set_probability(FaultKind.GLITCH, 0.0)
    await request(client, STATUS_62)
    await inbox.wait_for(lambda box: len(box.notifications) == 4)
    assert _register(inbox.notifications[3], TEMPERATURE_1) != BROKEN_PROBE


def test_forced_values_must_fit_a_register() -> None:
    faults = FaultInjector()
    with pytest.raises(ValueError, match="raw value"):
        faults.force_register(TEMPERATURE_1, 0x10000)
    with pytest.raises(ValueError, match="register"):
        FaultInjector(forced_registers={-1: 0})
    assert faults.pending(FaultKind.GLITCH) == 0


async def _two_reads(faults: FaultInjector, dialect: str) -> tuple[RadioUnit, bytes, bytes]:
    """Read the whole status block twice; return the unit and both answers."""
    radio, inbox, client = await _status_link(faults, dialect)
    frame = FULL_STATUS[dialect]
    size = 5 + 2 * frame[5]
    await request(client, frame)
    await request(client, frame)
    await inbox.wait_bytes(2 * size)
    await client.disconnect()
    return radio, inbox.received[:size], inbox.received[size:]


@pytest.mark.parametrize("dialect", ["d2", "p81"])
async def test_impossible_reading_comes_in_a_valid_frame(dialect: str) -> None:
    faults = FaultInjector(seed=4)
    faults.inject(FaultKind.IMPOSSIBLE)
    radio, impossible, healthy = await _two_reads(faults, dialect)
    assert crc_ok(impossible)
    assert len(impossible) == len(healthy)
    shown = faults.last_impossible
    assert shown in radio.unit.impossible_readings()
    pairs = zip(_registers(impossible), _registers(healthy), strict=True)
    for register, (value, truth) in enumerate(pairs):
        if register in shown:
            assert value == shown[register] != truth, register
        elif not (dialect == "p81" and register == P81_HEARTBEAT):
            assert value == truth, register
    assert faults.fired[FaultKind.IMPOSSIBLE] == 1


@pytest.mark.parametrize(
    ("dialect", "remaining_capacity", "cycles", "soc", "temperature_1"),
    [("d2", 0x30, 0x33, 0x2A, 0x20), ("p81", 0x4B, 0x4C, 0x3A, 0x30)],
)
async def test_every_impossible_reading_shows_by_chance(
    dialect: str, remaining_capacity: int, cycles: int, soc: int, temperature_1: int
) -> None:
    # Counters at their all-ones sentinel, a counted cell at 0 mV (the first and the
    # last of 16) or 65.535 V, SOC at 1000 %, the first probe at 215 degrees C.
    expected = [
        {remaining_capacity: 0xFFFF},
        {cycles: 0xFFFF},
        {0x00: 0},
        {0x0F: 0},
        {0x00: 0xFFFF},
        {soc: 10000},
        {temperature_1: 0xFF},
    ]
    faults = FaultInjector(seed=2, probabilities={FaultKind.IMPOSSIBLE: 1.0})
    radio, inbox, client = await _status_link(faults, dialect)
    assert radio.unit.impossible_readings() == expected
    seen: list[dict[int, int]] = []
    for count in range(1, 41):
        await request(client, FULL_STATUS[dialect])
        await inbox.wait_for(lambda box, count=count: len(box.notifications) == count)
        seen.append(dict(faults.last_impossible))
        frame = inbox.notifications[-1]
        assert all(_register(frame, r) == raw for r, raw in seen[-1].items()), seen[-1]
    await client.disconnect()
    assert all(crc_ok(frame) for frame in inbox.notifications)
    assert {tuple(sorted(reading.items())) for reading in seen} == {
        tuple(sorted(reading.items())) for reading in expected
    }


async def test_impossible_reading_waits_for_a_read_that_shows_it() -> None:
    faults = FaultInjector()
    _radio, inbox, client = await _status_link(faults)
    faults.inject(FaultKind.IMPOSSIBLE)
    await request(client, SETTINGS_FIRST)
    await request(client, read_request(0x34, 1))  # no impossible reading lies here
    await inbox.wait_for(lambda box: len(box.notifications) == 2)
    assert faults.pending(FaultKind.IMPOSSIBLE) == 1
    assert faults.last_impossible == {}
    await request(client, STATUS_62)
    await inbox.wait_for(lambda box: len(box.notifications) == 3)
    await client.disconnect()
    assert faults.pending(FaultKind.IMPOSSIBLE) == 0
    assert faults.last_impossible
