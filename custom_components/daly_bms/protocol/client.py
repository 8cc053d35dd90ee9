"""DalyClient: request/response over an already connected bleak client."""

from __future__ import annotations

import asyncio
from contextlib import suppress
import logging
from typing import TYPE_CHECKING, Final

from bleak.exc import BleakError
from bleak.uuids import normalize_uuid_str

from .const import CHARACTERISTIC_PAIRS, DEFAULT_RETRIES, DEFAULT_TIMEOUT
from .dialects import DIALECTS, DialectSpec, dialect_spec
from .errors import (
    DalyCommandError,
    DalyConnectionError,
    DalyNotRecognizedError,
    DalyNotSupportedError,
    DalySettingNotFollowedError,
    DalyTimeoutError,
)
from .frames import Frame
from .memory import UnitMemory

if TYPE_CHECKING:
    from bleak import BleakClient
    from bleak.backends.characteristic import BleakGATTCharacteristic

    from .dialect import Matcher, Reassembler
    from .models import Capabilities, DalyDeviceInfo, DalySettings, DalyStatus, Dialect, MosBank
    from .settings import Setting

_LOGGER = logging.getLogger(__name__)

# Link failures surface as BleakError from bleak itself, but as OSError / EOFError from
# some backends and proxies when the peer disappears mid-call.
_LINK_ERRORS: Final = (BleakError, OSError, EOFError)

# Readings taken after a MOS or settings write before it counts as not followed. A read
# reply does not name its request: a late reply to an earlier read can answer one or two of
# them, so the write is refused only when readings after those agree. The first reply to
# each request after the write is not one of them: the unit's BLE module may send its
# previous answer to that request again ahead of the new one, from before the write.
MOS_CONFIRM_READS: Final = 3


def _on_off(on: bool) -> str:
    return "on" if on else "off"


