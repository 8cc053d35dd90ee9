"""DalyClient against a fake Bluetooth link."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, cast

import pytest

from custom_components.daly_bms.protocol import (
    BatteryState,
    DalyClient,
    DalyCommandError,
    DalyConnectionError,
    DalyNotSupportedError,
    DalyTimeoutError,
    Dialect,
    encode_write_multiple,
)

from .examples import COMMANDS, EXAMPLE_D, REQUESTS
from .fakes import FakeLink, FakeUnit, uuid16

if TYPE_CHECKING:
    from bleak import BleakClient

FAST = 0.1  # seconds of silence before a request counts as unanswered


def make_client(link: FakeLink, *, retries: int = 2) -> DalyClient:
    return DalyClient(cast("BleakClient", link), timeout=FAST, retries=retries)


async def test_d2_detection_and_status() -> None:
    link = FakeLink(FakeUnit("d2"))
    client = make_client(link)
    before = client.dialect
    dialect = await client.start()
    assert before is None
    assert dialect is Dialect.D2
    assert client.dialect is dialect
    assert client.status_registers == 80
    assert link.writes == [REQUESTS["status_80"]]
    # Requests go to FFF2 without response; answers come on FFF1.
    assert link.write_targets == [(uuid16("fff2"), False)]
    assert link.notify_uuid == uuid16("fff1")

    status = await client.read_status()
    assert status.dialect is Dialect.D2
    assert status.cell_voltages == (3.3, 3.31, 3.305, 3.295)
    assert status.mos_temperature == 30.0
    assert status.voltage == 13.2
    await client.stop()
    assert link.stop_calls == 1


async def test_p81_detection_and_status() -> None:
    link = FakeLink(FakeUnit("p81"))
    client = make_client(link)
    assert await client.start() is Dialect.P81
    # D2 80 registers with retries, one 62-register probe, then p81.
    assert link.writes == [REQUESTS["status_80"]] * 3 + [
        REQUESTS["status_62"],
        REQUESTS["p81_block1"],
    ]
    link.writes.clear()
    status = await client.read_status()
    assert link.writes == [REQUESTS["p81_block1"], REQUESTS["p81_block2"]]
    assert status.dialect is Dialect.P81
    assert status.current == -8.9
    assert status.state is BatteryState.DISCHARGING
    await client.stop()


async def test_p81_hint_is_probed_first() -> None:
    link = FakeLink(FakeUnit("p81"))
    client = make_client(link)
    assert await client.start(dialect_hint=Dialect.P81) is Dialect.P81
    # The dialect seen on the last connection answers at once: no D2 timeouts.
    assert link.writes == [REQUESTS["p81_block1"]]
    await client.stop()


async def test_wrong_hint_still_detects_d2() -> None:
    link = FakeLink(FakeUnit("d2"))
    client = make_client(link)
    assert await client.start(dialect_hint=Dialect.P81) is Dialect.D2
    assert link.writes == [REQUESTS["p81_block1"]] * 3 + [REQUESTS["status_80"]]
    assert client.status_registers == 80
    await client.stop()


async def test_falls_back_to_62_registers_at_start() -> None:
    link = FakeLink(FakeUnit("d2", status_sizes=(62,)))
    client = make_client(link)
    assert await client.start() is Dialect.D2
    assert client.status_registers == 62
    link.writes.clear()
    status = await client.read_status()
    assert link.writes == [REQUESTS["status_62"]]
    assert status.mos_temperature is None
    await client.stop()


async def test_falls_back_to_62_registers_later_and_remembers() -> None:
    unit = FakeUnit("d2")
    link = FakeLink(unit)
    client = make_client(link)
    await client.start()
    unit.status_sizes = {62}
    link.writes.clear()
    status = await client.read_status()
    assert status.cell_count == 4
    assert link.writes == [REQUESTS["status_80"]] * 3 + [REQUESTS["status_62"]]
    assert client.status_registers == 62
    link.writes.clear()
    await client.read_status()
    assert link.writes == [REQUESTS["status_62"]]
    # Once on 62 registers, silence is simply a timeout.
    unit.silent = True
    with pytest.raises(DalyTimeoutError):
        await client.read_status()
    await client.stop()


async def test_silent_unit_keeps_80_registers() -> None:
    unit = FakeUnit("d2")
    link = FakeLink(unit)
    client = make_client(link)
    await client.start()
    unit.silent = True
    with pytest.raises(DalyTimeoutError):
        await client.read_status()
    assert client.status_registers == 80
    await client.stop()


async def test_retry_after_a_lost_answer() -> None:
    unit = FakeUnit("d2")
    link = FakeLink(unit)
    client = make_client(link, retries=1)
    await client.start()
    unit.ignore_next = 1
    link.writes.clear()
    status = await client.read_status()
    assert status.soc == 50.0
    assert link.writes == [REQUESTS["status_80"]] * 2
    await client.stop()


async def test_timeout_after_retries() -> None:
    unit = FakeUnit("d2")
    link = FakeLink(unit)
    client = make_client(link, retries=1)
    await client.start()
    unit.silent = True
    link.writes.clear()
    with pytest.raises(DalyTimeoutError, match="no answer"):
        await client.read_settings()
    assert link.writes == [REQUESTS["settings"]] * 2
    await client.stop()


async def test_neither_dialect() -> None:
    unit = FakeUnit("d2")
    unit.silent = True
    link = FakeLink(unit)
    client = make_client(link, retries=0)
    with pytest.raises(DalyNotSupportedError):
        await client.start()
    assert link.writes == [REQUESTS["status_80"], REQUESTS["status_62"], REQUESTS["p81_block1"]]
    # A failed start does not leave the subscription behind.
    assert link.stop_calls == 1


async def test_alternative_characteristics() -> None:
    link = FakeLink(FakeUnit("d2"), services={"ff00": ["ff01", "ff02"]})
    client = make_client(link)
    assert await client.start() is Dialect.D2
    assert link.notify_uuid == uuid16("ff01")
    assert link.write_targets[0] == (uuid16("ff02"), False)
    await client.stop()


async def test_primary_characteristics_preferred() -> None:
    link = FakeLink(FakeUnit("d2"), services={"ff00": ["ff01", "ff02"], "fff0": ["fff1", "fff2"]})
    client = make_client(link)
    await client.start()
    assert link.notify_uuid == uuid16("fff1")
    await client.stop()


@pytest.mark.parametrize(
    "services", [{"180a": ["2a29"]}, {"fff0": ["fff1"]}, {"fff0": ["fff1"], "ff00": ["ff02"]}]
)
async def test_missing_characteristics(services: dict[str, list[str]]) -> None:
    client = make_client(FakeLink(FakeUnit("d2"), services=services))
    with pytest.raises(DalyConnectionError, match="characteristics"):
        await client.start()


async def test_link_failures_become_connection_errors() -> None:
    link = FakeLink(FakeUnit("d2"))
    link.fail_services = True
    with pytest.raises(DalyConnectionError, match="services"):
        await make_client(link).start()

    link = FakeLink(FakeUnit("d2"))
    link.fail_start_notify = True
    with pytest.raises(DalyConnectionError, match="subscribe"):
        await make_client(link).start()

    link = FakeLink(FakeUnit("d2"))
    client = make_client(link)
    await client.start()
    link.fail_write = True
    with pytest.raises(DalyConnectionError, match="write failed"):
        await client.read_status()
    await client.stop()


async def test_set_mos_verified() -> None:
    unit = FakeUnit("d2")
    link = FakeLink(unit)
    client = make_client(link)
    await client.start()
    link.writes.clear()
    status = await client.set_charge_mos(False)
    assert status.charge_mos is False
    assert status.discharge_mos is True
    assert link.writes == [COMMANDS[("charge", False)], REQUESTS["status_80"]]
    status = await client.set_discharge_mos(False)
    assert status.discharge_mos is False
    status = await client.set_discharge_mos(True)
    assert status.discharge_mos is True
    await client.stop()


async def test_set_mos_not_followed() -> None:
    link = FakeLink(FakeUnit("d2", mos_follows=False))
    client = make_client(link)
    await client.start()
    with pytest.raises(DalyCommandError) as caught:
        await client.set_charge_mos(False)
    assert caught.value.status.charge_mos is True
    with pytest.raises(DalyCommandError) as caught:
        await client.set_discharge_mos(False)
    assert caught.value.status.discharge_mos is True
    await client.stop()


async def test_p81_refuses_writes() -> None:
    link = FakeLink(FakeUnit("p81"))
    client = make_client(link, retries=0)
    await client.start()
    link.writes.clear()
    with pytest.raises(DalyNotSupportedError):
        await client.set_charge_mos(True)
    with pytest.raises(DalyNotSupportedError):
        await client.set_discharge_mos(False)
    with pytest.raises(DalyNotSupportedError):
        await client.set_balancer(True)
    assert link.writes == []
    await client.stop()


async def test_balancer_waits_for_echo() -> None:
    unit = FakeUnit("d2")
    link = FakeLink(unit)
    client = make_client(link)
    await client.start()
    link.writes.clear()
    await client.set_balancer(True)
    assert link.writes == [COMMANDS[("balancer", True)]]
    unit.silent = True
    with pytest.raises(DalyTimeoutError):
        await client.set_balancer(False)
    await client.stop()


async def test_write_multiple_reply_is_matched() -> None:
    link = FakeLink(FakeUnit("d2"))
    client = make_client(link)
    await client.start()
    request = encode_write_multiple(0xD2, 0xA5, [1, 1])
    frame = await client._request(request)
    assert (frame.function, frame.register, frame.register_count) == (0x10, 0xA5, 2)
    await client.stop()


def _junk_and_split(frame: bytes) -> list[bytes]:
    # Text from the radio module, a stale frame of another request, then the answer in
    # 20-byte pieces with the first piece glued to the text.
    chunks = [frame[i : i + 20] for i in range(0, len(frame), 20)]
    return [b"AT+VERSION\r\n" + EXAMPLE_D[:30], EXAMPLE_D[30:] + b"OK\r\n" + chunks[0], *chunks[1:]]


async def test_junk_stale_frames_and_split_notifications() -> None:
    link = FakeLink(FakeUnit("d2"), chunker=_junk_and_split)
    client = make_client(link)
    assert await client.start() is Dialect.D2
    status = await client.read_status()
    assert status.cell_voltages == (3.3, 3.31, 3.305, 3.295)
    assert (await client.read_settings()).rated_capacity == 105.0
    await client.stop()


async def test_unsolicited_frames_are_ignored() -> None:
    link = FakeLink(FakeUnit("d2"))
    client = make_client(link)
    await client.start()
    link.push(EXAMPLE_D)
    await asyncio.sleep(0)
    assert (await client.read_status()).soc == 50.0
    await client.stop()


@pytest.mark.parametrize(("dialect", "software"), [("d2", "SW-1.2"), ("p81", "P81-SW")])
async def test_settings_and_device_info(dialect: str, software: str) -> None:
    link = FakeLink(FakeUnit(dialect))
    client = make_client(link, retries=0)
    await client.start()
    settings = await client.read_settings()
    assert settings.rated_capacity == 105.0
    info = await client.read_device_info()
    assert info.software_version == software
    assert info.dialect.value == dialect
    await client.stop()


async def test_requires_start() -> None:
    client = make_client(FakeLink(FakeUnit("d2")))
    with pytest.raises(DalyConnectionError, match="start"):
        await client.read_status()
    with pytest.raises(DalyConnectionError, match="start"):
        await client.set_charge_mos(True)
    # Stopping a client that never started is harmless.
    await client.stop()


async def test_stop_ignores_errors_and_ends_use() -> None:
    link = FakeLink(FakeUnit("d2"))
    client = make_client(link)
    await client.start()
    link.fail_stop_notify = True
    await client.stop()
    assert link.stop_calls == 1
    with pytest.raises(DalyConnectionError, match="stopped"):
        await client.read_settings()
    await client.stop()
    assert link.stop_calls == 1


async def test_stop_during_request() -> None:
    unit = FakeUnit("d2")
    link = FakeLink(unit)
    client = DalyClient(cast("BleakClient", link), timeout=30.0)
    await client.start()
    unit.silent = True
    pending = asyncio.create_task(client.read_settings())
    for _ in range(10):
        await asyncio.sleep(0)
    assert link.writes[-1] == REQUESTS["settings"]
    await client.stop()
    with pytest.raises(DalyConnectionError, match="stopped"):
        await pending


@pytest.mark.parametrize("kwargs", [{"timeout": 0}, {"retries": -1}])
def test_rejects_bad_settings(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError, match="must"):
        DalyClient(cast("BleakClient", object()), **kwargs)  # type: ignore[arg-type]


async def test_a_broken_cell_lead_leaves_the_rest_readable() -> None:
    link = FakeLink(FakeUnit("d2"))
    client = make_client(link)
    await client.start()
    link.unit.registers[3] = 0xFFFF  # cell 4 at 65.5 V: a broken sense lead, CRC and all
    status = await client.read_status()
    assert status.cell_voltages[3] is None
    assert status.cell_voltages[:3] == (3.3, 3.31, 3.305)
    assert status.voltage == 13.2
    await client.stop()


async def test_debug_log_shows_the_wire(caplog: pytest.LogCaptureFixture) -> None:
    link = FakeLink(FakeUnit("d2"))
    client = make_client(link)
    with caplog.at_level("DEBUG", logger="custom_components.daly_bms.protocol"):
        await client.start()
    assert f"-> {REQUESTS['status_80'].hex(' ')}" in caplog.text
    assert "<- d2 03 a0" in caplog.text  # the 80-register reply: 160 data bytes
    await client.stop()


async def test_62_register_hint_is_probed_first() -> None:
    link = FakeLink(FakeUnit("d2", status_sizes=(62,)))
    client = make_client(link)
    assert await client.start(dialect_hint=Dialect.D2, status_registers_hint=62) is Dialect.D2
    # What the last connection found answers at once: no 80-register timeouts.
    assert link.writes == [REQUESTS["status_62"]]
    assert client.status_registers == 62
    await client.stop()
