"""Alarm bits and protection trips, evaluated the way the BMS firmware does each cycle."""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

from .battery import Battery
from .settings import Limits


class AlarmBit(IntEnum):
    """Bit positions in the 64-bit alarm word (registers 0x3A-0x3D, bit 0 = LSB)."""

    CHARGE_OVERCURRENT_WARNING = 32
    CHARGE_OVERCURRENT_ALARM = 33
    DISCHARGE_OVERCURRENT_WARNING = 34
    DISCHARGE_OVERCURRENT_ALARM = 35
    SOC_HIGH_WARNING = 36
    SOC_HIGH_ALARM = 37
    SOC_LOW_WARNING = 38
    SOC_LOW_ALARM = 39
    CELL_DELTA_WARNING = 40
    CELL_DELTA_ALARM = 41
    TEMPERATURE_DELTA_WARNING = 42
    TEMPERATURE_DELTA_ALARM = 43
    CELL_OVERVOLTAGE_WARNING = 48
    CELL_OVERVOLTAGE_ALARM = 49
    CELL_UNDERVOLTAGE_WARNING = 50
    CELL_UNDERVOLTAGE_ALARM = 51
    PACK_OVERVOLTAGE_WARNING = 52
    PACK_OVERVOLTAGE_ALARM = 53
    PACK_UNDERVOLTAGE_WARNING = 54
    PACK_UNDERVOLTAGE_ALARM = 55
    CHARGE_OVERTEMPERATURE_WARNING = 56
    CHARGE_OVERTEMPERATURE_ALARM = 57
    CHARGE_UNDERTEMPERATURE_WARNING = 58
    CHARGE_UNDERTEMPERATURE_ALARM = 59
    DISCHARGE_OVERTEMPERATURE_WARNING = 60
    DISCHARGE_OVERTEMPERATURE_ALARM = 61
    DISCHARGE_UNDERTEMPERATURE_WARNING = 62
    DISCHARGE_UNDERTEMPERATURE_ALARM = 63
    CHARGE_MOS_OVERTEMPERATURE = 16
    DISCHARGE_MOS_OVERTEMPERATURE = 17
    SHORT_CIRCUIT = 2


# Release margins. A tripped MOS comes back only once the value is back inside the
# warning level AND this far from the alarm level, so a warning set equal to the
# alarm (as some units ship) still leaves a gap and the MOS does not chatter.
CELL_HYSTERESIS_V = 0.05
PACK_HYSTERESIS_FRACTION = 0.02
TEMPERATURE_HYSTERESIS_C = 5.0
# Over-current is released by time, as on the real units: the MOS closes again after
# this delay and trips again at once if the overload is still there.
OVERCURRENT_RELEASE_S = 60.0


@dataclass(slots=True)
class _Trip:
    """One latched protection: which MOS it opens and when it tripped."""

    alarm_bit: int
    blocks_charge: bool
    blocks_discharge: bool
    active: bool = False
    since: float = 0.0


def _bit(n: int) -> int:
    return 1 << n


