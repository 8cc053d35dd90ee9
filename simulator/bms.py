"""The BMS's control loop: protection, MOS switching and the active balancer."""

from __future__ import annotations

from collections.abc import Callable

from .battery import Battery
from .protection import Protection
from .settings import Settings


class Bms:
    """Couples the battery to its settings the way the firmware's main loop does.

    The user's MOS switches (registers 0xA5/0xA6) and the protection trips are kept
    apart: a MOS conducts only when the user wants it on AND no protection holds it
    open. So switching a MOS "on" after a trip is remembered, but the MOS stays open
    until the trip releases by itself, which is what protects a real pack from an app
    user who keeps pressing the button.
    """

    def __init__(
        self, battery: Battery, settings: Settings, *, has_mos_sensor: bool = True
    ) -> None:
        self.battery = battery
        self.settings = settings
        self.protection = Protection(has_mos_sensor=has_mos_sensor)
        self.has_mos_sensor = has_mos_sensor
        # Fault bits with no physical cause (AFE fault, sensor fault ...), ORed in so
        # that a test or a fault injector can show them.
        self.extra_alarm_bits = 0
        self.time = 0.0
        self.settle(battery.demand_current)

    def step(self, dt: float, demand: Callable[[], float]) -> None:
        """Let ``dt`` seconds pass, then react to what ``demand()`` asks for at the new instant.

        The demand is asked after the physics moved, so a charger that regulates on the
        pack's voltage sees the pack as it is now, not as it was a step ago.
        """
        self.time += dt
        self.battery.integrate(dt, refresh=False)
        self.settle(demand())

    def refresh(self) -> None:
        """Re-decide MOS and balancer now, e.g. right after a setting was written."""
        self.settle(self.battery.demand_current)

    def settle(self, demand: float) -> None:
        """Measure, protect, switch and balance at the present instant."""
        battery = self.battery
        limits = self.settings.limits
        battery.set_rated_capacity(limits.rated_capacity_ah)
        battery.apply_demand(demand)
        bits = self.protection.evaluate(battery, limits, self.time)
        battery.alarm_bits = bits | self.extra_alarm_bits
        charge = limits.charge_mos and not self.protection.charge_tripped
        discharge = limits.discharge_mos and not self.protection.discharge_tripped
        if (charge, discharge) != (battery.charge_mos, battery.discharge_mos):
            battery.charge_mos = charge
            battery.discharge_mos = discharge
            battery.apply_demand(demand)
        battery.set_balancing(self._balance_pair())

    def _balance_pair(self) -> tuple[int, int] | None:
        # The manual's rule: balance while the highest cell is at or above the start
        # voltage and the spread is at or above the start delta; energy goes from
        # the highest cell to the lowest.
        limits = self.settings.limits
        if not limits.balancer:
            return None
        volts = self.battery.cell_voltages
        vmax = max(volts)
        vmin = min(volts)
        # Compared in whole millivolts, the resolution the firmware reads and reports.
        max_mv = round(vmax * 1000)
        if max_mv < round(limits.balance_start_v * 1000):
            return None
        if max_mv - round(vmin * 1000) < round(limits.balance_start_delta_v * 1000):
            return None
        return volts.index(vmax), volts.index(vmin)
