"""A fake Bluetooth link and a fake unit behind it, for DalyClient tests.

FakeLink stands in for a connected bleak client (GATT table, notifications, writes);
FakeUnit answers requests the way the notes describe real units. Neither touches the
protocol package, so client tests exercise its real framing and decoding.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from bleak.backends.characteristic import BleakGATTCharacteristic
from bleak.backends.service import BleakGATTService, BleakGATTServiceCollection
from bleak.exc import BleakError

from .examples import (
    EXAMPLE_D,
    EXAMPLE_P_BLOCK1,
    EXAMPLE_P_BLOCK2,
    d2_registers,
    read_reply,
    reference_crc,
    with_crc,
)


def uuid16(short: str) -> str:
    """Full 128-bit form of a 16-bit Bluetooth UUID."""
    return f"0000{short}-0000-1000-8000-00805f9b34fb"


def gatt_table(layout: Mapping[str, Sequence[str]]) -> BleakGATTServiceCollection:
    """Services (16-bit UUID -> characteristic UUIDs) as bleak reports them."""
    collection = BleakGATTServiceCollection()
    handle = 1
    for service_uuid, characteristic_uuids in layout.items():
        service = BleakGATTService(None, handle, uuid16(service_uuid))
        collection.add_service(service)
        handle += 1
        for char_uuid in characteristic_uuids:
            collection.add_characteristic(
                BleakGATTCharacteristic(
                    None,
                    handle,
                    uuid16(char_uuid),
                    ["notify", "write-without-response"],
                    lambda: 20,
                    service,
                )
            )
            handle += 1
    return collection


def text_registers(text: bytes, registers: int) -> list[int]:
    """Registers holding NUL-padded ASCII."""
    padded = text.ljust(2 * registers, b"\0")
    return [int.from_bytes(padded[i : i + 2], "big") for i in range(0, 2 * registers, 2)]


class FakeUnit:
    """A unit's answers: D2 register file or the p81 sample capture."""

    def __init__(
        self,
        dialect: str = "d2",
        *,
        status_sizes: tuple[int, ...] = (80, 62),
        mos_follows: bool = True,
    ) -> None:
        self.dialect = dialect
        self.status_sizes = set(status_sizes)
        self.mos_follows = mos_follows
        self.registers = d2_registers(80)
        self.silent = False
        self.ignore_next = 0

    def answer(self, request: bytes) -> bytes | None:
        """The reply frame, or None for silence."""
        if reference_crc(request) != 0 or self.silent:
            return None
        if self.ignore_next:
            self.ignore_next -= 1
            return None
        address, function = request[0], request[1]
        register = int.from_bytes(request[2:4], "big")
        value = int.from_bytes(request[4:6], "big")
        if self.dialect == "d2" and address == 0xD2:
            return self._answer_d2(request, function, register, value)
        if self.dialect == "p81" and address == 0x81 and function == 0x03:
            return {
                (0x00, 64): EXAMPLE_P_BLOCK1,
                (0x41, 62): EXAMPLE_P_BLOCK2,
                (0x100, 41): with_crc(b"\x51" + EXAMPLE_D[1:-2]),
                (0x178, 74): read_reply(0x51, text_registers(b"P81-SW", 74)),
            }.get((register, value))
        return None

    def _answer_d2(self, request: bytes, function: int, register: int, value: int) -> bytes | None:
        if function == 0x06:
            if self.mos_follows and register in (0xA5, 0xA6):
                self.registers[0x35 if register == 0xA5 else 0x36] = value
            return request
        if function == 0x10:
            return request[:6] + reference_crc(request[:6]).to_bytes(2, "little")
        if register == 0 and value in self.status_sizes:
            return read_reply(0xD2, self.registers[:value])
        if (register, value) == (0x80, 41):
            return EXAMPLE_D
        if (register, value) == (0xA9, 32):
            return read_reply(0xD2, text_registers(b"SW-1.2".ljust(16, b"\0") + b"HW-3", 32))
        return None


class FakeLink:
    """A connected bleak client as DalyClient sees it."""

    def __init__(
        self,
        unit: FakeUnit,
        *,
        services: Mapping[str, Sequence[str]] | None = None,
        chunker: Callable[[bytes], list[bytes]] = lambda frame: [frame],
    ) -> None:
        self.unit = unit
        self._services = gatt_table(services or {"fff0": ["fff1", "fff2"]})
        self.chunker = chunker
        self.writes: list[bytes] = []
        self.write_targets: list[tuple[str, bool | None]] = []
        self.notify_uuid: str | None = None
        self.stop_calls = 0
        self.fail_services = False
        self.fail_start_notify = False
        self.fail_write = False
        self.fail_stop_notify = False
        self._callback: Callable[[BleakGATTCharacteristic, bytearray], Any] | None = None
        self._notify_char: BleakGATTCharacteristic | None = None

    @property
    def services(self) -> BleakGATTServiceCollection:
        if self.fail_services:
            raise BleakError("Service Discovery has not been performed yet")
        return self._services

    async def start_notify(
        self,
        char: BleakGATTCharacteristic,
        callback: Callable[[BleakGATTCharacteristic, bytearray], Any],
        **kwargs: Any,
    ) -> None:
        if self.fail_start_notify:
            raise BleakError("not connected")
        self._callback = callback
        self._notify_char = char
        self.notify_uuid = char.uuid

    async def stop_notify(self, char: BleakGATTCharacteristic) -> None:
        self.stop_calls += 1
        self._callback = None
        if self.fail_stop_notify:
            raise BleakError("not connected")

    async def write_gatt_char(
        self, char: BleakGATTCharacteristic, data: bytes, response: bool | None = None
    ) -> None:
        if self.fail_write:
            raise BleakError("disconnected")
        self.writes.append(bytes(data))
        self.write_targets.append((char.uuid, response))
        reply = self.unit.answer(bytes(data))
        if reply is not None:
            self.push(*self.chunker(reply))

    def push(self, *chunks: bytes) -> None:
        """Deliver notifications after the current write returns, like a radio would."""
        loop = asyncio.get_running_loop()
        for chunk in chunks:
            loop.call_soon(self._deliver, chunk)

    def _deliver(self, chunk: bytes) -> None:
        if self._callback is not None and self._notify_char is not None:
            self._callback(self._notify_char, bytearray(chunk))
