"""The physical pack: cells, charge, heat. Holds the truth the frames must report."""

from __future__ import annotations

import math
import random

from .chemistry import Chemistry, ocv_curve, params

MIN_CELLS = 4
MAX_CELLS = 24
MAX_TEMPERATURE_SENSORS = 8
# What an active (capacitive/inductive) balancer of this family moves, per the manual.
BALANCE_CURRENT_A = 1.1
# Roughly 20 J/K per Ah of cell: a 100 Ah LiFePO4 prismatic weighs about 2 kg.
_HEAT_CAPACITY_J_PER_K_AH = 20.0
_PACK_TIME_CONSTANT_S = 7200.0
_MOS_HEAT_CAPACITY_J_PER_K = 150.0
_MOS_TIME_CONSTANT_S = 600.0
_BOARD_SELF_HEATING_C = 2.0
# Diffusion in the electrodes: a voltage that builds up over tens of minutes under current
# and fades after it (one RC branch per cell). Its resistance is this multiple of the
# instant one, which puts the resistance seen after half an hour at four times the
# instant (AC) figure, as datasheets of prismatic LiFePO4 cells show.
POLARIZATION_RATIO = 3.0
POLARIZATION_TIME_CONSTANT_S = 1200.0
# Physical cells cannot run far past their ends; this only stops runaway numbers
# when a test disables every protection.
_CELL_SOC_LIMITS = (-10.0, 110.0)


