"""The firmware's request handler: address maps, reads, writes, silence.

Real units never send exception frames: anything they do not support (unknown
register, bad CRC, wrong address byte, odd length) is met with silence, so every
refusal here is ``None``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from enum import StrEnum

from .a5 import A5Firmware, A5Quirks
from .bms import Bms
from .frames import (
    READ,
    WRITE_MULTIPLE,
    WRITE_SINGLE,
    Request,
    parse_request,
    read_reply,
    write_multiple_reply,
    write_single_reply,
)
from .registers import (
    D2_LAYOUT,
    D2_STATUS_SIZE,
    P81_LAYOUT,
    P81_REALTIME_SIZE,
    ascii_registers,
    d2_status,
    impossible_readings,
    p81_realtime,
)
from .settings import REG_SOC, Settings

D2_ADDRESS = 0xD2
P81_REQUEST_ADDRESS = 0x81  # 0x80 + board number 1
P81_REPLY_ADDRESS = 0x51
# Settings, password and balancer switch sit at their D2 address + 0x80 in p81.
P81_SETTINGS_SHIFT = 0x80
# Software 0xA9-0xB0 and hardware 0xB1-0xB8 version; the app reads 32 registers from
# 0xA9 (a 69-byte reply), so 0xB9-0xC8 exist too. What real units keep there is not
# known; they read as zeros here.
D2_VERSIONS = range(0xA9, 0xC9)
P81_VERSIONS = range(0x178, 0x178 + 74)
# Registers of (software, hardware) string within each version block. D2 is 16 + 16
# bytes (0xA9-0xB0, 0xB1-0xB8). The notes give only the size of the p81 block; readers
# in use take the software string from its first 28 bytes and the hardware string from
# the 14 after, so a client written that way finds both strings here.
D2_VERSION_STRINGS = (8, 8)
P81_VERSION_STRINGS = (14, 7)
# Accepted and echoed by real units over BLE, yet nothing switches.
D2_IGNORED_WRITES = frozenset({0x0C, 0x0D})
DEFAULT_SOFTWARE_VERSION = "DLY-K00T-2.4.1"
DEFAULT_HARDWARE_VERSION = "R24TM1A-V1.2"


class Dialect(StrEnum):
    """Which framing a unit speaks; a unit speaks exactly one."""

    D2 = "d2"
    P81 = "p81"
    A5 = "a5"


class Firmware:
    """Answers request frames from the register maps of one dialect.

    p81 MOS and balancer writes (D2 address + 0x80) are echoed and applied like
    their D2 counterparts. Whether real p81 units accept them over BLE is not
    verified; the simulator takes the permissive side so the client's refusal to
    send them is what gets tested, not the unit's.

    Some firmware keeps its version strings or its settings to itself: with
    ``reports_versions`` or ``reports_settings`` off, a read touching them is met
    with silence (writes to settings still work).
    """

    def __init__(
        self,
        bms: Bms,
        *,
        dialect: Dialect = Dialect.D2,
        software_version: str = DEFAULT_SOFTWARE_VERSION,
        hardware_version: str = DEFAULT_HARDWARE_VERSION,
        reports_versions: bool = True,
        reports_settings: bool = True,
        a5_quirks: A5Quirks | None = None,
    ) -> None:
        self.bms = bms
        self.dialect = Dialect(dialect)
        self.software_version = software_version
        self.hardware_version = hardware_version
        self.reports_versions = reports_versions
        self.reports_settings = reports_settings
        self.heartbeat = 0
        self.requests_answered = 0
        # The legacy protocol has no registers on the wire; it reads the same truth.
        self.a5 = A5Firmware(bms, a5_quirks) if self.dialect is Dialect.A5 else None

    @property
    def settings(self) -> Settings:
        """The settings register file."""
        return self.bms.settings

    @property
    def request_address(self) -> int:
        """The first byte this unit answers to."""
        return D2_ADDRESS if self.dialect is Dialect.D2 else P81_REQUEST_ADDRESS

    @property
    def reply_address(self) -> int:
        """The first byte of this unit's replies."""
        return D2_ADDRESS if self.dialect is Dialect.D2 else P81_REPLY_ADDRESS

    # -- public register access (D2 addresses, whatever the dialect) -------------
    def read_register(self, register: int) -> int | None:
        """One register by its D2 address; None when the unit has no such register."""
        values = self._read(register, 1, self._d2_source)
        return None if values is None else values[0]

    def write_register(self, register: int, value: int) -> bool:
        """Write a setting by its D2 address as a 0x06 request would; False if refused."""
        return self._apply_writes([(register, value)], self._d2_target)

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
        source = self._p81_source if p81 else self._d2_source
        target = self._p81_target if p81 else self._d2_target
        address = self.reply_address
        if request.function == READ:
            values = self._read(request.register, request.count, source)
            if values is None:
                return None
            start = request.register
            values = [forced.get(start + i, value) for i, value in enumerate(values)]
            return read_reply(address, values)
        writes = [(request.register + i, v) for i, v in enumerate(request.values)]
        if request.function == WRITE_SINGLE:
            ignored = not p81 and request.register in D2_IGNORED_WRITES
            if ignored or self._apply_writes(writes, target):
                return write_single_reply(address, request.register, request.values[0])
            return None
        if request.function == WRITE_MULTIPLE and self._apply_writes(writes, target):
            return write_multiple_reply(address, request.register, request.count)
        return None

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

    def _setting(self, register: int) -> int | None:
        if not self.reports_settings:
            return None
        if register == REG_SOC:
            # Reads back the live SOC: the register is where SOC is set, and a
            # stale copy of the last write would mislead the app.
            return round(self.bms.battery.soc * 10)
        return self.settings.read(register)

    def _versions(self, offset: int, count: int, strings: tuple[int, int]) -> int | None:
        if not self.reports_versions:
            return None
        software = ascii_registers(self.software_version, strings[0])
        hardware = ascii_registers(self.hardware_version, strings[1])
        return (software + hardware + [0] * count)[offset]

    def _d2_source(self, register: int, images: dict[str, list[int]]) -> int | None:
        if register < D2_STATUS_SIZE:
            if "status" not in images:
                images["status"] = d2_status(
                    self.bms.battery, has_mos_sensor=self.bms.has_mos_sensor
                )
            return images["status"][register]
        if register in D2_VERSIONS:
            return self._versions(
                register - D2_VERSIONS.start, len(D2_VERSIONS), D2_VERSION_STRINGS
            )
        return self._setting(register)

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
        if register in P81_VERSIONS:
            # Only the two strings are modelled; the rest of the block reads zero.
            return self._versions(
                register - P81_VERSIONS.start, len(P81_VERSIONS), P81_VERSION_STRINGS
            )
        d2_register = register - P81_SETTINGS_SHIFT
        if d2_register < 0x80 or d2_register in D2_VERSIONS:
            return None
        return self._setting(d2_register)

    # -- writes ----------------------------------------------------------------
    def _d2_target(self, register: int) -> int | None:
        return register

    def _p81_target(self, register: int) -> int | None:
        d2_register = register - P81_SETTINGS_SHIFT
        return d2_register if d2_register >= 0x80 else None

    def _apply_writes(
        self, writes: list[tuple[int, int]], target: Callable[[int], int | None]
    ) -> bool:
        mapped: list[tuple[int, int]] = []
        for register, value in writes:
            d2_register = target(register)
            if d2_register is None or not self.settings.writable(d2_register, value):
                return False  # all or nothing, like the read side
            mapped.append((d2_register, value))
        for d2_register, value in mapped:
            if d2_register == REG_SOC:
                self.bms.battery.set_soc(value / 10)
            self.settings.write(d2_register, value)
        # A switched MOS or a new limit acts at once, not at the next physics step.
        self.bms.refresh()
        return True
