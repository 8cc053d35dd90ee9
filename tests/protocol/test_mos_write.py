"""MOS writes: judged on readings taken after the write, and the truth shown after a failure.

A read reply does not say which request it answers. A late reply to a read the client gave
up on, or an old reply glued in front of the fresh one, must not make a write that the
unit followed look refused; a write whose echo was lost must not leave the caller guessing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import pytest

from custom_components.daly_bms.protocol import (
    DalyCommandError,
    DalySettingNotFollowedError,
    DalyTimeoutError,
    MosBank,
)
from simulator.faults import FaultKind

from .simlink import STATUS_62, STATUS_80, SimLink, UnitWrapper, make_unit

DISCHARGE_OFF = bytes.fromhex("d2 06 00 a6 00 00 7a 4a")


class RepliesTwice(UnitWrapper):
    """After `arm()`, the next status reply travels with the one before it in front of it."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.last_status: bytes | None = None
        self.armed = False

    def arm(self) -> None:
        self.armed = True

    def handle_request(
        self, request: bytes, *, forced_registers: Mapping[int, int] | None = None
    ) -> bytes | None:
        reply = self.unit.handle_request(request, forced_registers=forced_registers)
        if request != STATUS_80 or reply is None:
            return reply
        previous, self.last_status = self.last_status, reply
        if self.armed and previous is not None:
            self.armed = False
            return previous + reply
        return reply


class IgnoresMosWrites(UnitWrapper):
    """Firmware that echoes a MOS write and leaves the MOS as it was."""

    def handle_request(
        self, request: bytes, *, forced_registers: Mapping[int, int] | None = None
    ) -> bytes | None:
        if request[1] == 0x06 and request[3] in (0xA5, 0xA6):
            return request
        return self.unit.handle_request(request, forced_registers=forced_registers)


async def test_a_late_reply_does_not_make_a_followed_write_look_refused(
    sim_link: Callable[..., SimLink],
) -> None:
    # Every answer takes LATENCY; one status reply takes LATE longer, past the client's
    # timeout, so the resent read is answered first and the old reply lands while the
    # client checks the write: after the echo, before the fresh status.
    latency, timeout, late = 0.3, 0.5, 0.95
    link = sim_link(latency=latency)
    link.faults.late_seconds = late
    client = await link.started_client(retries=1, reply_timeout=timeout)
    link.faults.inject(FaultKind.LATE)
    assert (await client.read_status()).discharge_mos is True

    status = await client.set_mos(MosBank.DISCHARGE, False)
    assert status.discharge_mos is False
    assert link.unit.battery.discharge_mos is False
    await client.stop()


async def test_an_old_reply_glued_to_the_fresh_one_is_not_taken(
    sim_link: Callable[..., SimLink],
) -> None:
    unit = make_unit()
    model = RepliesTwice(unit)
    link = sim_link(unit, model=model)
    client = await link.started_client(retries=1)
    assert (await client.read_status()).discharge_mos is True
    model.arm()
    status = await client.set_mos(MosBank.DISCHARGE, False)
    assert status.discharge_mos is False
    assert unit.battery.discharge_mos is False
    await client.stop()


async def test_a_lost_echo_is_settled_by_reading_the_status(
    sim_link: Callable[..., SimLink],
) -> None:
    link = sim_link()
    client = await link.started_client(retries=0)
    link.faults.inject(FaultKind.DROP)  # the echo; the unit switched all the same
    status = await client.set_mos(MosBank.DISCHARGE, False)
    assert status.discharge_mos is False
    assert link.unit.battery.discharge_mos is False
    await client.stop()


async def test_an_unanswered_write_reports_the_status_read_after_it(
    sim_link: Callable[..., SimLink],
) -> None:
    link = sim_link()
    client = await link.started_client(retries=0)
    link.faults.inject(FaultKind.ASLEEP)  # the write never reaches the firmware
    with pytest.raises(DalyTimeoutError) as caught:
        await client.set_mos(MosBank.DISCHARGE, False)
    assert caught.value.status is not None
    assert caught.value.status.discharge_mos is True
    assert link.unit.battery.discharge_mos is True
    await client.stop()


async def test_not_followed_only_when_fresh_readings_agree(
    sim_link: Callable[..., SimLink],
) -> None:
    unit = make_unit()
    link = sim_link(unit, model=IgnoresMosWrites(unit))
    client = await link.started_client(retries=0)
    link.requests.clear()
    with pytest.raises(DalyCommandError) as caught:
        await client.set_mos(MosBank.DISCHARGE, False)
    assert caught.value.status.discharge_mos is True
    # The echo, a reading that may be an earlier answer sent again, then three readings
    # that all show the MOS still on.
    assert link.requests == [DISCHARGE_OFF, *[STATUS_80] * 4]
    await client.stop()


class FallsSilent(IgnoresMosWrites):
    """Ignores MOS writes, and answers only `reads` more status reads after the write."""

    def __init__(self, *args: object, reads: int) -> None:
        super().__init__(*args)  # type: ignore[arg-type]
        self.reads_left: int | None = None
        self.reads = reads

    def handle_request(
        self, request: bytes, *, forced_registers: Mapping[int, int] | None = None
    ) -> bytes | None:
        if request[1] == 0x06:
            self.reads_left = self.reads
        elif self.reads_left is not None:
            if not self.reads_left:
                return None
            self.reads_left -= 1
        return super().handle_request(request, forced_registers=forced_registers)


