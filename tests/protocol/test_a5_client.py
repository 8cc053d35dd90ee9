"""DalyClient with A5 units: found after D2 and p81, read, switched, each write read back."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime

import pytest

from custom_components.daly_bms.protocol import (
    A5,
    BatteryState,
    DalyClient,
    DalyCommandError,
    DalyNotSupportedError,
    DalySettingNotFollowedError,
    Dialect,
    MosBank,
    UnitMemory,
)
from custom_components.daly_bms.protocol.a5 import A5Learned
from simulator.a5 import A5Quirks
from simulator.faults import FaultKind

from .a5_examples import a5
from .examples import REQUESTS
from .simlink import SimLink, UnitWrapper, make_unit


def a5_unit(quirks: A5Quirks | None = None, **options: object) -> object:
    return make_unit(name="Akku-2", dialect="a5", a5_quirks=quirks, **options)


async def started(
    sim_link: Callable[..., SimLink],
    quirks: A5Quirks | None = None,
    *,
    memory: UnitMemory | None = None,
    **radio: object,
) -> tuple[SimLink, DalyClient]:
    link = sim_link(a5_unit(quirks), **radio)
    return link, await link.started_client(memory=memory)


def a5_requests(link: SimLink) -> list[bytes]:
    return [request for request in link.requests if request[0] == 0xA5]


async def test_found_after_d2_and_p81(sim_link: Callable[..., SimLink]) -> None:
    link, client = await started(sim_link)
    assert client.dialect is Dialect.A5
    assert client.capabilities is A5.capabilities
    first_a5 = link.requests.index(a5(0x80, 0x90))
    assert link.requests[:first_a5] == [
        *[REQUESTS["status_80"]] * 3,
        REQUESTS["status_62"],
        *[REQUESTS["p81_block1"]] * 3,
    ]
    assert link.requests[first_a5:] == [a5(0x80, 0x90)]
    assert client.memory.learned(Dialect.A5, A5Learned).host_address == 0x80


async def test_unit_that_answers_host_0x40_only(sim_link: Callable[..., SimLink]) -> None:
    quirks = A5Quirks(host_addresses=frozenset({0x40}))
    link, client = await started(sim_link, quirks)
    assert client.dialect is Dialect.A5
    assert a5_requests(link) == [a5(0x80, 0x90), a5(0x40, 0x90)]
    status = await client.read_status()
    assert status.cell_count == 16
    assert {request[1] for request in a5_requests(link)[2:]} == {0x40}


async def test_host_address_remembered_across_reconnects(
    sim_link: Callable[..., SimLink],
) -> None:
    memory = UnitMemory()
    link, client = await started(
        sim_link, A5Quirks(host_addresses=frozenset({0x40})), memory=memory
    )
    await client.stop()
    await link.bleak.disconnect()
    link.requests.clear()
    link.bleak = link.new_bleak_client()
    client = await link.started_client(memory=memory)
    # The dialect and the host address the unit answered are asked first.
    assert link.requests == [a5(0x40, 0x90)]
    assert (await client.read_status()).dialect is Dialect.A5


async def test_a_remembered_address_the_unit_no_longer_answers(
    sim_link: Callable[..., SimLink],
) -> None:
    # The module was swapped for one that answers 0x40 only.
    memory = UnitMemory()
    memory.dialect = Dialect.A5
    memory.learned(Dialect.A5, A5Learned).host_address = 0x80
    link, client = await started(
        sim_link, A5Quirks(host_addresses=frozenset({0x40})), memory=memory
    )
    assert client.dialect is Dialect.A5
    assert link.requests == [a5(0x80, 0x90), a5(0x40, 0x90)]
    assert memory.learned(Dialect.A5, A5Learned).host_address == 0x40


async def test_reading_asks_the_count_first(sim_link: Callable[..., SimLink]) -> None:
    link, client = await started(sim_link)
    link.requests.clear()
    unit = link.unit
    unit.set_current(-20.0)
    status = await client.read_status()
    assert [request[2] for request in link.requests] == [0x94, 0x90, 0x93, 0x95, 0x96, 0x97, 0x98]
    assert status.cell_voltages == tuple(round(v, 3) for v in unit.battery.cell_voltages)
    assert status.current == -20.0
    assert status.state is BatteryState.DISCHARGING
    assert status.capabilities is A5.capabilities
    assert status.mos_temperature is None


QUIRKS = {
    "full_reply_stale": A5Quirks(full_cell_reply=True, stale_slots=True),
    "numbered_from_zero": A5Quirks(first_frame_number=0, full_cell_reply=True),
    "cut_frames": A5Quirks(cut_frames=0.1, seed=7),
}


@pytest.mark.parametrize("quirks", QUIRKS.values(), ids=QUIRKS.keys())
async def test_readings_with_quirks(sim_link: Callable[..., SimLink], quirks: A5Quirks) -> None:
    link, client = await started(sim_link, quirks)
    for _ in range(5):
        status = await client.read_status()
        assert status.cell_voltages == tuple(round(v, 3) for v in link.unit.battery.cell_voltages)


async def test_200_plus_8_notifications_with_a_garbled_tail(
    sim_link: Callable[..., SimLink],
) -> None:
    # An MTU of 203 cuts a 208-byte reply into 200 + 8 bytes, the module garbles the tail.
    quirks = A5Quirks(full_cell_reply=True, stale_slots=True, garbled_tail=True, seed=3)
    link, client = await started(sim_link, quirks, mtu=203)
    status = await client.read_status()
    assert status.cell_count == 16
    assert status.cell_voltages == tuple(round(v, 3) for v in link.unit.battery.cell_voltages)
    assert sorted({len(chunk) for chunk in link.radio.notifications}) == [8, 13, 200]


async def test_frames_numbered_from_zero_remembered(sim_link: Callable[..., SimLink]) -> None:
    _, client = await started(sim_link, A5Quirks(first_frame_number=0))
    await client.read_status()
    assert client.memory.learned(Dialect.A5, A5Learned).first_frame_number == 0


async def test_late_and_stale_replies(sim_link: Callable[..., SimLink]) -> None:
    link, client = await started(sim_link)
    link.faults.set_probability(FaultKind.STALE, 0.3)
    link.faults.set_probability(FaultKind.SPLIT, 0.3)
    link.faults.set_probability(FaultKind.JUNK, 0.2)
    link.unit.set_current(5.0)
    for _ in range(10):
        status = await client.read_status()
        assert status.cell_count == 16
        assert status.current == 5.0


async def test_settings_and_no_versions(sim_link: Callable[..., SimLink]) -> None:
    link = sim_link(a5_unit(capacity_ah=280.0))
    client = await link.started_client()
    settings = await client.read_settings()
    assert settings.rated_capacity == 280.0
    assert settings.cell_reference_voltage == 3.2
    assert settings.sleep_time is None
    assert client.memory.settings is settings
    with pytest.raises(DalyNotSupportedError, match="version"):
        await client.read_device_info()


@pytest.mark.parametrize(("bank", "command"), [(MosBank.CHARGE, 0xDA), (MosBank.DISCHARGE, 0xD9)])
async def test_mos_switch_read_back(
    sim_link: Callable[..., SimLink], bank: MosBank, command: int
) -> None:
    link, client = await started(sim_link)
    link.requests.clear()
    status = await client.set_mos(bank, False)
    assert status.mos(bank) is False
    assert link.requests[0] == a5(0x80, command, [0])
    assert 0x93 in [request[2] for request in link.requests[1:]]
    status = await client.set_mos(bank, True)
    assert status.mos(bank) is True


async def test_mos_switch_without_acknowledgement(sim_link: Callable[..., SimLink]) -> None:
    link, client = await started(sim_link, A5Quirks(acknowledges_writes=False))
    status = await client.set_mos(MosBank.DISCHARGE, False)
    assert status.discharge_mos is False
    assert link.unit.battery.discharge_mos is False


class IgnoresWrites(UnitWrapper):
    """An A5 unit that acknowledges MOS and SOC writes and does nothing."""

    def handle_request(
        self, request: bytes, *, forced_registers: Mapping[int, int] | None = None
    ) -> bytes | None:
        if request[0] == 0xA5 and request[2] in (0xD9, 0xDA):
            return a5(0x01, request[2], [request[4]])
        if request[0] == 0xA5 and request[2] == 0x21:
            return a5(0x01, 0x21, [1])
        return self.unit.handle_request(request, forced_registers=forced_registers)


async def test_writes_the_unit_does_not_follow(sim_link: Callable[..., SimLink]) -> None:
    unit = a5_unit()
    link = sim_link(unit, model=IgnoresWrites(unit))  # type: ignore[arg-type]
    client = await link.started_client()
    with pytest.raises(DalyCommandError, match="charge MOS stayed on") as caught:
        await client.set_mos(MosBank.CHARGE, False)
    assert caught.value.status.charge_mos is True
    with pytest.raises(DalySettingNotFollowedError) as not_set:
        await client.set_setting("soc_setting", 12.5)
    assert not_set.value.acknowledged
    assert not_set.value.settings.soc_setting == 60.0


async def test_soc_set_read_back(sim_link: Callable[..., SimLink]) -> None:
    """0x21 sets the SOC (and the clock); the SOC read back from 0x90 confirms it."""
    link, client = await started(sim_link)
    link.requests.clear()
    before = datetime.now().replace(microsecond=0)
    settings = await client.set_setting("soc_setting", 87.5)
    assert settings.soc_setting == 87.5
    assert link.unit.battery.soc == 87.5
    write = link.requests[0]
    assert write[:4] == bytes([0xA5, 0x80, 0x21, 0x08])
    assert int.from_bytes(write[10:12]) == 875
    firmware = link.unit.firmware.a5
    assert firmware is not None
    assert firmware.clock is not None
    assert firmware.clock >= before
    assert (await client.read_status()).soc == 87.5


async def test_soc_set_without_acknowledgement_still_confirmed(
    sim_link: Callable[..., SimLink],
) -> None:
    link, client = await started(sim_link, A5Quirks(acknowledges_writes=False))
    settings = await client.set_setting("soc_setting", 20.0)
    assert settings.soc_setting == 20.0
    assert link.unit.battery.soc == 20.0


async def test_other_settings_are_not_written(sim_link: Callable[..., SimLink]) -> None:
    link, client = await started(sim_link)
    link.requests.clear()
    with pytest.raises(DalyNotSupportedError, match="sleep_time"):
        await client.set_setting("sleep_time", 3600)
    assert link.requests == []


class NoProbes(UnitWrapper):
    """An A5 unit whose status reply counts no temperature probes."""

    def handle_request(
        self, request: bytes, *, forced_registers: Mapping[int, int] | None = None
    ) -> bytes | None:
        reply = self.unit.handle_request(request, forced_registers=forced_registers)
        if reply is None or request[:1] != b"\xa5" or request[2] != 0x94:
            return reply
        data = bytearray(reply[4:12])
        data[1] = 0
        return a5(0x01, 0x94, list(data))


async def test_a_unit_without_probes_is_not_asked_for_temperatures(
    sim_link: Callable[..., SimLink],
) -> None:
    unit = a5_unit()
    link = sim_link(unit, model=NoProbes(unit))  # type: ignore[arg-type]
    client = await link.started_client()
    link.requests.clear()
    status = await client.read_status()
    assert status.temperatures == ()
    assert 0x96 not in [request[2] for request in link.requests]
