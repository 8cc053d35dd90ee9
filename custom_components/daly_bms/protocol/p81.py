"""The p81 dialect: Daly's wired RS485 register map over BLE, addressed as board 1.

Requests start with 0x81, replies with 0x51. Status takes two reads: realtime block 1
(64 registers from 0x00) and block 2 (62 registers from 0x41). The settings block is 81
registers from 0x100 with a map of its own (the PC tool's); only the registers real units
confirm are decoded, the rest of the block (protection limits among them) stays unknown.
The MOS control registers 0x121 / 0x122 of that block switch the MOSFETs; a write counts
once realtime block 2 (0x52 / 0x53) shows it, never on the echo alone.
"""

from __future__ import annotations

import struct
from typing import TYPE_CHECKING, Final

from .const import CURRENT_OFFSET, P81_REPLY_ADDRESS, P81_REQUEST_ADDRESS, TEMPERATURE_OFFSET
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
    expect_read,
    settings_of,
)
from .dialect import Exchange, FrameInput, ModbusDialect
from .errors import DalyFrameError, DalyTimeoutError
from .frames import encode_write_single
from .models import Alarm, AlarmSeverity, Capabilities, Dialect, MosBank
from .plausibility import NO_LIMITS, UnitLimits, plausible_settings
from .settings import NEVER_SLEEP, rated_capacity, sleep_time, soc_setting
from .versions import decode_p81 as decode_p81_versions

if TYPE_CHECKING:
    from .memory import UnitMemory
    from .models import DalySettings, DalyStatus

BLOCK1: Final = (0x00, 64)
BLOCK2: Final = (0x41, 62)

# The two alarm registers 0x6D-0x6E have no documented layout: neutral names (bit 0 =
# least significant bit of 0x6E), ranked with warnings since nobody knows what they mean.
ALARMS: Final = tuple(Alarm(f"p81_alarm_bit_{bit}", AlarmSeverity.WARNING) for bit in range(32))

STATUS: Final = StatusLayout(
    # One flat tuple by register number: block 1, a filler for the unread 0x40, block 2.
    registers=BLOCK2[0] + BLOCK2[1],
    cells=(0x00, 48),
    cell_count=0x3C,
    temperatures=(0x30, 8),
    temperature_count=0x3D,
    scaled=(
        Scaled("voltage", 0x38, 0, TENTHS),
        Scaled("current", 0x39, CURRENT_OFFSET, TENTHS),
        Scaled("soc", 0x3A, 0, TENTHS),
        Scaled("cell_voltage_max", 0x3E, 0, MILLIVOLTS, (0,)),
        Scaled("remaining_capacity", 0x4B, 0, TENTHS, (0xFFFF,)),
        Scaled("cell_voltage_avg", 0x57, 0, MILLIVOLTS, (0,)),
        # Not fitted reads 0x0000, 0xFFFF or 0x00FF (215 deg C, beyond the bounds).
        Scaled("mos_temperature", 0x5A, TEMPERATURE_OFFSET, 1, (0, 0xFFFF)),
        Scaled("board_temperature", 0x5B, TEMPERATURE_OFFSET, 1, (0,)),
    ),
    raw=(
        Raw("cycles", 0x4C, absent=(0xFFFF,)),
        Raw("charge_mos", 0x52, flag=True),
        Raw("discharge_mos", 0x53, flag=True),
        Raw("energy_counter", 0x59),
    ),
    state=0x48,
    alarms=(0x6D, 2),
    alarm_names=tuple(alarm.name for alarm in ALARMS),
    # Balancing (0x4D), balance current (0x4E) and the bitmaps (0x4F-0x51) are not
    # confirmed (a sample capture holds 7 in 0x4D while the bitmaps read 0), so they stay
    # unreported rather than guessed. Lowest cell and delta are derived from the cells.
    balancing_bitmap=None,
)
SETTINGS_BLOCK: Final = (0x100, 81)
REGISTER_CELL_COUNT: Final = 0x101
REGISTER_SENSOR_COUNT: Final = 0x106
REGISTER_RATED_CAPACITY: Final = 0x109  # and 0x10A: 32-bit mAh, high word first
REGISTER_SLEEP_TIME: Final = 0x115  # 10 s steps
REGISTER_SOC: Final = 0x116
REGISTER_CHARGE_MOS: Final = 0x121
REGISTER_DISCHARGE_MOS: Final = 0x122
P81_NEVER_SLEEP: Final = 0xFFFF
SLEEP_STEP: Final = 10
_MOS_REGISTERS: Final = {
    MosBank.CHARGE: REGISTER_CHARGE_MOS,
    MosBank.DISCHARGE: REGISTER_DISCHARGE_MOS,
}
# The DalySettings fields the settings block fills; every other one is unknown for p81.
SETTINGS_FIELDS: Final = frozenset(
    {
        "rated_capacity",
        "sleep_time",
        "soc_setting",
        "charge_mos",
        "discharge_mos",
        "cells_per_board",
        "temperature_sensors_per_board",
    }
)
_SETTINGS_STRUCT: Final = struct.Struct(f">{SETTINGS_BLOCK[1]}H")
VERSIONS: Final = VersionLayout(0x178, 74, decode_p81_versions)

