"""How reachable a unit is: failed polls paced out, and the user told when it is gone."""

from __future__ import annotations

from datetime import timedelta
from typing import Final

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.update_coordinator import UpdateFailed
from homeassistant.util.dt import utcnow

from .const import DOMAIN, MAX_BACKOFF_SECONDS
from .errors import (
    CANNOT_CONNECT,
    CONNECTION_LOST,
    NO_CONNECTION_SLOT,
    NOT_HEARD,
    LinkFailure,
    async_warn,
    unit_error,
)

# Long enough that a unit which sleeps through a winter night, or a phone app session,
# never raises it; short enough that a unit lost for good is noticed within a day.
UNREACHABLE_ISSUE_AFTER: Final = timedelta(hours=24)
UNREACHABLE_ISSUE: Final = "unit_unreachable"

# Failures the user can end: close the phone app, free or add a proxy slot, bring the
# unit back in range. A unit that is reached but sleeps is doing its job; no issue then.
_PATH_FAILURES: Final = frozenset({NOT_HEARD, NO_CONNECTION_SLOT, CANNOT_CONNECT, CONNECTION_LOST})


class UnitHealth:
    """Counts one unit's failed polls: spaces retries out and raises the repair issue."""

    def __init__(self, hass: HomeAssistant, entry_id: str, name: str, poll_seconds: int) -> None:
        """Start as if the unit had just answered."""
        self._hass = hass
        self._name = name
        self._poll_seconds = poll_seconds
        self._issue_id = f"{UNREACHABLE_ISSUE}_{entry_id}"
        self._issue_raised = False
        self._failures = 0
        self._answered_at = utcnow()
        # Set while no adapter or proxy hears the unit: its next advertisement is worth a
        # poll at once instead of waiting out the back-off.
        self.out_of_range = False

    @callback
    def failed(self, failure: LinkFailure) -> UpdateFailed:
        """Record a failed poll; return the translated error that says when to try again.

        The delay doubles with each failure in a row, from the poll interval up to
        MAX_BACKOFF_SECONDS (or the poll interval, if that is longer).
        """
        key = failure.key
        self.out_of_range = failure.unit_not_heard
        self._failures += 1
        if key not in _PATH_FAILURES:
            # The unit was reached: whatever kept it away is gone.
            self.clear_issue()
        elif not self._issue_raised and utcnow() - self._answered_at >= (UNREACHABLE_ISSUE_AFTER):
            self._issue_raised = True
            async_warn(
                self._hass,
                self._issue_id,
                UNREACHABLE_ISSUE,
                name=self._name,
                hours=str(int(UNREACHABLE_ISSUE_AFTER.total_seconds() // 3600)),
            )
        update_failed = unit_error(UpdateFailed, failure.key, self._name, failure)
        # The exponent is capped so days of failures do not grow a huge integer.
        update_failed.retry_after = min(
            self._poll_seconds * (1 << min(self._failures - 1, 16)),
            max(self._poll_seconds, MAX_BACKOFF_SECONDS),
        )
        return update_failed

    @callback
    def answered(self) -> None:
        """Record an answer: back to the normal interval, and the issue goes away."""
        self._failures = 0
        self._answered_at = utcnow()
        self.out_of_range = False
        self.clear_issue()

    @callback
    def clear_issue(self) -> None:
        """Withdraw the repair issue if it was raised."""
        if self._issue_raised:
            self._issue_raised = False
            ir.async_delete_issue(self._hass, DOMAIN, self._issue_id)
