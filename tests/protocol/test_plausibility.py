"""Impossible readings are unknown, never numbers: per frame, per unit, and over time."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from custom_components.daly_bms.protocol import DalyClient, decode_status

from .examples import EXAMPLE_P_BLOCK1, EXAMPLE_P_BLOCK2, d2_registers, read_reply, with_crc
from .simlink import SimLink, make_unit

FAST = 0.05


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
    await link.bleak.connect()
    client = DalyClient(link.bleak, timeout=FAST, retries=1)
    await client.start()
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
