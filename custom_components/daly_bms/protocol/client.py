"""DalyClient: request/response over an already connected bleak client."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from contextlib import suppress
import logging
from typing import TYPE_CHECKING, Final

from bleak.exc import BleakError
from bleak.uuids import normalize_uuid_str

from .commands import (
    D2_STATUS_REGISTERS,
    D2_STATUS_REGISTERS_SHORT,
    balancer_command,
    charge_mos_command,
    d2_status_request,
    device_info_request,
    discharge_mos_command,
    p81_status_requests,
    settings_request,
)
from .decode import decode_device_info, decode_settings, decode_status
from .errors import (
    DalyCommandError,
    DalyConnectionError,
    DalyNotSupportedError,
    DalyTimeoutError,
)
from .frames import (
    D2_ADDRESS,
    FUNCTION_READ,
    FUNCTION_WRITE_MULTIPLE,
    P81_REPLY_ADDRESS,
    Frame,
    FrameAssembler,
)
from .models import DalyDeviceInfo, DalySettings, DalyStatus, Dialect

if TYPE_CHECKING:
    from bleak import BleakClient
    from bleak.backends.characteristic import BleakGATTCharacteristic

_LOGGER = logging.getLogger(__name__)


def _uuid16(short: str) -> str:
    return f"0000{short}-0000-1000-8000-00805f9b34fb"


SERVICE_UUID: Final = _uuid16("fff0")
NOTIFY_UUID: Final = _uuid16("fff1")
WRITE_UUID: Final = _uuid16("fff2")
ALT_SERVICE_UUID: Final = _uuid16("ff00")
ALT_NOTIFY_UUID: Final = _uuid16("ff01")
ALT_WRITE_UUID: Final = _uuid16("ff02")
_CHARACTERISTIC_PAIRS: Final = ((NOTIFY_UUID, WRITE_UUID), (ALT_NOTIFY_UUID, ALT_WRITE_UUID))

DEFAULT_TIMEOUT: Final = 3.0
DEFAULT_RETRIES: Final = 2

# Link failures surface as BleakError from bleak itself, but as OSError / EOFError from
# some backends and proxies when the peer disappears mid-call.
_LINK_ERRORS: Final = (BleakError, OSError, EOFError)

type _Matcher = Callable[[Frame], bool]


def _reply_matcher(request: bytes) -> _Matcher:
    """Describe the only frame that answers ``request``."""
    reply_address = D2_ADDRESS if request[0] == D2_ADDRESS else P81_REPLY_ADDRESS
    function = request[1]
    if function == FUNCTION_READ:
        # Read replies do not name their register; the count tells them apart, and no two
        # reads this client sends to one dialect share a count.
        count = int.from_bytes(request[4:6], "big")
        return lambda frame: (
            frame.address == reply_address
            and frame.function == FUNCTION_READ
            and frame.register_count == count
        )
    if function == FUNCTION_WRITE_MULTIPLE:
        echoed = request[2:6]
        return lambda frame: (
            frame.address == reply_address
            and frame.function == FUNCTION_WRITE_MULTIPLE
            and frame.raw[2:6] == echoed
        )
    # A single-register write is acknowledged by an exact echo.
    return lambda frame: frame.raw == request


class DalyClient:
    """Talk to one Daly BMS over a connected bleak client; one request at a time."""

    def __init__(
        self,
        client: BleakClient,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        retries: int = DEFAULT_RETRIES,
    ) -> None:
        """Wrap ``client``, which the caller connects and disconnects."""
        if timeout <= 0:
            raise ValueError("timeout must be positive")
        if retries < 0:
            raise ValueError("retries must not be negative")
        self._client = client
        self._timeout = timeout
        self._attempts = retries + 1
        self._lock = asyncio.Lock()
        self._assembler = FrameAssembler()
        self._dialect: Dialect | None = None
        self._status_registers = D2_STATUS_REGISTERS
        self._notify_char: BleakGATTCharacteristic | None = None
        self._write_char: BleakGATTCharacteristic | None = None
        self._waiter: tuple[_Matcher, asyncio.Future[Frame]] | None = None

    @property
    def dialect(self) -> Dialect | None:
        """Dialect detected by start(), None before."""
        return self._dialect

    @property
    def status_registers(self) -> int:
        """D2 status registers read per update on this connection (80, or 62 if refused)."""
        return self._status_registers

    async def start(
        self,
        *,
        dialect_hint: Dialect | None = None,
        status_registers_hint: int | None = None,
    ) -> Dialect:
        """Subscribe to notifications and detect the dialect (D2 first, then p81).

        The hints (what an earlier connection found: ``dialect`` and ``status_registers``)
        are probed first, so a p81 unit, or a D2 unit that ignores 80-register reads, does
        not sit through the other probes' timeouts on every reconnect.
        """
        notify_char, write_char = self._find_characteristics()
        try:
            await self._client.start_notify(notify_char, self._on_notification)
        except _LINK_ERRORS as err:
            raise DalyConnectionError(f"cannot subscribe to notifications: {err}") from err
        self._notify_char = notify_char
        self._write_char = write_char
        try:
            self._dialect = await self._detect_dialect(dialect_hint, status_registers_hint)
        except BaseException:
            await self.stop()
            raise
        return self._dialect

    async def stop(self) -> None:
        """Unsubscribe from notifications, ignoring errors; the caller disconnects."""
        waiter, self._waiter = self._waiter, None
        if waiter is not None and not waiter[1].done():
            waiter[1].set_exception(DalyConnectionError("client stopped"))
        notify_char, self._notify_char = self._notify_char, None
        self._write_char = None
        if notify_char is not None:
            # The link is often already gone here; there is nothing useful to report.
            with suppress(Exception):
                await self._client.stop_notify(notify_char)
        self._assembler.reset()

    async def read_status(self) -> DalyStatus:
        """Read and decode one realtime snapshot."""
        if self._require_dialect() is Dialect.P81:
            block1_request, block2_request = p81_status_requests()
            block1 = await self._request(block1_request)
            block2 = await self._request(block2_request)
            return decode_status(block1, block2)
        try:
            frame = await self._request(d2_status_request(self._status_registers))
        except DalyTimeoutError:
            if self._status_registers == D2_STATUS_REGISTERS_SHORT:
                raise
            # Firmware without the extended block ignores the 80-register read entirely.
            frame = await self._request(d2_status_request(D2_STATUS_REGISTERS_SHORT), attempts=1)
            _LOGGER.debug("unit ignores 80-register status reads; using 62")
            self._status_registers = D2_STATUS_REGISTERS_SHORT
        return decode_status(frame)

    async def read_settings(self) -> DalySettings:
        """Read and decode the settings block."""
        return decode_settings(await self._request(settings_request(self._require_dialect())))

    async def read_device_info(self) -> DalyDeviceInfo:
        """Read the software and hardware version strings."""
        dialect = self._require_dialect()
        return decode_device_info(await self._request(device_info_request(dialect)))

    async def set_charge_mos(self, on: bool) -> DalyStatus:
        """Switch the charge MOSFET and return the status that confirms it."""
        return await self._switch_mos(charge_mos_command(on), "charge", on)

    async def set_discharge_mos(self, on: bool) -> DalyStatus:
        """Switch the discharge MOSFET and return the status that confirms it."""
        return await self._switch_mos(discharge_mos_command(on), "discharge", on)

    async def set_balancer(self, on: bool) -> None:
        """Switch the active balancer; returns once the unit echoes the command."""
        self._require_d2_write("balancer")
        await self._request(balancer_command(on))

    async def _switch_mos(self, command: bytes, which: str, on: bool) -> DalyStatus:
        self._require_d2_write(f"{which} MOS")
        await self._request(command)
        status = await self.read_status()
        actual = status.charge_mos if which == "charge" else status.discharge_mos
        if actual is not on:
            raise DalyCommandError(
                f"{which} MOS stayed {'on' if actual else 'off'} after switching it "
                f"{'on' if on else 'off'}",
                status=status,
            )
        return status

    def _require_dialect(self) -> Dialect:
        if self._dialect is None:
            raise DalyConnectionError("start() has not been called on this connection")
        return self._dialect

    def _require_d2_write(self, what: str) -> None:
        if self._require_dialect() is not Dialect.D2:
            raise DalyNotSupportedError(f"{what} switching is not verified for p81 units")

    def _find_characteristics(self) -> tuple[BleakGATTCharacteristic, BleakGATTCharacteristic]:
        try:
            services = self._client.services
        except _LINK_ERRORS as err:
            raise DalyConnectionError(f"services not available: {err}") from err
        by_uuid: dict[str, BleakGATTCharacteristic] = {}
        for service in services:
            for characteristic in service.characteristics:
                by_uuid.setdefault(normalize_uuid_str(characteristic.uuid), characteristic)
        for notify_uuid, write_uuid in _CHARACTERISTIC_PAIRS:
            if notify_uuid in by_uuid and write_uuid in by_uuid:
                return by_uuid[notify_uuid], by_uuid[write_uuid]
        raise DalyConnectionError("no Daly notify/write characteristics (FFF1/FFF2, FF01/FF02)")

    async def _detect_dialect(self, hint: Dialect | None, registers_hint: int | None) -> Dialect:
        d2_full = (Dialect.D2, d2_status_request(D2_STATUS_REGISTERS), self._attempts)
        # A unit that ignored every 80-register read but is awake answers this at once.
        d2_short = (Dialect.D2, d2_status_request(D2_STATUS_REGISTERS_SHORT), 1)
        p81 = (Dialect.P81, p81_status_requests()[0], self._attempts)
        probes = [d2_full, d2_short, p81]
        if hint is Dialect.P81:
            probes = [p81, d2_full, d2_short]
        elif hint is Dialect.D2 and registers_hint == D2_STATUS_REGISTERS_SHORT:
            probes = [(*d2_short[:2], self._attempts), d2_full, p81]
        for dialect, request, attempts in probes:
            try:
                frame = await self._request(request, attempts=attempts)
            except DalyTimeoutError:
                continue
            if dialect is Dialect.D2:
                self._status_registers = frame.register_count
            _LOGGER.debug("%s dialect, %d status registers", dialect, frame.register_count)
            return dialect
        raise DalyNotSupportedError("the unit answers neither D2 nor p81 reads")

    async def _request(self, request: bytes, *, attempts: int | None = None) -> Frame:
        """Send ``request`` and return its answer, resending on silence."""
        matcher = _reply_matcher(request)
        loop = asyncio.get_running_loop()
        async with self._lock:
            for attempt in range(1, (attempts or self._attempts) + 1):
                future: asyncio.Future[Frame] = loop.create_future()
                self._waiter = (matcher, future)
                # Bytes still buffered belong to an exchange that was given up on.
                self._assembler.reset()
                try:
                    await self._write(request)
                    async with asyncio.timeout(self._timeout):
                        return await future
                except TimeoutError:
                    _LOGGER.debug("no answer to %s (attempt %d)", request.hex(" "), attempt)
                finally:
                    self._waiter = None
        raise DalyTimeoutError(f"no answer to {request.hex(' ')}")

    async def _write(self, request: bytes) -> None:
        if self._write_char is None:
            raise DalyConnectionError("client stopped")
        if _LOGGER.isEnabledFor(logging.DEBUG):
            _LOGGER.debug("-> %s", request.hex(" "))
        try:
            # Some units only accept write-without-response.
            await self._client.write_gatt_char(self._write_char, request, response=False)
        except _LINK_ERRORS as err:
            raise DalyConnectionError(f"write failed: {err}") from err

    def _on_notification(self, _sender: BleakGATTCharacteristic, data: bytearray) -> None:
        if _LOGGER.isEnabledFor(logging.DEBUG):
            _LOGGER.debug("<- %s", data.hex(" "))
        frames = self._assembler.feed(data)
        waiter = self._waiter
        for frame in frames:
            if waiter is not None and not waiter[1].done() and waiter[0](frame):
                waiter[1].set_result(frame)
            else:
                _LOGGER.debug("ignoring unexpected frame %s", frame.raw.hex(" "))
