"""What a dialect module provides, and the Modbus-like framing that D2 and p81 share.

A dialect knows its framing (which frames answer which request), how to recognise a unit
that speaks it, how to read and decode a status, settings and version strings, which writes
it has, and what it can do (`capabilities`). The client drives a unit through this
interface only, so a new dialect is a new module and a line in the registry.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Protocol

from .const import FUNCTION_READ, FUNCTION_WRITE_MULTIPLE
from .decode import (
    SettingsLayout,
    VersionLayout,
    as_frame,
    decode_settings_registers,
    decode_versions,
    expect_read,
)
from .errors import DalyNotSupportedError
from .frames import Frame, FrameAssembler, encode_read, encode_write_multiple, encode_write_single
from .plausibility import NO_LIMITS, UnitLimits

if TYPE_CHECKING:
    from .memory import UnitMemory
    from .models import (
        Alarm,
        Capabilities,
        DalyDeviceInfo,
        DalySettings,
        DalyStatus,
        Dialect,
        MosBank,
    )
    from .settings import Setting

type Matcher = Callable[[Frame], bool]
type FrameInput = bytes | bytearray | Frame


class Exchange(Protocol):
    """Send one request and return the frame that answers it (DalyTimeoutError if none)."""

    async def __call__(
        self, request: bytes, *, attempts: int | None = None, matcher: Matcher | None = None
    ) -> Frame:
        """`attempts`: sends before giving up (None: the client's own setting).

        `matcher`: what answers the request, when it is more than the dialect's
        `reply_matcher` tells (a reply of several frames: True once all are in).
        """


class Reassembler(Protocol):
    """Turns notification chunks into a dialect's checked frames."""

    def __len__(self) -> int:
        """Return the bytes held back waiting for the rest of a frame."""

    def reset(self) -> None:
        """Forget any partial frame."""

    def feed(self, chunk: bytes | bytearray) -> Sequence[Frame]:
        """Add a chunk and return the frames it completed, oldest first."""


class DialectSpec(ABC):
    """One wire dialect: framing, detection, reading, decoding, writes, capabilities."""

    dialect: Dialect
    label: str  # as the protocol notes write it
    capabilities: Capabilities
    alarms: tuple[Alarm, ...]  # by bit number

    @abstractmethod
    def new_assembler(self) -> Reassembler:
        """Return a reassembler for this dialect's replies."""

    @abstractmethod
    def reply_matcher(self, request: bytes) -> Matcher:
        """Describe the only frame that answers `request`."""

    @abstractmethod
    def replies_with(self, address: int) -> bool:
        """Return True if this dialect's replies start with byte `address`."""

    @abstractmethod
    async def detect(self, exchange: Exchange, memory: UnitMemory) -> bool:
        """Ask the unit in this dialect; True if it answered (and learn what it showed)."""

    @abstractmethod
    async def read_status(self, exchange: Exchange, memory: UnitMemory) -> DalyStatus:
        """Read and decode one realtime snapshot, judged against the remembered settings."""

    @abstractmethod
    def decode_status(
        self, frame: FrameInput, block2: FrameInput | None = None, *, limits: UnitLimits = NO_LIMITS
    ) -> DalyStatus:
        """Decode a status reply (some dialects need a second frame)."""

    @abstractmethod
    def settings_request(self) -> bytes:
        """Return the request for the settings block."""

    @abstractmethod
    def decode_settings(self, frame: FrameInput) -> DalySettings:
        """Decode the settings reply."""

    @abstractmethod
    def device_info_request(self) -> bytes:
        """Return the request for the version strings."""

    @abstractmethod
    def decode_device_info(self, frame: FrameInput) -> DalyDeviceInfo:
        """Decode the version-string reply."""

    def for_unit(self, memory: UnitMemory) -> DialectSpec:
        """Return this dialect as it speaks to the unit `memory` describes."""
        return self

    def limits(self, settings: DalySettings | None) -> UnitLimits:
        """Return what `settings` say a reading of this dialect can be."""
        return UnitLimits.from_settings(settings)

    def mos_command(self, bank: MosBank, on: bool) -> bytes:
        """Return the write that switches `bank`; its echo acknowledges it."""
        raise DalyNotSupportedError(f"{bank} MOS switching is not verified for {self.label}")

    async def read_settings(self, exchange: Exchange, memory: UnitMemory) -> DalySettings:
        """Read and decode the settings, every one this dialect reads back."""
        return self.decode_settings(await exchange(self.settings_request()))

    def setting_command(self, setting: Setting, raw: int) -> bytes:
        """Return the write that puts `raw` into `setting`; its echo acknowledges it."""
        raise DalyNotSupportedError(f"{setting.key} cannot be set on {self.label} units")


class ModbusDialect(DialectSpec):
    """D2 and p81: Modbus-RTU-like frames with a CRC, one request and reply address each."""

    request_address: int
    reply_address: int
    settings_layout: SettingsLayout
    versions: VersionLayout

    def new_assembler(self) -> FrameAssembler:
        """Return a reassembler that keeps this dialect's replies only."""
        return FrameAssembler((self.reply_address,))

    def replies_with(self, address: int) -> bool:
        """Return True for this dialect's reply address."""
        return address == self.reply_address

    def reply_matcher(self, request: bytes) -> Matcher:
        """Describe the reply to `request`: same count for a read, the echo for a write."""
        reply_address = self.reply_address
        function = request[1]
        if function == FUNCTION_READ:
            # Read replies do not name their register; the count tells them apart, and no
            # two reads a dialect sends share a count.
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
        # A single-register write is acknowledged by its exact echo (reply address first).
        echo = bytes([reply_address]) + request[1:6]
        return lambda frame: frame.raw[:6] == echo

    def read_request(self, register: int, count: int) -> bytes:
        """Return a read of `count` registers from `register` in this dialect."""
        return encode_read(self.request_address, register, count)

    def settings_request(self) -> bytes:
        """Return the request for the settings block."""
        return self.read_request(
            self.settings_layout.first_register, self.settings_layout.registers
        )

    def decode_settings(self, frame: FrameInput) -> DalySettings:
        """Decode the settings reply."""
        checked = as_frame(frame)
        layout = self.settings_layout
        expect_read(checked, layout.registers, "settings", self.reply_address)
        return decode_settings_registers(layout, layout.unpacker().unpack_from(checked.raw, 3))

    def device_info_request(self) -> bytes:
        """Return the request for the version strings."""
        return self.read_request(self.versions.first_register, self.versions.registers)

    def decode_device_info(self, frame: FrameInput) -> DalyDeviceInfo:
        """Decode the version-string reply."""
        checked = as_frame(frame)
        expect_read(checked, self.versions.registers, "version", self.reply_address)
        return decode_versions(self.versions, checked, self.capabilities)

    def setting_command(self, setting: Setting, raw: int) -> bytes:
        """Write a setting: one register with a write-single, a 32-bit one in one go."""
        if setting not in self.capabilities.writable:
            return super().setting_command(setting, raw)
        if setting.words == 1:
            return encode_write_single(self.request_address, setting.register, raw)
        return encode_write_multiple(self.request_address, setting.register, setting.registers(raw))
