"""Answers are cut into notifications of MTU - 3 bytes, for every MTU from 23 to 512."""

from __future__ import annotations

import math

import pytest

from simulator.radio import RadioRegistry
from tests.radio.helpers import plain_bleak_client, request, subscribe
from tests.radio.standin import StandInUnit, read_request

ATT_HEADER = 3  # opcode and handle ride in every notification


@pytest.mark.parametrize("mtu", [23, 24, 50, 100, 132, 185, 247, 260, 509, 512])
@pytest.mark.parametrize("registers", [1, 62, 127])
async def test_every_mtu_cuts_answers_into_full_notifications(mtu: int, registers: int) -> None:
    unit = StandInUnit()
    registry = RadioRegistry()
    registry.add(unit, mtu=mtu)
    client = plain_bleak_client(unit.address, registry.peripheral_class())
    await client.connect()
    assert client.mtu_size == mtu
    inbox = await subscribe(client)
    frame = read_request(0x00, registers)
    answer = unit.handle_request(frame)
    assert answer is not None
    await request(client, frame)
    await inbox.wait_bytes(len(answer))
    await client.disconnect()
    payload = mtu - ATT_HEADER
    sizes = [len(notification) for notification in inbox.notifications]
    assert inbox.received == answer
    assert len(sizes) == math.ceil(len(answer) / payload)
    assert all(size == payload for size in sizes[:-1])
    assert 0 < sizes[-1] <= payload
