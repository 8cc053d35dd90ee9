"""Battery physics: books, voltages, heat, balancing, determinism."""

from __future__ import annotations

import itertools

import pytest

from simulator import (
    Chemistry,
    ConstantProfile,
    ManualClock,
    SimulatedUnit,
    SolarDayProfile,
    ocv_curve,
)
from simulator.chemistry import OcvCurve

from .wire import decode_d2_status, read_request, registers, write_request

STATUS_80 = read_request(0x00, 0x50)


def make_unit(**options: object) -> SimulatedUnit:
    defaults: dict[str, object] = {
        "name": "DL-C0DA1B000001",
        "address": "C0:DA:1B:00:00:01",
        "clock": ManualClock(),
    }
    defaults.update(options)
    unit = SimulatedUnit(**defaults)  # type: ignore[arg-type]
    # Physics tests poll idle units for hours; sleep has its own tests.
    unit.firmware.write_register(0x8A, 0xFFFF)
    return unit


def status(unit: SimulatedUnit) -> dict[str, object]:
    reply = unit.handle_request(STATUS_80)
    assert reply is not None
    return decode_d2_status(reply)


def test_a_simulated_day_keeps_its_books() -> None:
    unit = make_unit(soc=40.0, profile=SolarDayProfile(start_hour=0.0))
    first = status(unit)
    soc_start = first["soc"]
    counted_ah = 0.0
    charged = discharged = False
    previous = first["current"]
    # Poll every minute from midnight to 18:00, integrating the reported current like a
    # meter would: the night's discharge and the day's charge, ending well above the start.
    for _ in range(18 * 60):
        unit.advance(60)
        now = status(unit)
        counted_ah += (previous + now["current"]) / 2 * 60 / 3600  # type: ignore[operator]
        previous = now["current"]
        charged |= now["state"] == 1
        discharged |= now["state"] == 2
    soc_change_ah = (now["soc"] - soc_start) / 100 * 100.0  # type: ignore[operator]
    assert charged
    assert discharged
    assert abs(soc_change_ah) > 5.0
    # In and out, as the reported current counts it, is the reported SOC change within 1 %.
    assert counted_ah == pytest.approx(soc_change_ah, rel=0.01)
    battery = unit.battery
    truth_ah = battery.charged_ah - battery.discharged_ah
    assert truth_ah == pytest.approx((battery.soc - 40.0) / 100 * 100.0, abs=1e-6)


def test_remaining_capacity_is_soc_times_rated_capacity() -> None:
    unit = make_unit(soc=50.0, capacity_ah=280.0)
    assert status(unit)["remaining_ah"] == 140.0
    unit.handle_request(write_request(0x80, 2000))  # the user tells the BMS it is 200 Ah
    assert status(unit)["remaining_ah"] == 100.0


def test_cycles_accumulate_from_discharged_charge() -> None:
    unit = make_unit(capacity_ah=10.0, soc=80.0)
    for _ in range(3):
        unit.set_current(-5.0)
        unit.advance(3600)  # 5 Ah out
        unit.set_current(5.0)
        unit.advance(3600)  # 5 Ah back in
    assert unit.battery.discharged_ah == pytest.approx(15.0)
    assert status(unit)["cycles"] == 1 == unit.battery.cycles


def test_pack_voltage_is_the_sum_and_current_moves_the_cells() -> None:
    unit = make_unit(soc=50.0)
    rest = list(unit.battery.cell_voltages)
    assert unit.battery.pack_voltage == pytest.approx(sum(rest))
    unit.set_current(50.0)
    charging = unit.battery.cell_voltages
    unit.set_current(-50.0)
    discharging = unit.battery.cell_voltages
    for r, c, d in zip(rest, charging, discharging, strict=True):
        assert d < r < c
        assert c - r == pytest.approx(r - d)  # same R both ways: V = OCV + I x R
    assert min(rest) > 3.2
    assert max(rest) < 3.35


@pytest.mark.parametrize(
    ("chemistry", "empty", "full", "middle_range"),
    [
        (Chemistry.LIFEPO4, 2.5, 3.65, (3.2, 3.35)),
        (Chemistry.LI_ION, 3.0, 4.2, (3.6, 3.85)),
        (Chemistry.LTO, 1.8, 2.8, (2.2, 2.45)),
    ],
)
def test_ocv_curves(
    chemistry: Chemistry, empty: float, full: float, middle_range: tuple[float, float]
) -> None:
    curve = ocv_curve(chemistry)
    assert curve(0.0) == pytest.approx(empty)
    assert curve(100.0) == pytest.approx(full)
    assert middle_range[0] < curve(50.0) < middle_range[1]
    samples = [curve(s / 2) for s in range(-10, 211)]
    assert all(a < b for a, b in itertools.pairwise(samples))


def test_an_ocv_table_must_cover_the_whole_range() -> None:
    with pytest.raises(ValueError, match=r"0\.\.100"):
        OcvCurve(((0, 3.0), (50, 3.3)))


def test_temperatures_follow_current_and_relax_to_ambient() -> None:
    unit = make_unit(soc=95.0, ambient_c=20.0)
    unit.set_current(-100.0)  # 1 C, for 50 minutes
    unit.advance(3000)
    assert unit.battery.current == -100.0
    hot = unit.battery
    assert min(hot.temperatures) > 22.5
    assert hot.mos_temperature > max(hot.temperatures)
    assert hot.board_temperature > 22.0 + 1.0
    unit.set_current(0.0)
    unit.handle_request(write_request(0xA7, 500))  # keep the reported SOC away from alarms
    unit.advance(12 * 3600)
    assert all(abs(t - 20.0) < 1.0 for t in unit.battery.temperatures)
    assert unit.battery.mos_temperature == pytest.approx(20.0, abs=0.1)


