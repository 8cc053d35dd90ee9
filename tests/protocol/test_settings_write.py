"""Writable settings on the simulator: round trips, refusals before sending, units that do not
follow, and p81 MOS switching confirmed by realtime block 2."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import pytest

from custom_components.daly_bms.protocol import (
    NEVER_SLEEP,
    DalyCommandError,
    DalyNotSupportedError,
    DalySettingNotFollowedError,
    DalySettingRangeError,
    DalyTimeoutError,
    MosBank,
)
from simulator.faults import FaultKind
from simulator.settings import REG_BALANCER
from simulator.unit import SimulatedUnit

from .examples import with_crc
from .simlink import SimLink, UnitWrapper, make_unit

P81_NAME = "JHB-C0DA1B000051"


class SilentOnBalancerReads(UnitWrapper):
    """Firmware that never answers a read of the balancer register 0xCF."""

    def handle_request(
        self, request: bytes, *, forced_registers: Mapping[int, int] | None = None
    ) -> bytes | None:
        if request[1] == 0x03 and request[2:4] == b"\x00\xcf":
            return None
        return self.unit.handle_request(request, forced_registers=forced_registers)


def unit_of(dialect: str, **options: Any) -> SimulatedUnit:
    if dialect == "p81":
        options.setdefault("name", P81_NAME)
    return make_unit(dialect=dialect, **options)


@pytest.mark.parametrize("dialect", ["d2", "p81"])
@pytest.mark.parametrize(
    ("key", "value", "truth"),
    [
        ("rated_capacity", 280.0, lambda u: u.settings.limits.rated_capacity_ah),
        ("rated_capacity", 1.0, lambda u: u.settings.limits.rated_capacity_ah),
        ("rated_capacity", 5000.0, lambda u: u.settings.limits.rated_capacity_ah),
        ("sleep_time", 7200, lambda u: u.settings.limits.sleep_time_s),
        ("sleep_time", 60, lambda u: u.settings.limits.sleep_time_s),
        ("sleep_time", NEVER_SLEEP, lambda u: u.settings.limits.sleep_time_s),
        ("soc_setting", 100.0, lambda u: round(u.battery.soc, 1)),
        ("soc_setting", 0.0, lambda u: round(u.battery.soc, 1)),
        ("soc_setting", 42.7, lambda u: round(u.battery.soc, 1)),
    ],
)
async def test_setting_round_trips(
    sim_link: Callable[..., SimLink],
    dialect: str,
    key: str,
    value: float,
    truth: Callable[..., float],
) -> None:
    link = sim_link(unit_of(dialect, soc=61.0))
    client = await link.started_client()
    settings = await client.set_setting(key, value)
    assert getattr(settings, key) == value
    # The unit really took it, and a fresh read says so too.
    assert truth(link.unit) == value
    assert getattr(await client.read_settings(), key) == value
    await client.stop()


async def test_p81_capacity_is_written_as_one_32_bit_value(
    sim_link: Callable[..., SimLink],
) -> None:
    link = sim_link(unit_of("p81"))
    client = await link.started_client()
    link.radio.requests.clear()
    await client.set_setting("rated_capacity", 180.0)
    assert link.radio.requests[0] == with_crc(bytes.fromhex("81 10 01 09 00 02 00 02 bf 20"))
    await client.stop()


async def test_p81_sleep_time_is_rounded_to_its_ten_second_steps(
    sim_link: Callable[..., SimLink],
) -> None:
    link = sim_link(unit_of("p81"))
    client = await link.started_client()
    assert (await client.set_setting("sleep_time", 3604)).sleep_time == 3600
    await client.stop()


async def test_balancer_round_trips(sim_link: Callable[..., SimLink]) -> None:
    link = sim_link(make_unit(cells=8))
    client = await link.started_client()
    assert (await client.read_settings()).balancer is True
    settings = await client.set_setting("balancer", False)
    assert settings.balancer is False
    assert link.unit.settings.limits.balancer is False
    assert (await client.set_balancer(True)).balancer is True
    await client.stop()


@pytest.mark.parametrize("dialect", ["d2", "p81"])
@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("rated_capacity", 0.0),
        ("rated_capacity", 6553.5),
        ("rated_capacity", -1.0),
        ("sleep_time", 0),
        ("sleep_time", 59),
        ("soc_setting", 100.1),
        ("soc_setting", -0.1),
    ],
)
async def test_out_of_range_values_are_refused_before_anything_is_sent(
    sim_link: Callable[..., SimLink], dialect: str, key: str, value: float
) -> None:
    link = sim_link(unit_of(dialect))
    client = await link.started_client()
    link.radio.requests.clear()
    with pytest.raises(DalySettingRangeError, match=key) as caught:
        await client.set_setting(key, value)
    assert caught.value.value == value
    assert caught.value.minimum <= caught.value.maximum
    assert link.radio.requests == []
    await client.stop()


@pytest.mark.parametrize(
    ("dialect", "key"),
    [("p81", "balancer"), ("d2", "cell_overvoltage_alarm"), ("d2", "battery_type")],
)
async def test_settings_a_dialect_cannot_set_are_refused(
    sim_link: Callable[..., SimLink], dialect: str, key: str
) -> None:
    link = sim_link(unit_of(dialect))
    client = await link.started_client()
    link.radio.requests.clear()
    with pytest.raises(DalyNotSupportedError, match=key):
        await client.set_setting(key, 1)
    assert link.radio.requests == []
    await client.stop()


@pytest.mark.parametrize("dialect", ["d2", "p81"])
@pytest.mark.parametrize(
    ("key", "value", "before"),
    [
        ("rated_capacity", 280.0, 100.0),
        ("sleep_time", NEVER_SLEEP, 3600),
        ("soc_setting", 100.0, 61.0),
    ],
)
async def test_a_unit_that_does_not_follow_is_reported_with_its_real_value(
    sim_link: Callable[..., SimLink], dialect: str, key: str, value: float, before: float
) -> None:
    unit = unit_of(dialect, soc=61.0, ignores_writes=True)
    link = sim_link(unit)
    if key == "sleep_time":
        # make_unit leaves units awake for good; this one sleeps after an hour.
        assert link.unit.firmware.write_register(0x8A, 3600)
    client = await link.started_client()
    with pytest.raises(DalySettingNotFollowedError) as caught:
        await client.set_setting(key, value)
    error = caught.value
    assert error.acknowledged
    assert (error.key, error.requested, error.actual) == (key, value, before)
    assert getattr(error.settings, key) == before
    await client.stop()


async def test_d2_balancer_that_does_not_follow(sim_link: Callable[..., SimLink]) -> None:
    link = sim_link(make_unit(ignores_writes={0xCF}))
    client = await link.started_client()
    with pytest.raises(DalySettingNotFollowedError) as caught:
        await client.set_balancer(False)
    assert caught.value.actual is True
    await client.stop()


async def test_lost_echo_is_settled_by_reading_back(sim_link: Callable[..., SimLink]) -> None:
    link = sim_link(make_unit())
    client = await link.started_client(retries=0)
    link.radio.faults.inject(FaultKind.DROP)  # the echo of the write
    assert (await client.set_setting("rated_capacity", 150.0)).rated_capacity == 150.0
    await client.stop()


async def test_lost_echo_of_a_write_the_unit_ignored(sim_link: Callable[..., SimLink]) -> None:
    link = sim_link(make_unit(ignores_writes=True))
    client = await link.started_client(retries=0)
    link.radio.faults.inject(FaultKind.DROP)
    with pytest.raises(DalySettingNotFollowedError) as caught:
        await client.set_setting("rated_capacity", 150.0)
    assert not caught.value.acknowledged
    assert caught.value.actual == 100.0
    await client.stop()


async def test_a_silent_unit_times_out(sim_link: Callable[..., SimLink]) -> None:
    link = sim_link(make_unit())
    client = await link.started_client(retries=0)
    link.radio.faults.asleep = True
    with pytest.raises(DalyTimeoutError):
        await client.set_setting("rated_capacity", 150.0)
    await client.stop()


async def test_balancer_not_read_back_is_left_unknown_and_then_unasked(
    sim_link: Callable[..., SimLink],
) -> None:
    unit = make_unit()
    link = sim_link(unit, model=SilentOnBalancerReads(unit))
    client = await link.started_client(retries=0)
    for _ in range(3):
        assert (await client.read_settings()).balancer is None
    link.radio.requests.clear()
    settings = await client.read_settings()
    assert settings.balancer is None
    assert settings.rated_capacity == 100.0
    # Three silences in a row: the unit does not read the switch back, so it is not asked.
    assert len(link.radio.requests) == 1
    await client.stop()


class SometimesSilentOnBalancerReads(UnitWrapper):
    """Firmware that answers the balancer read, except while `silent` (a lost reply)."""

    silent = False

    def handle_request(
        self, request: bytes, *, forced_registers: Mapping[int, int] | None = None
    ) -> bytes | None:
        if self.silent and request[1] == 0x03 and request[2:4] == b"\x00\xcf":
            return None
        return self.unit.handle_request(request, forced_registers=forced_registers)


async def test_balancer_read_left_unanswered_keeps_what_the_unit_last_said(
    sim_link: Callable[..., SimLink],
) -> None:
    """One lost reply does not make the switch unknown until the next settings read; the
    next answer still decides."""
    unit = make_unit()
    model = SometimesSilentOnBalancerReads(unit)
    link = sim_link(unit, model=model)
    client = await link.started_client(retries=0)
    shown = (await client.read_settings()).balancer
    assert shown is unit.settings.limits.balancer
    model.silent = True
    assert (await client.read_settings()).balancer is shown
    model.silent = False
    assert unit.settings.write(REG_BALANCER, int(not shown))
    assert (await client.read_settings()).balancer is (not shown)
    await client.stop()


# -- p81 MOS switching --------------------------------------------------------------------


@pytest.mark.parametrize("bank", list(MosBank))
async def test_p81_mos_switching_is_confirmed_by_realtime_block_2(
    sim_link: Callable[..., SimLink], bank: MosBank
) -> None:
    link = sim_link(unit_of("p81"))
    client = await link.started_client()
    link.radio.requests.clear()
    status = await client.set_mos(bank, False)
    assert status.mos(bank) is False
    register = 0x21 if bank is MosBank.CHARGE else 0x22
    assert link.radio.requests[0][:6] == bytes((0x81, 0x06, 0x01, register, 0x00, 0x00))
    # The confirmation is a fresh status: both realtime blocks read after the write.
    assert link.radio.requests[1:3] == [
        bytes.fromhex("81 03 00 00 00 40 5b fa"),
        bytes.fromhex("81 03 00 41 00 3e 8b ce"),
    ]
    battery = link.unit.battery
    assert (battery.charge_mos if bank is MosBank.CHARGE else battery.discharge_mos) is False
    assert (await client.set_mos(bank, True)).mos(bank) is True
    await client.stop()


async def test_p81_unit_that_does_not_switch_is_reported(
    sim_link: Callable[..., SimLink],
) -> None:
    link = sim_link(unit_of("p81", ignores_writes={0x122}))
    client = await link.started_client()
    with pytest.raises(DalyCommandError, match="stayed on") as caught:
        await client.set_mos(MosBank.DISCHARGE, False)
    assert caught.value.status.discharge_mos is True
    assert link.unit.battery.discharge_mos is True
    await client.stop()
