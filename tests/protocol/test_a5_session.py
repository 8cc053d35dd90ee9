"""The A5 conversation: host address, readings, and writes confirmed by reading back."""

from __future__ import annotations

from datetime import datetime

import pytest

from custom_components.daly_bms.protocol import BatteryState, DalyCommandError
from custom_components.daly_bms.protocol.a5_frames import A5FrameAssembler, parse_a5_frame
from custom_components.daly_bms.protocol.a5_session import A5Session, ReplyCollector, SingleReply
from custom_components.daly_bms.protocol.errors import DalyNotSupportedError, DalyTimeoutError

from .a5_examples import a5, cell_frame, reply, u16, u32

NOW = datetime(2026, 5, 1, 12, 0, 0)


class ScriptedUnit:
    """A 4-cell A5 unit written from the protocol notes, plus the ways units misbehave."""

    def __init__(self, *, hosts: tuple[int, ...] = (0x80, 0x40)) -> None:
        self.hosts = hosts
        self.charge_mos = 1
        self.discharge_mos = 1
        self.soc = 500
        self.follows_writes = True
        self.acknowledges = True
        self.full_cell_reply = False
        self.probes = 2
        self.silent_commands: set[int] = set()
        self.silent_for = 0  # requests to ignore
        # Replies of earlier requests still on their way, each arriving just before the
        # answer to the next request for the same command.
        self.late: dict[int, list[bytes]] = {}
        self.requests: list[bytes] = []

    def answer(self, request: bytes) -> bytes:
        self.requests.append(request)
        assert sum(request[:12]) % 256 == request[12]
        if request[1] not in self.hosts:
            return b""
        if request[2] in self.silent_commands:
            return b""
        if self.silent_for:
            self.silent_for -= 1
            return b""
        queued = self.late.get(request[2])
        late = queued.pop(0) if queued else b""
        return late + self._reply(request[2], request[4:12])

    def _reply(self, command: int, data: bytes) -> bytes:
        cells = [3300, 3310, 3305, 3295]
        if command == 0x94:
            return reply(0x94, [4, self.probes, 0, 0, 0, *u16(3), 0])
        if command == 0x90:
            return reply(0x90, [*u16(132), 0, 0, *u16(30012), *u16(self.soc)])
        if command == 0x93:
            return reply(0x93, [2, self.charge_mos, self.discharge_mos, 0, *u32(52_000)])
        if command == 0x95:
            frames = [cell_frame(1, cells[:3]), cell_frame(2, cells[3:])]
            if self.full_cell_reply:
                frames += [cell_frame(n, [3333, 3333, 3333], 0xD3) for n in range(3, 17)]
            return b"".join(frames)
        if command == 0x96:
            return reply(0x96, [1, 65, 66, 70, 70, 70, 70, 70])
        if command in (0x97, 0x98):
            return reply(command)
        if command == 0x50:
            return reply(0x50, [*u32(100_000), *u32(3200)])
        if command in (0xD9, 0xDA):
            if self.follows_writes:
                setattr(self, "discharge_mos" if command == 0xD9 else "charge_mos", data[0])
            return reply(command, [data[0]]) if self.acknowledges else b""
        if command == 0x21:
            if self.follows_writes:
                self.soc = int.from_bytes(data[6:8])
            return reply(0x21, [1]) if self.acknowledges else b""
        return b""


class Link:
    """The client's side of the exchange: write, reassemble, feed the collector, retry."""

    def __init__(self, unit: ScriptedUnit, *, chunk: int = 20) -> None:
        self.unit = unit
        self.chunk = chunk
        self.assembler = A5FrameAssembler()

    async def exchange(
        self, request: bytes, collector: ReplyCollector, attempts: int | None
    ) -> None:
        for _ in range(attempts or 3):
            self.assembler.reset()
            answer = self.unit.answer(request)
            for start in range(0, len(answer), self.chunk):
                for frame in self.assembler.feed(answer[start : start + self.chunk]):
                    if collector.add(frame):
                        return
        raise DalyTimeoutError(f"no answer to {request.hex(' ')}")


async def started(unit: ScriptedUnit, host: int | None = None) -> A5Session:
    session = A5Session(Link(unit).exchange, host_address=host)
    await session.detect()
    return session


async def test_bluetooth_host_address_is_tried_first() -> None:
    unit = ScriptedUnit()
    session = await started(unit)
    assert session.host_address == 0x80
    assert unit.requests == [a5(0x80, 0x90)]


async def test_unit_that_answers_host_0x40_only() -> None:
    unit = ScriptedUnit(hosts=(0x40,))
    session = await started(unit)
    assert session.host_address == 0x40
    assert [request[1] for request in unit.requests] == [0x80, 0x40]
    status = await session.read_status()
    assert status.voltage == 13.2
    assert {request[1] for request in unit.requests[2:]} == {0x40}


