"""What a bank adds up to, from member readings: the pure logic behind the bank entities."""

from __future__ import annotations

from dataclasses import replace

import pytest

from custom_components.daly_bms.bank import (
    BankPolicy,
    CellExtreme,
    Member,
    PackAlarm,
    PackReading,
    PackVoltage,
    pack_energy_wh,
    summarize,
)

STRICT = BankPolicy()
PARTIAL = BankPolicy(sum_available=True)


def _pack(**values: object) -> PackReading:
    base = PackReading(
        voltage=53.2,
        current=-10.0,
        power=-532.0,
        soc=50.0,
        remaining_capacity=140.0,
        rated_capacity=280.0,
        stored_energy=7448.0,
        cell_voltages=(3.320, 3.330, 3.325),
        cell_voltage_min=3.320,
        cell_voltage_max=3.330,
        charge_mos=True,
        discharge_mos=True,
    )
    return replace(base, **values)  # type: ignore[arg-type]


def test_soc_is_weighted_by_capacity_not_a_plain_mean() -> None:
    """280 Ah at 80 % and 100 Ah at 20 %: 64.2 % of the charge, not the mean 50 %."""
    summary = summarize(
        [
            Member("big", _pack(soc=80.0, rated_capacity=280.0)),
            Member("small", _pack(soc=20.0, rated_capacity=100.0)),
        ],
        STRICT,
    )
    assert summary.soc == pytest.approx((80 * 280 + 20 * 100) / 380)
    assert summary.soc == pytest.approx(64.211, abs=0.001)


def test_capacity_from_remaining_and_soc_when_the_rating_is_unknown() -> None:
    """A pack whose settings were not read weighs what its remaining charge implies."""
    summary = summarize(
        [
            Member("big", _pack(soc=80.0, rated_capacity=None, remaining_capacity=224.0)),
            Member("small", _pack(soc=20.0, rated_capacity=100.0)),
        ],
        STRICT,
    )
    assert summary.soc == pytest.approx(64.211, abs=0.001)


def test_soc_unknown_when_a_pack_can_be_weighed_by_nothing() -> None:
    """Empty, with no rating: its weight is unknown, and so is the bank's SOC."""
    summary = summarize(
        [
            Member("a", _pack(soc=0.0, rated_capacity=None, remaining_capacity=0.0)),
            Member("b", _pack()),
        ],
        STRICT,
    )
    assert summary.soc is None


def test_sums_of_current_power_capacity_and_energy() -> None:
    """Totals add the packs, with the sign of the current (one charging, one discharging)."""
    summary = summarize(
        [
            Member("a", _pack(current=-12.5, power=-665.0, remaining_capacity=140.0)),
            Member("b", _pack(current=4.0, power=212.8, remaining_capacity=60.5)),
        ],
        STRICT,
    )
    assert summary.current == pytest.approx(-8.5)
    assert summary.power == pytest.approx(-452.2)
    assert summary.remaining_capacity == pytest.approx(200.5)
    assert summary.stored_energy == pytest.approx(2 * 7448.0)
    assert (summary.packs_available, summary.packs_total, summary.missing) == (2, 2, ())


def test_missing_pack_makes_totals_unknown_unless_opted_in() -> None:
    """One pack out of reach: no silently smaller total, unless the user asked for one."""
    members = [Member("a", _pack(current=-3.0)), Member("b", None), Member("c", _pack())]

    strict = summarize(members, STRICT)
    assert (strict.packs_available, strict.packs_total, strict.missing) == (2, 3, ("b",))
    assert strict.current is None
    assert strict.power is None
    assert strict.soc is None
    assert strict.remaining_capacity is None
    assert strict.stored_energy is None
    assert strict.lowest_cell is None
    assert strict.voltage_spread is None

    partial = summarize(members, PARTIAL)
    assert partial.current == pytest.approx(-13.0)
    assert partial.soc == pytest.approx(50.0)
    assert partial.remaining_capacity == pytest.approx(280.0)
    assert partial.voltage_spread == 0.0


