"""Home Assistant's Bluetooth stack reaches simulated units through the simulated proxy."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from unittest.mock import patch

import bleak
from bleak.exc import BleakError
import bleak_retry_connector
from habluetooth import HaBleakClientWrapper, get_manager
from homeassistant.components import bluetooth
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (  # type: ignore[import-untyped]
    async_fire_time_changed,
)

from simproxy import SimulatedBluetoothProxy
from simulator.crc import crc_ok
from simulator.faults import FaultInjector, FaultKind
from simulator.radio import FFF0_LAYOUT, RadioUnit
from simulator.unit import SimulatedUnit
from tests.ha_bluetooth import SlotHolders, connect_through_home_assistant
from tests.radio.helpers import GUARD_SECONDS, Inbox, make_unit, read_request

STATUS_62 = read_request(0x00, 0x3E)


@contextmanager
def bluetooth_clock_at(seconds: float) -> Iterator[None]:
    """Make Home Assistant's Bluetooth stack believe its monotonic clock reads `seconds`."""
    with (
        patch("homeassistant.components.bluetooth.MONOTONIC_TIME", return_value=seconds),
        patch("habluetooth.base_scanner.monotonic_time_coarse", return_value=seconds),
        patch("habluetooth.manager.monotonic_time_coarse", return_value=seconds),
    ):
        yield


async def _ask(client: bleak.BleakClient, frame: bytes, answer_length: int) -> bytes:
    inbox = Inbox()
    await client.start_notify(FFF0_LAYOUT.notify, inbox)
    await client.write_gatt_char(FFF0_LAYOUT.write, frame, response=False)
    received = await inbox.wait_bytes(answer_length)
    await client.stop_notify(FFF0_LAYOUT.notify)
    return received


async def test_discovery_shows_the_unit(
    hass: HomeAssistant,
    simulated_proxy: SimulatedBluetoothProxy,
    add_simulated_unit: Callable[..., RadioUnit],
) -> None:
    radio = add_simulated_unit(address="C0:DA:1B:00:00:07", name="DL-C0DA1B000007")
    info = bluetooth.async_last_service_info(hass, radio.address, connectable=True)
    assert info is not None
    assert info.name == "DL-C0DA1B000007"
    assert info.manufacturer_data == radio.unit.manufacturer_data
    assert info.connectable
    assert info.source == simulated_proxy.source
    assert info.rssi == radio.rssi
    device = bluetooth.async_ble_device_from_address(hass, radio.address, connectable=True)
    assert device is not None
    assert device.name == "DL-C0DA1B000007"
    assert bluetooth.async_scanner_count(hass, connectable=True) == 1


async def test_home_assistant_has_swapped_bleaks_classes(
    simulated_proxy: SimulatedBluetoothProxy,
) -> None:
    # The reason every connection must look these names up when it connects.
    assert issubclass(bleak.BleakClient, HaBleakClientWrapper)
    assert issubclass(bleak_retry_connector.BleakClientWithServiceCache, HaBleakClientWrapper)


async def test_establish_connection_reaches_the_simulator(
    hass: HomeAssistant,
    simulated_proxy: SimulatedBluetoothProxy,
    add_simulated_unit: Callable[..., RadioUnit],
) -> None:
    radio = add_simulated_unit(cells=8)
    client = await connect_through_home_assistant(hass, radio)
    assert isinstance(client, HaBleakClientWrapper)
    assert client.is_connected
    assert radio.central is not None
    assert isinstance(radio.central, simulated_proxy.registry.peripheral_class())
    received = await _ask(client, STATUS_62, 129)
    await client.disconnect()
    assert radio.requests == [STATUS_62]
    assert received[:3] == bytes([0xD2, 0x03, 0x7C])
    assert crc_ok(received)
    cells_mv = [int.from_bytes(received[3 + 2 * i : 5 + 2 * i], "big") for i in range(8)]
    assert isinstance(radio.unit, SimulatedUnit)
    assert cells_mv == [round(v * 1000) for v in radio.unit.battery.cell_voltages]
    assert not radio.connected


