"""The settings register file (D2 addresses 0x80-0xA8, 0xC9-0xCB, 0xCF) and its meaning.

Rated capacity and sleep time are kept as quantities (mAh, seconds) rather than as D2
registers: a p81 unit stores them with other units and ranges (32-bit mAh, 10 s steps),
and each dialect's register map translates them on the way in and out.
"""

from __future__ import annotations

from dataclasses import dataclass

from .chemistry import Chemistry, params

SLEEP_NEVER = 0xFFFF
CURRENT_OFFSET = 30_000
TEMPERATURE_OFFSET = 40

REG_RATED_CAPACITY = 0x80
REG_SLEEP_TIME = 0x8A
REG_CHARGE_MOS = 0xA5
REG_DISCHARGE_MOS = 0xA6
REG_SOC = 0xA7
REG_BALANCER = 0xCF
_SWITCHES = frozenset({REG_CHARGE_MOS, REG_DISCHARGE_MOS, REG_BALANCER})
SETTINGS_FIRST = 0x80
SETTINGS_LAST = 0xA8
PASSWORD_REGS = range(0xC9, 0xCC)
PASSWORD = b"123456"
MAH_PER_D2_UNIT = 100  # register 0x80 counts 0.1 Ah
MAX_D2_REGISTER = 0xFFFF


@dataclass(frozen=True, slots=True)
class Limits:
    """Settings decoded to volts, amps and degrees C; pairs are (warning, alarm).

    Over-current pairs are magnitudes: real units store them with either sign
    (see the settings capture in the protocol notes), so the sign is ignored.
    """

    rated_capacity_ah: float
    sleep_time_s: int
    cell_overvoltage: tuple[float, float]
    cell_undervoltage: tuple[float, float]
    pack_overvoltage: tuple[float, float]
    pack_undervoltage: tuple[float, float]
    charge_overcurrent: tuple[float, float]
    discharge_overcurrent: tuple[float, float]
    charge_overtemperature: tuple[float, float]
    charge_undertemperature: tuple[float, float]
    discharge_overtemperature: tuple[float, float]
    discharge_undertemperature: tuple[float, float]
    cell_delta: tuple[float, float]
    temperature_delta: tuple[float, float]
    balance_start_v: float
    balance_start_delta_v: float
    mos_overtemperature: float
    charge_mos: bool
    discharge_mos: bool
    balancer: bool
    soc_high: tuple[float, float]
    soc_low: tuple[float, float]


def _mv(volts: float) -> int:
    return round(volts * 1000)


def _dv(volts: float) -> int:
    return round(volts * 10)


def _temp(celsius: float) -> int:
    return round(celsius) + TEMPERATURE_OFFSET


