"""The legacy A5 dialect of older Daly units (13-byte frames, checksum = sum of bytes).

Asked after D2 and p81 fail. A reading is seven requests (0x94 first for the cell and
probe counts, then 0x90, 0x93, 0x95, 0x96, 0x97, 0x98); 0x95 and 0x96 answer with several
numbered frames. Requests carry the host address: 0x80 is documented for Bluetooth, but
some modules answer 0x40 only, so both are tried and the one that answers is remembered.
The MOSFETs switch with 0xD9 (discharge) / 0xDA (charge), confirmed by reading 0x93 back
in the readings after the write. 0x21 sets the SOC and the unit's clock together; the SOC
read back (0x90) is what confirms it, so the settings read here are rated capacity and
nominal cell voltage (0x50) and the SOC. The unit has no version strings.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
import logging
from typing import TYPE_CHECKING, Final

from .a5_frames import (
    HOST_ADDRESS_BLUETOOTH,
    HOST_ADDRESSES,
    START,
    A5Frame,
    A5FrameAssembler,
    NumberedReply,
    encode_a5,
    parse_a5_frame,
)
from .a5_reading import (
    ALARMS,
    NUMBERED,
    SETTINGS_FIELDS,
    STATUS,
    STATUS_COMMANDS,
    A5Command,
    A5Reading,
    counts,
    decode_rated,
    decode_reading,
    frames_needed,
    gather_reading,
    split_frames,
)
from .decode import compile_status
from .dialect import DialectSpec, Exchange, FrameInput, Matcher
from .errors import DalyNotSupportedError, DalyTimeoutError
from .frames import Frame
from .models import Capabilities, Dialect, MosBank
from .plausibility import BOUNDS, NO_LIMITS, UnitLimits
from .settings import Setting, soc_setting

if TYPE_CHECKING:
    from .memory import UnitMemory
    from .models import DalyDeviceInfo, DalySettings, DalyStatus

_LOGGER = logging.getLogger(__name__)

# Sends to each host address, taking turns, before the unit counts as not speaking A5.
DETECT_ROUNDS: Final = 3
# The SOC is written with 0x21 and read back from 0x90: tenths of a percent either way.
SOC_SETTING: Final = soc_setting(A5Command.SET_SOC)
_MOS_COMMANDS: Final = {
    MosBank.CHARGE: A5Command.CHARGE_MOS,
    MosBank.DISCHARGE: A5Command.DISCHARGE_MOS,
}


@dataclass(slots=True)
class A5Learned:
    """What an A5 unit showed, kept across connections."""

    host_address: int | None = None
    first_frame_number: int = 1


def _as_frame(frame: FrameInput) -> A5Frame:
    if isinstance(frame, A5Frame):
        return frame
    return parse_a5_frame(frame.raw if isinstance(frame, Frame) else frame)


def _frames(item: FrameInput) -> list[A5Frame]:
    # A checked frame stands alone; bytes may hold several frames back to back.
    return [_as_frame(item)] if isinstance(item, Frame) else split_frames(item)


class A5Dialect(DialectSpec):
    """The A5 dialect, speaking to one host address."""

    dialect = Dialect.A5
    label = "A5"
    alarms = ALARMS
    capabilities = Capabilities(
        dialect=Dialect.A5,
        switchable_mos=frozenset(MosBank),
        status_fields=STATUS.fields(),
        settings=SETTINGS_FIELDS | {SOC_SETTING.key},
        writable=(SOC_SETTING,),
    )

    def __init__(self, host_address: int = HOST_ADDRESS_BLUETOOTH) -> None:
        """Address requests from ``host_address``."""
        self.host_address = host_address
        self._compiled = compile_status(STATUS, self.capabilities)

    def for_unit(self, memory: UnitMemory) -> A5Dialect:
        """Return the dialect speaking to the host address the unit answered."""
        address = memory.learned(Dialect.A5, A5Learned).host_address
        if address is None or address == self.host_address:
            return self
        return A5Dialect(address)

    def request(self, command: int, data: bytes = b"") -> bytes:
        """Encode a request to ``command`` from this dialect's host address."""
        return encode_a5(self.host_address, command, data)

    def new_assembler(self) -> A5FrameAssembler:
        """Return a reassembler for A5 replies."""
        return A5FrameAssembler()

    def replies_with(self, address: int) -> bool:
        """Return True for the A5 start byte."""
        return address == START

    def reply_matcher(self, request: bytes) -> Matcher:
        """A reply answers the request that names the same command."""
        command = request[2]
        return lambda frame: frame.function == command

    async def detect(self, exchange: Exchange, memory: UnitMemory) -> bool:
        """Read 0x90 from each host address in turn, a known one first."""
        learned = memory.learned(Dialect.A5, A5Learned)
        candidates = list(HOST_ADDRESSES)
        if learned.host_address in candidates:
            candidates.remove(learned.host_address)
            candidates.insert(0, learned.host_address)
        for _ in range(DETECT_ROUNDS):
            for address in candidates:
                try:
                    await exchange(encode_a5(address, A5Command.PACK), attempts=1)
                except DalyTimeoutError:
                    continue
                _LOGGER.debug("A5 unit answers host address 0x%02X", address)
                learned.host_address = address
                return True
        return False

    async def read_status(self, exchange: Exchange, memory: UnitMemory) -> DalyStatus:
        """Read every reply of one reading and decode them together."""
        learned = memory.learned(Dialect.A5, A5Learned)
        replies: dict[int, bytes] = {}
        numbered: dict[int, tuple[bytes, ...]] = {}
        for command in STATUS_COMMANDS:
            if command in NUMBERED:
                cells, probes = counts(replies[A5Command.STATUS])
                count = cells if command == A5Command.CELL_VOLTAGES else probes
                numbered[command] = await self._read_numbered(exchange, learned, command, count)
            else:
                frame = await exchange(self.request(command))
                replies[command] = frame.raw[4:12]
        reading = A5Reading(
            replies,
            numbered[A5Command.CELL_VOLTAGES],
            numbered[A5Command.TEMPERATURES],
        )
        return decode_reading(self._compiled, reading, self.limits(memory.settings))

    async def _read_numbered(
        self, exchange: Exchange, learned: A5Learned, command: int, count: int
    ) -> tuple[bytes, ...]:
        needed = frames_needed(command, count)
        if not needed:
            return ()
        reply = NumberedReply(command, needed, first_number=learned.first_frame_number)
        await exchange(self.request(command), matcher=reply.add)
        learned.first_frame_number = reply.first_number
        return reply.payloads()

    def decode_status(
        self, frame: FrameInput, block2: FrameInput | None = None, *, limits: UnitLimits = NO_LIMITS
    ) -> DalyStatus:
        """Decode the reply frames of one reading, given back to back in any order."""
        frames = _frames(frame) if block2 is None else _frames(frame) + _frames(block2)
        return self.decode_frames(frames, limits=limits)

    def decode_frames(
        self, frames: Iterable[A5Frame], *, limits: UnitLimits = NO_LIMITS
    ) -> DalyStatus:
        """Decode the checked reply frames of one reading, in any order."""
        return decode_reading(self._compiled, gather_reading(frames), limits)

    def settings_request(self) -> bytes:
        """Return the request for rated capacity and nominal cell voltage."""
        return self.request(A5Command.RATED)

    def decode_settings(self, frame: FrameInput) -> DalySettings:
        """Decode the 0x50 reply."""
        return decode_rated(_as_frame(frame))

    async def read_settings(self, exchange: Exchange, memory: UnitMemory) -> DalySettings:
        """Read rated capacity and nominal cell voltage, and the SOC the unit now holds."""
        settings = self.decode_settings(await exchange(self.settings_request()))
        pack = await exchange(self.request(A5Command.PACK))
        soc = int.from_bytes(pack.raw[10:12]) / 10
        return replace(settings, soc_setting=soc if BOUNDS["soc"].allows(soc) else None)

    def device_info_request(self) -> bytes:
        """A5 units have no version strings this protocol knows of."""
        raise DalyNotSupportedError("A5 units report no version strings")

    def decode_device_info(self, frame: FrameInput) -> DalyDeviceInfo:
        """A5 units have no version strings this protocol knows of."""
        raise DalyNotSupportedError("A5 units report no version strings")

    def mos_command(self, bank: MosBank, on: bool) -> bytes:
        """Switch a MOSFET bank: data byte 0 is 1 or 0; the unit answers the command."""
        return self.request(_MOS_COMMANDS[bank], bytes((int(on),)))

    def setting_command(self, setting: Setting, raw: int) -> bytes:
        """Set the SOC (`raw` in tenths of a percent), the unit's clock with it to now."""
        if setting != SOC_SETTING:
            return super().setting_command(setting, raw)
        return self.soc_command(raw, datetime.now())

    def soc_command(self, tenths: int, now: datetime) -> bytes:
        """Set the SOC in tenths of a percent; the same command sets the clock to ``now``."""
        if not 0 <= tenths <= 1000:
            raise ValueError(f"SOC {tenths / 10} outside 0..100 %")
        if not 2000 <= now.year <= 2255:
            raise ValueError(f"the unit's clock cannot hold the year {now.year}")
        clock = (now.year - 2000, now.month, now.day, now.hour, now.minute, now.second)
        return self.request(A5Command.SET_SOC, bytes(clock) + tenths.to_bytes(2))


A5: Final = A5Dialect()
