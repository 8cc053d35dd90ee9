"""Helpers for radio tests: simulated units, requests, a bleak client, a notification collector."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import bleak
from bleak.backends.characteristic import BleakGATTCharacteristic

from simulator import ManualClock, SimulatedUnit, daly_name
from simulator.crc import with_crc
from simulator.radio import FFF0_LAYOUT, GattLayout

# Generous guard so a broken simulator fails the test instead of hanging it.
GUARD_SECONDS = 5.0
ADDRESS = "C0:FF:EE:00:00:01"
D2 = 0xD2
P81 = 0x81


def make_unit(address: str = ADDRESS, **options: object) -> SimulatedUnit:
    """Return a simulated unit on a clock of its own; two made alike answer alike."""
    options.setdefault("name", daly_name(address))
    return SimulatedUnit(address=address, clock=ManualClock(), **options)  # type: ignore[arg-type]


def read_request(first: int, count: int, address: int = D2) -> bytes:
    """Return a read request for `count` registers from `first`."""
    return with_crc(bytes([address, 0x03]) + first.to_bytes(2, "big") + count.to_bytes(2, "big"))


class Inbox:
    """Collects notifications as a client sees them."""

    def __init__(self) -> None:
        self.notifications: list[bytes] = []
        self._changed = asyncio.Event()

    def __call__(self, _sender: BleakGATTCharacteristic, data: bytearray) -> None:
        self.notifications.append(bytes(data))
        self._changed.set()

    @property
    def received(self) -> bytes:
        """Everything received so far, in order."""
        return b"".join(self.notifications)

    async def wait_for(self, condition: Callable[[Inbox], bool]) -> None:
        """Wait until `condition` holds."""
        async with asyncio.timeout(GUARD_SECONDS):
            while not condition(self):
                self._changed.clear()
                await self._changed.wait()

    async def wait_bytes(self, count: int) -> bytes:
        """Wait until at least `count` bytes arrived; return all of them."""
        await self.wait_for(lambda inbox: len(inbox.received) >= count)
        return self.received


def plain_bleak_client(
    address: str, backend: type[bleak.backends.client.BaseBleakClient], **kwargs: object
) -> bleak.BleakClient:
    """Return a bleak client on `backend`, looked up at call time as production does."""
    client_class = bleak.BleakClient
    assert client_class.__module__ == "bleak", "Home Assistant's bleak wrapper is installed"
    return client_class(address, backend=backend, **kwargs)  # type: ignore[arg-type]


async def subscribe(client: bleak.BleakClient, layout: GattLayout = FFF0_LAYOUT) -> Inbox:
    """Subscribe to the layout's notify characteristic; return the collector."""
    inbox = Inbox()
    await client.start_notify(layout.notify, inbox)
    return inbox


async def request(
    client: bleak.BleakClient, frame: bytes, layout: GattLayout = FFF0_LAYOUT
) -> None:
    """Write one request the way Daly units want it: without response."""
    await client.write_gatt_char(layout.write, frame, response=False)