class Settings:
    """Raw 16-bit settings registers with chemistry-appropriate factory values.

    The registers are the single source of truth; :attr:`limits` decodes them once
    per change because the protection reads them on every physics step.
    """

    def __init__(
        self, *, chemistry: Chemistry, cells: int, capacity_ah: float, temperature_sensors: int
    ) -> None:
        p = params(chemistry)
        ov_warn, ov_alarm = p.overvoltage_v
        uv_warn, uv_alarm = p.undervoltage_v
        c_hot_w, c_hot_a, c_cold_w, c_cold_a = p.charge_temperature_c
        d_hot_w, d_hot_a, d_cold_w, d_cold_a = p.discharge_temperature_c
        regs: dict[int, int] = {
            0x81: _mv(p.reference_v),
            0x82: 1,  # acquisition boards
            0x83: cells,
            0x84: 0,
            0x85: 0,
            0x86: temperature_sensors,
            0x87: 0,
            0x88: 0,
            0x89: p.battery_type,
            0x8B: _mv(ov_warn),
            0x8C: _mv(ov_alarm),
            0x8D: _mv(uv_warn),
            0x8E: _mv(uv_alarm),
            0x8F: _dv(ov_warn * cells),
            0x90: _dv(ov_alarm * cells),
            0x91: _dv(uv_warn * cells),
            0x92: _dv(uv_alarm * cells),
            # Same sign convention as the current register: charge positive.
            0x93: CURRENT_OFFSET + round(0.8 * capacity_ah * 10),
            0x94: CURRENT_OFFSET + round(1.0 * capacity_ah * 10),
            0x95: CURRENT_OFFSET - round(1.0 * capacity_ah * 10),
            0x96: CURRENT_OFFSET - round(1.2 * capacity_ah * 10),
            0x97: _temp(c_hot_w),
            0x98: _temp(c_hot_a),
            0x99: _temp(c_cold_w),
            0x9A: _temp(c_cold_a),
            0x9B: _temp(d_hot_w),
            0x9C: _temp(d_hot_a),
            0x9D: _temp(d_cold_w),
            0x9E: _temp(d_cold_a),
            0x9F: 300,  # cell delta warning, mV
            0xA0: 500,
            0xA1: 8,  # temperature difference, plain degrees (a difference has no offset)
            0xA2: 15,
            0xA3: _mv(p.balance_start_v),
            0xA4: 10,
            REG_CHARGE_MOS: 1,
            REG_DISCHARGE_MOS: 1,
            REG_SOC: 0,  # read live from the battery; see Firmware
            0xA8: _temp(90.0),
            REG_BALANCER: 1,
        }
        # The app password, which real units hand out in clear text.
        for index, reg in enumerate(PASSWORD_REGS):
            regs[reg] = int.from_bytes(PASSWORD[2 * index : 2 * index + 2], "big")
        self._regs = regs
        self._capacity_mah = round(capacity_ah * 1000)
        self._sleep_time_s = 3600  # the manuals' factory value
        # SOC alarms have no register in the block; 101 % keeps "SOC high" off by
        # default because a full battery is normal, not an alarm.
        self.soc_high = (101.0, 101.0)
        self.soc_low = (10.0, 5.0)
        self._limits: Limits | None = None

    @property
    def rated_capacity_mah(self) -> int:
        """The rated capacity in mAh."""
        return self._capacity_mah

    @rated_capacity_mah.setter
    def rated_capacity_mah(self, value: int) -> None:
        self._capacity_mah = value
        self._limits = None

    @property
    def sleep_time_s(self) -> int:
        """Seconds without current before the unit sleeps; SLEEP_NEVER: it never does."""
        return self._sleep_time_s

    @sleep_time_s.setter
    def sleep_time_s(self, value: int) -> None:
        self._sleep_time_s = value
        self._limits = None

    def read(self, reg: int) -> int | None:
        """The raw value of D2 register ``reg``, None when it does not exist."""
        if reg == REG_RATED_CAPACITY:
            return min(MAX_D2_REGISTER, round(self._capacity_mah / MAH_PER_D2_UNIT))
        if reg == REG_SLEEP_TIME:
            # Only a p81 unit can hold a sleep time past the D2 register's range.
            return min(MAX_D2_REGISTER, self._sleep_time_s)
        return self._regs.get(reg)

    def writable(self, reg: int, value: int) -> bool:
        """True when the firmware accepts ``value`` for D2 register ``reg``."""
        if not 0 <= value <= MAX_D2_REGISTER:
            return False
        if reg in _SWITCHES:
            return value in (0, 1)
        if reg == REG_SOC:
            return value <= 1000
        # The hardware description (boards, cells and sensors per board, battery type)
        # is stored and read back like on a real unit, but the cells stay what they are.
        return SETTINGS_FIRST <= reg <= SETTINGS_LAST

    def write(self, reg: int, value: int) -> bool:
        """Store ``value`` in D2 register ``reg``; False (nothing stored) when not accepted."""
        if not self.writable(reg, value):
            return False
        if reg == REG_RATED_CAPACITY:
            self.rated_capacity_mah = value * MAH_PER_D2_UNIT
        elif reg == REG_SLEEP_TIME:
            self.sleep_time_s = value
        else:
            self._regs[reg] = value
            self._limits = None
        return True

    def set_soc_alarms(
        self, *, high: tuple[float, float] | None = None, low: tuple[float, float] | None = None
    ) -> None:
        """Change the SOC (warning, alarm) pairs, which have no register."""
        if high is not None:
            self.soc_high = high
        if low is not None:
            self.soc_low = low
        self._limits = None

    @property
    def limits(self) -> Limits:
        """The settings in engineering units."""
        if self._limits is None:
            self._limits = self._decode()
        return self._limits

    def _decode(self) -> Limits:
        r = self._regs

        # Divisions, not multiplications by 0.001: the protection compares these with
        # readings rounded the same way, and x / 1000 is the exactly rounded value.
        def pair(reg: int, divisor: int) -> tuple[float, float]:
            return (r[reg] / divisor, r[reg + 1] / divisor)

        def amps(reg: int) -> tuple[float, float]:
            return (abs(r[reg] - CURRENT_OFFSET) / 10, abs(r[reg + 1] - CURRENT_OFFSET) / 10)

        def celsius(reg: int) -> tuple[float, float]:
            return (r[reg] - TEMPERATURE_OFFSET, r[reg + 1] - TEMPERATURE_OFFSET)

        return Limits(
            rated_capacity_ah=self._capacity_mah / 1000,
            sleep_time_s=self._sleep_time_s,
            cell_overvoltage=pair(0x8B, 1000),
            cell_undervoltage=pair(0x8D, 1000),
            pack_overvoltage=pair(0x8F, 10),
            pack_undervoltage=pair(0x91, 10),
            charge_overcurrent=amps(0x93),
            discharge_overcurrent=amps(0x95),
            charge_overtemperature=celsius(0x97),
            charge_undertemperature=celsius(0x99),
            discharge_overtemperature=celsius(0x9B),
            discharge_undertemperature=celsius(0x9D),
            cell_delta=pair(0x9F, 1000),
            temperature_delta=pair(0xA1, 1),
            balance_start_v=r[0xA3] / 1000,
            balance_start_delta_v=r[0xA4] / 1000,
            mos_overtemperature=r[0xA8] - TEMPERATURE_OFFSET,
            charge_mos=r[REG_CHARGE_MOS] == 1,
            discharge_mos=r[REG_DISCHARGE_MOS] == 1,
            balancer=r[REG_BALANCER] == 1,
            soc_high=self.soc_high,
            soc_low=self.soc_low,
        )