WRITABLE: Final = (
    rated_capacity(REGISTER_RATED_CAPACITY, scale=0.001, words=2),  # mAh
    sleep_time(REGISTER_SLEEP_TIME, scale=SLEEP_STEP, never=P81_NEVER_SLEEP),
    soc_setting(REGISTER_SOC),
)


def decode_settings_block(regs: tuple[int, ...]) -> DalySettings:
    """Decode the 81 registers from 0x100 by the p81 map; unmapped or implausible: None."""

    def at(register: int) -> int:
        return regs[register - SETTINGS_BLOCK[0]]

    def switch(register: int) -> bool | None:
        return {0: False, 1: True}.get(at(register))

    capacity_mah = at(REGISTER_RATED_CAPACITY) << 16 | at(REGISTER_RATED_CAPACITY + 1)
    sleep = at(REGISTER_SLEEP_TIME)
    soc = at(REGISTER_SOC)
    # An unset capacity (0, all ones) or SOC (0xFFFF) falls outside the setting bounds.
    values = {
        "rated_capacity": capacity_mah / 1000,
        "sleep_time": NEVER_SLEEP if sleep == P81_NEVER_SLEEP else sleep * SLEEP_STEP,
        "soc_setting": soc / 10,
        "charge_mos": switch(REGISTER_CHARGE_MOS),
        "discharge_mos": switch(REGISTER_DISCHARGE_MOS),
        "cells_per_board": (at(REGISTER_CELL_COUNT),),
        "temperature_sensors_per_board": (at(REGISTER_SENSOR_COUNT),),
    }
    return settings_of(plausible_settings(values))


_BLOCK1_STRUCT: Final = struct.Struct(f">{BLOCK1[1]}H")
_BLOCK2_STRUCT: Final = struct.Struct(f">{BLOCK2[1]}H")
_GAP: Final = (0,) * (BLOCK2[0] - BLOCK1[1])


class P81Dialect(ModbusDialect):
    """The p81 dialect."""

    dialect = Dialect.P81
    label = "p81"
    request_address = P81_REQUEST_ADDRESS
    reply_address = P81_REPLY_ADDRESS
    alarms = ALARMS
    versions = VERSIONS

    def __init__(self) -> None:
        """Compile the status layout once."""
        self.capabilities = Capabilities(
            dialect=Dialect.P81,
            switchable_mos=frozenset(MosBank),
            status_fields=STATUS.fields(),
            settings=SETTINGS_FIELDS,
            writable=WRITABLE,
        )
        self._compiled = compile_status(STATUS, self.capabilities)

    def status_requests(self) -> tuple[bytes, bytes]:
        """Return the reads of realtime block 1 and block 2."""
        return self.read_request(*BLOCK1), self.read_request(*BLOCK2)

    async def detect(self, exchange: Exchange, memory: UnitMemory) -> bool:
        """Read realtime block 1."""
        try:
            await exchange(self.status_requests()[0])
        except DalyTimeoutError:
            return False
        return True

    async def read_status(self, exchange: Exchange, memory: UnitMemory) -> DalyStatus:
        """Read both realtime blocks."""
        block1_request, block2_request = self.status_requests()
        block1 = await exchange(block1_request)
        block2 = await exchange(block2_request)
        return self.decode_status(block1, block2, limits=self.limits(memory.settings))

    def settings_request(self) -> bytes:
        """Return the read of the settings block."""
        return self.read_request(*SETTINGS_BLOCK)

    def decode_settings(self, frame: FrameInput) -> DalySettings:
        """Decode the settings block by the p81 map."""
        checked = as_frame(frame)
        expect_read(checked, SETTINGS_BLOCK[1], "p81 settings", P81_REPLY_ADDRESS)
        return decode_settings_block(_SETTINGS_STRUCT.unpack_from(checked.raw, 3))

    def mos_command(self, bank: MosBank, on: bool) -> bytes:
        """Switch a MOSFET bank through its control register; the unit echoes the frame."""
        return encode_write_single(P81_REQUEST_ADDRESS, _MOS_REGISTERS[bank], int(on))

    def decode_status(
        self, frame: FrameInput, block2: FrameInput | None = None, *, limits: UnitLimits = NO_LIMITS
    ) -> DalyStatus:
        """Decode realtime block 1 together with block 2."""
        first = as_frame(frame)
        expect_read(first, BLOCK1[1], "p81 status block 1", P81_REPLY_ADDRESS)
        if block2 is None:
            raise DalyFrameError("p81 status needs block 2 as well")
        second = as_frame(block2)
        expect_read(second, BLOCK2[1], "p81 status block 2", P81_REPLY_ADDRESS)
        regs = (
            _BLOCK1_STRUCT.unpack_from(first.raw, 3)
            + _GAP
            + _BLOCK2_STRUCT.unpack_from(second.raw, 3)
        )
        return decode_status_registers(self._compiled, regs, limits)


P81: Final = P81Dialect()


def status_requests() -> tuple[bytes, bytes]:
    """Return the reads of realtime block 1 and block 2."""
    return P81.status_requests()
