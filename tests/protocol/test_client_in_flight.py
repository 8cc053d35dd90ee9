"""DalyClient keeps one request in flight, however many callers ask at once.

Real units answer one request at a time and a read reply does not name its register, so a
second request written before the first answer arrived could be answered out of order or
not at all. The simulated unit here answers after a delay and notes, for every request,
how many answers had arrived before it was written.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping

from custom_components.daly_bms.protocol import DalyClient, Dialect
from simulator.radio import RadioUnit

from .examples import COMMANDS, REQUESTS
from .simlink import SimLink, UnitWrapper, make_unit

ANSWER_DELAY = 0.01


class CountingUnit(UnitWrapper):
    """Notes each request with the number of notifications delivered before it."""

    radio: RadioUnit

    def __init__(self, *args: object) -> None:
        super().__init__(*args)  # type: ignore[arg-type]
        self.log: list[tuple[bytes, int]] = []

    def handle_request(
        self, request: bytes, *, forced_registers: Mapping[int, int] | None = None
    ) -> bytes | None:
        self.log.append((request, len(self.radio.notifications)))
        return self.unit.handle_request(request, forced_registers=forced_registers)


async def test_concurrent_callers_are_served_one_at_a_time(
    sim_link: Callable[..., SimLink],
) -> None:
    unit = make_unit(cells=4, capacity_ah=105.0, software_version="SW-1.2")
    model = CountingUnit(unit)
    link = sim_link(unit, model=model, latency=ANSWER_DELAY)
    model.radio = link.radio
    await link.bleak.connect()
    client = DalyClient(link.bleak, timeout=2.0)
    assert await client.start() is Dialect.D2
    model.log.clear()
    answered = len(link.radio.notifications)
    status, settings, info, _, status_again = await asyncio.gather(
        client.read_status(),
        client.read_settings(),
        client.read_device_info(),
        client.set_balancer(False),
        client.read_status(),
    )
    # Every answer reached the caller that asked for it.
    cells = tuple(round(volts, 3) for volts in unit.battery.cell_voltages)
    assert status.cell_voltages == status_again.cell_voltages == cells
    assert settings.rated_capacity == 105.0
    assert info.software_version == "SW-1.2"
    # In order, and no request went out while an answer was still awaited.
    assert model.log == [
        (REQUESTS["status_80"], answered),
        (REQUESTS["settings"], answered + 1),
        (REQUESTS["versions"], answered + 2),
        (COMMANDS[("balancer", False)], answered + 3),
        (REQUESTS["status_80"], answered + 4),
        # The settings take two reads (the block, then the balancer switch); other callers
        # are served in between, each request still one at a time.
        (REQUESTS["balancer"], answered + 5),
        (REQUESTS["settings"], answered + 6),
        (REQUESTS["balancer"], answered + 7),
        # The settings block was last answered before the write: its first answer after it
        # may be that one sent again, so one more reading decides.
        (REQUESTS["settings"], answered + 8),
        (REQUESTS["balancer"], answered + 9),
    ]
    await client.stop()
