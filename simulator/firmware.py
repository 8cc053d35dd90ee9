"""The firmware's request handler: address maps, reads, writes, silence.

Real units never send exception frames: anything they do not support (unknown
register, bad CRC, wrong address byte, odd length) is met with silence, so every
refusal here is ``None``.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from enum import StrEnum

from .a5 import A5Firmware, A5Quirks
from .bms import Bms
from .frames import (
    READ,
    WRITE_SINGLE,
    Request,
    parse_request,
    read_reply,
    write_multiple_reply,
    write_single_reply,
)
from .p81_settings import P81_SETTINGS, P81SettingsBlock
from .registers import (
    D2_LAYOUT,
    D2_STATUS_SIZE,
    P81_LAYOUT,
    P81_REALTIME_SIZE,
    d2_status,
    impossible_readings,
    p81_realtime,
)
from .settings import REG_SOC, Settings
from .versions import D2_VERSION_REGISTERS, P81_VERSION_REGISTERS, VersionStrings

D2_ADDRESS = 0xD2
P81_REQUEST_ADDRESS = 0x81  # 0x80 + board number 1
P81_REPLY_ADDRESS = 0x51
# Software and hardware version and what follows; the app reads 32 registers from 0xA9.
D2_VERSIONS = range(0xA9, 0xA9 + D2_VERSION_REGISTERS)
P81_VERSIONS = range(0x178, 0x178 + P81_VERSION_REGISTERS)
# Between the realtime registers and the settings block a p81 unit answers, but with all
# bits set: the alarm block 0xA4 and the D2 balancer address 0xCF read 0xFFFF on real units.
P81_UNSUPPORTED = range(P81_REALTIME_SIZE, P81_SETTINGS.start)
UNSUPPORTED_VALUE = 0xFFFF
# Accepted and echoed by real units over BLE, yet nothing switches.
D2_IGNORED_WRITES = frozenset({0x0C, 0x0D})
DEFAULT_SOFTWARE_VERSION = "DLY-K00T-2.4.1"
DEFAULT_HARDWARE_VERSION = "R24TM1A-V1.2"
DEFAULT_VERSIONS = VersionStrings(
    software=DEFAULT_SOFTWARE_VERSION, hardware=DEFAULT_HARDWARE_VERSION
)


class Dialect(StrEnum):
    """Which framing a unit speaks; a unit speaks exactly one."""

    D2 = "d2"
    P81 = "p81"
    A5 = "a5"


class Firmware:
    """Answers request frames from the register maps of one dialect.

    D2 keeps its settings at 0x80-0xA8 (the SOC register 0xA7 reads the live SOC), the
    balancer switch at 0xCF and the version strings at 0xA9. p81 keeps its own settings
    block at 0x100 (see simulator.p81_settings), its MOS switches in that block at
    0x121 / 0x122, and its version strings at 0x178.

    Some firmware keeps its version strings or its settings to itself: with
    ``reports_versions`` or ``reports_settings`` off, a read touching them is met
    with silence (writes to settings still work). A unit that ``ignores_writes``
    (True: every write; a collection: writes to those registers, in the dialect's own
    addresses) echoes such a write as if it were taken and keeps the old value.
    """

    def __init__(
        self,
        bms: Bms,
        *,
        dialect: Dialect = Dialect.D2,
        versions: VersionStrings = DEFAULT_VERSIONS,
        reports_versions: bool = True,
        reports_settings: bool = True,
        ignores_writes: bool | Collection[int] = False,
        a5_quirks: A5Quirks | None = None,
    ) -> None:
        """Build the firmware; ValueError when ``versions`` do not fit the dialect's block."""
        self.bms = bms
        self.dialect = Dialect(dialect)
        self.versions = versions
        # A string too long for this dialect's fields fails here, not at the first read.
        self._version_block()
        self.reports_versions = reports_versions
        self.reports_settings = reports_settings
        self.ignores_writes = ignores_writes
        self.p81_settings = P81SettingsBlock(bms)
        self.heartbeat = 0
        self.requests_answered = 0
        # The legacy protocol has no registers on the wire; it reads the same truth.
        self.a5 = A5Firmware(bms, a5_quirks) if self.dialect is Dialect.A5 else None

    @property
    def settings(self) -> Settings:
        """The settings register file."""
        return self.bms.settings

    @property
    def software_version(self) -> str:
        """The software version as a person reads it."""
        return self.versions.software

    @property
    def hardware_version(self) -> str:
        """The hardware version (p81: hardware or model)."""
        return self.versions.hardware

    @property
    def request_address(self) -> int:
        """The first byte this unit answers to."""
        return D2_ADDRESS if self.dialect is Dialect.D2 else P81_REQUEST_ADDRESS

    @property
    def reply_address(self) -> int:
        """The first byte of this unit's replies."""
        return D2_ADDRESS if self.dialect is Dialect.D2 else P81_REPLY_ADDRESS

    # -- a back door for tests: settings by their D2 address, whatever the dialect ------
    def read_register(self, register: int) -> int | None:
        """One D2 status, version or settings register; None when there is no such one."""
        values = self._read(register, 1, self._d2_source)
        return None if values is None else values[0]

    def write_register(self, register: int, value: int) -> bool:
        """Write a setting by its D2 address as a D2 0x06 request would; False if refused."""
        if not self._apply_d2_writes([(register, value)]):
            return False
        self.bms.refresh()
        return True

    def impossible_readings(self) -> list[dict[int, int]]:
        """Status readings no healthy unit reports, in this dialect's addresses."""
        if self.a5 is not None:
            # A5 has no registers on the wire to put them in.
            return []
        layout = D2_LAYOUT if self.dialect is Dialect.D2 else P81_LAYOUT
        return impossible_readings(layout, cells=self.bms.battery.cell_count)

    # -- the wire --------------------------------------------------------------
    def handle_request(
        self, frame: bytes, *, forced_registers: Mapping[int, int] | None = None
    ) -> bytes | None:
        """The reply frame to ``frame``, or None for silence.

        A read reports ``forced_registers`` (register: raw value, in this dialect's
        addresses) instead of the true values: a broken probe or lead, in a valid frame.
        """
        if self.a5 is not None:
            reply = self.a5.handle_request(frame)
        else:
            request = parse_request(frame)
            if request is None or request.address != self.request_address:
                return None
            reply = self._dispatch(request, forced_registers or {})
        if reply is not None:
            self.requests_answered += 1
        return reply

    def _dispatch(self, request: Request, forced: Mapping[int, int]) -> bytes | None:
        p81 = self.dialect is Dialect.P81
        address = self.reply_address
        if request.function == READ:
            source = self._p81_source if p81 else self._d2_source
            values = self._read(request.register, request.count, source)
            if values is None:
                return None
            start = request.register
            values = [forced.get(start + i, value) for i, value in enumerate(values)]
            return read_reply(address, values)
        writes = [(request.register + i, v) for i, v in enumerate(request.values)]
        if not self._ignored(writes):
            applied = self.p81_settings.write(writes) if p81 else self._apply_d2_writes(writes)
            if not applied:
                return None
            # A switched MOS or a new limit acts at once, not at the next physics step.
            self.bms.refresh()
        if request.function == WRITE_SINGLE:
            return write_single_reply(address, request.register, request.values[0])
        return write_multiple_reply(address, request.register, request.count)

    def _ignored(self, writes: list[tuple[int, int]]) -> bool:
        """True when the unit echoes these writes and keeps its old values."""
        ignored = self.ignores_writes
        if ignored is True:
            return True
        registers = {register for register, _ in writes}
        if self.dialect is Dialect.D2 and registers <= D2_IGNORED_WRITES:
            return True
        return not isinstance(ignored, bool) and registers <= set(ignored)

    # -- reads -----------------------------------------------------------------
    def _read(
        self, start: int, count: int, source: Callable[[int, dict[str, list[int]]], int | None]
    ) -> list[int] | None:
        # A read is all or nothing: one unsupported register silences the reply.
        images: dict[str, list[int]] = {}
        values: list[int] = []
        for register in range(start, start + count):
            value = source(register, images)
            if value is None:
                return None
            values.append(value)
        return values

    def _version_block(self) -> list[int]:
        if self.dialect is Dialect.D2:
            return self.versions.d2_block()
        return self.versions.p81_block()

    def _version(self, offset: int, images: dict[str, list[int]]) -> int | None:
        if not self.reports_versions:
            return None
        if "versions" not in images:
            images["versions"] = self._version_block()
        return images["versions"][offset]

    def _d2_source(self, register: int, images: dict[str, list[int]]) -> int | None:
        if register < D2_STATUS_SIZE:
            if "status" not in images:
                images["status"] = d2_status(
                    self.bms.battery, has_mos_sensor=self.bms.has_mos_sensor
                )
            return images["status"][register]
        if register in D2_VERSIONS:
            return self._version(register - D2_VERSIONS.start, images)
        if not self.reports_settings:
            return None
        if register == REG_SOC:
            # Reads back the live SOC: the register is where SOC is set, and a
            # stale copy of the last write would mislead the app.
            return round(self.bms.battery.soc * 10)
        return self.settings.read(register)

    def _p81_source(self, register: int, images: dict[str, list[int]]) -> int | None:
        if register < P81_REALTIME_SIZE:
            if "realtime" not in images:
                self.heartbeat = (self.heartbeat + 1) & 0xFFFF
                images["realtime"] = p81_realtime(
                    self.bms.battery,
                    heartbeat=self.heartbeat,
                    has_mos_sensor=self.bms.has_mos_sensor,
                )
            return images["realtime"][register]
        if register in P81_UNSUPPORTED:
            return UNSUPPORTED_VALUE
        if register in P81_VERSIONS:
            return self._version(register - P81_VERSIONS.start, images)
        if register in P81_SETTINGS and self.reports_settings:
            return self.p81_settings.read(register)
        return None

    # -- writes ----------------------------------------------------------------
    def _apply_d2_writes(self, writes: list[tuple[int, int]]) -> bool:
        if not all(self.settings.writable(register, value) for register, value in writes):
            return False  # all or nothing, like the read side
        for register, value in writes:
            if register == REG_SOC:
                self.bms.battery.set_soc(value / 10)
            self.settings.write(register, value)
        return True
