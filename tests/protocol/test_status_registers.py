"""80 or 62 status registers: only a unit that never answers 80 is read with 62.

D2 firmware without the extended block (MOS and board temperature, balance current,
balancing bitmap) ignores the 80-register read; every other unit answers it. Silence on a
flaky link must not be mistaken for that firmware.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from custom_components.daly_bms.protocol import DalyClient, Dialect, UnitMemory
from simulator.faults import FaultKind

from .simlink import FAST, STATUS_62, STATUS_80, SimLink, UnitWrapper, make_unit


class ShortStatusFirmware(UnitWrapper):
    """Firmware without the extended block: silence for the 80-register status read.

    Set `extended` to answer it after all (a unit whose silence was a passing one).
    """

    extended = False

    def handle_request(
        self, request: bytes, *, forced_registers: Mapping[int, int] | None = None
    ) -> bytes | None:
        if request == STATUS_80 and not self.extended:
            return None
        return self.unit.handle_request(request, forced_registers=forced_registers)


async def test_a_transient_silence_does_not_pin_62_registers(
    sim_link: Callable[..., SimLink],
) -> None:
    link = sim_link()
    await link.bleak.connect()
    client = DalyClient(link.bleak, timeout=FAST, retries=2)
    assert await client.start() is Dialect.D2
    # Three lost replies to the 80-register read; the 62-register read after them answers.
    link.faults.inject(FaultKind.ASLEEP, times=3)
    status = await client.read_status()
    assert status.cell_count == 16
    link.requests.clear()
    for _ in range(5):
        status = await client.read_status()
        assert status.mos_temperature is not None
        assert status.board_temperature is not None
    assert link.requests == [STATUS_80] * 5
    await client.stop()


async def test_a_transient_silence_is_not_carried_to_the_next_connection(
    sim_link: Callable[..., SimLink],
) -> None:
    link = sim_link()
    await link.bleak.connect()
    memory = UnitMemory()
    client = DalyClient(link.bleak, timeout=FAST, retries=2, memory=memory)
    await client.start()
    link.faults.inject(FaultKind.ASLEEP, times=3)
    await client.read_status()
    await client.stop()
    await link.bleak.disconnect()

    link.requests.clear()
    again = link.new_bleak_client()
    await again.connect()
    # What the link carries from one connection to the next.
    client = DalyClient(again, timeout=FAST, retries=2, memory=memory)
    await client.start()
    status = await client.read_status()
    assert status.mos_temperature is not None
    assert link.requests == [STATUS_80] * 2
    await client.stop()


async def test_firmware_without_the_extended_block_is_asked_again_then_left_alone(
    sim_link: Callable[..., SimLink],
) -> None:
    unit = make_unit()
    link = sim_link(unit, model=ShortStatusFirmware(unit))
    client = await link.started_client(retries=1)
    assert link.requests == [STATUS_80, STATUS_80, STATUS_62]
    link.requests.clear()
    # Read with 62 registers, asking for 80 once every ten reads.
    for _ in range(10):
        status = await client.read_status()
        assert status.mos_temperature is None
        assert status.cell_count == 16
    assert link.requests == [STATUS_62] * 9 + [STATUS_80, STATUS_62]
    link.requests.clear()
    for _ in range(10):
        await client.read_status()
    # Refused three times in a row on a link that answers: no more asking.
    assert link.requests == [STATUS_62] * 9 + [STATUS_80, STATUS_62]
    link.requests.clear()
    for _ in range(30):
        await client.read_status()
    assert link.requests == [STATUS_62] * 30
    await client.stop()


async def test_a_unit_silent_to_80_at_first_is_read_with_80_once_it_answers(
    sim_link: Callable[..., SimLink],
) -> None:
    unit = make_unit()
    model = ShortStatusFirmware(unit)
    link = sim_link(unit, model=model)
    await link.bleak.connect()
    client = DalyClient(link.bleak, timeout=FAST, retries=1)
    await client.start()  # 80 ignored, 62 answered: not known yet
    model.extended = True  # the silence was a passing one
    link.requests.clear()
    for _ in range(12):
        await client.read_status()
    # The next time 80 is asked for it answers, and from then on it is read with 80.
    assert link.requests == [STATUS_62] * 9 + [STATUS_80] * 3
    assert (await client.read_status()).mos_temperature is not None
    await client.stop()
