"""The D2 dialect: the primary Daly BLE protocol (address 0xD2, compressed register map).

Status is one read from register 0: 80 registers, or 62 on firmware without the extended
block (MOS and board temperature, balance current, balancing bitmap), which ignores the
longer read. Settings sit at 0x80-0xA8, version strings at 0xA9. The charge and discharge
MOS (0xA5 / 0xA6) and the balancer (0xCF) switch with a write-single that the unit echoes.
"""

from __future__ import annotations

from dataclasses import dataclass
import logging
from typing import TYPE_CHECKING, Final

from .const import CURRENT_OFFSET, D2_ADDRESS, FUNCTION_READ, TEMPERATURE_OFFSET
from .crc import crc16_modbus
from .d2_alarms import ALARMS
from .d2_settings import (
    REGISTER_CHARGE_MOS,
    REGISTER_DISCHARGE_MOS,
    SETTINGS,
    WRITABLE,
    read_settings,
)
from .decode import (
    MILLIVOLTS,
    TENTHS,
    Raw,
    Scaled,
    StatusLayout,
    VersionLayout,
    as_frame,
    compile_status,
    decode_status_registers,
)
from .dialect import Exchange, FrameInput, ModbusDialect
from .errors import DalyFrameError, DalyTimeoutError
from .frames import Frame, encode_write_single
from .models import Capabilities, Dialect, MosBank
from .plausibility import NO_LIMITS, UnitLimits
from .versions import decode_d2 as decode_d2_versions

if TYPE_CHECKING:
    from .memory import UnitMemory
    from .models import DalySettings, DalyStatus

_LOGGER = logging.getLogger(__name__)

EXTENDED_REGISTERS: Final = 80
SHORT_REGISTERS: Final = 62
# A unit that never answered an 80-register read, and ignored it this many times in a
# row while answering the 62-register read at once, has no extended block. Until then
# the 80-register read is tried on every new connection and every PROBE_EVERY reads.
REFUSALS_BEFORE_SHORT: Final = 3
PROBE_EVERY: Final = 10

REGISTER_RESTART: Final = 0xF0
REGISTER_SHUTDOWN: Final = 0xF1
REGISTER_ZERO_CURRENT: Final = 0xF2
REGISTER_FACTORY_RESET: Final = 0xF3
_MOS_REGISTERS: Final = {
    MosBank.CHARGE: REGISTER_CHARGE_MOS,
    MosBank.DISCHARGE: REGISTER_DISCHARGE_MOS,
}

_COMMON_SCALED: Final = (
    Scaled("voltage", 0x28, 0, TENTHS),
    Scaled("current", 0x29, CURRENT_OFFSET, TENTHS),
    Scaled("soc", 0x2A, 0, TENTHS),
    Scaled("cell_voltage_max", 0x2B, 0, MILLIVOLTS, (0,)),
    Scaled("cell_voltage_min", 0x2C, 0, MILLIVOLTS, (0,)),
    Scaled("remaining_capacity", 0x30, 0, TENTHS, (0xFFFF,)),
    Scaled("cell_voltage_avg", 0x37, 0, MILLIVOLTS, (0,)),
    Scaled("cell_voltage_delta", 0x38, 0, MILLIVOLTS, (0,)),
)
_RAW: Final = (
    Raw("cycles", 0x33, absent=(0xFFFF,)),
    Raw("balancing", 0x34, flag=True),
    Raw("charge_mos", 0x35, flag=True),
    Raw("discharge_mos", 0x36, flag=True),
)
_ALARM_NAMES: Final = tuple(alarm.name for alarm in ALARMS)


def _status_layout(registers: int) -> StatusLayout:
    extended = registers == EXTENDED_REGISTERS
    extra = (
        Scaled("balance_current", 0x40, CURRENT_OFFSET, MILLIVOLTS, (0,)),
        # Units without the sensor answer 0x0000 or 0xFFFF.
        Scaled("mos_temperature", 0x42, TEMPERATURE_OFFSET, 1, (0, 0xFFFF)),
        Scaled("board_temperature", 0x43, TEMPERATURE_OFFSET, 1, (0,)),
    )
    return StatusLayout(
        registers=registers,
        cells=(0x00, 32),
        cell_count=0x31,
        temperatures=(0x20, 8),
        temperature_count=0x32,
        scaled=(*_COMMON_SCALED, *extra) if extended else _COMMON_SCALED,
        raw=_RAW,
        state=0x2F,
        alarms=(0x3A, 4),
        alarm_names=_ALARM_NAMES,
        balancing_bitmap=(0x3E, 2) if extended else None,
    )


