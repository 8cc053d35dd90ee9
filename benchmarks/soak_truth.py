"""The simulator's truth at each answer, and what each entity must show for it.

`RecordingRadio` puts a simulated unit on the air: whenever the unit answers a status or
settings read it keeps what the unit held at that instant, under the exact bytes
of its answer (as they went on the air, impossible or glitched values included). A reply
a client decodes is one of those byte strings, so whatever reached Home Assistant can be
traced back to the reading it came from, even when it arrived late, twice or glued to
another one. `expected` then says, per entity key, what a correct integration shows for
that reading: a value and the wire's resolution around it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from custom_components.daly_bms.protocol import most_severe, needs_attention
from custom_components.daly_bms.protocol.d2_alarms import ALARMS
from simulator.frames import READ
from simulator.radio import RadioUnit
from simulator.registers import state_of
from simulator.settings import SLEEP_NEVER, Limits
from simulator.unit import SimulatedUnit

STATUS_FIRST = 0x00
SETTINGS_FIRST = 0x80
# Readings kept per distinct answer: identical bytes mean truths within the resolution.
_KEPT_PER_ANSWER: Final = 4
_STATES: Final = ("idle", "charging", "discharging")
_BATTERY_TYPES: Final = {0: "lifepo4", 1: "li_ion", 2: "lto"}
# Resolution on the wire: 1 mV, 0.1 V, 0.1 A, 0.1 %, 0.1 Ah, 1 degree C, 1 mA.
MV, DV, DA, DSOC, DAH, DEGREE, MA = 0.001, 0.1, 0.1, 0.1, 0.1, 1.0, 0.001


@dataclass(frozen=True, slots=True)
class StatusTruth:
    """What the unit held when it answered one status read (physical units)."""

    at: float
    cells: tuple[float, ...]
    temperatures: tuple[float, ...]
    voltage: float
    current: float
    soc: float
    remaining_ah: float
    cycles: int
    mos_temperature: float | None
    board_temperature: float
    balance_current: float
    balancing: bool
    balancing_cells: tuple[int, ...]
    charge_mos: bool
    discharge_mos: bool
    alarm_bits: int
    state: str
    # Energy through the terminals since the simulation began, Wh.
    charged_wh: float
    discharged_wh: float

    @classmethod
    def of(cls, unit: SimulatedUnit, at: float) -> StatusTruth:
        """Take the unit's truth now."""
        battery = unit.battery
        return cls(
            at=at,
            cells=tuple(battery.cell_voltages),
            temperatures=tuple(battery.temperatures),
            voltage=battery.pack_voltage,
            current=battery.current,
            soc=battery.soc,
            remaining_ah=battery.remaining_ah,
            cycles=battery.cycles,
            mos_temperature=battery.mos_temperature if unit.bms.has_mos_sensor else None,
            board_temperature=battery.board_temperature,
            balance_current=battery.balance_current,
            balancing=battery.balancing,
            balancing_cells=tuple(battery.balancing_cells),
            charge_mos=battery.charge_mos,
            discharge_mos=battery.discharge_mos,
            alarm_bits=battery.alarm_bits,
            state=_STATES[state_of(battery)],
            charged_wh=battery.charged_wh,
            discharged_wh=battery.discharged_wh,
        )


@dataclass(frozen=True, slots=True)
class SettingsTruth:
    """What the unit's settings were when it answered one settings read."""

    at: float
    limits: Limits
    reference_v: float
    battery_type: str

    @classmethod
    def of(cls, unit: SimulatedUnit, at: float) -> SettingsTruth:
        """Take the unit's settings now."""
        settings = unit.settings
        return cls(
            at=at,
            limits=settings.limits,
            reference_v=(settings.read(0x81) or 0) / 1000,
            battery_type=_BATTERY_TYPES.get(settings.read(0x89) or 0, "unknown"),
        )


type Truth = StatusTruth | SettingsTruth


class RecordingRadio(RadioUnit):
    """A simulated unit on the air that keeps its truth for every status or settings answer."""

    def __init__(
        self, unit: SimulatedUnit, clock: Callable[[], float], **radio_options: Any
    ) -> None:
        """Put `unit` on the air (options as for RadioUnit); `clock` stamps each truth."""
        super().__init__(unit, **radio_options)
        self.simulated = unit
        self._clock = clock
        self.status: dict[bytes, list[StatusTruth]] = {}
        self.settings: dict[bytes, list[SettingsTruth]] = {}

    def answer(self, request: bytes) -> bytes | None:
        """Answer as the unit does, and keep what it held for a status or settings answer."""
        reply = super().answer(request)
        if reply is not None and len(request) >= 6 and request[1] == READ:
            first = int.from_bytes(request[2:4], "big")
            if first == STATUS_FIRST:
                _keep(self.status, reply, StatusTruth.of(self.simulated, self._clock()))
            elif first == SETTINGS_FIRST:
                _keep(self.settings, reply, SettingsTruth.of(self.simulated, self._clock()))
        return reply

    def readings_in(self, stream: bytes) -> tuple[list[StatusTruth], list[SettingsTruth]]:
        """Return the truths behind every whole answer of this unit found in `stream`."""
        status: list[StatusTruth] = []
        settings: list[SettingsTruth] = []
        start = stream.find(b"\xd2\x03")
        while start != -1:
            if start + 2 < len(stream):
                frame = stream[start : start + stream[start + 2] + 5]
                status.extend(self.status.get(frame, ()))
                settings.extend(self.settings.get(frame, ()))
            start = stream.find(b"\xd2\x03", start + 1)
        return status, settings


def _keep[T](answers: dict[bytes, list[T]], reply: bytes, truth: T) -> None:
    kept = answers.setdefault(reply, [])
    kept.append(truth)
    del kept[:-_KEPT_PER_ANSWER]