async def test_remembered_host_address_is_asked_first() -> None:
    unit = ScriptedUnit(hosts=(0x40,))
    session = await started(unit, host=0x40)
    assert session.host_address == 0x40
    assert unit.requests == [a5(0x40, 0x90)]


async def test_unit_that_answers_no_a5_request() -> None:
    session = A5Session(Link(ScriptedUnit(hosts=())).exchange)
    with pytest.raises(DalyNotSupportedError, match="no A5"):
        await session.detect()
    assert session.host_address is None
    with pytest.raises(DalyNotSupportedError, match="host address"):
        await session.read_status()


async def test_status_reading() -> None:
    unit = ScriptedUnit()
    unit.full_cell_reply = True
    session = await started(unit)
    status = await session.read_status()
    assert [request[2] for request in unit.requests[1:]] == [
        0x94,
        0x90,
        0x93,
        0x95,
        0x96,
        0x97,
        0x98,
    ]
    assert status.cell_voltages == (3.3, 3.31, 3.305, 3.295)
    assert status.temperatures == (25.0, 26.0)
    assert status.current == -1.2
    assert status.state is BatteryState.DISCHARGING
    assert status.remaining_capacity == 52.0


async def test_reading_survives_a_lost_reply() -> None:
    unit = ScriptedUnit()
    session = await started(unit)
    unit.silent_for = 1
    status = await session.read_status()
    assert status.cell_count == 4


async def test_settings() -> None:
    settings = await (await started(ScriptedUnit())).read_settings()
    assert settings.rated_capacity == 100.0
    assert settings.cell_reference_voltage == 3.2


@pytest.mark.parametrize(("command", "field"), [(0xDA, "charge_mos"), (0xD9, "discharge_mos")])
async def test_mos_switch_confirmed_by_reading_0x93(command: int, field: str) -> None:
    unit = ScriptedUnit()
    session = await started(unit)
    status = await session.set_mos(command, False)
    assert getattr(status, field) is False
    assert getattr(unit, field) == 0
    sent = [request[2] for request in unit.requests]
    assert sent[1:3] == [command, 0x93]
    status = await session.set_mos(command, True)
    assert getattr(status, field) is True


async def test_mos_switch_judged_on_a_fresh_reading_not_a_late_one() -> None:
    unit = ScriptedUnit()
    session = await started(unit)
    # Old 0x93 replies (charge MOS still on) answer the first two reads back.
    unit.late[0x93] = [reply(0x93, [0, 1, 1, 0, *u32(0)])] * 2
    status = await session.set_mos(0xDA, False)
    assert status.charge_mos is False


async def test_mos_switch_without_acknowledgement_still_confirmed() -> None:
    unit = ScriptedUnit()
    unit.acknowledges = False
    session = await started(unit)
    status = await session.set_mos(0xD9, False)
    assert status.discharge_mos is False


async def test_mos_switch_the_unit_does_not_follow() -> None:
    unit = ScriptedUnit()
    unit.follows_writes = False
    session = await started(unit)
    with pytest.raises(DalyCommandError, match="charge MOS stayed on") as caught:
        await session.set_mos(0xDA, False)
    assert caught.value.status.charge_mos is True


async def test_soc_set_confirmed_by_reading_back() -> None:
    unit = ScriptedUnit()
    session = await started(unit)
    status = await session.set_soc(87.5, NOW)
    assert status.soc == 87.5
    write = unit.requests[1]
    assert write == a5(0x80, 0x21, [26, 5, 1, 12, 0, 0, *u16(875)])


async def test_soc_set_the_unit_does_not_follow() -> None:
    unit = ScriptedUnit()
    unit.follows_writes = False
    session = await started(unit)
    with pytest.raises(DalyCommandError, match=r"SOC reads 50\.0 %") as caught:
        await session.set_soc(87.5, NOW)
    assert caught.value.status.soc == 50.0


async def test_unit_without_probes_is_not_asked_for_temperatures() -> None:
    unit = ScriptedUnit()
    unit.probes = 0
    session = await started(unit)
    status = await session.read_status()
    assert status.temperatures == ()
    assert 0x96 not in [request[2] for request in unit.requests]


async def test_verification_read_that_stays_silent() -> None:
    unit = ScriptedUnit()
    session = await started(unit)
    unit.silent_commands = {0x93}
    with pytest.raises(DalyTimeoutError):
        await session.set_mos(0xDA, False)
    # Three reads back, each sent three times, then the status read gives up too.
    assert [request[2] for request in unit.requests].count(0x93) == 3 * 3 + 3


def test_a_reply_the_transport_did_not_complete() -> None:
    collector = SingleReply(0x90)
    assert not collector.add(parse_a5_frame(reply(0x93)))
    with pytest.raises(DalyTimeoutError, match="0x90"):
        collector.result()
