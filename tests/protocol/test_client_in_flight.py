"""DalyClient keeps one request in flight, however many callers ask at once.

Real units answer one request at a time and a read reply does not name its register, so a
second request written before the first answer arrived could be answered out of order or
not at all. The link here answers late and logs every write and every answer.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, cast

from custom_components.daly_bms.protocol import DalyClient, Dialect

from .examples import COMMANDS, REQUESTS
from .fakes import FakeLink, FakeUnit

if TYPE_CHECKING:
    from bleak import BleakClient

ANSWER_DELAY = 0.01


class SlowLink(FakeLink):
    """A link whose answers arrive a little after the write, with a log of both."""

    def __init__(self, unit: FakeUnit) -> None:
        super().__init__(unit)
        self.log: list[str] = []

    async def write_gatt_char(
        self, char: object, data: bytes, response: bool | None = None
    ) -> None:
        self.log.append("write " + bytes(data).hex())
        await super().write_gatt_char(char, data, response)  # type: ignore[arg-type]

    def push(self, *chunks: bytes) -> None:
        loop = asyncio.get_running_loop()
        loop.call_later(ANSWER_DELAY, self._answer, chunks)

    def _answer(self, chunks: tuple[bytes, ...]) -> None:
        self.log.append("answer")
        for chunk in chunks:
            self._deliver(chunk)


async def test_concurrent_callers_are_served_one_at_a_time() -> None:
    link = SlowLink(FakeUnit("d2"))
    client = DalyClient(cast("BleakClient", link), timeout=2.0)
    assert await client.start() is Dialect.D2
    link.log.clear()
    status, settings, info, _, status_again = await asyncio.gather(
        client.read_status(),
        client.read_settings(),
        client.read_device_info(),
        client.set_balancer(False),
        client.read_status(),
    )
    # Every answer reached the caller that asked for it.
    assert status.cell_voltages == status_again.cell_voltages == (3.3, 3.31, 3.305, 3.295)
    assert settings.rated_capacity == 105.0
    assert info.software_version == "SW-1.2"
    # No write went out while an answer was still awaited.
    assert link.log == [
        "write " + REQUESTS["status_80"].hex(),
        "answer",
        "write " + REQUESTS["settings"].hex(),
        "answer",
        "write " + REQUESTS["versions"].hex(),
        "answer",
        "write " + COMMANDS[("balancer", False)].hex(),
        "answer",
        "write " + REQUESTS["status_80"].hex(),
        "answer",
    ]
    await client.stop()