STATUS_80: Final = _status_layout(EXTENDED_REGISTERS)
STATUS_62: Final = _status_layout(SHORT_REGISTERS)


# Software in bytes 0-15; hardware in 16-31 (newer units) or 32-47 (older ones).
VERSIONS: Final = VersionLayout(0xA9, 32, decode_d2_versions)


def status_request(registers: int = EXTENDED_REGISTERS) -> bytes:
    """Read the D2 status block from register 0 (80 or 62 registers)."""
    if registers not in (EXTENDED_REGISTERS, SHORT_REGISTERS):
        raise ValueError(f"D2 status is 62 or 80 registers, not {registers}")
    return D2.read_request(0x00, registers)


def mos_temperature_request() -> bytes:
    """Read only the extra block 0x3E-0x46 (MOS temperature etc.)."""
    return D2.read_request(0x3E, 9)


@dataclass(slots=True)
class StatusReads:
    """What a unit showed about the 80-register status read, across connections."""

    answered_80: bool = False  # it answered one at least once
    refusals: int = 0  # 80-register reads ignored in a row while 62 answered at once
    reads_since_probe: int = 0

    @property
    def short_only(self) -> bool:
        """Return True once the unit is known to lack the extended block."""
        return not self.answered_80 and self.refusals >= REFUSALS_BEFORE_SHORT

    def answered(self) -> None:
        """Record an answered 80-register read."""
        self.answered_80 = True
        self.refusals = 0

    def refused(self) -> None:
        """Record an 80-register read ignored by a unit that answered 62 right after."""
        if not self.answered_80:
            self.refusals += 1
            _LOGGER.debug("80-register status read ignored (%d in a row)", self.refusals)