def default_temperature_sensors(cells: int) -> int:
    """Sensor count a unit of ``cells`` cells usually ships with (4 for 16 cells)."""
    return max(1, min(4, cells // 4))


class Battery:
    """A series pack of ``cells`` cells with a seeded spread between them.

    Current is positive when charging. ``soc`` is the BMS's coulomb counter over the
    rated capacity (what the unit reports and what register 0xA7 overwrites);
    each cell also has its own true SOC, which drives its voltage.
    """

    def __init__(
        self,
        *,
        cells: int = 16,
        chemistry: Chemistry = Chemistry.LIFEPO4,
        capacity_ah: float = 100.0,
        soc: float = 60.0,
        ambient_c: float = 20.0,
        temperature_sensors: int | None = None,
        seed: int = 0,
        cycles: int = 0,
    ) -> None:
        if not MIN_CELLS <= cells <= MAX_CELLS:
            raise ValueError(f"cells must be {MIN_CELLS}-{MAX_CELLS}")
        if temperature_sensors is None:
            temperature_sensors = default_temperature_sensors(cells)
        if not 1 <= temperature_sensors <= MAX_TEMPERATURE_SENSORS:
            raise ValueError(f"temperature_sensors must be 1-{MAX_TEMPERATURE_SENSORS}")
        if capacity_ah <= 0 or not 0.0 <= soc <= 100.0:
            raise ValueError("capacity must be positive and soc 0-100")
        rng = random.Random(seed)
        self.chemistry = Chemistry(chemistry)
        self.cell_count = cells
        self._ocv = ocv_curve(self.chemistry)
        base_r = params(self.chemistry).resistance_ohm_ah / capacity_ah

        def spread(sigma: float) -> float:
            return 1.0 + max(-3 * sigma, min(3 * sigma, rng.gauss(0.0, sigma)))

        self.cell_capacity_ah = [capacity_ah * spread(0.01) for _ in range(cells)]
        self.cell_resistance_ohm = [base_r * spread(0.05) for _ in range(cells)]
        self._pack_resistance_ohm = sum(self.cell_resistance_ohm)
        self.cell_polarization_v = [0.0] * cells
        self.cell_socs = [min(100.0, max(0.0, soc + rng.gauss(0.0, 0.3))) for _ in range(cells)]
        self._sensor_offsets = [rng.uniform(-0.5, 0.5) for _ in range(temperature_sensors)]
        # Percent of SOC per ampere-second, per cell: keeps the step loop to one multiply.
        self._soc_per_as = [100.0 / (3600.0 * c) for c in self.cell_capacity_ah]

        self.rated_capacity_ah = capacity_ah
        self.soc = float(soc)
        self.ambient_c = float(ambient_c)
        self.temperatures = [ambient_c + off for off in self._sensor_offsets]
        self.mos_temperature = float(ambient_c)
        self.board_temperature = ambient_c + _BOARD_SELF_HEATING_C
        self._mos_resistance_ohm = base_r
        # Each sensor sits on an equal share of the cells and feels their heat. With more
        # sensors than cells a share would be empty (no heat, no mass: a division by zero),
        # so such a sensor feels the one cell it sits on.
        share = cells / temperature_sensors
        groups = []
        for i in range(temperature_sensors):
            first = min(round(i * share), cells - 1)
            groups.append(range(first, max(round((i + 1) * share), first + 1)))
        self._group_resistance = [sum(self.cell_resistance_ohm[j] for j in g) for g in groups]
        self._group_heat_capacity = [
            _HEAT_CAPACITY_J_PER_K_AH * sum(self.cell_capacity_ah[j] for j in g) for g in groups
        ]

        self.demand_current = 0.0
        self.current = 0.0
        self.charge_mos = True
        self.discharge_mos = True
        self.balancing = False
        self.balancing_cells: tuple[int, ...] = ()
        self.balance_current = 0.0
        self._balance_pair: tuple[int, int] | None = None
        self.alarm_bits = 0
        self.charged_ah = 0.0
        self.discharged_ah = 0.0
        # Energy through the terminals, the truth an energy meter on V x I should find.
        self.charged_wh = 0.0
        self.discharged_wh = 0.0
        self._cycle_count = float(cycles)
        self.cell_voltages: list[float] = []
        self.update_voltages()

    # -- derived truth -------------------------------------------------------------
    @property
    def temperature_sensors(self) -> int:
        """Number of cell temperature sensors."""
        return len(self.temperatures)

    @property
    def pack_voltage(self) -> float:
        """Pack voltage in V: the sum of the cells."""
        return sum(self.cell_voltages)

    @property
    def remaining_ah(self) -> float:
        """Remaining capacity in Ah: SOC times rated capacity."""
        return self.soc / 100.0 * self.rated_capacity_ah

    @property
    def cycles(self) -> int:
        """Full cycles: discharged Ah over the rated capacity."""
        return int(self._cycle_count)

    @property
    def power(self) -> float:
        """Signed power in W (positive = charging)."""
        return self.pack_voltage * self.current

    def current_for_voltage(self, volts: float) -> float:
        """Current (A, + = charging) that would put the terminals at ``volts`` now.

        Only the instant resistance answers at once; the polarization keeps its voltage.
        """
        ocv = self._ocv
        rest = sum(ocv(s) for s in self.cell_socs) + sum(self.cell_polarization_v)
        return (volts - rest) / self._pack_resistance_ohm

    # -- control ---------------------------------------------------------------
    def gate(self, demand: float) -> float:
        """The part of ``demand`` the MOS switches let through."""
        if demand > 0.0 and not self.charge_mos:
            return 0.0
        if demand < 0.0 and not self.discharge_mos:
            return 0.0
        return demand

    def apply_demand(self, demand: float) -> None:
        """Set what the outside asks for; the current follows what the MOS allow."""
        self.demand_current = float(demand)
        self.current = self.gate(self.demand_current)
        self.update_voltages()

    def set_balancing(self, pair: tuple[int, int] | None) -> None:
        """Move charge from cell index ``pair[0]`` to ``pair[1]``, or stop (None)."""
        if pair == self._balance_pair:
            return
        self._balance_pair = pair
        self.balancing = pair is not None
        if pair is None:
            self.balancing_cells = ()
            self.balance_current = 0.0
        else:
            self.balancing_cells = tuple(sorted(i + 1 for i in pair))
            self.balance_current = BALANCE_CURRENT_A

    def set_soc(self, soc: float) -> None:
        """Overwrite the BMS's SOC counter (the cells keep their real charge)."""
        self.soc = min(100.0, max(0.0, soc))

    def set_cell_soc(self, cell: int, soc: float) -> None:
        """Set the true SOC of cell number ``cell`` (1-based), e.g. to unbalance a pack."""
        self.cell_socs[cell - 1] = soc
        self.update_voltages()

    def set_temperature(self, celsius: float) -> None:
        """Put the whole pack and its surroundings at ``celsius`` at once."""
        self.ambient_c = celsius
        self.temperatures = [celsius + off for off in self._sensor_offsets]
        self.mos_temperature = celsius
        self.board_temperature = celsius + _BOARD_SELF_HEATING_C

    def set_rated_capacity(self, capacity_ah: float) -> None:
        """What the BMS believes the capacity is (settings register 0x80)."""
        if capacity_ah > 0:
            self.rated_capacity_ah = capacity_ah

    # -- physics ---------------------------------------------------------------
    def update_voltages(self) -> None:
        """Terminal voltage of every cell: OCV(SOC) + I x R + polarization."""
        current = self.current
        ocv = self._ocv
        # The balancer's own 1.1 A is left out: active balancers pause while the
        # AFE measures, so the reported voltages never contain it.
        self.cell_voltages = [
            ocv(s) + current * r + p
            for s, r, p in zip(
                self.cell_socs, self.cell_resistance_ohm, self.cell_polarization_v, strict=True
            )
        ]

    def integrate(self, dt: float, *, refresh: bool = True) -> None:
        """Let ``dt`` seconds pass at the present current.

        ``refresh=False`` skips the voltage update for a caller that is about to set a
        new demand anyway (the step loop), which halves the per-step cost.
        """
        current = self.current
        ampere_seconds = current * dt
        low, high = _CELL_SOC_LIMITS
        socs = [
            min(high, max(low, s + ampere_seconds * k))
            for s, k in zip(self.cell_socs, self._soc_per_as, strict=True)
        ]
        if self._balance_pair is not None:
            source, sink = self._balance_pair
            moved = BALANCE_CURRENT_A * dt
            socs[source] -= moved * self._soc_per_as[source]
            socs[sink] += moved * self._soc_per_as[sink]
        self.cell_socs = socs
        # The exact step response of the RC branch at constant current: stable at any dt.
        settle = -math.expm1(-dt / POLARIZATION_TIME_CONSTANT_S)
        self.cell_polarization_v = [
            p + (current * r * POLARIZATION_RATIO - p) * settle
            for p, r in zip(self.cell_polarization_v, self.cell_resistance_ohm, strict=True)
        ]

        amp_hours = ampere_seconds / 3600.0
        if amp_hours > 0.0:
            self.charged_ah += amp_hours
            self.charged_wh += amp_hours * self.pack_voltage
        elif amp_hours < 0.0:
            self.discharged_ah -= amp_hours
            self.discharged_wh -= amp_hours * self.pack_voltage
            self._cycle_count -= amp_hours / self.rated_capacity_ah
        self.soc = min(100.0, max(0.0, self.soc + amp_hours / self.rated_capacity_ah * 100.0))
        self._heat(dt, current * current)
        if refresh:
            self.update_voltages()

    def _heat(self, dt: float, current_squared: float) -> None:
        # Explicit Euler is stable here because steps are far below the time constants.
        ambient = self.ambient_c
        self.temperatures = [
            t + dt * (current_squared * r / c - (t - ambient - off) / _PACK_TIME_CONSTANT_S)
            for t, r, c, off in zip(
                self.temperatures,
                self._group_resistance,
                self._group_heat_capacity,
                self._sensor_offsets,
                strict=True,
            )
        ]
        mos = self.mos_temperature
        mos += dt * (
            current_squared * self._mos_resistance_ohm / _MOS_HEAT_CAPACITY_J_PER_K
            - (mos - ambient) / _MOS_TIME_CONSTANT_S
        )
        self.mos_temperature = mos
        # The board warms with the electronics on it and picks up some MOS heat.
        self.board_temperature = ambient + _BOARD_SELF_HEATING_C + 0.25 * (mos - ambient)