def test_value_one_pack_does_not_report_counts_as_missing() -> None:
    """A dropped reading in one pack (None) is treated like that pack being missing."""
    members = [Member("a", _pack(remaining_capacity=None)), Member("b", _pack())]
    assert summarize(members, STRICT).remaining_capacity is None
    assert summarize(members, PARTIAL).remaining_capacity == pytest.approx(140.0)


def test_nothing_available_is_unknown_even_when_opted_in() -> None:
    """With no pack at all, zero would be a lie: every total is unknown."""
    summary = summarize([Member("a", None), Member("b", None)], PARTIAL)
    assert summary.current is None
    assert summary.soc is None
    assert summary.problem is None
    assert summary.ready_to_parallel is None
    assert summary.charge_mos is None


def test_lowest_and_highest_cell_name_their_pack_and_position() -> None:
    """The extremes of the whole bank, with the pack and cell that hold them."""
    summary = summarize(
        [
            Member("north", _pack(cell_voltages=(3.31, 3.29, 3.30), cell_voltage_min=3.29)),
            Member(
                "south",
                _pack(
                    cell_voltages=(3.30, 3.35, 3.28),
                    cell_voltage_min=3.28,
                    cell_voltage_max=3.35,
                ),
            ),
        ],
        STRICT,
    )
    assert summary.lowest_cell == CellExtreme("south", 3.28, 3)
    assert summary.highest_cell == CellExtreme("south", 3.35, 2)


def test_cell_extreme_from_the_units_own_value_when_the_cells_are_not_listed() -> None:
    """A pack that reports only its lowest cell: the value counts, its position is unknown."""
    summary = summarize(
        [
            Member("a", _pack(cell_voltages=(), cell_voltage_min=3.10, cell_voltage_max=3.40)),
            Member("b", _pack(cell_voltage_min=3.20, cell_voltage_max=3.30)),
        ],
        STRICT,
    )
    assert summary.lowest_cell == CellExtreme("a", 3.10, None)
    assert summary.highest_cell == CellExtreme("a", 3.40, None)


def test_cell_extreme_from_the_cells_when_the_unit_gives_none() -> None:
    """No lowest-cell register: the lowest readable cell, one broken lead skipped."""
    summary = summarize(
        [
            Member(
                "a",
                _pack(
                    cell_voltages=(3.31, None, 3.27),
                    cell_voltage_min=None,
                    cell_voltage_max=None,
                ),
            ),
            Member("b", _pack()),
        ],
        STRICT,
    )
    assert summary.lowest_cell == CellExtreme("a", 3.27, 3)
    assert summary.highest_cell == CellExtreme("b", 3.33, 2)


def test_pack_voltage_spread_and_which_packs_are_highest_and_lowest() -> None:
    """The spread is rounded to the millivolt: 53.1 - 52.1 is exactly 1.0 V."""
    summary = summarize(
        [
            Member("a", _pack(voltage=52.6)),
            Member("b", _pack(voltage=53.1)),
            Member("c", _pack(voltage=52.1)),
        ],
        STRICT,
    )
    assert summary.voltage_spread == 1.0
    assert summary.highest_pack == PackVoltage("b", 53.1)
    assert summary.lowest_pack == PackVoltage("c", 52.1)
    # Exactly at the manual's limit still counts as within it.
    assert summary.ready_to_parallel is True


@pytest.mark.parametrize(
    ("voltages", "limit", "ready"),
    [
        ((53.0, 53.4), 1.0, True),
        ((53.0, 54.1), 1.0, False),
        ((53.0, 53.4), 0.3, False),
        ((53.0, 53.3), 0.3, True),
    ],
)
def test_ready_to_parallel_within_the_limit(
    voltages: tuple[float, float], limit: float, ready: bool
) -> None:
    """On within the limit (1 V, or the user's stricter one), off beyond it."""
    summary = summarize(
        [Member(str(index), _pack(voltage=voltage)) for index, voltage in enumerate(voltages)],
        BankPolicy(parallel_limit=limit),
    )
    assert summary.ready_to_parallel is ready