class DalyClient:
    """Talk to one Daly BMS over a connected bleak client; one request at a time."""

    def __init__(
        self,
        client: BleakClient,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        retries: int = DEFAULT_RETRIES,
        memory: UnitMemory | None = None,
    ) -> None:
        """Wrap ``client``, which the caller connects and disconnects.

        ``memory``: what earlier connections learned about this unit; pass the same one
        to the client of every connection to the unit, it is updated as the unit answers.
        """
        if timeout <= 0:
            raise ValueError("timeout must be positive")
        if retries < 0:
            raise ValueError("retries must not be negative")
        self._client = client
        self._timeout = timeout
        self._attempts = retries + 1
        self._memory = memory if memory is not None else UnitMemory()
        self._lock = asyncio.Lock()
        self._spec: DialectSpec | None = None
        self._asking: DialectSpec = DIALECTS[0]
        self._assembler: Reassembler = self._asking.new_assembler()
        self._notify_char: BleakGATTCharacteristic | None = None
        self._write_char: BleakGATTCharacteristic | None = None
        self._waiter: tuple[Matcher, asyncio.Future[Frame]] | None = None
        # The requests answered since the latest write, and whether every reply of the
        # reading under way answered a request answered since then already.
        self._answered_since_write: set[bytes] = set()
        self._answered_before = False

    @property
    def memory(self) -> UnitMemory:
        """Return what is known about the unit, across connections."""
        return self._memory

    @property
    def dialect(self) -> Dialect | None:
        """Dialect detected by start(), None before."""
        return None if self._spec is None else self._spec.dialect

    @property
    def capabilities(self) -> Capabilities | None:
        """What the unit's dialect reports and can change; None before start()."""
        return None if self._spec is None else self._spec.capabilities

    async def start(self) -> Dialect:
        """Subscribe to notifications and find the unit's dialect.

        The dialect the memory names is asked first, then the others in registry order,
        so a unit does not sit through the other dialects' timeouts on every reconnect.
        Raises DalyNotRecognizedError when the unit answers none of them.
        """
        notify_char, write_char = self._find_characteristics()
        try:
            await self._client.start_notify(notify_char, self._on_notification)
        except _LINK_ERRORS as err:
            raise DalyConnectionError(f"cannot subscribe to notifications: {err}") from err
        self._notify_char = notify_char
        self._write_char = write_char
        try:
            spec = await self._detect()
        except BaseException:
            await self.stop()
            raise
        self._spec = spec.for_unit(self._memory)
        self._memory.dialect = spec.dialect
        return spec.dialect

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
        """Read one realtime snapshot; values the unit's settings or history rule out are None."""
        status = await self._require_spec().read_status(self._request, self._memory)
        return self._memory.guard.check(status)

    async def read_settings(self) -> DalySettings:
        """Read and decode the settings (and judge later readings against them)."""
        settings = await self._require_spec().read_settings(self._request, self._memory)
        self._memory.settings = settings
        return settings

    async def read_device_info(self) -> DalyDeviceInfo:
        """Read the software and hardware version strings."""
        spec = self._require_spec()
        return spec.decode_device_info(await self._request(spec.device_info_request()))

    async def set_mos(self, bank: MosBank, on: bool) -> DalyStatus:
        """Switch a MOSFET bank and return a status read afterwards that shows it switched.

        Raises DalyNotSupportedError (nothing sent) if the dialect cannot switch `bank`,
        DalyCommandError if fresh readings agree the unit did not follow, and
        DalyTimeoutError if the unit did not answer; both carry the status read back in
        ``status`` when one could be read (with `bank` unknown when too few readings came
        back to settle it).
        """
        spec = self._require_spec()
        if not spec.capabilities.can_switch(bank):
            raise DalyNotSupportedError(f"{bank} MOS switching is not verified for {spec.label}")
        try:
            await self._request(spec.mos_command(bank, on), write=True)
        except DalyTimeoutError as lost:
            # The write or its echo was lost: only the unit's status can tell which.
            try:
                status = await self._confirm_mos(bank, on)
            except DalyCommandError as err:
                raise DalyTimeoutError(
                    f"no echo to switching the {bank} MOS {_on_off(on)}; it is {_on_off(not on)}",
                    status=err.status,
                ) from lost
            except DalyTimeoutError as silent:
                lost.status = silent.status
                raise lost from None
            _LOGGER.debug("%s MOS write echo lost, but the unit switched", bank)
            return status
        return await self._confirm_mos(bank, on)

    async def set_balancer(self, on: bool) -> DalySettings:
        """Switch the active balancer; returns the settings read back that show it."""
        return await self.set_setting("balancer", on)

    async def set_setting(self, key: str, value: float) -> DalySettings:
        """Write one setting and return the settings read back that show the unit took it.

        `key` names a setting of `capabilities.writable` (its DalySettings field); a switch
        takes a bool. The value is rounded to what the register holds. Raises
        DalyNotSupportedError if the dialect cannot set `key` and DalySettingRangeError if
        `value` is out of its range (in both cases nothing is sent),
        DalySettingNotFollowedError (with the settings read back) if the unit does not show
        the value afterwards, DalyTimeoutError if it does not answer.
        """
        spec = self._require_spec()
        setting = spec.capabilities.setting(key)
        if setting is None:
            raise DalyNotSupportedError(f"{key} cannot be set on {spec.label} units")
        raw = setting.raw(value)
        expected = setting.value(raw)
        try:
            await self._request(spec.setting_command(setting, raw), write=True)
        except DalyTimeoutError as lost:
            # The write or its echo was lost: only the settings read back can tell which.
            try:
                settings = await self._confirm_setting(setting, expected, acknowledged=False)
            except DalyTimeoutError:
                raise lost from None
            _LOGGER.debug("%s write echo lost, but the unit took it", key)
            return settings
        return await self._confirm_setting(setting, expected, acknowledged=True)

    async def _confirm_setting(
        self, setting: Setting, expected: float, *, acknowledged: bool
    ) -> DalySettings:
        """Read the settings until they show `expected`, a bounded number of times."""
        settings: DalySettings | None = None
        judged = 0
        # Ends: the settings request is passed over once at most, on its first answer.
        while judged < MOS_CONFIRM_READS:
            self._answered_before = True
            settings = await self.read_settings()
            if not self._answered_before:
                _LOGGER.debug("first answer to this read since the write: it decides nothing")
                continue
            judged += 1
            if setting.followed(expected, getattr(settings, setting.key)):
                return settings
            _LOGGER.debug(
                "%s still %s after the write", setting.key, getattr(settings, setting.key)
            )
        assert settings is not None
        raise DalySettingNotFollowedError(setting, expected, settings, acknowledged=acknowledged)

    async def _confirm_mos(self, bank: MosBank, on: bool) -> DalyStatus:
        """Read the status until it shows `bank` at `on`, a bounded number of times."""
        status: DalyStatus | None = None
        judged = 0
        # Ends: each status request is passed over once at most, on its first answer.
        while judged < MOS_CONFIRM_READS:
            self._answered_before = True
            try:
                status = await self.read_status()
            except DalyTimeoutError as err:
                # Fewer readings than it takes to judge the write: one that shows the bank
                # unswitched may be a late or resent reply from before the write, so it
                # tells the other values, not the bank's state.
                err.status = err.status or (None if status is None else status.without_mos(bank))
                raise
            if not self._answered_before:
                _LOGGER.debug("first answer to this read since the write: it decides nothing")
                continue
            judged += 1
            if status.mos(bank) is on:
                return status
            _LOGGER.debug("%s MOS still %s after the write", bank, _on_off(not on))
        assert status is not None
        raise DalyCommandError(
            f"{bank} MOS stayed {_on_off(not on)} after switching it {_on_off(on)}",
            status=status,
        )

    def _require_spec(self) -> DialectSpec:
        if self._spec is None:
            raise DalyConnectionError("start() has not been called on this connection")
        return self._spec

    def _find_characteristics(self) -> tuple[BleakGATTCharacteristic, BleakGATTCharacteristic]:
        try:
            services = self._client.services
        except _LINK_ERRORS as err:
            raise DalyConnectionError(f"services not available: {err}") from err
        by_uuid: dict[str, BleakGATTCharacteristic] = {}
        for service in services:
            for characteristic in service.characteristics:
                by_uuid.setdefault(normalize_uuid_str(characteristic.uuid), characteristic)
        for notify_uuid, write_uuid in CHARACTERISTIC_PAIRS:
            if notify_uuid in by_uuid and write_uuid in by_uuid:
                return by_uuid[notify_uuid], by_uuid[write_uuid]
        raise DalyConnectionError("no Daly notify/write characteristics (FFF1/FFF2, FF01/FF02)")

    async def _detect(self) -> DialectSpec:
        order = list(DIALECTS)
        if self._memory.dialect is not None:
            known = dialect_spec(self._memory.dialect)
            order.remove(known)
            order.insert(0, known)
        for spec in order:
            self._ask_in(spec)
            if await spec.detect(self._request, self._memory):
                _LOGGER.debug("the unit answers in the %s dialect", spec.label)
                return spec
        raise DalyNotRecognizedError(
            f"the unit answers neither {' nor '.join(spec.label for spec in DIALECTS)} reads"
        )

    def _ask_in(self, spec: DialectSpec) -> None:
        if spec is not self._asking:
            self._asking = spec
            self._assembler = spec.new_assembler()

    async def _request(
        self,
        request: bytes,
        *,
        attempts: int | None = None,
        matcher: Matcher | None = None,
        write: bool = False,
    ) -> Frame:
        """Send ``request`` and return its answer, resending on silence.

        `write`: a command that readings after it are to check; from its sending on, the
        first reply to each request may be from before it (see MOS_CONFIRM_READS).
        """
        if matcher is None:
            matcher = (self._spec or self._asking).reply_matcher(request)
        loop = asyncio.get_running_loop()
        async with self._lock:
            if write:
                self._answered_since_write = set()
            for attempt in range(1, (attempts or self._attempts) + 1):
                future: asyncio.Future[Frame] = loop.create_future()
                self._waiter = (matcher, future)
                # Bytes still buffered belong to an exchange that was given up on.
                self._assembler.reset()
                try:
                    await self._write(request)
                    async with asyncio.timeout(self._timeout):
                        frame = await future
                except TimeoutError:
                    _LOGGER.debug("no answer to %s (attempt %d)", request.hex(" "), attempt)
                else:
                    self._note_answered(request)
                    return frame
                finally:
                    self._waiter = None
        raise DalyTimeoutError(f"no answer to {request.hex(' ')}")

    def _note_answered(self, request: bytes) -> None:
        self._answered_before &= request in self._answered_since_write
        self._answered_since_write.add(request)

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
        waiter = self._waiter
        answer: Frame | None = None
        for frame in self._assembler.feed(data):
            if waiter is not None and not waiter[1].done() and waiter[0](frame):
                if answer is not None:
                    # Two answers in one notification: the earlier one is a late reply
                    # to a request given up on; the newest is the one to this request.
                    _LOGGER.debug("skipping an older reply %s", answer.raw.hex(" "))
                answer = frame
            else:
                # Not the answer, or (a reply of several frames) not all of it yet.
                _LOGGER.debug("frame %s does not complete the answer", frame.raw.hex(" "))
        if answer is not None and waiter is not None:
            waiter[1].set_result(answer)
