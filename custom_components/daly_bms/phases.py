"""Where in the poll interval each unit reads, so that units sharing a proxy spread over it.

Home Assistant starts every coordinator's next refresh on a whole second (plus a fraction
of a second of jitter), so units set up together would all read in the same second, every
interval, and queue for the same proxy slots. Each unit instead gets its own phase: a
fraction of its interval. Phases are handed out per group - the scanner (adapter or proxy)
that hears the unit best, and whether the unit stays connected, since only units that
connect for each reading take turns for slots - so that any number of units in a group lie
evenly spread (0, 1/2, 1/4, 3/4, 1/8, ...), and a unit keeps its phase while others come
and go.
"""

from __future__ import annotations

from datetime import timedelta
import math
from typing import Final

from homeassistant.core import HomeAssistant, callback
from homeassistant.util.hass_dict import HassKey

from .const import DOMAIN, ConnectionMode

DATA_PHASES: Final[HassKey[PollPhases]] = HassKey(f"{DOMAIN}_poll_phases")


def spread_fraction(index: int) -> float:
    """Return the `index`-th point of the van der Corput sequence in base 2."""
    fraction, weight = 0.0, 0.5
    while index:
        if index & 1:
            fraction += weight
        index >>= 1
        weight /= 2
    return fraction


def next_reading_delay(*, now: float, started: float, interval: float, phase: float) -> float:
    """Return the seconds from `now` to the next reading on the unit's phase.

    Readings fall on `phase * interval` past each multiple of `interval` on the loop's clock.
    The next one is the first such instant after the reading that `started` began, so
    readings are never more than an interval apart; a reading that ran past that instant
    (it waited long for a slot) is followed at the one after, keeping the rhythm.
    """
    offset = phase * interval
    target = offset + (math.floor((started - offset) / interval) + 1) * interval
    if target < now:
        target += math.ceil((now - target) / interval) * interval
    return target - now


class PollPhases:
    """Hands out phases to the units of each group, and takes them back."""

    def __init__(self) -> None:
        """Start with every phase free."""
        # address -> (group, index in that group's sequence)
        self._taken: dict[str, tuple[str, int]] = {}

    @callback
    def take(self, address: str, group: str) -> float:
        """Return the phase of the unit at `address` in `group`, kept while it stays there."""
        taken = self._taken.get(address)
        if taken is None or taken[0] != group:
            used = {index for other, index in self._taken.values() if other == group}
            taken = (group, next(i for i in range(len(used) + 1) if i not in used))
            self._taken[address] = taken
        return spread_fraction(taken[1])

    @callback
    def give_back(self, address: str) -> None:
        """Free the phase of the unit at `address`."""
        self._taken.pop(address, None)


@callback
def async_get_phases(hass: HomeAssistant) -> PollPhases:
    """Return the phases all entries share, made on first use."""
    if (phases := hass.data.get(DATA_PHASES)) is None:
        phases = hass.data[DATA_PHASES] = PollPhases()
    return phases


class UnitPhase:
    """One unit's phase: times its next reading, and gives the phase back when it goes."""

    def __init__(
        self, hass: HomeAssistant, address: str, mode: ConnectionMode, interval: float
    ) -> None:
        """Take no phase yet: the first reading takes one, among the units its scanner hears."""
        self._hass = hass
        self._address = address
        self._mode = mode
        self._interval = interval

    @callback
    def next_interval(self, started: float, source: str | None) -> timedelta:
        """Return the update interval that puts the unit's next reading on its phase.

        `started`: when on the loop's clock the reading just taken began; `source`: the
        scanner (adapter or proxy) that heard the unit last, None while none does.
        """
        now = self._hass.loop.time()
        phase = async_get_phases(self._hass).take(self._address, f"{source or ''} {self._mode}")
        delay = next_reading_delay(now=now, started=started, interval=self._interval, phase=phase)
        # Home Assistant starts the next refresh on a whole second of the loop's clock (plus
        # its own jitter): counted from the start of this second, the unit keeps its phase.
        return timedelta(seconds=delay + now % 1)

    @callback
    def give_back(self) -> None:
        """Free the unit's phase for the units that stay."""
        async_get_phases(self._hass).give_back(self._address)