async def test_notifications_through_home_assistant_are_mtu_sized(
    hass: HomeAssistant, simulated_proxy: SimulatedBluetoothProxy
) -> None:
    unit = make_unit()
    radio = simulated_proxy.add_unit(unit, mtu=23, latency=0.01)
    simulated_proxy.async_advertise()
    client = await connect_through_home_assistant(hass, radio)
    assert client.mtu_size == 23
    inbox = Inbox()
    await client.start_notify(FFF0_LAYOUT.notify, inbox)
    await client.write_gatt_char(FFF0_LAYOUT.write, STATUS_62, response=False)
    await inbox.wait_bytes(129)
    await client.disconnect()
    assert inbox.received == unit.handle_request(STATUS_62)
    assert [len(n) for n in inbox.notifications] == [20] * 6 + [9]


async def test_allocations_follow_the_links(
    hass: HomeAssistant,
    simulated_proxy: SimulatedBluetoothProxy,
    add_simulated_unit: Callable[..., RadioUnit],
) -> None:
    radio = add_simulated_unit()
    manager = get_manager()
    [before] = manager.async_current_allocations(simulated_proxy.source) or []
    assert (before.slots, before.free, before.allocated) == (3, 3, [])
    client = await connect_through_home_assistant(hass, radio)
    [during] = manager.async_current_allocations(simulated_proxy.source) or []
    assert (during.free, during.allocated) == (2, [radio.address])
    await client.disconnect()
    [after] = manager.async_current_allocations(simulated_proxy.source) or []
    assert (after.free, after.allocated) == (3, [])


@pytest.mark.usefixtures("bluetooth_stack", "no_connect_backoff")
async def test_connection_slots_are_a_limit(hass: HomeAssistant) -> None:
    proxy = SimulatedBluetoothProxy(hass, source="AA:BB:CC:DD:EE:01", connection_slots=1)
    proxy.async_start()
    radios = [proxy.add_unit(make_unit(address=f"C0:FF:EE:00:00:0{i}")) for i in (1, 2)]
    proxy.async_advertise()
    first = await connect_through_home_assistant(hass, radios[0])
    # Home Assistant itself sees the proxy has no free slot and does not try.
    with pytest.raises(
        bleak_retry_connector.BleakOutOfConnectionSlotsError,
        match="No backend with an available connection slot",
    ):
        await connect_through_home_assistant(hass, radios[1], max_attempts=1)
    assert radios[1].requests == []
    await first.disconnect()
    second = await connect_through_home_assistant(hass, radios[1])
    assert second.is_connected
    proxy.async_stop()
    assert not second.is_connected


@pytest.mark.usefixtures("no_connect_backoff")
async def test_second_central_is_refused(
    hass: HomeAssistant,
    simulated_proxy: SimulatedBluetoothProxy,
    add_simulated_unit: Callable[..., RadioUnit],
) -> None:
    radio = add_simulated_unit()
    first = await connect_through_home_assistant(hass, radio)
    with pytest.raises(bleak_retry_connector.BleakConnectionError, match="another central"):
        await connect_through_home_assistant(hass, radio, max_attempts=2)
    assert radio.central is not None
    await first.disconnect()


async def test_connected_unit_stops_advertising(
    hass: HomeAssistant,
    simulated_proxy: SimulatedBluetoothProxy,
    add_simulated_unit: Callable[..., RadioUnit],
) -> None:
    radio = add_simulated_unit()
    client = await connect_through_home_assistant(hass, radio)
    radio.rssi = -40
    simulated_proxy.async_advertise()
    info = bluetooth.async_last_service_info(hass, radio.address, connectable=True)
    assert info is not None
    assert info.rssi == -60
    await client.disconnect()
    simulated_proxy.async_advertise(radio)
    info = bluetooth.async_last_service_info(hass, radio.address, connectable=True)
    assert info is not None
    assert info.rssi == -40


async def test_link_lost_mid_frame_reaches_the_integrations_callback(
    hass: HomeAssistant,
    simulated_proxy: SimulatedBluetoothProxy,
    add_simulated_unit: Callable[..., RadioUnit],
) -> None:
    faults = FaultInjector()
    radio = add_simulated_unit(faults=faults)
    lost: asyncio.Future[bleak.BleakClient] = hass.loop.create_future()
    client = await connect_through_home_assistant(
        hass, radio, disconnected_callback=lost.set_result
    )
    inbox = Inbox()
    await client.start_notify(FFF0_LAYOUT.notify, inbox)
    faults.inject(FaultKind.DISCONNECT)
    await client.write_gatt_char(FFF0_LAYOUT.write, STATUS_62, response=False)
    async with asyncio.timeout(GUARD_SECONDS):
        assert await lost is client
    assert not client.is_connected
    assert 0 < len(inbox.received) < 129


