"""Impossible readings are unknown, never numbers: per frame, per unit, and over time."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import pytest

from custom_components.daly_bms.protocol import (
    BOUNDS,
    DalyClient,
    DalyStatus,
    Dialect,
    ReadingGuard,
    SettingKind,
    UnitLimits,
    capabilities_of,
    decode_settings,
    decode_status,
)
from custom_components.daly_bms.protocol.plausibility import SETTING_BOUNDS
from simulator.faults import FaultKind

from .examples import (
    EXAMPLE_A,
    EXAMPLE_D,
    EXAMPLE_P_BLOCK1,
    EXAMPLE_P_BLOCK2,
    d2_registers,
    read_reply,
    with_crc,
)
from .simlink import SimLink, make_unit
from .test_fuzz import assert_plausible


@pytest.mark.parametrize("registers", [62, 80])
def test_remaining_capacity_sentinel_is_unknown(registers: int) -> None:
    status = decode_status(read_reply(0xD2, d2_registers(registers, {0x30: 0xFFFF})))
    assert status.remaining_capacity is None


def test_cycles_sentinel_is_unknown() -> None:
    status = decode_status(read_reply(0xD2, d2_registers(80, {0x33: 0xFFFF})))
    assert status.cycles is None


def test_p81_sentinels_are_unknown() -> None:
    block2 = bytearray(EXAMPLE_P_BLOCK2[:-2])
    for register in (0x4B, 0x4C):  # remaining capacity, cycles
        offset = 3 + 2 * (register - 0x41)
        block2[offset : offset + 2] = b"\xff\xff"
    status = decode_status(EXAMPLE_P_BLOCK1, with_crc(bytes(block2)))
    assert status.remaining_capacity is None
    assert status.cycles is None
    assert status.cell_count == 16


def test_a_counted_cell_at_zero_millivolts_is_unknown() -> None:
    registers = d2_registers(80, {0x2B: 0, 0x2C: 0, 0x37: 0, 0x38: 0})
    registers[2] = 0  # cell 3 of 4 reads nothing: a broken lead, not an empty cell
    status = decode_status(read_reply(0xD2, registers))
    assert status.cell_count == 4
    assert status.cell_voltages == (3.3, 3.31, None, 3.295)
    # The summary comes from the cells that read.
    assert status.cell_voltage_min == 3.295
    assert status.cell_voltage_max == 3.31


async def _client(link: SimLink) -> DalyClient:
    client = await link.started_client(retries=1)
    await client.read_settings()
    return client


async def test_remaining_capacity_above_the_rated_capacity_is_unknown(
    sim_link: Callable[..., SimLink],
) -> None:
    link = sim_link(make_unit(capacity_ah=105.0, soc=50.0))
    client = await _client(link)
    status = await client.read_status()
    assert status.remaining_capacity == pytest.approx(52.5, abs=0.1)
    link.force({0x30: 0xFFFE})  # 6553.4 Ah on a 105 Ah pack, in a frame with a valid CRC
    glitched = await client.read_status()
    assert glitched.remaining_capacity is None
    # Stored energy is derived from it: unknown as well, not 340 kWh.
    assert glitched.stored_energy is None
    assert status.stored_energy == pytest.approx(52.5 * status.voltage, rel=0.01)
    link.force({0x30: 2000})  # 200 Ah: no sentinel, but twice what the pack holds
    assert (await client.read_status()).remaining_capacity is None
    assert (await client.read_status()).remaining_capacity == pytest.approx(52.5, abs=0.1)
    await client.stop()


async def test_cell_count_is_checked_against_the_settings(
    sim_link: Callable[..., SimLink],
) -> None:
    link = sim_link(make_unit(cells=16))
    client = await _client(link)
    link.force({0x31: 5})  # the count register glitches; the unit is set up for 16 cells
    status = await client.read_status()
    assert status.cell_count == 16
    assert len(status.cell_voltages) == 16
    assert None not in status.cell_voltages
    await client.stop()


async def test_cycles_never_go_backwards_nor_jump(sim_link: Callable[..., SimLink]) -> None:
    link = sim_link(make_unit(cycles=12))
    client = await _client(link)
    assert (await client.read_status()).cycles == 12
    link.force({0x33: 3})
    assert (await client.read_status()).cycles is None
    link.force({0x33: 4012})
    assert (await client.read_status()).cycles is None
    assert (await client.read_status()).cycles == 12
    await client.stop()


# -- the reading guard, step by step --------------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _with_cycles(cycles: int | None) -> DalyStatus:
    return replace(decode_status(EXAMPLE_A), cycles=cycles)


def test_guard_lets_a_counter_grow_as_fast_as_a_battery_can_cycle() -> None:
    clock = Clock()
    guard = ReadingGuard(clock=clock)
    assert guard.check(_with_cycles(100)).cycles == 100
    assert guard.check(_with_cycles(101)).cycles == 101  # one cycle may end any time
    assert guard.check(_with_cycles(103)).cycles is None  # two more at once cannot
    clock.now += 2 * 3600  # two hours: a few more full cycles are possible
    assert guard.check(_with_cycles(104)).cycles == 104
    assert guard.check(_with_cycles(None)).cycles is None
    assert guard.check(_with_cycles(104)).cycles == 104
    # The guard keeps everything else as it was.
    status = _with_cycles(104)
    assert guard.check(status) is status


def test_guard_believes_a_reset_counter_once_it_reads_consistently() -> None:
    clock = Clock()
    guard = ReadingGuard(clock=clock, confirmations=3)
    assert guard.check(_with_cycles(500)).cycles == 500
    # A replaced or reset BMS starts again from a low count, and keeps counting from there.
    assert guard.check(_with_cycles(2)).cycles is None
    assert guard.check(_with_cycles(7000)).cycles is None  # a glitch starts over
    assert guard.check(_with_cycles(2)).cycles is None
    assert guard.check(_with_cycles(2)).cycles is None
    assert guard.check(_with_cycles(3)).cycles == 3
    assert guard.check(_with_cycles(500)).cycles is None


def test_unit_limits_leave_out_implausible_settings() -> None:
    settings = decode_settings(EXAMPLE_D)
    assert UnitLimits.from_settings(settings) == UnitLimits(rated_capacity=105.0, cell_count=4)
    assert UnitLimits.from_settings(None) == UnitLimits()
    unset = replace(settings, rated_capacity=0.0, cells_per_board=(0,))
    assert UnitLimits.from_settings(unset) == UnitLimits()
    no_boards = replace(settings, cells_per_board=())
    assert no_boards.cell_count is None
    assert UnitLimits().max_remaining_capacity() == BOUNDS["remaining_capacity"].high
    assert UnitLimits(rated_capacity=100.0).max_remaining_capacity() == pytest.approx(120.0)


@pytest.mark.parametrize("dialect", list(Dialect))
def test_what_may_be_set_is_what_is_believed_when_read(dialect: Dialect) -> None:
    """Each writable number's range is the bound its value is decoded against."""
    rows = [row for row in capabilities_of(dialect).writable if row.kind is SettingKind.NUMBER]
    assert rows
    for row in rows:
        if row.key == "sleep_time":
            # Every sleep time a unit holds is read; only the ones that may be set are bounded.
            assert row.key not in SETTING_BOUNDS
            continue
        bound = SETTING_BOUNDS[row.key]
        assert (row.minimum, row.maximum) == (bound.low, bound.high)
    assert SETTING_BOUNDS["rated_capacity"] == (1.0, 5000.0)
    assert SETTING_BOUNDS["soc_setting"] == (0.0, 100.0)


@pytest.mark.parametrize("dialect", ["d2", "p81"])
async def test_the_simulators_impossible_readings_never_reach_the_caller(
    sim_link: Callable[..., SimLink], dialect: str
) -> None:
    link = sim_link(make_unit(dialect=dialect, cycles=12))
    client = await _client(link)
    link.faults.set_probability(FaultKind.IMPOSSIBLE, 1.0)
    for _ in range(30):
        status = await client.read_status()
        assert_plausible(status, UnitLimits.from_settings(client.memory.settings))
        assert status.cycles in (12, None)
    assert link.faults.fired[FaultKind.IMPOSSIBLE] >= 30
    await client.stop()
