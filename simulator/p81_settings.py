"""The p81 settings block: 81 registers from 0x100, laid out by Daly's PC-tool map.

Only the registers the protocol notes confirm on real units mean something here; they
translate to and from the unit's settings (the quantities the BMS protects and sleeps by).
The rest of the block holds values whose meaning is not known for certain (protection
thresholds from 0x130 on): they read as stored, change nothing and refuse writes, so a
client that guessed their meaning would show numbers nobody can vouch for.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from .bms import Bms
from .settings import (
    PASSWORD,
    REG_CHARGE_MOS,
    REG_DISCHARGE_MOS,
    SLEEP_NEVER,
)

P81_SETTINGS = range(0x100, 0x100 + 81)
REG_BOARD = 0x100
REG_CELLS = 0x101
REG_SENSORS = 0x106
REG_CAPACITY_HIGH = 0x109
REG_CAPACITY_LOW = 0x10A
REG_SLEEP = 0x115
REG_SOC = 0x116
REG_MOS_CHARGE = 0x121
REG_MOS_DISCHARGE = 0x122
REG_CLOCK = range(0x123, 0x126)
REG_PASSWORD = range(0x126, 0x129)
THRESHOLDS_FIRST = 0x130
BOARD_NUMBER = 1
SLEEP_STEP_S = 10
P81_SLEEP_NEVER = 0xFFFF
MAX_SOC_RAW = 1000
# The block's SOC register is a copy the firmware refreshes now and then: it lags the live
# SOC, except right after a write, which sets both.
SOC_COPY_INTERVAL_S = 300.0
# The unit's real-time clock at simulated second 0; the phone app sets it at connect.
RTC_START = datetime(2024, 1, 1)
D2_LIMITS = range(0x8B, 0xA5)  # cell overvoltage warning .. balancing start delta
_MOS = {REG_MOS_CHARGE: REG_CHARGE_MOS, REG_MOS_DISCHARGE: REG_DISCHARGE_MOS}


class P81SettingsBlock:
    """Reads and writes of the p81 settings block of one unit."""

    def __init__(self, bms: Bms) -> None:
        """Lay the block out from the unit's settings as they are now."""
        self.bms = bms
        self.settings = bms.settings
        self._soc_raw = self._live_soc_raw()
        self._soc_copied_at = bms.time
        self._rtc_offset = 0.0
        # Unknown meaning: the D2 limits in their D2 encoding, in the order of the D2 block,
        # stand in for whatever a real unit keeps there.
        self._opaque = {
            THRESHOLDS_FIRST + index: self.settings.read(register) or 0
            for index, register in enumerate(D2_LIMITS)
        }
        settings = self.settings
        self._getters: dict[int, Callable[[], int | None]] = {
            REG_BOARD: lambda: BOARD_NUMBER,
            REG_CELLS: lambda: bms.battery.cell_count,
            REG_SENSORS: lambda: bms.battery.temperature_sensors,
            REG_CAPACITY_HIGH: lambda: settings.rated_capacity_mah >> 16 & 0xFFFF,
            REG_CAPACITY_LOW: lambda: settings.rated_capacity_mah & 0xFFFF,
            REG_SLEEP: lambda: _sleep_raw(settings.sleep_time_s),
            REG_SOC: self._soc_setting,
            REG_MOS_CHARGE: lambda: settings.read(REG_CHARGE_MOS),
            REG_MOS_DISCHARGE: lambda: settings.read(REG_DISCHARGE_MOS),
        }

    # -- reads -------------------------------------------------------------------------
    def read(self, register: int) -> int | None:
        """The raw value of ``register``; None outside the block."""
        if register not in P81_SETTINGS:
            return None
        getter = self._getters.get(register)
        if getter is not None:
            return getter()
        if register in REG_CLOCK:
            fields = self._clock_fields()
            index = 2 * (register - REG_CLOCK.start)
            return fields[index] << 8 | fields[index + 1]
        if register in REG_PASSWORD:
            index = 2 * (register - REG_PASSWORD.start)
            return int.from_bytes(PASSWORD[index : index + 2], "big")
        return self._opaque.get(register, 0)

    def _live_soc_raw(self) -> int:
        return round(self.bms.battery.soc * 10)

    def _soc_setting(self) -> int:
        now = self.bms.time
        if now - self._soc_copied_at >= SOC_COPY_INTERVAL_S:
            self._soc_raw = self._live_soc_raw()
            self._soc_copied_at = now
        return self._soc_raw

    def rtc(self) -> datetime:
        """The unit's clock now."""
        return RTC_START + timedelta(seconds=int(self.bms.time + self._rtc_offset))

    def _clock_fields(self) -> tuple[int, ...]:
        now = self.rtc()
        return (now.year % 100, now.month, now.day, now.hour, now.minute, now.second)

    # -- writes ------------------------------------------------------------------------
    def write(self, writes: Sequence[tuple[int, int]]) -> bool:
        """Apply register writes all or nothing; False (nothing changed) if one is refused."""
        if not all(_writable(register, value) for register, value in writes):
            return False
        new = dict(writes)
        clock: datetime | None = None
        if any(register in REG_CLOCK for register in new):
            clock = self._clock_with(new)
            if clock is None:
                return False
        self._apply(new, clock)
        return True

    def _clock_with(self, new: dict[int, int]) -> datetime | None:
        fields = list(self._clock_fields())
        for register in REG_CLOCK:
            if register in new:
                index = 2 * (register - REG_CLOCK.start)
                fields[index : index + 2] = [new[register] >> 8, new[register] & 0xFF]
        year, month, day, hour, minute, second = fields
        try:
            return datetime(2000 + year, month, day, hour, minute, second)
        except ValueError:
            return None

    def _apply(self, new: dict[int, int], clock: datetime | None) -> None:
        settings = self.settings
        if REG_CAPACITY_HIGH in new or REG_CAPACITY_LOW in new:
            # Either word alone changes its half; a write of both is one new value.
            current = settings.rated_capacity_mah
            high = new.get(REG_CAPACITY_HIGH, current >> 16 & 0xFFFF)
            low = new.get(REG_CAPACITY_LOW, current & 0xFFFF)
            settings.rated_capacity_mah = high << 16 | low
        if REG_SLEEP in new:
            raw = new[REG_SLEEP]
            settings.sleep_time_s = SLEEP_NEVER if raw == P81_SLEEP_NEVER else raw * SLEEP_STEP_S
        if REG_SOC in new:
            self._soc_raw = new[REG_SOC]
            self._soc_copied_at = self.bms.time
            self.bms.battery.set_soc(self._soc_raw / 10)
        for register, d2_register in _MOS.items():
            if register in new:
                settings.write(d2_register, new[register])
        if clock is not None:
            self._rtc_offset = (clock - RTC_START).total_seconds() - self.bms.time


def _sleep_raw(seconds: int) -> int:
    if seconds == SLEEP_NEVER:
        return P81_SLEEP_NEVER
    return min(P81_SLEEP_NEVER - 1, seconds // SLEEP_STEP_S)


def _writable(register: int, value: int) -> bool:
    if not 0 <= value <= 0xFFFF:
        return False
    if register in (REG_CAPACITY_HIGH, REG_CAPACITY_LOW, REG_SLEEP) or register in REG_CLOCK:
        return True
    if register == REG_SOC:
        return value <= MAX_SOC_RAW
    if register in _MOS:
        return value in (0, 1)
    # Board number, cell and sensor counts describe the hardware; the rest is not known.
    return False