async def test_an_unanswered_write_and_a_silent_unit_report_no_status(
    sim_link: Callable[..., SimLink],
) -> None:
    link = sim_link()
    client = await link.started_client(retries=0)
    # The write, then the status read after it (80 registers, and 62 after that silence).
    link.faults.inject(FaultKind.ASLEEP, times=3)
    with pytest.raises(DalyTimeoutError, match="a6") as caught:
        await client.set_mos(MosBank.DISCHARGE, False)
    assert caught.value.status is None


async def test_a_unit_that_falls_silent_while_checked_reports_the_last_reading(
    sim_link: Callable[..., SimLink],
) -> None:
    unit = make_unit()
    link = sim_link(unit, model=FallsSilent(unit, reads=1))
    client = await link.started_client(retries=0)
    with pytest.raises(DalyTimeoutError) as caught:
        await client.set_mos(MosBank.CHARGE, False)
    # One reading came back before the silence: its values stand, but one reading that
    # shows the MOS unswitched may have left the unit before the write: that bank is unknown.
    assert caught.value.status is not None
    assert caught.value.status.voltage is not None
    assert caught.value.status.charge_mos is None
    assert caught.value.status.discharge_mos is True
    await client.stop()


class FollowsThenFallsSilent(FallsSilent):
    """Follows MOS writes, and answers only `reads` more status reads after the write."""

    def handle_request(
        self, request: bytes, *, forced_registers: Mapping[int, int] | None = None
    ) -> bytes | None:
        if request[1] == 0x06:
            self.reads_left = self.reads
            return self.unit.handle_request(request, forced_registers=forced_registers)
        return super().handle_request(request, forced_registers=forced_registers)


async def test_an_earlier_reply_then_silence_leaves_the_bank_unknown(
    sim_link: Callable[..., SimLink],
) -> None:
    unit = make_unit()
    link = sim_link(unit, model=FollowsThenFallsSilent(unit, reads=1))
    client = await link.started_client(retries=0)
    assert (await client.read_status()).charge_mos is True
    # The one reading after the write: the unit's earlier answer arrives first, then the
    # unit falls silent. The MOS did switch; the only reading the client took says it did not.
    link.faults.inject(FaultKind.STALE)
    with pytest.raises(DalyTimeoutError) as caught:
        await client.set_mos(MosBank.CHARGE, False)
    assert link.faults.fired[FaultKind.STALE] == 1
    assert unit.battery.charge_mos is False
    assert caught.value.status is not None
    assert caught.value.status.charge_mos is not True
    await client.stop()


async def test_an_earlier_reply_sent_again_first_does_not_decide(
    sim_link: Callable[..., SimLink],
) -> None:
    link = sim_link()
    client = await link.started_client(retries=0)
    assert (await client.read_status()).charge_mos is True
    # The unit's earlier answer to the status read arrives again, ahead of the fresh one.
    link.faults.inject(FaultKind.STALE)
    status = await client.set_mos(MosBank.CHARGE, False)
    assert link.faults.fired[FaultKind.STALE] == 1
    assert status.charge_mos is False
    assert link.unit.battery.charge_mos is False
    await client.stop()


async def test_an_old_answer_sent_again_does_not_confirm_the_write(
    sim_link: Callable[..., SimLink],
) -> None:
    link = sim_link()
    unit = link.unit
    client = await link.started_client(retries=0)
    # One reading made do with 62 registers while the discharge MOS was on...
    link.faults.inject(FaultKind.ASLEEP)
    assert (await client.read_status()).discharge_mos is True
    assert link.requests[-1] == STATUS_62
    # ...then the MOS went off (the phone app, a protection).
    assert unit.firmware.write_register(0xA6, 0)
    assert unit.battery.discharge_mos is False
    # The command and the next 80-register read go unheard; the 62-register read after
    # them is answered first by the unit's old answer to it, sent again.
    link.faults.inject(FaultKind.ASLEEP, times=2)
    link.faults.inject(FaultKind.STALE)

    with pytest.raises(DalyTimeoutError) as caught:
        await client.set_mos(MosBank.DISCHARGE, True)

    assert link.faults.fired[FaultKind.STALE] == 1
    assert unit.battery.discharge_mos is False
    assert caught.value.status is not None
    assert caught.value.status.discharge_mos is False
    await client.stop()


async def test_a_lost_echo_then_silence_reports_the_reading_in_between(
    sim_link: Callable[..., SimLink],
) -> None:
    unit = make_unit()
    link = sim_link(unit, model=FallsSilent(unit, reads=1))
    client = await link.started_client(retries=0)
    link.faults.inject(FaultKind.DROP)  # the echo
    with pytest.raises(DalyTimeoutError) as caught:
        await client.set_mos(MosBank.CHARGE, False)
    # The reading in between stands, but as the first answer after the write it may be
    # one from before it sent again: it does not say where the charge MOS is.
    assert caught.value.status is not None
    assert caught.value.status.voltage is not None
    assert caught.value.status.charge_mos is None
    await client.stop()


async def test_an_old_settings_answer_sent_again_does_not_confirm_a_setting(
    sim_link: Callable[..., SimLink],
) -> None:
    link = sim_link()
    unit = link.unit
    client = await link.started_client(retries=0)
    assert (await client.read_settings()).balancer is True
    # The balancer went off since (the phone app); the client last heard it on.
    assert unit.firmware.write_register(0xCF, 0)
    # The command goes unheard; the balancer read after it is answered first by the unit's
    # old answer to it, sent again.
    link.faults.inject(FaultKind.ASLEEP)
    link.faults.inject(FaultKind.STALE, times=2)

    with pytest.raises(DalySettingNotFollowedError) as caught:
        await client.set_balancer(True)

    assert link.faults.fired[FaultKind.STALE] == 2
    assert unit.firmware.read_register(0xCF) == 0
    assert caught.value.settings.balancer is False
    await client.stop()
