"""Identity, advertisement, clocks and profiles."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from simulator import (
    Battery,
    Chemistry,
    ConstantProfile,
    ManualClock,
    RealtimeClock,
    ScheduleProfile,
    SimulatedUnit,
    SolarDayProfile,
    daly_name,
    jhb_name,
)

SIMULATOR = Path(__file__).parents[2] / "simulator"


def test_names_from_the_address() -> None:
    assert daly_name("40:d6:3c:32:23:a2") == "DL-40D63C3223A2"
    assert jhb_name("50-18-12-01-A4-94") == "JHB-50181201A494"


def test_manufacturer_data_matches_the_documented_advertisement() -> None:
    unit = SimulatedUnit(name="DL-401710015C9B", address="40:17:10:01:5c:9b")
    assert unit.address == "40:17:10:01:5C:9B"
    assert unit.manufacturer_data == {0x0302: bytes.fromhex("16 40 17 10 01 5c 9b 44 4c")}
    assert unit.service_uuids == []


def test_jhb_units_say_jhb_and_options_apply() -> None:
    unit = SimulatedUnit(
        name=jhb_name("50:18:12:01:A4:94"),
        address="50:18:12:01:A4:94",
        advertise_service_uuid=True,
    )
    ((company, payload),) = unit.manufacturer_data.items()
    assert company != 0x0302
    assert payload == bytes.fromhex("16 50 18 12 01 A4 94") + b"JHB"
    assert unit.service_uuids == ["0000fff0-0000-1000-8000-00805f9b34fb"]
    other = SimulatedUnit(name="BT270-2", address="50:18:12:01:A4:95", manufacturer_id=0x0402)
    assert list(other.manufacturer_data) == [0x0402]
    assert other.manufacturer_data[0x0402].endswith(b"DL")


@pytest.mark.parametrize(
    "options",
    [
        {"address": "40:D6:3C:32:23"},
        {"address": "not an address"},
        {"cells": 3},
        {"cells": 25},
        {"soc": 101.0},
        {"capacity_ah": 0.0},
        {"temperature_sensors": 9},
        {"dialect": "sinowealth"},
        {"chemistry": "lead"},
    ],
)
def test_impossible_units_are_refused(options: dict[str, object]) -> None:
    arguments: dict[str, object] = {"name": "DL-X", "address": "40:D6:3C:32:23:A2"}
    arguments.update(options)
    with pytest.raises(ValueError):  # noqa: PT011 - each case has its own message
        SimulatedUnit(**arguments)  # type: ignore[arg-type]


def test_unit_keeps_what_it_was_given() -> None:
    clock = ManualClock(100.0)
    unit = SimulatedUnit(
        name="DL-1",
        address="40:D6:3C:32:23:A2",
        cells=24,
        chemistry="li_ion",
        capacity_ah=50.0,
        dialect="p81",
        clock=clock,
    )
    assert unit.dialect == "p81"
    assert unit.clock is clock
    assert unit.time == 100.0
    assert unit.battery.chemistry is Chemistry.LI_ION
    assert len(unit.battery.cell_voltages) == 24
    assert unit.battery.temperature_sensors == 4
    assert 3.0 < unit.battery.cell_voltages[0] < 4.2
    assert "p81" in repr(unit)


def test_units_on_one_clock_share_time() -> None:
    clock = ManualClock()
    first = SimulatedUnit(name="DL-1", address="40:D6:3C:32:23:A2", clock=clock)
    second = SimulatedUnit(name="DL-2", address="40:D6:3C:32:23:A3", clock=clock)
    first.set_current(-10.0)
    second.set_current(-10.0)
    first.advance(3600)
    assert clock.now() == 3600.0
    assert second.time == 0.0
    second.catch_up()
    assert second.battery.soc == pytest.approx(first.battery.soc)


def test_manual_clock() -> None:
    clock = ManualClock()
    clock.advance(1.5)
    assert clock.now() == 1.5
    with pytest.raises(ValueError, match="forward"):
        clock.advance(-1)


def test_realtime_clock_scales_and_skips() -> None:
    wall = [1000.0]
    clock = RealtimeClock(speed=60.0, monotonic=lambda: wall[0])
    assert clock.now() == 0.0
    wall[0] += 2.0
    assert clock.now() == 120.0
    clock.advance(30.0)
    assert clock.now() == 150.0
    with pytest.raises(ValueError, match="forward"):
        clock.advance(-1.0)
    with pytest.raises(ValueError, match="positive"):
        RealtimeClock(speed=0)
    assert RealtimeClock().now() >= 0.0


def test_realtime_clock_drives_a_unit() -> None:
    wall = [0.0]
    unit = SimulatedUnit(
        name="DL-1",
        address="40:D6:3C:32:23:A2",
        clock=RealtimeClock(speed=600.0, monotonic=lambda: wall[0]),
        profile=ConstantProfile(-10.0),
    )
    wall[0] = 6.0  # one simulated hour
    unit.catch_up()
    assert unit.battery.soc == pytest.approx(50.0)


def test_solar_day_shape() -> None:
    profile = SolarDayProfile(start_hour=6.0)

    def at(hour: float) -> float:
        return profile.current_at((hour - 6.0) % 24 * 3600)

    assert at(3) < 0  # night load
    assert at(21) < 0  # evening load
    assert at(21) < at(3)  # the evening is the heavier load
    assert at(7) < at(10) < at(12)
    assert at(12) == pytest.approx(15.0 - 2.0)
    assert at(12) > at(14) > at(16)
    assert profile.hour_of_day(18 * 3600 + 1800) == pytest.approx(0.5)
    scaled = SolarDayProfile.for_capacity(280.0, start_hour=12.0)
    assert scaled.current_at(0.0) == pytest.approx(2.8 * 13.0)


def test_schedule_profile() -> None:
    profile = ScheduleProfile([(100.0, 5.0), (0.0, -1.0)])
    assert profile.current_at(-1.0) == 0.0
    assert profile.current_at(50.0) == -1.0
    assert profile.current_at(100.0) == 5.0


def test_battery_can_be_used_alone() -> None:
    battery = Battery(cells=4, soc=50.0, capacity_ah=10.0, seed=3)
    battery.apply_demand(5.0)
    battery.integrate(3600.0)
    assert battery.soc == pytest.approx(100.0)
    assert battery.charged_ah == pytest.approx(5.0)
    assert battery.pack_voltage == pytest.approx(sum(battery.cell_voltages))
    battery.set_rated_capacity(-1.0)
    assert battery.rated_capacity_ah == 10.0


@pytest.mark.parametrize(
    ("package", "forbidden"),
    [
        # The device model checks the integration, so it shares nothing with it.
        ("simulator", ("homeassistant", "custom_components")),
        # The proxy meets Home Assistant's Bluetooth stack, never the integration.
        ("simproxy", ("custom_components",)),
    ],
)
def test_what_the_simulator_packages_may_import(package: str, forbidden: tuple[str, ...]) -> None:
    paths = sorted((SIMULATOR.parent / package).glob("*.py"))
    assert paths
    for path in paths:
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            for name in names:
                assert not name.startswith(forbidden), path
