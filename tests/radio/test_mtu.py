"""Answers are cut into notifications of MTU - 3 bytes, for every MTU from 23 to 512."""

from __future__ import annotations

import math

import pytest

from simulator.radio import RadioRegistry
from tests.radio.helpers import (
    D2,
    P81,
    make_unit,
    plain_bleak_client,
    read_request,
    request,
    subscribe,
)

ATT_HEADER = 3  # opcode and handle ride in every notification


@pytest.mark.parametrize("mtu", [23, 24, 50, 100, 132, 185, 247, 260, 509, 512])
@pytest.mark.parametrize(
    ("dialect", "registers"),
    # The longest read a unit answers is p81's whole realtime block.
    [("d2", 1), ("d2", 62), ("p81", 127)],
)
async def test_every_mtu_cuts_answers_into_full_notifications(
    mtu: int, dialect: str, registers: int
) -> None:
    unit = make_unit(dialect=dialect)
    registry = RadioRegistry()
    radio = registry.add(unit, mtu=mtu)
    client = plain_bleak_client(unit.address, registry.peripheral_class())
    await client.connect()
    assert client.mtu_size == mtu
    inbox = await subscribe(client)
    frame = read_request(0x00, registers, P81 if dialect == "p81" else D2)
    await request(client, frame)
    await inbox.wait_bytes(5 + 2 * registers)
    await client.disconnect()
    answer = radio.earlier_answer(frame)
    assert answer is not None
    assert len(answer) == 5 + 2 * registers
    payload = mtu - ATT_HEADER
    sizes = [len(notification) for notification in inbox.notifications]
    assert inbox.received == answer
    assert len(sizes) == math.ceil(len(answer) / payload)
    assert all(size == payload for size in sizes[:-1])
    assert 0 < sizes[-1] <= payload