@dataclass(frozen=True, slots=True)
class Expected:
    """What an entity must show: a value (None: unknown) within `tolerance` in `unit`."""

    value: float | str | bool | None
    tolerance: float = 0.0
    unit: str | None = None
    attributes: Mapping[str, Any] = field(default_factory=dict)


def _alarm_names(bits: int) -> list[str]:
    return [alarm.name for bit, alarm in enumerate(ALARMS) if bits >> bit & 1]


def _numbered(key: str, prefix: str, values: Sequence[float | None]) -> float | None:
    index = int(key.removeprefix(prefix)) - 1
    return values[index] if 0 <= index < len(values) else None


def expected_status(key: str, truth: StatusTruth) -> Expected | None:
    """Return what the status entity `key` must show for `truth`; None: not a status entity."""
    cells_mv = [round(v * 1000) for v in truth.cells]
    simple: dict[str, Expected] = {
        "soc": Expected(truth.soc, DSOC, "%"),
        # The calibration number shows the state of charge the unit reports.
        "soc_setting": Expected(truth.soc, DSOC, "%"),
        "voltage": Expected(truth.voltage, DV, "V"),
        "current": Expected(truth.current, DA, "A"),
        # Derived from two readings: each may be one step off.
        "power": Expected(
            truth.voltage * truth.current,
            abs(truth.current) * DV + truth.voltage * DA + DV * DA,
            "W",
        ),
        "remaining_capacity": Expected(truth.remaining_ah, DAH, "Ah"),
        "stored_energy": Expected(
            truth.remaining_ah * truth.voltage,
            truth.remaining_ah * DV + truth.voltage * DAH + DV * DAH,
            "Wh",
        ),
        "cycles": Expected(truth.cycles),
        "cell_voltage_min": Expected(min(cells_mv) / 1000, MV, "V"),
        "cell_voltage_max": Expected(max(cells_mv) / 1000, MV, "V"),
        "cell_voltage_avg": Expected(sum(truth.cells) / len(truth.cells), MV, "V"),
        "cell_voltage_delta": Expected((max(cells_mv) - min(cells_mv)) / 1000, MV, "V"),
        "mos_temperature": Expected(truth.mos_temperature, DEGREE, "°C"),
        "board_temperature": Expected(truth.board_temperature, DEGREE, "°C"),
        "state": Expected(truth.state),
        "balance_current": Expected(truth.balance_current, MA, "A"),
        "alarm": Expected(
            most_severe(_alarm_names(truth.alarm_bits)) or "none",
            attributes={"active_alarms": _alarm_names(truth.alarm_bits)},
        ),
        "balancing": Expected(
            truth.balancing, attributes={"balancing_cells": list(truth.balancing_cells)}
        ),
        "charging": Expected(truth.state == "charging"),
        "problem": Expected(
            needs_attention(_alarm_names(truth.alarm_bits)),
            attributes={"active_alarms": _alarm_names(truth.alarm_bits)},
        ),
        "charge_mos": Expected(truth.charge_mos),
        "discharge_mos": Expected(truth.discharge_mos),
    }
    if key in simple:
        return simple[key]
    if key.startswith("cell_voltage_") and key.removeprefix("cell_voltage_").isdigit():
        return Expected(_numbered(key, "cell_voltage_", truth.cells), MV, "V")
    if key.startswith("temperature_") and key.removeprefix("temperature_").isdigit():
        return Expected(_numbered(key, "temperature_", truth.temperatures), DEGREE, "°C")
    return None


def expected_setting(key: str, truth: SettingsTruth) -> Expected | None:
    """Return what the settings entity `key` must show for `truth`; None: not a setting."""
    limits = truth.limits
    pairs: dict[str, tuple[tuple[float, float], float, str]] = {
        "cell_overvoltage": (limits.cell_overvoltage, MV, "V"),
        "cell_undervoltage": (limits.cell_undervoltage, MV, "V"),
        "pack_overvoltage": (limits.pack_overvoltage, DV, "V"),
        "pack_undervoltage": (limits.pack_undervoltage, DV, "V"),
        "charge_overcurrent": (limits.charge_overcurrent, DA, "A"),
        "discharge_overcurrent": (limits.discharge_overcurrent, DA, "A"),
        "charge_overtemperature": (limits.charge_overtemperature, DEGREE, "°C"),
        "charge_undertemperature": (limits.charge_undertemperature, DEGREE, "°C"),
        "discharge_overtemperature": (limits.discharge_overtemperature, DEGREE, "°C"),
        "discharge_undertemperature": (limits.discharge_undertemperature, DEGREE, "°C"),
        "cell_delta": (limits.cell_delta, MV, "V"),
    }
    stem, _, level = key.rpartition("_")
    if stem in pairs and level in ("warning", "alarm"):
        values, resolution, unit = pairs[stem]
        return Expected(values[0 if level == "warning" else 1], resolution, unit)
    sleep = None if limits.sleep_time_s == SLEEP_NEVER else float(limits.sleep_time_s)
    single: dict[str, Expected] = {
        "rated_capacity": Expected(limits.rated_capacity_ah, DAH, "Ah"),
        "cell_reference_voltage": Expected(truth.reference_v, MV, "V"),
        "balancing_start_voltage": Expected(limits.balance_start_v, MV, "V"),
        "balancing_start_delta": Expected(limits.balance_start_delta_v, MV, "V"),
        "mos_overtemperature": Expected(limits.mos_overtemperature, DEGREE, "°C"),
        "battery_type": Expected(truth.battery_type),
        "sleep_time": Expected(sleep, 1.0, "s"),
        "never_sleep": Expected(limits.sleep_time_s == SLEEP_NEVER),
        "balancer": Expected(limits.balancer),
    }
    return single.get(key)
