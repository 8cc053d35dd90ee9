"""Time to empty and time to full: within 5 % at a steady current, calm under spikes."""

from __future__ import annotations

import pytest

from custom_components.daly_bms.energy import EnergyTracker, Runtime, RuntimeEstimator
from custom_components.daly_bms.protocol import DalySettings
from simulator import ManualClock, SimulatedUnit

from .readings import read


def make_unit(**options: object) -> SimulatedUnit:
    unit = SimulatedUnit(
        name="DL-C0DA1B000001",
        address="C0:DA:1B:00:00:01",
        clock=ManualClock(),
        **options,  # type: ignore[arg-type]
    )
    unit.firmware.write_register(0x8A, 0xFFFF)
    return unit


def settings_with(rated_ah: float | None) -> DalySettings:
    """The settings block as far as the estimator cares: the rated capacity."""
    return DalySettings(
        **{name: None for name in DalySettings.__dataclass_fields__ if name != "rated_capacity"},
        rated_capacity=rated_ah,
    )


def run(unit: SimulatedUnit, tracker: EnergyTracker, seconds: int, step: int = 10) -> Runtime:
    settings = settings_with(unit.settings.limits.rated_capacity_ah)
    runtime = Runtime()
    for _ in range(seconds // step):
        unit.advance(step)
        runtime = tracker.update(unit.clock.now(), read(unit), settings).runtime
    return runtime


@pytest.mark.parametrize(("capacity_ah", "soc", "amps"), [(100.0, 60.0, 20.0), (280.0, 35.0, 7.5)])
def test_time_to_empty_at_a_steady_discharge(capacity_ah: float, soc: float, amps: float) -> None:
    unit = make_unit(capacity_ah=capacity_ah, soc=soc)
    unit.set_current(-amps)
    runtime = run(unit, EnergyTracker(10), 120)
    truth_s = unit.battery.remaining_ah / amps * 3600
    assert runtime.to_full_s is None
    assert runtime.to_empty_s == pytest.approx(truth_s, rel=0.05)


@pytest.mark.parametrize(("capacity_ah", "soc", "amps"), [(100.0, 40.0, 25.0), (280.0, 80.0, 3.3)])
def test_time_to_full_at_a_steady_charge(capacity_ah: float, soc: float, amps: float) -> None:
    unit = make_unit(capacity_ah=capacity_ah, soc=soc)
    unit.set_current(amps)
    runtime = run(unit, EnergyTracker(10), 120)
    battery = unit.battery
    truth_s = (battery.rated_capacity_ah - battery.remaining_ah) / amps * 3600
    assert runtime.to_empty_s is None
    assert runtime.to_full_s == pytest.approx(truth_s, rel=0.05)


def test_one_spike_does_not_swing_the_estimate() -> None:
    unit = make_unit(capacity_ah=100.0, soc=60.0)
    unit.set_current(-10.0)
    tracker = EnergyTracker(10)
    steady = run(unit, tracker, 60).to_empty_s
    assert steady is not None
    unit.set_current(-150.0)  # a motor starting, for one reading
    spiked = run(unit, tracker, 10).to_empty_s
    unit.set_current(-10.0)
    after = run(unit, tracker, 10).to_empty_s
    assert spiked == pytest.approx(steady, rel=0.05)
    assert after == pytest.approx(steady, rel=0.05)


def test_a_lasting_change_is_followed_within_a_few_readings() -> None:
    unit = make_unit(capacity_ah=100.0, soc=60.0)
    unit.set_current(-10.0)
    tracker = EnergyTracker(10)
    run(unit, tracker, 60)
    unit.set_current(-40.0)
    runtime = run(unit, tracker, 30)
    assert runtime.to_empty_s == pytest.approx(unit.battery.remaining_ah / 40 * 3600, rel=0.05)


def test_idle_gives_no_estimate() -> None:
    unit = make_unit(capacity_ah=100.0, soc=60.0)
    assert run(unit, EnergyTracker(10), 60) == Runtime()


def test_a_change_of_direction_switches_the_estimate() -> None:
    unit = make_unit(capacity_ah=100.0, soc=60.0)
    tracker = EnergyTracker(10)
    unit.set_current(-10.0)
    assert run(unit, tracker, 60).to_empty_s is not None
    unit.set_current(20.0)
    runtime = run(unit, tracker, 60)
    assert runtime.to_empty_s is None
    assert runtime.to_full_s is not None


def test_after_a_gap_only_new_readings_count() -> None:
    estimator = RuntimeEstimator(max_gap_s=50)
    assert estimator.estimate(50.0, 100.0, 50.0) == Runtime()  # nothing read yet
    for second in range(0, 50, 10):
        estimator.add(float(second), -50.0)
    estimator.add(4000.0, -5.0)
    assert estimator.smoothed_current == -5.0
    estimator.add(4010.0, None)
    assert estimator.smoothed_current == -5.0


@pytest.mark.parametrize(
    ("remaining_ah", "rated_ah", "soc", "current_a", "expected"),
    [
        # Without the settings the rated capacity follows from remaining and SOC.
        (50.0, None, 50.0, 10.0, Runtime(to_full_s=5 * 3600)),
        # Without the remaining capacity it follows from rated capacity and SOC.
        (None, 100.0, 25.0, -5.0, Runtime(to_empty_s=5 * 3600)),
        (None, None, 50.0, -5.0, Runtime()),
        (50.0, None, 0.0, 10.0, Runtime()),
        (50.0, None, None, -10.0, Runtime(to_empty_s=5 * 3600)),
        (None, 0.0, 50.0, 10.0, Runtime()),
        # A BMS counting past its rated capacity is full, not "negative time".
        (105.0, 100.0, 100.0, 2.0, Runtime(to_full_s=0.0)),
    ],
)
def test_capacities_from_what_is_known(
    remaining_ah: float | None,
    rated_ah: float | None,
    soc: float | None,
    current_a: float,
    expected: Runtime,
) -> None:
    estimator = RuntimeEstimator(max_gap_s=50)
    estimator.add(0.0, current_a)
    assert estimator.estimate(remaining_ah, rated_ah, soc) == expected
