"""How reachable a unit is: failed polls paced out, and the user told when it is gone."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Final

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.update_coordinator import UpdateFailed
from homeassistant.util.dt import utcnow
from homeassistant.util.hass_dict import HassKey

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


# When each unit (by entry id) last answered: kept across the setup retries of a unit that
# has been away since Home Assistant started, which each make a new UnitHealth.
LAST_ANSWERS: HassKey[dict[str, datetime]] = HassKey(f"{DOMAIN}_last_answers")


class UnitHealth:
    """Counts one unit's failed polls: spaces retries out and raises the repair issue."""

    def __init__(self, hass: HomeAssistant, entry_id: str, name: str, poll_seconds: int) -> None:
        """Start from the unit's last answer; on first use, as if it had just answered."""
        self._hass = hass
        self._entry_id = entry_id
        self._answers = hass.data.setdefault(LAST_ANSWERS, {})
        self._answers.setdefault(entry_id, utcnow())
        self._name = name
        self._poll_seconds = poll_seconds
        self._issue_id = unreachable_issue_id(entry_id)
        self._issue_raised = False
        self._failures = 0
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
        elif not self._issue_raised and self._away() >= UNREACHABLE_ISSUE_AFTER:
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

    def _away(self) -> timedelta:
        return utcnow() - self._answers[self._entry_id]

    @callback
    def answered(self) -> None:
        """Record an answer: back to the normal interval, and the issue goes away."""
        self._failures = 0
        self._answers[self._entry_id] = utcnow()
        self.out_of_range = False
        self.clear_issue()

    @callback
    def clear_issue(self) -> None:
        """Withdraw the repair issue, also one an earlier try at setting up raised."""
        self._issue_raised = False
        ir.async_delete_issue(self._hass, DOMAIN, self._issue_id)


def unreachable_issue_id(entry_id: str) -> str:
    """Return the id of the "unreachable" issue of the unit of entry `entry_id`."""
    return f"{UNREACHABLE_ISSUE}_{entry_id}"


@callback
def forget_answers(hass: HomeAssistant, entry_id: str) -> None:
    """Forget when the unit of the removed entry `entry_id` last answered."""
    hass.data.get(LAST_ANSWERS, {}).pop(entry_id, None)
