"""The simulated peripheral behaves like a Daly unit to a plain bleak client."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator

from bleak import BleakClient
from bleak.backends.descriptor import BleakGATTDescriptor
from bleak.exc import BleakError
import pytest

from simulator.faults import FaultInjector, FaultKind
from simulator.foreign import ForeignDevice
from simulator.gatt import DEVICE_NAME_UUID
from simulator.radio import (
    DEFAULT_REGISTRY,
    FF00_LAYOUT,
    FFF0_LAYOUT,
    RadioRegistry,
    RadioUnit,
    SimulatedPeripheral,
    register_unit,
)
from simulator.unit import SimulatedUnit
from tests.radio.helpers import make_unit, plain_bleak_client, read_request, request, subscribe

STATUS_62 = read_request(0x00, 0x3E)  # 129-byte answer


@pytest.fixture
def registry() -> RadioRegistry:
    return RadioRegistry()


@pytest.fixture
def unit() -> SimulatedUnit:
    return make_unit()


@pytest.fixture
async def client(registry: RadioRegistry, unit: SimulatedUnit) -> AsyncGenerator[BleakClient]:
    registry.add(unit)
    client = plain_bleak_client(unit.address, registry.peripheral_class())
    await client.connect()
    yield client
    await client.disconnect()


async def test_gatt_table_is_the_daly_one(client: BleakClient) -> None:
    service = client.services.get_service(FFF0_LAYOUT.service)
    assert service is not None
    notify = service.get_characteristic(FFF0_LAYOUT.notify)
    write = service.get_characteristic(FFF0_LAYOUT.write)
    assert notify is not None
    assert write is not None
    assert notify.properties == ["notify"]
    assert "write-without-response" in write.properties
    assert client.services.get_service(FF00_LAYOUT.service) is None


async def test_request_is_answered_with_the_units_frame(
    registry: RadioRegistry, unit: SimulatedUnit, client: BleakClient
) -> None:
    inbox = await subscribe(client)
    await request(client, STATUS_62)
    received = await inbox.wait_bytes(129)
    assert received == unit.handle_request(STATUS_62)
    radio = registry.get(unit.address)
    assert radio is not None
    assert radio.requests == [STATUS_62]
    assert radio.notifications == inbox.notifications


async def test_notifications_are_cut_to_the_mtu(
    registry: RadioRegistry, unit: SimulatedUnit
) -> None:
    registry.add(unit, mtu=23)
    client = plain_bleak_client(unit.address, registry.peripheral_class())
    await client.connect()
    assert client.mtu_size == 23
    inbox = await subscribe(client)
    await request(client, STATUS_62)
    received = await inbox.wait_bytes(129)
    await client.disconnect()
    assert received == unit.handle_request(STATUS_62)
    assert [len(n) for n in inbox.notifications] == [20] * 6 + [9]


async def test_large_mtu_carries_a_response_in_one_notification(
    unit: SimulatedUnit, client: BleakClient
) -> None:
    assert client.mtu_size == 512
    characteristic = client.services.get_characteristic(FFF0_LAYOUT.write)
    assert characteristic is not None
    assert characteristic.max_write_without_response_size == 509
    inbox = await subscribe(client)
    await request(client, read_request(0x00, 0x50))
    await inbox.wait_bytes(165)
    assert len(inbox.notifications) == 1


@pytest.mark.parametrize("mtu", [22, 513])
def test_mtu_outside_the_att_range_is_refused(unit: SimulatedUnit, mtu: int) -> None:
    with pytest.raises(ValueError, match="mtu"):
        RadioUnit(unit, mtu=mtu)


async def test_latency_delays_the_answer(registry: RadioRegistry, unit: SimulatedUnit) -> None:
    registry.add(unit, latency=0.3)
    client = plain_bleak_client(unit.address, registry.peripheral_class())
    await client.connect()
    inbox = await subscribe(client)
    await request(client, STATUS_62)
    await asyncio.sleep(0)
    assert inbox.notifications == []
    assert await inbox.wait_bytes(129) == unit.handle_request(STATUS_62)
    await client.disconnect()


async def test_answers_keep_request_order_under_latency(
    registry: RadioRegistry, unit: SimulatedUnit
) -> None:
    registry.add(unit, latency=0.01)
    client = plain_bleak_client(unit.address, registry.peripheral_class())
    await client.connect()
    inbox = await subscribe(client)
    frames = [read_request(first, 1) for first in range(20)]
    for frame in frames:
        await request(client, frame)
    await inbox.wait_for(lambda box: len(box.notifications) == 20)
    await client.disconnect()
    assert inbox.notifications == [unit.handle_request(frame) for frame in frames]


async def test_silence_for_requests_the_unit_ignores(
    unit: SimulatedUnit, client: BleakClient
) -> None:
    inbox = await subscribe(client)
    await request(client, b"\xd2\x03\x00\x00\x00\x3e\x00\x00")  # bad CRC: the unit is silent
    await request(client, STATUS_62)
    await inbox.wait_bytes(129)
    assert inbox.notifications == [unit.handle_request(STATUS_62)]


async def test_one_central_at_a_time(registry: RadioRegistry, unit: SimulatedUnit) -> None:
    registry.add(unit)
    first = plain_bleak_client(unit.address, registry.peripheral_class())
    second = plain_bleak_client(unit.address, registry.peripheral_class())
    await first.connect()
    with pytest.raises(BleakError, match="another central"):
        await second.connect()
    assert not second.is_connected
    await first.disconnect()
    await second.connect()
    assert second.is_connected
    await second.disconnect()


async def test_unit_is_silent_on_the_air_while_connected(
    registry: RadioRegistry, unit: SimulatedUnit
) -> None:
    radio = registry.add(unit)
    advertisement = radio.advertisement()
    assert advertisement is not None
    assert advertisement.name == unit.name
    assert advertisement.manufacturer_data == unit.manufacturer_data
    assert advertisement.connectable
    client = plain_bleak_client(unit.address, registry.peripheral_class())
    await client.connect()
    assert radio.advertisement() is None
    assert radio.central is not None
    await client.disconnect()
    assert radio.advertisement() is not None


async def test_connection_slots_limit_links(registry: RadioRegistry) -> None:
    limited = RadioRegistry(connection_slots=1)
    units = [make_unit(address=f"C0:FF:EE:00:00:0{i}") for i in (1, 2)]
    for each in units:
        limited.add(each)
    first = plain_bleak_client(units[0].address, limited.peripheral_class())
    second = plain_bleak_client(units[1].address, limited.peripheral_class())
    await first.connect()
    assert limited.free_slots == 0
    assert limited.linked_addresses == [units[0].address]
    with pytest.raises(BleakError, match="connection slot"):
        await second.connect()
    await first.disconnect()
    await second.connect()
    await second.disconnect()
    assert limited.free_slots == 1


async def test_unknown_address_times_out(registry: RadioRegistry) -> None:
    client = plain_bleak_client("C0:FF:EE:99:99:99", registry.peripheral_class())
    with pytest.raises(TimeoutError):
        await client.connect()


async def test_operations_need_a_link(registry: RadioRegistry, unit: SimulatedUnit) -> None:
    registry.add(unit)
    client = plain_bleak_client(unit.address, registry.peripheral_class())
    await client.connect()
    write = client.services.get_characteristic(FFF0_LAYOUT.write)
    assert write is not None
    await client.disconnect()
    assert not client.is_connected
    with pytest.raises(BleakError, match="not connected"):
        await client.write_gatt_char(write, STATUS_62, response=False)


async def test_characteristics_refuse_what_they_do_not_support(client: BleakClient) -> None:
    with pytest.raises(BleakError, match="read not permitted"):
        await client.read_gatt_char(FFF0_LAYOUT.notify)
    with pytest.raises(BleakError, match="write not permitted"):
        await client.write_gatt_char(FFF0_LAYOUT.notify, STATUS_62, response=False)
    with pytest.raises(BleakError, match="notifications not supported"):
        await client.start_notify(FFF0_LAYOUT.write, lambda _char, _data: None)
    assert await client.read_gatt_char(DEVICE_NAME_UUID) == b"DL-C0FFEE000001"


async def test_pairing_is_not_supported(client: BleakClient) -> None:
    with pytest.raises(NotImplementedError):
        await client.pair()
    with pytest.raises(NotImplementedError):
        await client.unpair()


async def test_stop_notify_silences_the_characteristic(
    registry: RadioRegistry, unit: SimulatedUnit, client: BleakClient
) -> None:
    inbox = await subscribe(client)
    notify = client.services.get_characteristic(FFF0_LAYOUT.notify)
    assert notify is not None
    cccd = notify.descriptors[0]
    assert await client.read_gatt_descriptor(cccd.handle) == b"\x01\x00"
    await client.stop_notify(FFF0_LAYOUT.notify)
    assert await client.read_gatt_descriptor(cccd.handle) == b"\x00\x00"
    await request(client, STATUS_62)
    radio = registry.get(unit.address)
    assert radio is not None
    await asyncio.sleep(0)  # with no latency the answer goes out on the next loop turn
    assert radio.notifications == [unit.handle_request(STATUS_62)]  # the unit did answer ...
    assert inbox.notifications == []  # ... but nobody was listening


async def test_writing_zero_to_the_cccd_stops_notifications(client: BleakClient) -> None:
    inbox = await subscribe(client)
    notify = client.services.get_characteristic(FFF0_LAYOUT.notify)
    assert notify is not None
    await client.write_gatt_descriptor(notify.descriptors[0].handle, b"\x00\x00")
    await request(client, STATUS_62)
    await asyncio.sleep(0)
    assert inbox.notifications == []


async def test_disconnect_cancels_answers_in_flight(
    registry: RadioRegistry, unit: SimulatedUnit
) -> None:
    radio = registry.add(unit, latency=0.01)
    disconnects: list[BleakClient] = []
    client = plain_bleak_client(
        unit.address, registry.peripheral_class(), disconnected_callback=disconnects.append
    )
    await client.connect()
    inbox = await subscribe(client)
    await request(client, STATUS_62)
    await client.disconnect()
    await asyncio.sleep(0.03)
    assert inbox.notifications == []
    assert radio.notifications == []
    assert disconnects == []  # a disconnect we asked for is not reported as a loss


async def test_alternative_service_pair(registry: RadioRegistry, unit: SimulatedUnit) -> None:
    registry.add(unit, gatt=(FF00_LAYOUT,))
    client = plain_bleak_client(unit.address, registry.peripheral_class())
    await client.connect()
    assert client.services.get_service(FFF0_LAYOUT.service) is None
    inbox = await subscribe(client, FF00_LAYOUT)
    await request(client, STATUS_62, FF00_LAYOUT)
    assert await inbox.wait_bytes(129) == unit.handle_request(STATUS_62)
    await client.disconnect()


async def test_answer_comes_back_on_the_pair_that_was_written(
    registry: RadioRegistry, unit: SimulatedUnit
) -> None:
    registry.add(unit, gatt=(FFF0_LAYOUT, FF00_LAYOUT))
    client = plain_bleak_client(unit.address, registry.peripheral_class())
    await client.connect()
    primary = await subscribe(client, FFF0_LAYOUT)
    alternative = await subscribe(client, FF00_LAYOUT)
    await request(client, STATUS_62, FF00_LAYOUT)
    await alternative.wait_bytes(129)
    await request(client, read_request(0, 1), FFF0_LAYOUT)
    await primary.wait_bytes(7)
    await client.disconnect()
    assert alternative.received == unit.handle_request(STATUS_62)
    assert primary.received == unit.handle_request(read_request(0, 1))


async def test_default_registry_serves_the_plain_backend_class(unit: SimulatedUnit) -> None:
    radio = register_unit(unit, mtu=100)
    try:
        client = plain_bleak_client(unit.address, SimulatedPeripheral)
        await client.connect()
        assert client.name == unit.name
        assert client.mtu_size == 100
        inbox = await subscribe(client)
        await request(client, STATUS_62)
        assert await inbox.wait_bytes(129) == unit.handle_request(STATUS_62)
        assert [len(n) for n in inbox.notifications] == [97, 32]
        await client.disconnect()
    finally:
        DEFAULT_REGISTRY.remove(radio.address)
    assert DEFAULT_REGISTRY.get(unit.address) is None


def test_a_unit_is_registered_once_per_radio(registry: RadioRegistry, unit: SimulatedUnit) -> None:
    radio = registry.add(unit)
    assert registry.attach(radio) is radio
    with pytest.raises(ValueError, match="already on the air"):
        registry.add(unit)
    assert len(registry) == 1


async def test_one_link_for_a_unit_two_radios_hear(unit: SimulatedUnit) -> None:
    near, far = RadioRegistry(), RadioRegistry()
    radio = near.add(unit)
    far.attach(radio)
    first = plain_bleak_client(unit.address, near.peripheral_class())
    second = plain_bleak_client(unit.address, far.peripheral_class())
    await first.connect()
    with pytest.raises(BleakError, match="another central"):
        await second.connect()
    near.remove(unit.address)
    assert not first.is_connected
    await second.connect()
    await second.disconnect()


async def test_listeners_hear_links_open_and_close(
    registry: RadioRegistry, unit: SimulatedUnit
) -> None:
    registry.add(unit)
    events: list[list[str]] = []
    remove = registry.add_listener(lambda: events.append(registry.linked_addresses))
    client = plain_bleak_client(unit.address, registry.peripheral_class())
    await client.connect()
    await client.disconnect()
    remove()
    await client.connect()
    await client.disconnect()
    assert events == [[unit.address], []]


def test_nonsense_radio_settings_are_refused(unit: SimulatedUnit) -> None:
    with pytest.raises(ValueError, match="connection_slots"):
        RadioRegistry(connection_slots=0)
    with pytest.raises(ValueError, match="latency"):
        RadioUnit(unit, latency=-1.0)
    with pytest.raises(ValueError, match="GATT layout"):
        RadioUnit(unit, gatt=())


async def test_connect_twice_and_pairing_request_are_harmless(
    registry: RadioRegistry, unit: SimulatedUnit
) -> None:
    radio = registry.add(unit)
    client = plain_bleak_client(unit.address, registry.peripheral_class(), pair=True)
    await client.connect()
    await client.connect()
    assert client.is_connected
    assert radio.central is not None
    assert str(radio.central) == f"SimulatedPeripheral ({unit.address})"
    assert repr(radio) == f"RadioUnit({unit.address}, mtu=512, latency=0.0)"
    assert await radio.central.clear_cache()
    await client.disconnect()
    await client.disconnect()
    assert radio.central is None


async def test_unknown_descriptors_are_refused(client: BleakClient) -> None:
    notify = client.services.get_characteristic(FFF0_LAYOUT.notify)
    assert notify is not None
    foreign = BleakGATTDescriptor(None, 0x7F, "00002901-0000-1000-8000-00805f9b34fb", notify)
    client.services.add_descriptor(foreign)
    with pytest.raises(BleakError, match="read not permitted"):
        await client.read_gatt_descriptor(foreign.handle)
    with pytest.raises(BleakError, match="write not permitted"):
        await client.write_gatt_descriptor(foreign.handle, b"\x01")


async def test_a_foreign_device_takes_the_link_and_stays_silent(registry: RadioRegistry) -> None:
    device = ForeignDevice(
        name="BT-Thermo",
        address="c0-ff-ee-00-00-09",
        service_uuids=[FFF0_LAYOUT.service],
        manufacturer_data={0x0590: b"\x01"},
    )
    assert repr(device) == "ForeignDevice('BT-Thermo', C0:FF:EE:00:00:09)"
    radio = registry.add(device, faults=FaultInjector(probabilities={FaultKind.IMPOSSIBLE: 1.0}))
    advertisement = radio.advertisement()
    assert advertisement is not None
    assert (advertisement.name, advertisement.service_uuids) == ("BT-Thermo", [FFF0_LAYOUT.service])
    assert advertisement.manufacturer_data == {0x0590: b"\x01"}
    client = plain_bleak_client(device.address, registry.peripheral_class())
    await client.connect()
    inbox = await subscribe(client)
    await request(client, STATUS_62)
    await asyncio.sleep(0.01)
    await client.disconnect()
    assert radio.requests == [STATUS_62]
    assert inbox.notifications == []
    assert radio.faults.fired[FaultKind.IMPOSSIBLE] == 0  # it has no readings to spoil


def test_a_unit_has_one_central(registry: RadioRegistry, unit: SimulatedUnit) -> None:
    radio = registry.add(unit)
    first, second = (registry.peripheral_class()(unit.address) for _ in range(2))
    radio.hold(first)
    radio.hold(first)  # holding what one holds already changes nothing
    with pytest.raises(ValueError, match="already held"):
        radio.hold(second)
    radio.release(second)  # not the holder: nothing happens
    assert radio.central is first
    radio.release(first)
    assert radio.central is None
