"""A solar charge controller: bulk (constant current), absorption (constant voltage), float.

It regulates on the voltage at its terminals, which is the pack's terminal voltage, the way
an MPPT controller wired straight to the battery does. The house loads hang on the same bus,
so the battery current is what the controller delivers minus what the loads take.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from .chemistry import Chemistry, params


class Pack(Protocol):
    """What a charger can measure of the battery it is wired to."""

    @property
    def cell_count(self) -> int:
        """Cells in series."""
        ...

    @property
    def chemistry(self) -> Chemistry:
        """Cell chemistry, which sets the charge voltages."""
        ...

    @property
    def rated_capacity_ah(self) -> float:
        """The capacity the installer configured (the tail current scales with it)."""
        ...

    def current_for_voltage(self, volts: float) -> float:
        """Current (A, + = charging) that puts the pack's terminals at ``volts``."""
        ...


class Stage(StrEnum):
    """The controller's charge stage."""

    BULK = "bulk"
    ABSORPTION = "absorption"
    FLOAT = "float"


@dataclass(slots=True)
class ChargeController:
    """Three-stage charging with the setpoints installers use for each chemistry.

    Per-cell voltages default to the chemistry's (LiFePO4: 3.45 V absorption, 3.375 V float,
    that is 13.8 V / 13.5 V for a 12 V pack). Absorption ends when the current the pack still
    takes falls to ``tail_c`` times the rated capacity or after ``absorption_max_s``; a new
    bulk stage starts at dawn, or during the day once the pack sags below the re-bulk voltage.
    The controller keeps state: give each unit its own.
    """

    absorption_v: float | None = None
    float_v: float | None = None
    rebulk_v: float | None = None
    tail_c: float = 0.005
    absorption_max_s: float = 7200.0
    stage: Stage = Stage.BULK
    absorption_since: float = 0.0

    def battery_current(self, now: float, solar_a: float, load_a: float, pack: Pack) -> float:
        """Battery current (A, + = charging) at ``now`` with ``solar_a`` available."""
        if solar_a <= 0.0:
            # Night: the next sunrise starts a fresh charge, as real controllers do.
            self.stage = Stage.BULK
            return -load_a
        absorption, floating, rebulk = self._setpoints(pack)
        surplus = solar_a - load_a
        target = floating if self.stage is Stage.FLOAT else absorption
        limit = pack.current_for_voltage(target)
        # The controller can deliver nothing below zero: with the pack above the target,
        # the loads run from the battery alone.
        current = max(-load_a, min(surplus, limit))
        held = limit <= surplus
        if self.stage is Stage.BULK and held:
            self.stage, self.absorption_since = Stage.ABSORPTION, now
        elif self.stage is Stage.ABSORPTION:
            tail = self.tail_c * pack.rated_capacity_ah
            if (held and current <= tail) or now - self.absorption_since >= self.absorption_max_s:
                self.stage = Stage.FLOAT
        elif self.stage is Stage.FLOAT and pack.current_for_voltage(rebulk) > current:
            # Even with everything the sun gives, the terminals sit below the re-bulk voltage.
            self.stage = Stage.BULK
        return current

    def _setpoints(self, pack: Pack) -> tuple[float, float, float]:
        p = params(pack.chemistry)
        cells = pack.cell_count
        absorption = self.absorption_v if self.absorption_v is not None else p.absorption_v
        floating = self.float_v if self.float_v is not None else p.float_v
        rebulk = self.rebulk_v if self.rebulk_v is not None else p.rebulk_v
        return absorption * cells, floating * cells, rebulk * cells
