"""The repair issue for proxies with too few connection slots for the units they reach."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir

from .const import DOMAIN
from .errors import async_warn

NO_SLOT_ISSUE: Final = "no_connection_slot"
# A unit refused this many times in a row for want of slots, with no unit getting one in
# between, meets a lasting shortage and not another device's passing connection.
SHORTAGES_BEFORE_ISSUE: Final = 2


@dataclass(frozen=True, slots=True)
class SlotNeed:
    """The slots of a group of scanners against what the units in their reach need."""

    scanners: tuple[str, ...]
    sources: tuple[str, ...]
    slots: int
    held_by_others: int
    stay_connected: int
    each_reading: int

    @property
    def needed(self) -> int:
        """Return the slots the units need: one each to stay connected, one to take turns."""
        return self.stay_connected + (1 if self.each_reading else 0)

    @property
    def available(self) -> int:
        """Return the slots other devices leave."""
        return max(0, self.slots - self.held_by_others)

    @property
    def short(self) -> bool:
        """Return True when the units need more slots than other devices leave them."""
        return self.needed > self.available

    def describe(self) -> str:
        """Return the numbers in a line for a log or an error's technical detail."""
        return (
            f"{', '.join(self.scanners)}: {self.slots} connection slots, none free; "
            f"{self.held_by_others} held by other devices, {self.needed} needed by "
            f"{self.stay_connected} units staying connected and "
            f"{self.each_reading} connecting for each reading"
        )


class SlotIssues:
    """Raises the issue when a shortage lasts, and withdraws it when a slot is found."""

    def __init__(self, hass: HomeAssistant) -> None:
        """Start with no shortage seen."""
        self._hass = hass
        self._shortages: dict[tuple[tuple[str, ...], str], int] = {}
        self._raised: set[tuple[str, ...]] = set()

    @callback
    def no_slot(self, address: str, need: SlotNeed) -> None:
        """Record the unit at `address` refused for want of a slot on `need`'s scanners."""
        if not need.short:
            # Our own units fill the slots for a moment: they take turns, nothing to fix.
            return
        key = (need.sources, address)
        seen = self._shortages[key] = self._shortages.get(key, 0) + 1
        if seen < SHORTAGES_BEFORE_ISSUE:
            return
        self._raised.add(need.sources)
        async_warn(
            self._hass,
            _issue_id(need.sources),
            NO_SLOT_ISSUE,
            scanners=", ".join(need.scanners),
            slots=str(need.slots),
            others=str(need.held_by_others),
            available=str(need.available),
            units=str(need.stay_connected + need.each_reading),
            needed=str(need.needed),
            stay_connected=str(need.stay_connected),
            each_reading=str(need.each_reading),
            each_reading_slots=str(need.needed - need.stay_connected),
        )

    @callback
    def slot_found(self, source: str) -> None:
        """A unit got a slot on `source`: every shortage involving it is over."""
        for key in [key for key in self._shortages if source in key[0]]:
            del self._shortages[key]
        for sources in [s for s in self._raised if source in s]:
            self._raised.discard(sources)
            ir.async_delete_issue(self._hass, DOMAIN, _issue_id(sources))

    @callback
    def clear_all(self) -> None:
        """Withdraw every issue (the last unit left)."""
        for sources in self._raised:
            ir.async_delete_issue(self._hass, DOMAIN, _issue_id(sources))
        self._raised.clear()
        self._shortages.clear()


def _issue_id(sources: tuple[str, ...]) -> str:
    return f"{NO_SLOT_ISSUE}_" + "_".join(s.replace(":", "").lower() for s in sources)
