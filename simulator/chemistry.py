"""Cell chemistries: open-circuit-voltage curves and the defaults a BMS ships with."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from itertools import pairwise


class Chemistry(StrEnum):
    """Cell chemistry, with the values of settings register 0x89 in ``battery_type``."""

    LIFEPO4 = "lifepo4"
    LI_ION = "li_ion"
    LTO = "lto"


@dataclass(frozen=True, slots=True)
class ChemistryParams:
    """What differs between chemistries, in volts, degrees C and ohm x Ah."""

    battery_type: int
    ocv_points: tuple[tuple[int, float], ...]
    reference_v: float
    overvoltage_v: tuple[float, float]  # warning, alarm
    undervoltage_v: tuple[float, float]
    balance_start_v: float
    # What a charge controller is set to for this chemistry: absorption (constant voltage),
    # float, and the voltage under which it starts a new bulk charge.
    absorption_v: float
    float_v: float
    rebulk_v: float
    # Internal resistance scales inversely with capacity (bigger cells, more
    # parallel plates), so one figure per chemistry covers every size.
    resistance_ohm_ah: float
    charge_temperature_c: tuple[float, float, float, float]  # hot warn/alarm, cold warn/alarm
    discharge_temperature_c: tuple[float, float, float, float]


# SOC (%) -> open-circuit voltage. Breakpoints sit on whole percents so a 1 % table
# interpolates them exactly. LiFePO4 is famously flat between 20 and 90 %, with
# steep knees at both ends; that flatness is what makes balancing near the top matter.
# fmt: off
_LFP_OCV = (
    (0, 2.50), (2, 2.80), (5, 3.00), (10, 3.15), (20, 3.22), (30, 3.25), (40, 3.27),
    (50, 3.29), (60, 3.30), (70, 3.31), (80, 3.33), (90, 3.35), (95, 3.38), (98, 3.45),
    (99, 3.50), (100, 3.65),
)
_LI_ION_OCV = (
    (0, 3.00), (5, 3.30), (10, 3.45), (20, 3.55), (30, 3.62), (40, 3.68), (50, 3.73),
    (60, 3.79), (70, 3.86), (80, 3.95), (90, 4.06), (100, 4.20),
)
_LTO_OCV = (
    (0, 1.80), (5, 2.05), (10, 2.15), (20, 2.23), (30, 2.27), (40, 2.30), (50, 2.33),
    (60, 2.36), (70, 2.40), (80, 2.45), (90, 2.55), (100, 2.80),
)
# fmt: on

_PARAMS: dict[Chemistry, ChemistryParams] = {
    Chemistry.LIFEPO4: ChemistryParams(
        battery_type=0,
        ocv_points=_LFP_OCV,
        reference_v=3.2,
        overvoltage_v=(3.60, 3.65),
        undervoltage_v=(2.80, 2.50),
        balance_start_v=3.0,
        absorption_v=3.45,
        float_v=3.375,
        rebulk_v=3.35,
        resistance_ohm_ah=0.05,
        charge_temperature_c=(50.0, 55.0, 5.0, 0.0),
        discharge_temperature_c=(55.0, 60.0, -10.0, -20.0),
    ),
    Chemistry.LI_ION: ChemistryParams(
        battery_type=1,
        ocv_points=_LI_ION_OCV,
        reference_v=3.7,
        overvoltage_v=(4.20, 4.25),
        undervoltage_v=(3.10, 3.00),
        balance_start_v=3.6,
        absorption_v=4.10,
        float_v=4.05,
        rebulk_v=4.0,
        resistance_ohm_ah=0.08,
        charge_temperature_c=(45.0, 50.0, 5.0, 0.0),
        discharge_temperature_c=(55.0, 60.0, -10.0, -20.0),
    ),
    Chemistry.LTO: ChemistryParams(
        battery_type=2,
        ocv_points=_LTO_OCV,
        reference_v=2.4,
        overvoltage_v=(2.75, 2.80),
        undervoltage_v=(1.90, 1.80),
        balance_start_v=2.3,
        absorption_v=2.70,
        float_v=2.60,
        rebulk_v=2.55,
        resistance_ohm_ah=0.03,
        # LTO is the cold-weather chemistry: it charges well below freezing.
        charge_temperature_c=(50.0, 55.0, -20.0, -30.0),
        discharge_temperature_c=(55.0, 60.0, -30.0, -40.0),
    ),
}


def params(chemistry: Chemistry) -> ChemistryParams:
    """The parameter set of ``chemistry``."""
    return _PARAMS[chemistry]


class OcvCurve:
    """Piecewise-linear SOC -> OCV lookup, precomputed per whole percent.

    The physics calls this for every cell on every step, so it is an index and one
    multiply rather than a search. Outside 0-100 % the end segments are extended:
    a cell pushed past full or empty keeps climbing or falling steeply, which is
    what lets the protection see it.
    """

    __slots__ = ("_table",)

    def __init__(self, points: tuple[tuple[int, float], ...]) -> None:
        table: list[float] = []
        for (s0, v0), (s1, v1) in pairwise(points):
            table.extend(v0 + (v1 - v0) * (s - s0) / (s1 - s0) for s in range(s0, s1))
        table.append(points[-1][1])
        if len(table) != 101:
            raise ValueError("OCV points must cover 0..100 %")
        self._table = tuple(table)

    def __call__(self, soc: float) -> float:
        """Open-circuit voltage in V at ``soc`` percent."""
        table = self._table
        if soc >= 100.0:
            return table[100] + (soc - 100.0) * (table[100] - table[99])
        if soc <= 0.0:
            return table[0] + soc * (table[1] - table[0])
        index = int(soc)
        low = table[index]
        return low + (soc - index) * (table[index + 1] - low)


_CURVES = {chemistry: OcvCurve(p.ocv_points) for chemistry, p in _PARAMS.items()}


def ocv_curve(chemistry: Chemistry) -> OcvCurve:
    """The shared OCV curve of ``chemistry``."""
    return _CURVES[chemistry]