class D2Dialect(ModbusDialect):
    """The D2 dialect."""

    dialect = Dialect.D2
    label = "D2"
    request_address = D2_ADDRESS
    reply_address = D2_ADDRESS
    alarms = ALARMS
    settings_layout = SETTINGS
    versions = VERSIONS

    def __init__(self) -> None:
        """Compile the status layouts once."""
        self.capabilities = Capabilities(
            dialect=Dialect.D2,
            switchable_mos=frozenset(MosBank),
            status_fields=STATUS_80.fields(),
            settings=SETTINGS.fields() | {"balancer"},
            writable=WRITABLE,
        )
        self._by_count = {
            layout.registers: compile_status(layout, self.capabilities)
            for layout in (STATUS_80, STATUS_62)
        }
        self._by_length = {2 * count: compiled for count, compiled in self._by_count.items()}

    async def read_settings(self, exchange: Exchange, memory: UnitMemory) -> DalySettings:
        """Read the settings block, and the balancer switch where the unit reads it back."""
        return await read_settings(self, exchange, memory)

    async def detect(self, exchange: Exchange, memory: UnitMemory) -> bool:
        """Read the status, 80 registers first unless the unit is known to ignore them."""
        reads = memory.learned(Dialect.D2, StatusReads)
        reads.reads_since_probe = 0
        order: tuple[tuple[int, int | None], ...]
        if reads.short_only:
            order = ((SHORT_REGISTERS, None), (EXTENDED_REGISTERS, 1))
        elif reads.answered_80 or not reads.refusals:
            # A unit that ignored every 80-register read but is awake answers 62 at once.
            order = ((EXTENDED_REGISTERS, None), (SHORT_REGISTERS, 1))
        else:
            # Not sure yet: one more try of 80 on this new connection.
            order = ((EXTENDED_REGISTERS, 1), (SHORT_REGISTERS, None))
        extended_ignored = False
        for registers, attempts in order:
            try:
                await exchange(status_request(registers), attempts=attempts)
            except DalyTimeoutError:
                extended_ignored |= registers == EXTENDED_REGISTERS
                continue
            if registers == EXTENDED_REGISTERS:
                reads.answered()
            elif extended_ignored:
                reads.refused()
            _LOGGER.debug("D2 unit answered %d status registers", registers)
            return True
        return False

    async def read_status(self, exchange: Exchange, memory: UnitMemory) -> DalyStatus:
        """Read the status with 80 registers where the unit has them, else 62."""
        reads = memory.learned(Dialect.D2, StatusReads)
        frame = await self._read_status_frame(exchange, reads)
        return self.decode_status(frame, limits=self.limits(memory.settings))

    async def _read_status_frame(self, exchange: Exchange, reads: StatusReads) -> Frame:
        if reads.short_only:
            return await exchange(status_request(SHORT_REGISTERS))
        if reads.answered_80 or not reads.refusals:
            try:
                return await exchange(status_request(EXTENDED_REGISTERS))
            except DalyTimeoutError:
                # Lost replies, most likely: this reading makes do with 62 registers, the
                # next one asks for 80 again.
                frame = await exchange(status_request(SHORT_REGISTERS), attempts=1)
                reads.refused()
                return frame
        reads.reads_since_probe += 1
        if reads.reads_since_probe >= PROBE_EVERY:
            reads.reads_since_probe = 0
            try:
                frame = await exchange(status_request(EXTENDED_REGISTERS), attempts=1)
            except DalyTimeoutError:
                frame = await exchange(status_request(SHORT_REGISTERS))
                reads.refused()
                return frame
            reads.answered()
            return frame
        return await exchange(status_request(SHORT_REGISTERS))

    def decode_status(
        self, frame: FrameInput, block2: FrameInput | None = None, *, limits: UnitLimits = NO_LIMITS
    ) -> DalyStatus:
        """Decode a D2 status reply (80 or 62 registers)."""
        if block2 is None and not isinstance(frame, Frame) and len(frame) > 3:
            # The common case, a reply straight off the wire: check it in place rather
            # than building a Frame first.
            compiled = self._by_length.get(frame[2])
            if (
                compiled is not None
                and frame[0] == D2_ADDRESS
                and frame[1] == FUNCTION_READ
                and len(frame) == frame[2] + 5
            ):
                if crc16_modbus(frame):
                    raise DalyFrameError("bad CRC")
                regs = compiled.unpacker.unpack_from(frame, 3)
                return decode_status_registers(compiled, regs, limits)
        first = as_frame(frame)
        if block2 is None and first.address == D2_ADDRESS and first.function == FUNCTION_READ:
            compiled = self._by_count.get(first.register_count)
            if compiled is not None:
                regs = compiled.unpacker.unpack_from(first.raw, 3)
                return decode_status_registers(compiled, regs, limits)
        raise DalyFrameError(
            f"not a status reply (address 0x{first.address:02X}, function "
            f"0x{first.function:02X}, {first.register_count} registers"
            f"{', with a second frame' if block2 is not None else ''})"
        )

    def mos_command(self, bank: MosBank, on: bool) -> bytes:
        """Switch a MOSFET bank; the unit echoes the frame."""
        return encode_write_single(D2_ADDRESS, _MOS_REGISTERS[bank], int(on))


D2: Final = D2Dialect()


# Writes never confirmed over BLE that can change or lose state. Nothing in this package
# calls them; they have plain names only so that whoever does so does it on purpose.


def unconfirmed_restart_command() -> bytes:
    """Restart the BMS. Never confirmed on hardware."""
    return encode_write_single(D2_ADDRESS, REGISTER_RESTART, 1)


def unconfirmed_shutdown_command() -> bytes:
    """Shut the BMS down; it may need a charger to wake. Never confirmed on hardware."""
    return encode_write_single(D2_ADDRESS, REGISTER_SHUTDOWN, 1)


def unconfirmed_zero_current_command() -> bytes:
    """Calibrate the current reading to zero. Never confirmed on hardware."""
    return encode_write_single(D2_ADDRESS, REGISTER_ZERO_CURRENT, 1)


def unconfirmed_factory_reset_command() -> bytes:
    """Restore factory settings, losing the configuration. Never confirmed on hardware."""
    return encode_write_single(D2_ADDRESS, REGISTER_FACTORY_RESET, 1)
