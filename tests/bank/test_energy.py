"""The bank's energy counters: members' increases, never a reset the Energy dashboard misreads."""

from __future__ import annotations

import json
import math

import pytest

from custom_components.daly_bms.bank_energy import BankEnergy, BankEnergyCounter
from custom_components.daly_bms.energy import Direction


def test_first_reading_of_a_member_is_a_starting_point() -> None:
    """Months of a pack's history are not energy the bank moved today."""
    counter = BankEnergyCounter()
    counter.observe("a", 120_000.0)
    counter.observe("b", 80_000.0)
    assert counter.total_wh == 0.0
    counter.observe("a", 120_050.0)
    counter.observe("b", 80_020.0)
    assert counter.total_wh == pytest.approx(70.0)


def test_member_missing_pauses_nothing_else() -> None:
    """An unknown counter is skipped; the pack's rise counts once it reports again."""
    counter = BankEnergyCounter()
    counter.observe("a", 10.0)
    counter.observe("b", 10.0)
    counter.observe("a", None)
    counter.observe("b", 15.0)
    counter.observe("a", 30.0)
    assert counter.total_wh == pytest.approx(25.0)


def test_member_leaving_or_joining_does_not_step_the_total() -> None:
    """A plain sum would drop by a whole pack here; the bank's total only grows."""
    counter = BankEnergyCounter()
    counter.observe("a", 1000.0)
    counter.observe("b", 5000.0)
    counter.observe("a", 1010.0)
    counter.keep_only(["a"])
    counter.observe("a", 1020.0)
    assert counter.total_wh == pytest.approx(20.0)
    counter.keep_only(["a", "b"])
    counter.observe("b", 5100.0)  # rejoined: a starting point again
    counter.observe("b", 5105.0)
    assert counter.total_wh == pytest.approx(25.0)


def test_member_restoring_its_total_late_is_counted_from_the_mark() -> None:
    """Counter at 0 until the member restores 5000 Wh: only the real rise counts."""
    counter = BankEnergyCounter.from_dict({"total_wh": 700.0, "marks": {"a": 5000.0}})
    counter.observe("a", 0.0)
    assert counter.total_wh == pytest.approx(700.0)
    counter.observe("a", 5004.0)
    assert counter.total_wh == pytest.approx(704.0)


def test_member_that_started_over_is_counted_from_its_new_origin() -> None:
    """Entry removed and added again: its counter restarts, and grows from there."""
    counter = BankEnergyCounter.from_dict({"total_wh": 700.0, "marks": {"a": 5000.0}})
    counter.observe("a", 0.0)
    counter.observe("a", 0.0)  # an update with nothing new: still waiting
    counter.observe("a", 3.0)
    assert counter.total_wh == pytest.approx(703.0)
    counter.observe("a", 10.0)
    assert counter.total_wh == pytest.approx(710.0)


@pytest.mark.parametrize("bad", [-1.0, math.nan, math.inf])
def test_impossible_counter_values_are_ignored(bad: float) -> None:
    """A negative or non-finite counter never moves the total."""
    counter = BankEnergyCounter()
    counter.observe("a", 10.0)
    counter.observe("a", bad)
    counter.observe("a", 12.0)
    assert counter.total_wh == pytest.approx(2.0)


def test_survives_a_restart_through_json() -> None:
    """What is stored comes back: the total and where each member was counted to."""
    energy = BankEnergy()
    energy.observe("a", 100.0, 50.0)
    energy.observe("a", 110.0, 55.0)
    stored = json.loads(json.dumps(energy.as_dict()))

    again = BankEnergy.from_dict(stored)
    assert again.total_wh(Direction.CHARGED) == pytest.approx(10.0)
    assert again.total_wh(Direction.DISCHARGED) == pytest.approx(5.0)
    again.observe("a", 111.0, 58.0)
    assert again.total_wh(Direction.CHARGED) == pytest.approx(11.0)
    assert again.total_wh(Direction.DISCHARGED) == pytest.approx(8.0)


@pytest.mark.parametrize(
    "stored",
    [
        None,
        "garbage",
        {"charged": "x"},
        {"charged": {"total_wh": -5, "marks": {"a": "x", "b": True}}},
        {"charged": {"total_wh": True, "marks": [1, 2]}},
    ],
)
def test_unreadable_storage_starts_from_zero(stored: object) -> None:
    """A damaged store never becomes a total or a mark."""
    energy = BankEnergy.from_dict(stored)  # type: ignore[arg-type]
    assert energy.total_wh(Direction.CHARGED) == 0.0
    energy.observe("a", 10.0, None)
    energy.observe("b", 10.0, None)
    assert energy.total_wh(Direction.CHARGED) == 0.0
    assert energy.as_dict()["charged"]["marks"] == {"a": 10.0, "b": 10.0}


def test_forgetting_members_covers_both_directions() -> None:
    """A member that left has no mark in either counter."""
    energy = BankEnergy()
    energy.observe("a", 1.0, 1.0)
    energy.observe("b", 1.0, 1.0)
    energy.keep_only(["b"])
    assert energy.as_dict() == {
        "charged": {"total_wh": 0.0, "marks": {"b": 1.0}},
        "discharged": {"total_wh": 0.0, "marks": {"b": 1.0}},
    }


def test_a_rise_larger_than_the_pack_is_a_restored_counter_not_energy() -> None:
    """A counter switched back on picks up 900 kWh; a 14 kWh pack cannot have moved that."""
    counter = BankEnergyCounter()
    counter.observe("a", 5.0, most_wh=14_000.0)
    counter.observe("a", 12.0, most_wh=14_000.0)
    counter.observe("a", 900_012.0, most_wh=14_000.0)
    assert counter.total_wh == pytest.approx(7.0)
    counter.observe("a", 900_020.0, most_wh=14_000.0)  # counting on from the new mark
    assert counter.total_wh == pytest.approx(15.0)
    # Without a known pack size nothing is judged too large.
    counter.observe("b", 0.0)
    counter.observe("b", 50_000.0)
    assert counter.total_wh == pytest.approx(50_015.0)


def test_a_counter_that_started_over_is_judged_by_the_pack_size_too() -> None:
    """Behind the mark, then a huge step: moved, not counted."""
    counter = BankEnergyCounter.from_dict({"total_wh": 0.0, "marks": {"a": 5000.0}})
    counter.observe("a", 10.0, most_wh=1000.0)
    counter.observe("a", 4000.0, most_wh=1000.0)
    assert counter.total_wh == 0.0
    counter.observe("a", 4010.0, most_wh=1000.0)
    assert counter.total_wh == pytest.approx(10.0)