def test_ready_to_parallel_unknown_while_a_pack_is_unknown() -> None:
    """A pack out of reach or without a voltage: unknown, even if the user opted in."""
    close = [Member("a", _pack(voltage=53.0)), Member("b", _pack(voltage=53.2))]
    for policy in (STRICT, PARTIAL):
        assert summarize([*close, Member("c", None)], policy).ready_to_parallel is None
        assert summarize([*close, Member("c", _pack(voltage=None))], policy).ready_to_parallel is (
            None
        )


def test_ready_to_parallel_off_when_known_packs_are_already_too_far_apart() -> None:
    """Two packs 2 V apart are not ready, whatever the missing third would say."""
    summary = summarize(
        [Member("a", _pack(voltage=51.0)), Member("b", _pack(voltage=53.0)), Member("c", None)],
        STRICT,
    )
    assert summary.ready_to_parallel is False
    assert summary.highest_pack == PackVoltage("b", 53.0)
    assert summary.lowest_pack == PackVoltage("a", 51.0)


def test_alarms_name_their_pack_and_the_worst_comes_first() -> None:
    """Every active alarm with its pack; the most severe one is picked across packs."""
    summary = summarize(
        [
            Member("a", _pack(alarms=("cell_delta_warning",))),
            Member("b", _pack(alarms=("mos_off_by_soft_switch", "cell_overvoltage_alarm"))),
        ],
        STRICT,
    )
    assert summary.alarms == (
        PackAlarm("a", "cell_delta_warning"),
        PackAlarm("b", "mos_off_by_soft_switch"),
        PackAlarm("b", "cell_overvoltage_alarm"),
    )
    assert summary.worst_alarm == PackAlarm("b", "cell_overvoltage_alarm")
    assert summary.problem is True


def test_problem_three_ways() -> None:
    """Off only when every pack says all is well; an alarm seen is on whatever is missing."""
    quiet = Member("a", _pack())
    informational = Member("b", _pack(alarms=("mos_off_by_soft_switch",)))
    alarming = Member("c", _pack(alarms=("pack_undervoltage_alarm",)))
    missing = Member("d", None)

    assert summarize([quiet, informational], STRICT).problem is False
    assert summarize([quiet, missing], STRICT).problem is None
    assert summarize([quiet, missing], PARTIAL).problem is False
    assert summarize([alarming, missing], STRICT).problem is True
    summary = summarize([quiet, missing], STRICT)
    assert summary.worst_alarm is None
    assert summary.alarms_complete is False


def test_mos_on_only_when_every_pack_is_on() -> None:
    """Bank switch state: on when all on, off when any is off, unknown otherwise."""
    on = Member("a", _pack())
    charge_off = Member("b", _pack(charge_mos=False))
    unknown = Member("c", _pack(discharge_mos=None))
    missing = Member("d", None)

    assert summarize([on, on], STRICT).charge_mos is True
    assert summarize([on, charge_off], STRICT).charge_mos is False
    assert summarize([on, charge_off], STRICT).discharge_mos is True
    assert summarize([on, unknown], STRICT).discharge_mos is None
    assert summarize([on, missing], STRICT).charge_mos is None
    assert summarize([charge_off, missing], STRICT).charge_mos is False


def test_cell_extreme_unknown_when_a_pack_tells_nothing_of_its_cells() -> None:
    """No cell list and no extreme register: the bank's extreme is unknown (or opted out)."""
    silent = Member("a", _pack(cell_voltages=(), cell_voltage_min=None, cell_voltage_max=None))
    members = [silent, Member("b", _pack())]
    assert summarize(members, STRICT).lowest_cell is None
    assert summarize(members, PARTIAL).lowest_cell == CellExtreme("b", 3.32, 1)


def test_full_pack_energy_from_capacity_and_voltage() -> None:
    """280 Ah at 53.2 V is 14.9 kWh; without a voltage or a capacity it is unknown."""
    assert pack_energy_wh(_pack()) == pytest.approx(280.0 * 53.2)
    assert pack_energy_wh(_pack(voltage=None)) is None
    assert pack_energy_wh(_pack(rated_capacity=None, remaining_capacity=None)) is None
