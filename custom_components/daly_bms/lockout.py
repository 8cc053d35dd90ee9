"""The lock-out trap: a MOSFET switched off on a unit that falls asleep when idle.

A switched-off MOSFET stops the current it carries; with no current the unit sleeps after
its sleep time, and a sleeping unit answers nothing, so Home Assistant cannot switch the
MOSFET back on. Only current (a charger, or a load through the other MOSFET) or the unit's
button wakes it. While that can happen, a repair issue says so and names the ways out.
"""

from __future__ import annotations

from typing import Final

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir

from .const import DOMAIN
from .errors import async_warn
from .protocol import NEVER_SLEEP, DalySettings

SLEEP_LOCKOUT_ISSUE: Final = "sleep_lockout"


def lockout_sleep_time(settings: DalySettings | None) -> int | None:
    """Return the sleep time while a MOSFET is switched off on a unit that sleeps, else None.

    Judged on the unit's own switch registers and sleep time; while either is unknown
    nothing is claimed.
    """
    if settings is None or settings.sleep_time is None or settings.sleep_time == NEVER_SLEEP:
        return None
    if settings.charge_mos is False or settings.discharge_mos is False:
        return settings.sleep_time
    return None


class SleepLockout:
    """Raises and withdraws one unit's lock-out repair issue."""

    def __init__(self, hass: HomeAssistant, entry_id: str, name: str) -> None:
        """Start with no issue raised."""
        self._hass = hass
        self._name = name
        self._issue_id = lockout_issue_id(entry_id)
        # The sleep time the issue was raised with; None while no issue is raised.
        self._raised_for: int | None = None

    @callback
    def update(self, settings: DalySettings | None) -> None:
        """Raise the issue while the trap is set, withdraw it when it no longer is."""
        if settings is None:
            # Nothing known yet (a start with the unit asleep): what was said stands.
            return
        sleep_time = lockout_sleep_time(settings)
        if sleep_time is None:
            self.clear()
            return
        if self._raised_for == sleep_time:
            return
        # Raised again when the sleep time changes, so the text names the one in force.
        self._raised_for = sleep_time
        # Kept across restarts and reloads: a unit locked out answers nothing, so no reading
        # after the restart could raise it again when it matters most.
        async_warn(
            self._hass,
            self._issue_id,
            SLEEP_LOCKOUT_ISSUE,
            persistent=True,
            name=self._name,
            sleep_time=str(sleep_time),
        )

    @callback
    def clear(self) -> None:
        """Withdraw the issue, also one raised before a restart."""
        self._raised_for = None
        ir.async_delete_issue(self._hass, DOMAIN, self._issue_id)


def lockout_issue_id(entry_id: str) -> str:
    """Return the id of the lock-out issue of the unit of entry `entry_id`."""
    return f"{SLEEP_LOCKOUT_ISSUE}_{entry_id}"
