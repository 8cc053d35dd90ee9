"""The unit's own energy counter (p81 0x59) is used only while it behaves."""

from __future__ import annotations

from custom_components.daly_bms.energy import BmsEnergyCounter, Direction, EnergyTotals

CHARGE = EnergyTotals(10.0, 0.0)
DISCHARGE = EnergyTotals(0.0, 10.0)


def feed(
    counter: BmsEnergyCounter, raw: int, intervals: list[EnergyTotals], counts: Direction | None
) -> int:
    """Feed ``intervals``; the raw counter steps along with ``counts`` (None: throughput)."""
    for interval in intervals:
        if counts is None:
            raw += round(interval.charged_wh + interval.discharged_wh)
        else:
            raw += round(interval.get(counts))
        counter.observe(raw % 0x10000, interval)
    return raw


def follows(counter: BmsEnergyCounter) -> Direction | None:
    """The direction the counter is trusted for, read afresh after each observation."""
    return counter.follows


def a_day() -> list[EnergyTotals]:
    return [DISCHARGE] * 30 + [CHARGE] * 30


def test_a_counter_of_discharged_energy_is_trusted_after_charge_and_discharge() -> None:
    counter = BmsEnergyCounter()
    counter.observe(1000, None)
    raw = feed(counter, 1000, [DISCHARGE] * 25, Direction.DISCHARGED)
    assert follows(counter) is None  # no charge seen yet: it might be the throughput
    feed(counter, raw, [CHARGE] * 25, Direction.DISCHARGED)
    assert follows(counter) is Direction.DISCHARGED
    # From now on its own steps replace V x I for discharge, charge stays V x I.
    assert counter.observe(raw + 9, EnergyTotals(0.5, 8.0)) == EnergyTotals(0.5, 9.0)


def test_a_counter_of_charged_energy_counts_charge() -> None:
    counter = BmsEnergyCounter()
    counter.observe(0, None)
    raw = feed(counter, 0, a_day(), Direction.CHARGED)
    assert follows(counter) is Direction.CHARGED
    assert counter.observe(raw + 11, EnergyTotals(10.0, 0.0)) == EnergyTotals(11.0, 0.0)


def test_a_throughput_counter_is_not_trusted() -> None:
    counter = BmsEnergyCounter()
    counter.observe(0, None)
    feed(counter, 0, a_day() * 3, None)
    assert follows(counter) is None


def test_a_throughput_counter_is_not_trusted_on_a_day_of_little_charge() -> None:
    """Throughput and discharge differ by only 2 % here: close enough to fool a check."""
    counter = BmsEnergyCounter()
    counter.observe(0, None)
    feed(counter, 0, [DISCHARGE] * 1000 + [CHARGE] * 20, None)
    assert follows(counter) is None


def test_a_counter_that_wraps_keeps_its_trust() -> None:
    counter = BmsEnergyCounter()
    counter.observe(0xFF00, None)
    raw = feed(counter, 0xFF00, a_day(), Direction.DISCHARGED)
    assert raw > 0x10000
    assert follows(counter) is Direction.DISCHARGED


def test_a_counter_that_steps_back_or_jumps_is_dropped() -> None:
    counter = BmsEnergyCounter()
    counter.observe(0, None)
    raw = feed(counter, 0, a_day(), Direction.DISCHARGED)
    assert follows(counter) is Direction.DISCHARGED
    assert counter.observe(raw - 5, DISCHARGE) == DISCHARGE
    assert follows(counter) is None
    raw = feed(counter, raw - 5, a_day(), Direction.DISCHARGED)
    assert follows(counter) is Direction.DISCHARGED
    assert counter.observe(raw + 5000, DISCHARGE) == DISCHARGE
    assert follows(counter) is None


def test_a_counter_that_drifts_away_loses_its_trust_at_the_next_check() -> None:
    counter = BmsEnergyCounter()
    counter.observe(0, None)
    raw = feed(counter, 0, a_day(), Direction.DISCHARGED)
    assert follows(counter) is Direction.DISCHARGED
    for interval in a_day():
        raw += round(interval.discharged_wh * 0.8)  # counts 20 % short
        counter.observe(raw, interval)
    assert follows(counter) is None


def test_no_counter_or_a_gap_starts_the_comparison_over() -> None:
    counter = BmsEnergyCounter()
    counter.observe(0, None)
    raw = feed(counter, 0, a_day(), Direction.DISCHARGED)
    assert follows(counter) is Direction.DISCHARGED
    # A gap: the counter moved while nothing was integrated; trust stays, no step counts.
    assert counter.observe(raw + 400, None) is None
    assert follows(counter) is Direction.DISCHARGED
    assert counter.observe(raw + 410, DISCHARGE) == DISCHARGE
    # A reading without the register: nothing to trust any more.
    assert counter.observe(None, DISCHARGE) == DISCHARGE
    assert follows(counter) is None
