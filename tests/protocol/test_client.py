"""DalyClient against simulated units over a plain bleak link."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
import logging
from typing import Any

from bleak.backends.characteristic import BleakGATTCharacteristic
from bleak.exc import BleakError
import pytest

from custom_components.daly_bms.protocol import (
    D2,
    P81,
    BatteryState,
    DalyClient,
    DalyCommandError,
    DalyConnectionError,
    DalyNotRecognizedError,
    DalyNotSupportedError,
    DalyTimeoutError,
    Dialect,
    MosBank,
    UnitMemory,
    encode_write_multiple,
)
from simulator.faults import FaultKind
from simulator.radio import FF00_LAYOUT, FFF0_LAYOUT, GattLayout

from .examples import COMMANDS, REQUESTS
from .simlink import FAST, SimLink, make_unit
from .test_mos_write import IgnoresMosWrites
from .test_status_registers import ShortStatusFirmware


def uuid16(short: str) -> str:
    return f"0000{short}-0000-1000-8000-00805f9b34fb"


def make_client(link: SimLink, *, retries: int = 2, memory: UnitMemory | None = None) -> DalyClient:
    return DalyClient(link.bleak, timeout=FAST, retries=retries, memory=memory)


async def connected(
    sim_link: Callable[..., SimLink], *, retries: int = 2, **options: Any
) -> tuple[SimLink, DalyClient]:
    link = sim_link(**options)
    await link.bleak.connect()
    return link, make_client(link, retries=retries)


def record_writes(link: SimLink) -> list[tuple[str, bool | None]]:
    """Log the characteristic and response flag of every write the client makes."""
    targets: list[tuple[str, bool | None]] = []
    write = link.bleak.write_gatt_char

    async def logged(
        char: BleakGATTCharacteristic, data: bytes, response: bool | None = None
    ) -> None:
        targets.append((char.uuid, response))
        await write(char, data, response=response)

    link.bleak.write_gatt_char = logged  # type: ignore[method-assign]
    return targets


async def test_d2_detection_and_status(sim_link: Callable[..., SimLink]) -> None:
    link, client = await connected(sim_link)
    targets = record_writes(link)
    assert client.dialect is None
    assert client.capabilities is None
    dialect = await client.start()
    assert dialect is Dialect.D2
    assert client.dialect is dialect
    assert client.capabilities is D2.capabilities
    assert client.memory.dialect is Dialect.D2
    assert link.requests == [REQUESTS["status_80"]]
    # Requests go to FFF2 without response; answers come on FFF1.
    assert targets == [(uuid16("fff2"), False)]
    assert await link.subscribed(uuid16("fff1"))

    battery = link.unit.battery
    status = await client.read_status()
    assert status.dialect is Dialect.D2
    assert status.capabilities is D2.capabilities
    assert status.cell_voltages == tuple(round(volts, 3) for volts in battery.cell_voltages)
    assert status.mos_temperature == round(battery.mos_temperature)
    assert status.voltage == round(battery.pack_voltage, 1)
    await client.stop()
    assert not await link.subscribed(uuid16("fff1"))


async def test_p81_detection_and_status(sim_link: Callable[..., SimLink]) -> None:
    link, client = await connected(sim_link, unit=make_unit(dialect="p81"))
    link.unit.set_current(-8.9)
    assert await client.start() is Dialect.P81
    assert client.capabilities is P81.capabilities
    # D2 80 registers with retries, one 62-register probe, then p81.
    assert link.requests == [REQUESTS["status_80"]] * 3 + [
        REQUESTS["status_62"],
        REQUESTS["p81_block1"],
    ]
    link.requests.clear()
    status = await client.read_status()
    assert link.requests == [REQUESTS["p81_block1"], REQUESTS["p81_block2"]]
    assert status.dialect is Dialect.P81
    assert status.current == -8.9
    assert status.state is BatteryState.DISCHARGING
    await client.stop()


async def test_the_dialect_remembered_is_asked_first(sim_link: Callable[..., SimLink]) -> None:
    link = sim_link(make_unit(dialect="p81"))
    await link.bleak.connect()
    memory = UnitMemory()
    memory.dialect = Dialect.P81
    client = make_client(link, memory=memory)
    assert await client.start() is Dialect.P81
    # The dialect seen on the last connection answers at once: no D2 timeouts.
    assert link.requests == [REQUESTS["p81_block1"]]
    await client.stop()


async def test_a_wrong_memory_still_detects_d2(sim_link: Callable[..., SimLink]) -> None:
    link = sim_link()
    await link.bleak.connect()
    memory = UnitMemory()
    memory.dialect = Dialect.P81
    client = make_client(link, memory=memory)
    assert await client.start() is Dialect.D2
    assert link.requests == [REQUESTS["p81_block1"]] * 3 + [REQUESTS["status_80"]]
    assert memory.dialect is Dialect.D2
    await client.stop()


async def test_firmware_without_the_extended_block_is_read_with_62(
    sim_link: Callable[..., SimLink],
) -> None:
    unit = make_unit()
    link = sim_link(unit, model=ShortStatusFirmware(unit))
    await link.bleak.connect()
    client = make_client(link)
    assert await client.start() is Dialect.D2
    link.requests.clear()
    status = await client.read_status()
    assert link.requests == [REQUESTS["status_62"]]
    assert status.mos_temperature is None
    assert status.cell_count == 16
    await client.stop()


async def test_a_unit_that_answered_80_keeps_being_asked_80(
    sim_link: Callable[..., SimLink],
) -> None:
    unit = make_unit()
    model = ShortStatusFirmware(unit)
    model.extended = True
    link = sim_link(unit, model=model)
    await link.bleak.connect()
    client = make_client(link)
    await client.start()
    # It answered 80 registers; from now on it stays silent to them.
    model.extended = False
    link.requests.clear()
    for _ in range(3):
        status = await client.read_status()
        assert status.cell_count == 16
    # Each reading asks for 80 and makes do with 62 after the silence, never settling.
    assert link.requests == ([REQUESTS["status_80"]] * 3 + [REQUESTS["status_62"]]) * 3
    # Silence to both is a timeout.
    link.faults.asleep = True
    with pytest.raises(DalyTimeoutError):
        await client.read_status()
    await client.stop()


async def test_firmware_without_the_extended_block_settles_over_reconnects(
    sim_link: Callable[..., SimLink],
) -> None:
    unit = make_unit()
    link = sim_link(unit, model=ShortStatusFirmware(unit))
    memory = UnitMemory()
    starts: list[list[bytes]] = []
    for _ in range(5):
        bleak_client = link.new_bleak_client()
        await bleak_client.connect()
        link.requests.clear()
        client = DalyClient(bleak_client, timeout=FAST, retries=1, memory=memory)
        assert await client.start() is Dialect.D2
        assert (await client.read_status()).cell_count == 16
        starts.append(list(link.requests))
        await client.stop()
        await bleak_client.disconnect()
    full, short = REQUESTS["status_80"], REQUESTS["status_62"]
    assert starts == [
        [full, full, short, short],  # nothing known: 80 with its retries, then 62
        [full, short, short],  # 80 once more on the new connection
        [full, short, short],  # refused three times in a row
        [short, short],  # no more asking
        [short, short],
    ]


async def test_a_silent_unit_is_not_taken_for_short_firmware(
    sim_link: Callable[..., SimLink],
) -> None:
    link, client = await connected(sim_link)
    await client.start()
    link.faults.asleep = True
    with pytest.raises(DalyTimeoutError):
        await client.read_status()
    link.faults.asleep = False
    link.requests.clear()
    await client.read_status()
    assert link.requests == [REQUESTS["status_80"]]
    await client.stop()


async def test_retry_after_a_lost_answer(sim_link: Callable[..., SimLink]) -> None:
    link, client = await connected(sim_link, retries=1)
    await client.start()
    link.faults.inject(FaultKind.DROP)
    link.requests.clear()
    status = await client.read_status()
    assert status.soc == round(link.unit.battery.soc, 1)
    assert link.requests == [REQUESTS["status_80"]] * 2
    await client.stop()


async def test_timeout_after_retries(sim_link: Callable[..., SimLink]) -> None:
    link, client = await connected(sim_link, retries=1)
    await client.start()
    link.faults.asleep = True
    link.requests.clear()
    with pytest.raises(DalyTimeoutError, match="no answer"):
        await client.read_settings()
    assert link.requests == [REQUESTS["settings"]] * 2
    await client.stop()


async def test_neither_dialect(sim_link: Callable[..., SimLink]) -> None:
    link, client = await connected(sim_link, retries=0)
    link.faults.asleep = True
    with pytest.raises(DalyNotRecognizedError, match="neither D2 nor p81 nor A5"):
        await client.start()
    # A5 from each host address in turn, three rounds.
    a5_pack = [
        bytes.fromhex("a5 80 90 08 0000000000000000 bd"),
        bytes.fromhex("a5 40 90 08 0000000000000000 7d"),
    ]
    assert link.requests == [
        REQUESTS["status_80"],
        REQUESTS["status_62"],
        REQUESTS["p81_block1"],
        *a5_pack * 3,
    ]
    # A failed start does not leave the subscription behind.
    assert not await link.subscribed(uuid16("fff1"))
    # "Not a Daly" is a kind of "not supported": nothing the unit can do was asked.
    assert issubclass(DalyNotRecognizedError, DalyNotSupportedError)


async def test_alternative_characteristics(sim_link: Callable[..., SimLink]) -> None:
    link, client = await connected(sim_link, gatt=(FF00_LAYOUT,))
    targets = record_writes(link)
    assert await client.start() is Dialect.D2
    assert await link.subscribed(uuid16("ff01"))
    assert targets[0] == (uuid16("ff02"), False)
    await client.stop()


async def test_primary_characteristics_preferred(sim_link: Callable[..., SimLink]) -> None:
    link, client = await connected(sim_link, gatt=(FF00_LAYOUT, FFF0_LAYOUT))
    await client.start()
    assert await link.subscribed(uuid16("fff1"))
    assert not await link.subscribed(uuid16("ff01"))
    await client.stop()


@pytest.mark.parametrize(
    "gatt",
    [
        (GattLayout(uuid16("180a"), uuid16("2a29"), uuid16("2a2a")),),
        (GattLayout(uuid16("fff0"), uuid16("fff1"), uuid16("fff9")),),
        (
            GattLayout(uuid16("fff0"), uuid16("fff1"), uuid16("fff9")),
            GattLayout(uuid16("ff00"), uuid16("ff09"), uuid16("ff02")),
        ),
    ],
)
async def test_missing_characteristics(
    sim_link: Callable[..., SimLink], gatt: tuple[GattLayout, ...]
) -> None:
    link, client = await connected(sim_link, gatt=gatt)
    with pytest.raises(DalyConnectionError, match="characteristics"):
        await client.start()
    assert link.requests == []


async def test_link_failures_become_connection_errors(sim_link: Callable[..., SimLink]) -> None:
    link = sim_link()
    # Never connected: bleak has no services to offer.
    with pytest.raises(DalyConnectionError, match="services"):
        await make_client(link).start()

    await link.bleak.connect()

    async def refuse(*_args: object, **_kwargs: object) -> None:
        raise BleakError("not connected")

    subscribe = link.bleak.start_notify
    link.bleak.start_notify = refuse  # type: ignore[method-assign]
    with pytest.raises(DalyConnectionError, match="subscribe"):
        await make_client(link).start()
    link.bleak.start_notify = subscribe  # type: ignore[method-assign]

    client = make_client(link)
    await client.start()
    link.radio.vanish()  # out of range: the next write fails
    with pytest.raises(DalyConnectionError, match="write failed"):
        await client.read_status()
    await client.stop()


@pytest.mark.parametrize("bank", list(MosBank))
async def test_set_mos_verified(sim_link: Callable[..., SimLink], bank: MosBank) -> None:
    link, client = await connected(sim_link)
    await client.start()
    other = MosBank.DISCHARGE if bank is MosBank.CHARGE else MosBank.CHARGE
    link.requests.clear()
    status = await client.set_mos(bank, False)
    assert status.mos(bank) is False
    assert status.mos(other) is True
    # The write, then two status reads: the first answer to a read after the write may be
    # the unit's previous answer sent again, so the second one decides.
    assert link.requests == [COMMANDS[(bank.value, False)], *[REQUESTS["status_80"]] * 2]
    assert link.unit.battery.charge_mos is (bank is not MosBank.CHARGE)
    status = await client.set_mos(bank, True)
    assert status.mos(bank) is True
    assert link.unit.battery.charge_mos is True
    assert link.unit.battery.discharge_mos is True
    await client.stop()


@pytest.mark.parametrize("bank", list(MosBank))
async def test_set_mos_not_followed(sim_link: Callable[..., SimLink], bank: MosBank) -> None:
    unit = make_unit()
    link = sim_link(unit, model=IgnoresMosWrites(unit))
    await link.bleak.connect()
    client = make_client(link)
    await client.start()
    with pytest.raises(DalyCommandError, match="stayed on") as caught:
        await client.set_mos(bank, False)
    assert caught.value.status.mos(bank) is True
    await client.stop()


async def test_p81_refuses_the_balancer(sim_link: Callable[..., SimLink]) -> None:
    link, client = await connected(sim_link, retries=0, unit=make_unit(dialect="p81"))
    await client.start()
    link.requests.clear()
    assert client.capabilities is not None
    assert not client.capabilities.balancer_switch
    with pytest.raises(DalyNotSupportedError):
        await client.set_balancer(True)
    assert link.requests == []
    await client.stop()


async def test_balancer_is_read_back(sim_link: Callable[..., SimLink]) -> None:
    link, client = await connected(sim_link)
    await client.start()
    link.requests.clear()
    assert (await client.set_balancer(False)).balancer is False
    # The write, then the settings twice: the first answers after the write may be the
    # unit's previous ones sent again, so the second reading decides.
    assert link.requests == [
        COMMANDS[("balancer", False)],
        *[REQUESTS["settings"], REQUESTS["balancer"]] * 2,
    ]
    assert (await client.set_balancer(True)).balancer is True
    link.faults.asleep = True
    with pytest.raises(DalyTimeoutError):
        await client.set_balancer(False)
    await client.stop()


async def test_write_multiple_reply_is_matched(sim_link: Callable[..., SimLink]) -> None:
    _, client = await connected(sim_link)
    await client.start()
    request = encode_write_multiple(0xD2, 0xA5, [1, 1])
    frame = await client._request(request)
    assert (frame.function, frame.register, frame.register_count) == (0x10, 0xA5, 2)
    await client.stop()


async def test_junk_stale_replies_and_split_notifications(
    sim_link: Callable[..., SimLink],
) -> None:
    # Small MTU: every reply comes in 20-byte pieces.
    link, client = await connected(sim_link, mtu=23)
    assert await client.start() is Dialect.D2
    # Text from the radio module, one piece cut in two, and the first settings reply held
    # back until the resent request's reply, glued in front of it.
    link.faults.inject(FaultKind.MERGE)
    link.faults.inject(FaultKind.JUNK, times=2)
    link.faults.inject(FaultKind.SPLIT, times=2)
    settings = await client.read_settings()
    assert settings.rated_capacity == 100.0
    status = await client.read_status()
    assert status.cell_voltages == tuple(round(v, 3) for v in link.unit.battery.cell_voltages)
    assert link.faults.fired[FaultKind.MERGE] == 1
    assert link.faults.fired[FaultKind.JUNK] == link.faults.fired[FaultKind.SPLIT] == 2
    await client.stop()


async def test_late_replies_are_ignored(sim_link: Callable[..., SimLink]) -> None:
    link, client = await connected(sim_link, retries=0)
    await client.start()
    link.faults.late_seconds = 2 * FAST
    link.faults.inject(FaultKind.LATE)
    with pytest.raises(DalyTimeoutError):
        await client.read_settings()
    await asyncio.sleep(2 * FAST)  # the settings reply arrives with nobody asking
    assert (await client.read_status()).soc == round(link.unit.battery.soc, 1)
    await client.stop()


@pytest.mark.parametrize("dialect", ["d2", "p81"])
async def test_settings_and_device_info(sim_link: Callable[..., SimLink], dialect: str) -> None:
    unit = make_unit(dialect=dialect, capacity_ah=105.0, software_version="SW-1.2")
    _, client = await connected(sim_link, retries=0, unit=unit)
    await client.start()
    settings = await client.read_settings()
    assert settings.rated_capacity == 105.0
    assert client.memory.settings == settings
    info = await client.read_device_info()
    assert info.software_version == "SW-1.2"
    assert info.dialect.value == dialect
    assert info.capabilities is client.capabilities
    await client.stop()


async def test_requires_start(sim_link: Callable[..., SimLink]) -> None:
    link, client = await connected(sim_link)
    with pytest.raises(DalyConnectionError, match="start"):
        await client.read_status()
    with pytest.raises(DalyConnectionError, match="start"):
        await client.set_mos(MosBank.CHARGE, True)
    # Stopping a client that never started is harmless.
    await client.stop()
    assert link.requests == []


async def test_stop_ignores_errors_and_ends_use(sim_link: Callable[..., SimLink]) -> None:
    link, client = await connected(sim_link)
    await client.start()
    calls: list[object] = []

    async def failing(char: object) -> None:
        calls.append(char)
        raise BleakError("not connected")

    link.bleak.stop_notify = failing  # type: ignore[method-assign]
    await client.stop()
    assert len(calls) == 1
    with pytest.raises(DalyConnectionError, match="stopped"):
        await client.read_settings()
    await client.stop()
    assert len(calls) == 1


async def test_stop_during_request(sim_link: Callable[..., SimLink]) -> None:
    link = sim_link()
    await link.bleak.connect()
    client = DalyClient(link.bleak, timeout=30.0)
    await client.start()
    link.faults.asleep = True
    pending = asyncio.create_task(client.read_settings())
    for _ in range(10):
        await asyncio.sleep(0)
    assert link.requests[-1] == REQUESTS["settings"]
    await client.stop()
    with pytest.raises(DalyConnectionError, match="stopped"):
        await pending


@pytest.mark.parametrize("kwargs", [{"timeout": 0}, {"retries": -1}])
def test_rejects_bad_settings(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError, match="must"):
        DalyClient(object(), **kwargs)  # type: ignore[arg-type]


async def test_a_broken_cell_lead_leaves_the_rest_readable(
    sim_link: Callable[..., SimLink],
) -> None:
    link, client = await connected(sim_link)
    await client.start()
    link.force({3: 0xFFFF})  # cell 4 at 65.5 V: a broken sense lead, CRC and all
    status = await client.read_status()
    cells = tuple(round(v, 3) for v in link.unit.battery.cell_voltages)
    assert status.cell_voltages[3] is None
    assert status.cell_voltages[:3] == cells[:3]
    assert status.cell_voltages[4:] == cells[4:]
    assert status.voltage == round(link.unit.battery.pack_voltage, 1)
    await client.stop()


async def test_debug_log_shows_the_wire(
    sim_link: Callable[..., SimLink], caplog: pytest.LogCaptureFixture
) -> None:
    _, client = await connected(sim_link)
    with caplog.at_level(logging.DEBUG, logger="custom_components.daly_bms.protocol"):
        await client.start()
    assert f"-> {REQUESTS['status_80'].hex(' ')}" in caplog.text
    assert "<- d2 03 a0" in caplog.text  # the 80-register reply: 160 data bytes
    await client.stop()
