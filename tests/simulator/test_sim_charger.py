"""The solar day charges through a three-stage controller: bulk, absorption, float."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from simulator import (
    ChargeController,
    Chemistry,
    ConstantProfile,
    ManualClock,
    SimulatedUnit,
    SolarDayProfile,
    Stage,
)
from simulator.battery import POLARIZATION_TIME_CONSTANT_S

from .wire import decode_d2_status, read_request

STATUS_80 = read_request(0x00, 0x50)
CELL_OVERVOLTAGE_BITS = 1 << 48 | 1 << 49
PACK_OVERVOLTAGE_BITS = 1 << 52 | 1 << 53


def make_unit(**options: Any) -> SimulatedUnit:
    defaults: dict[str, Any] = {
        "name": "DL-C0DA1B000001",
        "address": "C0:DA:1B:00:00:01",
        "clock": ManualClock(),
    }
    defaults.update(options)
    unit = SimulatedUnit(**defaults)
    unit.firmware.write_register(0x8A, 0xFFFF)  # never sleep: these tests poll for days
    return unit


def status(unit: SimulatedUnit) -> dict[str, Any]:
    reply = unit.handle_request(STATUS_80)
    assert reply is not None
    return decode_d2_status(reply)


def solar_unit(**options: Any) -> SimulatedUnit:
    capacity = options.setdefault("capacity_ah", 280.0)
    return make_unit(profile=SolarDayProfile.for_capacity(capacity, start_hour=6.0), **options)


def level(unit: SimulatedUnit, soc: float) -> None:
    """Put every cell (and the BMS's counter) at ``soc``."""
    unit.battery.set_soc(soc)
    for cell in range(1, unit.battery.cell_count + 1):
        unit.battery.set_cell_soc(cell, soc)


def stage_of(controller: ChargeController) -> Stage:
    """The controller's stage, read afresh (a call may have changed it)."""
    return controller.stage


def stage(unit: SimulatedUnit) -> Stage:
    profile = unit.profile
    assert isinstance(profile, SolarDayProfile)
    return stage_of(profile.charger)


def test_a_day_runs_bulk_then_absorption_with_a_taper_then_float() -> None:
    unit = solar_unit(cells=16, soc=60.0)
    absorption_v = 3.45 * 16
    float_v = 3.375 * 16
    trace: list[tuple[Stage, dict[str, Any]]] = []
    for _ in range(24 * 60):
        unit.advance(60)
        trace.append((stage(unit), status(unit)))
    stages = [s for s, _ in trace]
    first_absorption = stages.index(Stage.ABSORPTION)
    first_float = stages.index(Stage.FLOAT)
    assert stages[0] is Stage.BULK
    assert first_absorption < first_float

    bulk = [s for st, s in trace[:first_absorption] if s["current"] > 0]
    # Bulk: everything the sun gives beyond the loads goes in, well below the set voltage.
    assert max(s["current"] for s in bulk) > 0.12 * 280
    assert max(s["voltage"] for s in bulk) < absorption_v + 0.1

    absorption = [s for st, s in trace if st is Stage.ABSORPTION]
    assert len(absorption) >= 10  # minutes: long enough to see on a graph
    for s in absorption:
        assert s["voltage"] == pytest.approx(absorption_v, abs=0.15)
    currents = [s["current"] for s in absorption]
    assert currents[0] > 3 * currents[-1] > 0
    assert all(b <= a + 0.1 for a, b in itertools.pairwise(currents))

    floating = [s for st, s in trace[first_float:] if st is Stage.FLOAT]
    assert max(s["voltage"] for s in floating) <= absorption_v + 0.05
    # Float ends up holding the float voltage with the sun carrying the loads.
    assert any(
        s["voltage"] == pytest.approx(float_v, abs=0.15) and abs(s["current"]) < 0.5
        for s in floating
    )
    assert all(s["alarms"] & CELL_OVERVOLTAGE_BITS == 0 for _, s in trace)
    # The next night starts over: a fresh bulk stage at sunrise.
    assert stages[-1] is Stage.BULK


@pytest.mark.parametrize("chemistry", list(Chemistry))
@pytest.mark.parametrize(("cells", "capacity_ah", "seed"), [(4, 100.0, 3), (16, 280.0, 16)])
def test_days_of_sun_never_trip_the_overvoltage_protection(
    chemistry: Chemistry, cells: int, capacity_ah: float, seed: int
) -> None:
    unit = solar_unit(
        cells=cells, capacity_ah=capacity_ah, seed=seed, chemistry=chemistry, soc=90.0
    )
    seen_full = False
    for _ in range(4 * 24 * 6):
        unit.advance(600)
        battery = unit.battery
        assert battery.alarm_bits & (CELL_OVERVOLTAGE_BITS | PACK_OVERVOLTAGE_BITS) == 0
        assert battery.charge_mos
        seen_full |= stage(unit) is Stage.FLOAT
    assert seen_full


def test_without_the_controller_the_same_sun_trips_the_protection() -> None:
    """The control case: the raw sun-minus-load demand drives the pack into its limit."""
    profile = SolarDayProfile.for_capacity(280.0, start_hour=6.0)
    unit = make_unit(cells=16, capacity_ah=280.0, soc=90.0)
    unit.profile = ConstantProfile(profile.current_at(6 * 3600.0))  # noon sun, unregulated
    tripped = False
    for _ in range(6 * 60):
        unit.advance(60)
        tripped |= bool(unit.battery.alarm_bits & CELL_OVERVOLTAGE_BITS)
    assert tripped


def test_an_open_charge_mos_stops_the_charge_and_closing_it_resumes_bulk() -> None:
    unit = solar_unit(cells=16, soc=60.0)
    unit.advance(4 * 3600)  # 10:00, charging
    assert status(unit)["current"] > 10.0
    unit.firmware.write_register(0xA5, 0)
    for _ in range(60):
        unit.advance(60)
        assert status(unit)["current"] == 0.0
    assert stage(unit) is Stage.BULK
    unit.firmware.write_register(0xA5, 1)
    assert status(unit)["current"] > 10.0


def test_float_falls_back_to_bulk_when_the_loads_outrun_the_sun() -> None:
    controller = ChargeController()
    unit = make_unit(cells=16, capacity_ah=100.0, soc=97.0)
    battery = unit.battery
    controller.stage = Stage.FLOAT
    # A cloudy afternoon: 1 A of sun against a 20 A load, the pack sags.
    assert controller.battery_current(0.0, 1.0, 20.0, battery) == -20.0
    assert stage_of(controller) is Stage.FLOAT  # still above the re-bulk voltage
    level(unit, 60.0)
    assert controller.battery_current(10.0, 1.0, 20.0, battery) == -19.0
    assert stage_of(controller) is Stage.BULK


def test_absorption_ends_after_its_longest_time_even_without_a_tail() -> None:
    controller = ChargeController(absorption_max_s=600.0, tail_c=0.0)
    unit = make_unit(cells=4, capacity_ah=100.0)
    level(unit, 97.7)  # just below the absorption voltage: 30 A would overshoot it
    battery = unit.battery
    controller.battery_current(0.0, 30.0, 0.0, battery)
    assert stage_of(controller) is Stage.ABSORPTION
    controller.battery_current(599.0, 30.0, 0.0, battery)
    assert stage_of(controller) is Stage.ABSORPTION
    controller.battery_current(600.0, 30.0, 0.0, battery)
    assert stage_of(controller) is Stage.FLOAT
    controller.battery_current(700.0, 0.0, 2.0, battery)  # dusk
    assert stage_of(controller) is Stage.BULK


def test_setpoints_can_be_given_per_cell() -> None:
    unit = make_unit(cells=4, capacity_ah=100.0)
    level(unit, 80.0)  # 3.33 V a cell at rest
    battery = unit.battery
    low = ChargeController(absorption_v=3.34)
    current = low.battery_current(0.0, 50.0, 0.0, battery)
    assert 0.0 < current < 50.0  # held back by the low setpoint
    battery.apply_demand(current)
    assert battery.pack_voltage == pytest.approx(4 * 3.34, abs=1e-6)
    assert ChargeController().battery_current(0.0, 50.0, 0.0, battery) == 50.0


def test_polarization_builds_under_current_and_fades_at_rest() -> None:
    unit = make_unit(cells=4, capacity_ah=100.0, soc=50.0)
    battery = unit.battery
    unit.set_current(-50.0)
    instant = battery.pack_voltage
    unit.advance(2 * POLARIZATION_TIME_CONSTANT_S)
    # The SOC barely moves on the flat part of the curve; the extra sag is polarization.
    assert battery.pack_voltage < instant - 0.02
    unit.set_current(0.0)
    rested = battery.pack_voltage
    unit.advance(5 * POLARIZATION_TIME_CONSTANT_S)
    assert battery.pack_voltage > rested + 0.02
    assert max(abs(p) for p in battery.cell_polarization_v) < 1e-3
