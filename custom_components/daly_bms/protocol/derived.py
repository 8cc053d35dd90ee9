"""Values computed from what a unit reports, in one place for every dialect.

Nothing here rounds: a derived value is as exact as its inputs; presentation rounds.
"""

from __future__ import annotations

from collections.abc import Sequence


def power_w(voltage: float | None, current: float | None) -> float | None:
    """Return the pack power in W with the current's sign (positive while charging).

    Units report power as a magnitude only, so it is computed from voltage and current.
    """
    if voltage is None or current is None:
        return None
    return voltage * current


def stored_energy_wh(remaining_ah: float | None, voltage: float | None) -> float | None:
    """Return the energy left in the pack in Wh: remaining capacity at the present voltage."""
    if remaining_ah is None or voltage is None:
        return None
    return remaining_ah * voltage


def cell_summary(
    millivolts: Sequence[int],
) -> tuple[float, float, float, float] | tuple[None, None, None, None]:
    """Return lowest, highest, average and delta of cell readings in mV, as volts.

    Worked out in millivolts and divided once, so 3310 - 3295 mV is exactly 0.015 V.
    """
    if not millivolts:
        return None, None, None, None
    low = min(millivolts)
    high = max(millivolts)
    return (
        low / 1000,
        high / 1000,
        sum(millivolts) / len(millivolts) / 1000,
        (high - low) / 1000,
    )
