"""A simulated unit on a bleak link, for DalyClient tests: the simulator, not a stand-in.

`SimLink` connects plain bleak to `simulator.radio.SimulatedPeripheral`, so the client under
test meets the simulator's independent framing, register maps, latency and fault kinds.
`UnitWrapper` subclasses change one behaviour of a unit model (firmware that ignores a read,
a notification carrying two replies) where no fault kind of the simulator describes it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import bleak

from custom_components.daly_bms.protocol import DalyClient, UnitMemory
from simulator.clock import ManualClock
from simulator.faults import FaultInjector, FaultKind
from simulator.gatt import CCCD_UUID
from simulator.radio import FFF0_LAYOUT, GattLayout, RadioRegistry, RadioUnit, UnitModel
from simulator.unit import SimulatedUnit

ADDRESS = "C0:DA:1B:00:00:51"
FAST = 0.05  # seconds of silence before a request counts as unanswered
STATUS_80 = bytes.fromhex("d2 03 00 00 00 50 56 55")
STATUS_62 = bytes.fromhex("d2 03 00 00 00 3e d7 b9")


def make_unit(**options: Any) -> SimulatedUnit:
    """A simulated unit that never falls asleep on its own (sleep has its own tests)."""
    defaults: dict[str, Any] = {
        "name": "DL-C0DA1B000051",
        "address": ADDRESS,
        "clock": ManualClock(),
        "cells": 16,
    }
    defaults.update(options)
    unit = SimulatedUnit(**defaults)
    assert unit.firmware.write_register(0x8A, 0xFFFF)
    return unit


class UnitWrapper:
    """A unit model that behaves like `unit` unless a subclass says otherwise."""

    def __init__(self, unit: SimulatedUnit) -> None:
        self.unit = unit

    @property
    def name(self) -> str:
        return self.unit.name

    @property
    def address(self) -> str:
        return self.unit.address

    @property
    def manufacturer_data(self) -> dict[int, bytes]:
        return self.unit.manufacturer_data

    @property
    def service_uuids(self) -> list[str]:
        return self.unit.service_uuids

    @property
    def asleep(self) -> bool:
        return self.unit.asleep

    def impossible_readings(self) -> Sequence[Mapping[int, int]]:
        return self.unit.impossible_readings()

    def handle_request(
        self, request: bytes, *, forced_registers: Mapping[int, int] | None = None
    ) -> bytes | None:
        return self.unit.handle_request(request, forced_registers=forced_registers)


class SimLink:
    """One unit on its own radio, and a connected plain bleak client to it."""

    def __init__(
        self,
        unit: SimulatedUnit,
        *,
        model: UnitModel | None = None,
        mtu: int = 512,
        latency: float = 0.0,
        faults: FaultInjector | None = None,
        gatt: tuple[GattLayout, ...] = (FFF0_LAYOUT,),
    ) -> None:
        self.unit = unit
        self.registry = RadioRegistry()
        self.radio: RadioUnit = self.registry.add(
            model if model is not None else unit,
            mtu=mtu,
            latency=latency,
            faults=faults,
            gatt=gatt,
        )
        self.bleak = self.new_bleak_client()

    async def started_client(
        self, *, retries: int = 2, reply_timeout: float = FAST, memory: UnitMemory | None = None
    ) -> DalyClient:
        """Connect if need be, and return a started DalyClient on this link."""
        if not self.bleak.is_connected:
            await self.bleak.connect()
        client = DalyClient(self.bleak, timeout=reply_timeout, retries=retries, memory=memory)
        await client.start()
        return client

    def new_bleak_client(self) -> bleak.BleakClient:
        """A fresh bleak client on this radio (a reconnect uses a new one, as the link does)."""
        return bleak.BleakClient(self.unit.address, backend=self.registry.peripheral_class())

    async def subscribed(self, notify_uuid: str) -> bool:
        """Return True while notifications of `notify_uuid` are switched on (its CCCD)."""
        characteristic = self.bleak.services.get_characteristic(notify_uuid)
        assert characteristic is not None
        descriptor = characteristic.get_descriptor(CCCD_UUID)
        assert descriptor is not None
        return bytes(await self.bleak.read_gatt_descriptor(descriptor.handle)) == b"\x01\x00"

    @property
    def faults(self) -> FaultInjector:
        return self.radio.faults

    @property
    def requests(self) -> list[bytes]:
        return self.radio.requests

    def force(self, registers: Mapping[int, int], times: int = 1) -> None:
        """Make the next `times` reads covering these registers carry these raw values."""
        self.faults.forced_registers.clear()
        self.faults.forced_registers.update(registers)
        self.faults.inject(FaultKind.GLITCH, times)