class Protection:
    """Turns measurements into alarm bits and MOS trips.

    Level-1 (warning) bits follow the measurement. Level-2 (alarm) bits of the
    conditions that open a MOS follow the latched trip, so the alarm stays visible for
    as long as the MOS is held open, and the reading that caused it is gone the
    moment the current stops. Conditions that do not switch anything (cell delta,
    temperature delta, SOC) report both levels straight from the measurement.
    """

    def __init__(self, *, has_mos_sensor: bool = True) -> None:
        self.has_mos_sensor = has_mos_sensor
        b = AlarmBit
        self.cell_overvoltage = _Trip(b.CELL_OVERVOLTAGE_ALARM, True, False)
        self.cell_undervoltage = _Trip(b.CELL_UNDERVOLTAGE_ALARM, False, True)
        self.pack_overvoltage = _Trip(b.PACK_OVERVOLTAGE_ALARM, True, False)
        self.pack_undervoltage = _Trip(b.PACK_UNDERVOLTAGE_ALARM, False, True)
        self.charge_overcurrent = _Trip(b.CHARGE_OVERCURRENT_ALARM, True, False)
        self.discharge_overcurrent = _Trip(b.DISCHARGE_OVERCURRENT_ALARM, False, True)
        self.charge_overtemperature = _Trip(b.CHARGE_OVERTEMPERATURE_ALARM, True, False)
        self.charge_undertemperature = _Trip(b.CHARGE_UNDERTEMPERATURE_ALARM, True, False)
        self.discharge_overtemperature = _Trip(b.DISCHARGE_OVERTEMPERATURE_ALARM, False, True)
        self.discharge_undertemperature = _Trip(b.DISCHARGE_UNDERTEMPERATURE_ALARM, False, True)
        self.mos_overtemperature = _Trip(b.CHARGE_MOS_OVERTEMPERATURE, True, True)
        self._trips = (
            self.cell_overvoltage,
            self.cell_undervoltage,
            self.pack_overvoltage,
            self.pack_undervoltage,
            self.charge_overcurrent,
            self.discharge_overcurrent,
            self.charge_overtemperature,
            self.charge_undertemperature,
            self.discharge_overtemperature,
            self.discharge_undertemperature,
            self.mos_overtemperature,
        )
        # True while any protection holds that MOS open; updated by evaluate().
        self.charge_tripped = False
        self.discharge_tripped = False

    def evaluate(self, battery: Battery, limits: Limits, now: float) -> int:
        """Update the trips from ``battery``'s present readings; return the alarm word."""
        b = AlarmBit
        # Readings at the resolution the firmware has (mV, 0.1 V, 0.1 A, whole degrees),
        # so that a threshold compared with the reported registers gives the same answer.
        volts = battery.cell_voltages
        max_mv = round(max(volts) * 1000)
        min_mv = round(min(volts) * 1000)
        temps = battery.temperatures
        tmax = round(max(temps))
        tmin = round(min(temps))
        current = round(battery.current * 10) / 10
        pack = round(sum(volts) * 10) / 10
        pack_margin = PACK_HYSTERESIS_FRACTION * limits.pack_overvoltage[1]

        lim, cell_m, t_m = limits, CELL_HYSTERESIS_V, TEMPERATURE_HYSTERESIS_C
        bits = (
            _high(self.cell_overvoltage, max_mv / 1000, lim.cell_overvoltage, cell_m, now)
            | _low(self.cell_undervoltage, min_mv / 1000, lim.cell_undervoltage, cell_m, now)
            | _high(self.pack_overvoltage, pack, lim.pack_overvoltage, pack_margin, now)
            | _low(self.pack_undervoltage, pack, lim.pack_undervoltage, pack_margin, now)
            | _overcurrent(self.charge_overcurrent, current, lim.charge_overcurrent, now)
            | _overcurrent(self.discharge_overcurrent, -current, lim.discharge_overcurrent, now)
            | _high(self.charge_overtemperature, tmax, lim.charge_overtemperature, t_m, now)
            | _low(self.charge_undertemperature, tmin, lim.charge_undertemperature, t_m, now)
            | _high(self.discharge_overtemperature, tmax, lim.discharge_overtemperature, t_m, now)
            | _low(self.discharge_undertemperature, tmin, lim.discharge_undertemperature, t_m, now)
        )

        # Without a MOS sensor the firmware has nothing to protect the MOS with.
        mos = self.mos_overtemperature
        if self.has_mos_sensor:
            mos_c = round(battery.mos_temperature)
            mos_limit = limits.mos_overtemperature
            if not mos.active and mos_c >= mos_limit:
                mos.active, mos.since = True, now
            elif mos.active and mos_c < mos_limit - t_m:
                mos.active = False
        else:
            mos.active = False
        if mos.active:
            bits |= _bit(b.CHARGE_MOS_OVERTEMPERATURE) | _bit(b.DISCHARGE_MOS_OVERTEMPERATURE)

        charge_tripped = discharge_tripped = False
        for trip in self._trips:
            if trip.active:
                charge_tripped |= trip.blocks_charge
                discharge_tripped |= trip.blocks_discharge
                if trip is not mos:
                    bits |= _bit(trip.alarm_bit)
        self.charge_tripped = charge_tripped
        self.discharge_tripped = discharge_tripped

        soc = round(battery.soc * 10) / 10
        bits |= _levels((max_mv - min_mv) / 1000, limits.cell_delta, b.CELL_DELTA_WARNING)
        bits |= _levels(tmax - tmin, limits.temperature_delta, b.TEMPERATURE_DELTA_WARNING)
        bits |= _levels(soc, limits.soc_high, b.SOC_HIGH_WARNING)
        bits |= _levels(-soc, (-limits.soc_low[0], -limits.soc_low[1]), b.SOC_LOW_WARNING)
        return bits


# The warning bit is always the one right below its alarm bit (section 3.1).
def _high(trip: _Trip, value: float, pair: tuple[float, float], margin: float, now: float) -> int:
    """A value that is bad when high: latch at the alarm, release inside warning - margin."""
    warning, alarm = pair
    if not trip.active and value >= alarm:
        trip.active, trip.since = True, now
    elif trip.active and value < min(warning, alarm - margin):
        trip.active = False
    return _bit(trip.alarm_bit - 1) if value >= warning else 0


def _low(trip: _Trip, value: float, pair: tuple[float, float], margin: float, now: float) -> int:
    """A value that is bad when low: the mirror image of :func:`_high`."""
    warning, alarm = pair
    if not trip.active and value <= alarm:
        trip.active, trip.since = True, now
    elif trip.active and value > max(warning, alarm + margin):
        trip.active = False
    return _bit(trip.alarm_bit - 1) if value <= warning else 0


def _overcurrent(trip: _Trip, value: float, pair: tuple[float, float], now: float) -> int:
    """Latch at the alarm level; release by time only (the current is zero meanwhile)."""
    warning, alarm = pair
    if trip.active and now - trip.since >= OVERCURRENT_RELEASE_S:
        trip.active = False
    if not trip.active and value >= alarm:
        trip.active, trip.since = True, now
    return _bit(trip.alarm_bit - 1) if value >= warning else 0


def _levels(value: float, pair: tuple[float, float], warning_bit: int) -> int:
    """Warning bit and the alarm bit right above it, for a value that rises into trouble."""
    warning, alarm = pair
    bits = _bit(warning_bit) if value >= warning else 0
    if value >= alarm:
        bits |= _bit(warning_bit + 1)
    return bits
