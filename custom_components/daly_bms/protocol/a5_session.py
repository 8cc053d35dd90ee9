"""The A5 conversation with one unit: which host address it answers, readings, writes.

The transport (write a request, hand every reply frame to a collector until it is
satisfied, resend on silence) is the client's; this module decides what to ask and how to
judge the answers.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
import logging
from typing import Final, Protocol

from .a5 import (
    STATUS_COMMANDS,
    A5Command,
    A5Reading,
    NumberedReply,
    counts,
    decode_a5_settings,
    decode_a5_status,
    frames_needed,
    mos_command,
    request,
    set_soc_command,
)
from .a5_frames import HOST_ADDRESSES, REPLY_ADDRESS, A5Frame
from .errors import (
    DalyCommandError,
    DalyNotSupportedError,
    DalyTimeoutError,
)
from .models import DalySettings, DalyStatus

_LOGGER = logging.getLogger(__name__)

# How often the state is read back after a write before the unit counts as not
# following it: an earlier reply that arrives late can answer the first read.
VERIFY_READS: Final = 3


class ReplyCollector(Protocol):
    """Takes the frames that answer one request."""

    def add(self, frame: A5Frame) -> bool:
        """Take ``frame`` if it belongs to this reply; return True once it is complete."""


type Exchange = Callable[[bytes, ReplyCollector, int | None], Awaitable[None]]
"""Send a request and feed reply frames to the collector until it is complete.

The third argument is the number of attempts (None: the client's default). Raises
DalyTimeoutError when the reply stays incomplete.
"""


class SingleReply:
    """The one frame that answers a request."""

    __slots__ = ("command", "data")

    def __init__(self, command: int) -> None:
        """Wait for a reply to ``command``."""
        self.command = command
        self.data: bytes | None = None

    def add(self, frame: A5Frame) -> bool:
        """Take the frame if it answers this command."""
        if frame.address == REPLY_ADDRESS and frame.command == self.command:
            self.data = frame.data
        return self.data is not None

    def result(self) -> bytes:
        """The reply's data bytes."""
        if self.data is None:
            raise DalyTimeoutError(f"no answer to 0x{self.command:02X}")
        return self.data


class A5Session:
    """What to ask an A5 unit and how to judge its answers."""

    def __init__(self, exchange: Exchange, *, host_address: int | None = None) -> None:
        """Talk through ``exchange``; ``host_address`` is one found on an earlier link."""
        self._exchange = exchange
        self._host_address = host_address
        # Frames of numbered replies count from 1 unless the unit is seen counting from 0.
        self._first_frame_number = 1

    @property
    def host_address(self) -> int | None:
        """The host address the unit answers (0x80 or 0x40), None before detection."""
        return self._host_address

    async def detect(self, *, attempts: int | None = 1) -> int:
        """Find the host address the unit answers: a known one first, then 0x80, 0x40.

        Raises DalyNotSupportedError when the unit answers neither.
        """
        candidates = list(HOST_ADDRESSES)
        if self._host_address in candidates:
            candidates.remove(self._host_address)
            candidates.insert(0, self._host_address)
        for address in candidates:
            reply = SingleReply(A5Command.PACK)
            try:
                await self._exchange(request(A5Command.PACK, address), reply, attempts)
            except DalyTimeoutError:
                continue
            _LOGGER.debug("A5 unit answers host address 0x%02X", address)
            self._host_address = address
            return address
        raise DalyNotSupportedError("the unit answers no A5 request")

    async def _ask(self, command: int, data: bytes = b"", attempts: int | None = None) -> bytes:
        reply = SingleReply(command)
        await self._exchange(request(command, self._address(), data), reply, attempts)
        return reply.result()

    async def _ask_numbered(self, command: int, count: int) -> tuple[bytes, ...]:
        needed = frames_needed(command, count)
        if not needed:
            return ()
        reply = NumberedReply(command, needed, first_number=self._first_frame_number)
        await self._exchange(request(command, self._address()), reply, None)
        self._first_frame_number = reply.first_number
        return reply.payloads()

    def _address(self) -> int:
        if self._host_address is None:
            raise DalyNotSupportedError("no A5 host address detected yet")
        return self._host_address

    async def read_status(self) -> DalyStatus:
        """Read every reply of one status reading and decode them together."""
        replies: dict[int, bytes] = {}
        cell_frames: tuple[bytes, ...] = ()
        probe_frames: tuple[bytes, ...] = ()
        for command in STATUS_COMMANDS:
            if command == A5Command.CELL_VOLTAGES:
                cells, _ = counts(replies[A5Command.STATUS])
                cell_frames = await self._ask_numbered(command, cells)
            elif command == A5Command.TEMPERATURES:
                _, probes = counts(replies[A5Command.STATUS])
                probe_frames = await self._ask_numbered(command, probes)
            else:
                replies[command] = await self._ask(command)
        return decode_a5_status(A5Reading(replies, cell_frames, probe_frames))

    async def read_settings(self) -> DalySettings:
        """Read rated capacity and nominal cell voltage (0x50)."""
        data = await self._ask(A5Command.RATED)
        return decode_a5_settings(A5Frame(REPLY_ADDRESS, A5Command.RATED, data))

    async def set_mos(self, command: int, on: bool) -> DalyStatus:
        """Switch a MOSFET (0xD9 discharge, 0xDA charge) and confirm it by reading 0x93."""
        which = "charge" if command == A5Command.CHARGE_MOS else "discharge"
        byte = 1 if command == A5Command.CHARGE_MOS else 2
        await self._write(mos_command(command, on, self._address()), command)
        await self._read_back(A5Command.MOS, lambda data: bool(data[byte]) is on)
        status = await self.read_status()
        actual = status.charge_mos if byte == 1 else status.discharge_mos
        if actual is not on:
            raise DalyCommandError(
                f"{which} MOS stayed {'on' if actual else 'off'} after switching it "
                f"{'on' if on else 'off'}",
                status=status,
            )
        return status

    async def set_soc(self, soc: float, now: datetime) -> DalyStatus:
        """Set the SOC (and, with it, the unit's clock) and confirm it by reading 0x90."""
        wanted = round(soc * 10)
        await self._write(set_soc_command(soc, now, self._address()), A5Command.SET_SOC)
        await self._read_back(A5Command.PACK, lambda data: int.from_bytes(data[6:8]) == wanted)
        status = await self.read_status()
        if status.soc is None or round(status.soc * 10) != wanted:
            raise DalyCommandError(
                f"SOC reads {status.soc} % after setting it to {wanted / 10} %", status=status
            )
        return status

    async def _read_back(self, command: int, done: Callable[[bytes], bool]) -> None:
        """Read ``command`` until ``done`` holds, a bounded number of times."""
        for _ in range(VERIFY_READS):
            try:
                if done(await self._ask(command)):
                    return
            except DalyTimeoutError:
                continue

    async def _write(self, frame: bytes, command: int) -> None:
        # Units acknowledge with a reply to the same command; one that keeps it to itself
        # may still have acted, which the read-back tells.
        try:
            await self._exchange(frame, SingleReply(command), 1)
        except DalyTimeoutError:
            _LOGGER.debug("no acknowledgement of 0x%02X; reading back", command)
