"""Every fault kind is visible from the client's side of the link."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Callable
from dataclasses import dataclass

from bleak import BleakClient
from bleak.exc import BleakError
import pytest

from simulator.crc import crc_ok
from simulator.faults import FaultInjector, FaultKind
from simulator.radio import RadioRegistry, RadioUnit
from simulator.unit import SimulatedUnit
from tests.radio.helpers import (
    GUARD_SECONDS,
    Inbox,
    make_unit,
    plain_bleak_client,
    read_request,
    request,
    subscribe,
)

STATUS_62 = read_request(0x00, 0x3E)  # 129-byte answer
ONE_REGISTER = read_request(0x00, 0x01)  # 7-byte answer
CHARGE_MOS_OFF = bytes.fromhex("D2 06 00 A5 00 00 8A 4A")  # echoed when it is carried out
JUNK = b"AT+OK\r\n"


@dataclass
class Link:
    """A connected client, what it received, and the far end."""

    client: BleakClient
    inbox: Inbox
    radio: RadioUnit
    unit: SimulatedUnit
    lost: asyncio.Event

    def answer(self, frame: bytes) -> bytes:
        """Return what a healthy twin of the unit answers to `frame` (the unit is left alone)."""
        answer = make_unit().handle_request(frame)
        assert answer is not None
        return answer


@pytest.fixture
def faults() -> FaultInjector:
    return FaultInjector(seed=7, late_seconds=0.05)


@pytest.fixture
def registry() -> RadioRegistry:
    return RadioRegistry()


async def _open(registry: RadioRegistry, faults: FaultInjector, mtu: int = 512) -> Link:
    unit = make_unit()
    radio = registry.add(unit, mtu=mtu, faults=faults)
    lost = asyncio.Event()
    client = plain_bleak_client(
        unit.address, registry.peripheral_class(), disconnected_callback=lambda _c: lost.set()
    )
    await client.connect()
    inbox = await subscribe(client)
    return Link(client, inbox, radio, unit, lost)


@pytest.fixture
async def link(registry: RadioRegistry, faults: FaultInjector) -> AsyncGenerator[Link]:
    opened = await _open(registry, faults)
    yield opened
    await opened.client.disconnect()


@pytest.fixture
async def small_mtu_link(registry: RadioRegistry, faults: FaultInjector) -> AsyncGenerator[Link]:
    opened = await _open(registry, faults, mtu=23)
    yield opened
    await opened.client.disconnect()


async def test_drop_loses_one_notification(small_mtu_link: Link, faults: FaultInjector) -> None:
    link = small_mtu_link
    faults.inject(FaultKind.DROP)
    await request(link.client, STATUS_62)
    await request(link.client, ONE_REGISTER)
    second = link.answer(ONE_REGISTER)
    await link.inbox.wait_for(lambda box: box.received.endswith(second))
    first_part = link.inbox.received[: -len(second)]
    full = link.answer(STATUS_62)
    assert len(link.inbox.notifications) == 7  # 7 chunks for the status, one lost, one more
    assert len(full) - len(first_part) in (9, 20)
    assert first_part != full
    assert faults.fired[FaultKind.DROP] == 1


async def test_split_uses_more_notifications(link: Link, faults: FaultInjector) -> None:
    faults.inject(FaultKind.SPLIT)
    await request(link.client, STATUS_62)
    received = await link.inbox.wait_bytes(129)
    assert received == link.answer(STATUS_62)
    assert len(link.inbox.notifications) == 2


async def test_flip_corrupts_exactly_one_byte(link: Link, faults: FaultInjector) -> None:
    faults.inject(FaultKind.FLIP)
    await request(link.client, STATUS_62)
    received = await link.inbox.wait_bytes(129)
    expected = link.answer(STATUS_62)
    assert len(received) == len(expected)
    assert sum(a != b for a, b in zip(received, expected, strict=True)) == 1
    assert not crc_ok(received)


async def test_disconnect_mid_frame(link: Link, faults: FaultInjector) -> None:
    faults.inject(FaultKind.DISCONNECT)
    await request(link.client, STATUS_62)
    async with asyncio.timeout(GUARD_SECONDS):
        await link.lost.wait()
    assert not link.client.is_connected
    assert not link.radio.connected
    full = link.answer(STATUS_62)
    assert 0 < len(link.inbox.received) < len(full)
    assert full.startswith(link.inbox.received)


type Answers = Callable[[bytes], bytes]


@pytest.mark.parametrize(
    ("kinds", "sent", "expected", "answered"),
    [
        pytest.param(
            [FaultKind.MERGE],
            [STATUS_62, ONE_REGISTER],
            lambda a: [a(STATUS_62) + a(ONE_REGISTER)],
            2,
            id="merge glues two answers into one notification",
        ),
        pytest.param(
            [FaultKind.LATE],
            [STATUS_62, ONE_REGISTER],
            lambda a: [a(ONE_REGISTER), a(STATUS_62)],
            2,
            id="a late answer is overtaken by the next",
        ),
        pytest.param(
            [FaultKind.JUNK],
            [STATUS_62],
            lambda a: [JUNK, a(STATUS_62)],
            1,
            id="junk precedes the answer",
        ),
        pytest.param(
            [FaultKind.MERGE, FaultKind.JUNK],
            [ONE_REGISTER, ONE_REGISTER],
            lambda a: [JUNK, a(ONE_REGISTER) + a(ONE_REGISTER)],
            2,
            id="junk lands before merged frames",
        ),
        pytest.param(
            [FaultKind.ASLEEP],
            [STATUS_62, ONE_REGISTER],
            lambda a: [a(ONE_REGISTER)],
            1,
            id="a request the unit sleeps through is never processed",
        ),
        pytest.param(
            [FaultKind.SILENCE],
            [STATUS_62, ONE_REGISTER, STATUS_62, ONE_REGISTER],
            lambda a: [a(ONE_REGISTER)],
            1,
            id="a burst of silence swallows three requests",
        ),
    ],
)
async def test_what_the_client_receives(
    link: Link,
    faults: FaultInjector,
    kinds: list[FaultKind],
    sent: list[bytes],
    expected: Callable[[Answers], list[bytes]],
    answered: int,
) -> None:
    for kind in kinds:
        faults.inject(kind)
    for frame in sent:
        await request(link.client, frame)
    notifications = expected(link.answer)
    await link.inbox.wait_bytes(sum(map(len, notifications)))
    await asyncio.sleep(0.06)  # past the late delay: nothing else is on its way
    assert link.inbox.notifications == notifications
    assert link.radio.requests == sent
    assert link.unit.firmware.requests_answered == answered
    assert all(faults.fired[kind] == 1 for kind in kinds)


async def test_a_sleeping_unit_stays_silent_until_woken(link: Link, faults: FaultInjector) -> None:
    faults.asleep = True
    await request(link.client, STATUS_62)
    faults.asleep = False
    await request(link.client, ONE_REGISTER)
    await link.inbox.wait_bytes(7)
    assert link.inbox.notifications == [link.answer(ONE_REGISTER)]


async def test_stale_answer_arrives_again_before_the_fresh_one(
    link: Link, faults: FaultInjector
) -> None:
    faults.inject(FaultKind.STALE)
    await request(link.client, STATUS_62)  # nothing earlier to repeat: the fault waits
    first = await link.inbox.wait_bytes(129)
    assert faults.pending(FaultKind.STALE) == 1
    link.unit.set_current(-20.0)
    link.unit.advance(60)
    await request(link.client, STATUS_62)
    await link.inbox.wait_bytes(3 * 129)
    fresh = link.radio.earlier_answer(STATUS_62)
    assert fresh is not None
    assert fresh != first
    assert link.inbox.notifications == [first, first, fresh]
    assert faults.fired[FaultKind.STALE] == 1


async def test_stale_answer_is_the_last_one_to_the_same_request(
    small_mtu_link: Link, faults: FaultInjector
) -> None:
    link = small_mtu_link
    await request(link.client, STATUS_62)
    await request(link.client, ONE_REGISTER)
    await link.inbox.wait_bytes(129 + 7)
    faults.inject(FaultKind.STALE)
    await request(link.client, ONE_REGISTER)
    await link.inbox.wait_bytes(129 + 3 * 7)
    answer = link.answer(ONE_REGISTER)
    assert link.inbox.notifications[-2:] == [answer, answer]
    assert link.inbox.received == link.answer(STATUS_62) + answer * 3


async def test_silence_lasts_the_requests_it_was_given(registry: RadioRegistry) -> None:
    faults = FaultInjector(silence_requests=2)
    link = await _open(registry, faults)
    faults.set_probability(FaultKind.SILENCE, 1.0)
    await request(link.client, ONE_REGISTER)  # fires: this one and the next go unheard
    await request(link.client, ONE_REGISTER)
    faults.set_probability(FaultKind.SILENCE, 0.0)
    await request(link.client, ONE_REGISTER)
    await link.inbox.wait_bytes(7)
    assert link.inbox.notifications == [link.answer(ONE_REGISTER)]
    assert faults.fired[FaultKind.SILENCE] == 1
    faults.inject(FaultKind.SILENCE)
    await request(link.client, ONE_REGISTER)  # a new burst of two starts ...
    faults.clear()  # ... and ends with the rest of the faults: a healthy link again
    await request(link.client, ONE_REGISTER)
    await link.inbox.wait_bytes(14)
    assert link.radio.requests == [ONE_REGISTER] * 5
    assert link.unit.firmware.requests_answered == 2
    await link.client.disconnect()


async def test_refused_connection(registry: RadioRegistry, faults: FaultInjector) -> None:
    unit = make_unit()
    registry.add(unit, faults=faults)
    client = plain_bleak_client(unit.address, registry.peripheral_class())
    faults.inject(FaultKind.REFUSE)
    with pytest.raises(BleakError, match="another central"):
        await client.connect()
    assert not client.is_connected
    await client.connect()
    assert client.is_connected
    await client.disconnect()


async def test_vanished_unit_drops_the_link_and_stays_unreachable(link: Link) -> None:
    link.radio.vanish()
    assert link.lost.is_set()
    assert not link.client.is_connected
    assert link.radio.advertisement() is None
    with pytest.raises(TimeoutError):
        await link.client.connect()
    link.radio.reappear()
    assert link.radio.advertisement() is not None
    await link.client.connect()
    assert link.client.is_connected


async def test_write_to_a_unit_gone_out_of_range_fails(link: Link, faults: FaultInjector) -> None:
    faults.vanished = True
    with pytest.raises(BleakError, match="disconnected"):
        await request(link.client, STATUS_62)
    assert link.lost.is_set()
    assert link.radio.requests == []


async def test_vanish_for_one_advertisement(registry: RadioRegistry, faults: FaultInjector) -> None:
    radio = registry.add(make_unit(), faults=faults)
    faults.inject(FaultKind.VANISH)
    assert radio.advertisement() is None
    assert radio.advertisement() is not None


async def test_faults_by_chance_are_counted_and_replayable(registry: RadioRegistry) -> None:
    patterns = []
    for attempt in range(2):
        faults = FaultInjector(seed=3, probabilities={FaultKind.FLIP: 0.5})
        link = await _open(registry, faults)
        for _ in range(40):
            await request(link.client, ONE_REGISTER)
        await link.inbox.wait_for(lambda box: len(box.notifications) == 40)
        await link.client.disconnect()
        registry.remove(link.unit.address)
        pattern = [crc_ok(n) for n in link.inbox.notifications]
        assert pattern.count(False) == faults.fired[FaultKind.FLIP], attempt
        patterns.append(pattern)
    assert 0 < patterns[0].count(False) < 40
    assert patterns[0] == patterns[1]


def test_injector_rejects_nonsense() -> None:
    faults = FaultInjector()
    with pytest.raises(ValueError, match="probability"):
        faults.set_probability(FaultKind.DROP, 1.5)
    with pytest.raises(ValueError, match="times"):
        faults.inject(FaultKind.DROP, times=0)
    with pytest.raises(ValueError, match="silence_requests"):
        FaultInjector(silence_requests=0)


def test_commands_are_counted_down_and_cleared() -> None:
    faults = FaultInjector(probabilities={FaultKind.JUNK: 1.0})
    faults.inject(FaultKind.DROP, times=2)
    assert faults.pending(FaultKind.DROP) == 2
    assert faults.fires(FaultKind.DROP)
    assert faults.pending(FaultKind.DROP) == 1
    assert faults.probability(FaultKind.JUNK) == 1.0
    faults.asleep = faults.vanished = True
    faults.clear()
    assert faults.pending(FaultKind.DROP) == 0
    assert faults.probability(FaultKind.JUNK) == 0.0
    assert (faults.asleep, faults.vanished) == (False, False)
    assert not faults.fires(FaultKind.DROP)
    assert not faults.fires(FaultKind.JUNK)
    faults.set_probability(FaultKind.JUNK, 1.0)
    faults.set_probability(FaultKind.JUNK, 0.0)
    assert not faults.fires(FaultKind.JUNK)


def test_shaping_helpers_leave_what_they_cannot_change() -> None:
    faults = FaultInjector()
    assert faults.corrupt(b"") == b""
    assert faults.split([b"a", b"b"]) == [b"a", b"b"]
    assert faults.drop([]) == []
    assert faults.cut_point(1) == 0


@pytest.mark.parametrize(("kind", "applied"), [(FaultKind.ASLEEP, False), (FaultKind.DROP, True)])
async def test_a_lost_echo_is_not_a_lost_command(kind: FaultKind, applied: bool) -> None:
    # Asleep: the firmware never saw the write. Drop: it switched, only the echo was lost.
    unit = make_unit()
    registry = RadioRegistry()
    faults = FaultInjector()
    registry.add(unit, faults=faults)
    client = plain_bleak_client(unit.address, registry.peripheral_class())
    await client.connect()
    inbox = await subscribe(client)
    faults.inject(kind)
    await request(client, CHARGE_MOS_OFF)
    await request(client, ONE_REGISTER)
    await inbox.wait_for(lambda box: bool(box.notifications))
    await client.disconnect()
    assert CHARGE_MOS_OFF not in inbox.notifications
    assert unit.battery.charge_mos is not applied