def test_cells_differ_a_little_in_capacity_and_resistance() -> None:
    unit = make_unit(cells=16, soc=50.0, capacity_ah=100.0)
    battery = unit.battery
    # Start every cell at the same charge, so only the spread can tell them apart.
    for cell in range(1, 17):
        battery.set_cell_soc(cell, 50.0)
    unit.handle_request(bytes.fromhex("D2 06 00 CF 00 00 AA 56"))  # balancer off
    at_rest = registers(unit.handle_request(STATUS_80) or b"")[0:16]
    assert len(set(at_rest)) == 1
    # Under load the cells sag by different I x R: resistances differ, by a few percent.
    unit.set_current(-100.0)
    sag = [
        rest - loaded
        for rest, loaded in zip(
            at_rest, registers(unit.handle_request(STATUS_80) or b"")[0:16], strict=True
        )
    ]
    assert len(set(sag)) > 4
    assert max(sag) < 1.5 * min(sag)
    # The same ampere-hours move smaller cells further: capacities differ, by about 1 %.
    unit.advance(900)
    moved = [50.0 - soc for soc in battery.cell_socs]
    assert max(moved) > min(moved) * 1.005
    assert max(moved) < min(moved) * 1.07


def test_more_sensors_than_cells_still_feel_the_heat() -> None:
    unit = make_unit(cells=4, temperature_sensors=8, ambient_c=20.0)
    unit.set_current(-100.0)
    unit.advance(1800)
    assert len(unit.battery.temperatures) == 8
    assert min(unit.battery.temperatures) > 21.0


def test_same_seed_same_unit_other_seed_other_cells() -> None:
    def day(seed: int) -> list[bytes | None]:
        unit = make_unit(seed=seed, profile=SolarDayProfile())
        replies = []
        for _ in range(24):
            unit.advance(3600)
            replies.append(unit.handle_request(STATUS_80))
        return replies

    first = day(7)
    assert day(7) == first
    assert day(8) != first


# -- balancing -------------------------------------------------------------------------


def test_balancing_starts_exactly_at_the_thresholds() -> None:
    unit = make_unit(soc=60.0)
    unit.battery.set_cell_soc(3, 50.0)
    unit.refresh()
    r = registers(unit.handle_request(STATUS_80) or b"")
    max_mv, delta_mv = r[0x2B], r[0x38]
    assert delta_mv >= 10

    def balancing_with(start_mv: int, start_delta_mv: int) -> bool:
        unit.handle_request(write_request(0xA3, start_mv))
        unit.handle_request(write_request(0xA4, start_delta_mv))
        return bool(status(unit)["balancing"])

    assert balancing_with(max_mv, delta_mv)
    assert not balancing_with(max_mv + 1, delta_mv)
    assert not balancing_with(max_mv, delta_mv + 1)
    assert balancing_with(3000, 10)
    assert status(unit)["balance_current"] == pytest.approx(1.1)


def test_balancer_moves_charge_from_highest_to_lowest_until_within_delta() -> None:
    unit = make_unit(soc=60.0)
    unit.battery.set_cell_soc(3, 45.0)
    unit.refresh()
    s = status(unit)
    assert s["balancing"]
    assert 3 in s["balancing_cells"]  # type: ignore[operator]
    low_before = unit.battery.cell_socs[2]
    unit.advance(3600)
    assert unit.battery.cell_socs[2] > low_before + 0.5
    unit.advance(24 * 3600)
    s = status(unit)
    assert not s["balancing"]
    assert s["balancing_cells"] == []
    assert s["balance_current"] == 0.0
    assert s["cell_delta"] < 0.010  # type: ignore[operator]


def test_balancer_moves_1_1_a_from_the_highest_cell_to_the_lowest() -> None:
    unit = make_unit(soc=60.0)
    battery = unit.battery
    battery.set_cell_soc(7, 66.0)
    battery.set_cell_soc(12, 52.0)
    unit.refresh()
    assert status(unit)["balancing_cells"] == [7, 12]
    before = list(battery.cell_socs)
    unit.advance(60)  # idle: only the balancer moves charge
    moved_ah = [
        (after - was) / 100 * capacity
        for after, was, capacity in zip(
            battery.cell_socs, before, battery.cell_capacity_ah, strict=True
        )
    ]
    assert moved_ah[6] == pytest.approx(-1.1 * 60 / 3600)
    assert moved_ah[11] == pytest.approx(1.1 * 60 / 3600)
    assert [ah for i, ah in enumerate(moved_ah) if i not in (6, 11)] == [0.0] * 14


def test_balancer_switch_off_disables_balancing() -> None:
    unit = make_unit(soc=60.0)
    unit.battery.set_cell_soc(1, 50.0)
    unit.refresh()
    assert status(unit)["balancing"]
    unit.handle_request(bytes.fromhex("D2 06 00 CF 00 00 AA 56"))
    assert not status(unit)["balancing"]
    before = unit.battery.cell_socs[0]
    unit.advance(3600)
    assert unit.battery.cell_socs[0] == before
    unit.handle_request(bytes.fromhex("D2 06 00 CF 00 01 6B 96"))
    assert status(unit)["balancing"]


def test_profiles_drive_the_current() -> None:
    profile = ConstantProfile(-7.5)
    unit = make_unit(profile=profile)
    assert unit.profile is profile
    assert status(unit)["current"] == -7.5
    unit.profile = ConstantProfile(3.0)
    assert status(unit)["current"] == 3.0
    unit.external_current_override = -1.0
    assert unit.external_current_override == -1.0
    assert status(unit)["current"] == -1.0
    unit.set_load(None)
    assert status(unit)["current"] == 3.0
