"""The settings register file (D2 addresses 0x80-0xA8, 0xC9-0xCB, 0xCF) and its meaning."""

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
            0x80: round(capacity_ah * 10),
            0x81: _mv(p.reference_v),
            0x82: 1,  # acquisition boards
            0x83: cells,
            0x84: 0,
            0x85: 0,
            0x86: temperature_sensors,
            0x87: 0,
            0x88: 0,
            0x89: p.battery_type,
            REG_SLEEP_TIME: 3600,
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
        for reg, pair in zip(PASSWORD_REGS, (b"12", b"34", b"56"), strict=True):
            regs[reg] = int.from_bytes(pair, "big")
        self._regs = regs
        # SOC alarms have no register in the block; 101 % keeps "SOC high" off by
        # default because a full battery is normal, not an alarm.
        self.soc_high = (101.0, 101.0)
        self.soc_low = (10.0, 5.0)
        self._limits: Limits | None = None

    def read(self, reg: int) -> int | None:
        """The raw value of ``reg``, None when it does not exist."""
        return self._regs.get(reg)

    def writable(self, reg: int, value: int) -> bool:
        """True when the firmware accepts ``value`` for ``reg``."""
        if not 0 <= value <= 0xFFFF:
            return False
        if reg in _SWITCHES:
            return value in (0, 1)
        if reg == REG_SOC:
            return value <= 1000
        # The hardware description (boards, cells and sensors per board, battery type)
        # is stored and read back like on a real unit, but the cells stay what they are.
        return SETTINGS_FIRST <= reg <= SETTINGS_LAST

    def write(self, reg: int, value: int) -> bool:
        """Store ``value`` in ``reg``; False (nothing stored) when not accepted."""
        if not self.writable(reg, value):
            return False
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
            rated_capacity_ah=r[0x80] / 10,
            sleep_time_s=r[REG_SLEEP_TIME],
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