async def test_vanished_unit_becomes_unavailable(
    hass: HomeAssistant,
    simulated_proxy: SimulatedBluetoothProxy,
    add_simulated_unit: Callable[..., RadioUnit],
) -> None:
    start = bluetooth.MONOTONIC_TIME()
    with bluetooth_clock_at(start):
        radio = add_simulated_unit()
        simulated_proxy.async_start_advertising(interval=10)
    gone: list[str] = []
    cancel = bluetooth.async_track_unavailable(
        hass, lambda info: gone.append(info.address), radio.address, connectable=True
    )
    radio.vanish()
    # Past HA's connectable staleness limit (195 s) and its unavailable sweep (300 s).
    with bluetooth_clock_at(start + 400):
        async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=400))
        await hass.async_block_till_done()
    assert gone == [radio.address]
    assert bluetooth.async_ble_device_from_address(hass, radio.address, True) is None
    radio.reappear()
    with bluetooth_clock_at(start + 410):
        async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=410))
        await hass.async_block_till_done()
    assert bluetooth.async_address_present(hass, radio.address, connectable=True)
    cancel()


async def test_periodic_advertising_picks_up_new_units(
    hass: HomeAssistant,
    simulated_proxy: SimulatedBluetoothProxy,
    add_simulated_unit: Callable[..., RadioUnit],
) -> None:
    stop = simulated_proxy.async_start_advertising(interval=10)
    radio = add_simulated_unit(advertise=False)
    assert not bluetooth.async_address_present(hass, radio.address, connectable=True)
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=11))
    await hass.async_block_till_done()
    assert bluetooth.async_address_present(hass, radio.address, connectable=True)
    stop()
    simulated_proxy.remove_unit(radio.address)
    assert simulated_proxy.units == []


async def test_proxy_misuse_is_reported(
    hass: HomeAssistant, bluetooth_stack: None, simulated_proxy: SimulatedBluetoothProxy
) -> None:
    with pytest.raises(RuntimeError, match="already started"):
        simulated_proxy.async_start()
    idle = SimulatedBluetoothProxy(hass, source="AA:BB:CC:DD:EE:02")
    with pytest.raises(RuntimeError, match="not started"):
        idle.async_advertise()
    with pytest.raises(KeyError):
        simulated_proxy.radio("C0:FF:EE:12:34:56")
    radio = RadioUnit(make_unit())
    assert simulated_proxy.hear(radio) is radio
    assert simulated_proxy.radio(radio.address) is radio


async def test_stopping_the_proxy_drops_links_and_the_scanner(
    hass: HomeAssistant, bluetooth_stack: None
) -> None:
    proxy = SimulatedBluetoothProxy(hass, source="AA:BB:CC:DD:EE:03")
    stop = proxy.async_start()
    unit = make_unit()
    radio = proxy.add_unit(unit)
    proxy.async_advertise(unit)
    client = await connect_through_home_assistant(hass, radio)
    stop()
    assert not client.is_connected
    assert bluetooth.async_scanner_count(hass, connectable=True) == 0
    with pytest.raises(BleakError):
        await client.write_gatt_char(FFF0_LAYOUT.write, STATUS_62, response=False)


async def test_a_full_proxy_is_full_for_home_assistant(
    hass: HomeAssistant,
    simulated_proxy: SimulatedBluetoothProxy,
    add_simulated_unit: Callable[..., RadioUnit],
    full_proxy: SlotHolders,
) -> None:
    radio = add_simulated_unit()
    [allocations] = get_manager().async_current_allocations(simulated_proxy.source) or []
    assert (allocations.free, len(allocations.allocated)) == (0, 3)
    assert sorted(allocations.allocated) == sorted(other.address for other in full_proxy.radios)
    with pytest.raises(bleak_retry_connector.BleakOutOfConnectionSlotsError):
        await connect_through_home_assistant(hass, radio, max_attempts=1)
    await full_proxy.release()
    client = await connect_through_home_assistant(hass, radio)
    assert radio.central is not None
    await client.disconnect()
