"""The bank's energy charged and discharged: what the members' own counters added.

Pure logic, no Home Assistant. A plain sum of the members' counters would not do for
the Energy dashboard, which reads every drop of a total_increasing sensor as a meter
reset and then counts the whole new value again: the sum drops when a member leaves the
bank, and jumps when one joins. So the bank keeps its own total and adds each member's
increase from one reading to the next. A member seen for the first time is a starting
point, not energy.

A member's counter that falls behind the bank's mark either has not restored its total
yet (it does so right after it starts, so the next reading is back above the mark) or has
started over (its entry was removed and added again). The bank waits one reading to tell
the two apart: back above the mark, it counts from the mark; still behind but grown, it
counts from where the counter restarted. A rise larger than the whole pack could take in
or give out between two readings is a counter restored or replaced (a counter that was
switched off and on again picks up its stored total), never energy: the bank only moves
its mark.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
import math
from typing import Any, TypeGuard

from .energy import Direction


@dataclass(slots=True)
class _Mark:
    counted_to: float  # the member's counter value counted so far
    behind: float | None = None  # the counter's last value while below `counted_to`


class BankEnergyCounter:
    """One direction's total for the bank, in Wh; it never goes backwards."""

    def __init__(self) -> None:
        """Start at zero with no member seen."""
        self.total_wh = 0.0
        self._marks: dict[str, _Mark] = {}

    def observe(self, member: str, counter_wh: float | None, most_wh: float | None = None) -> None:
        """Take one reading of `member`'s counter (None: not known now) and count its rise.

        `most_wh`: the most the pack can take in or give out between two readings (its
        whole capacity); a larger rise is a counter restored or replaced, not energy.
        """
        if counter_wh is None or not math.isfinite(counter_wh) or counter_wh < 0:
            return
        mark = self._marks.get(member)
        if mark is None:
            self._marks[member] = _Mark(counter_wh)
            return
        if counter_wh >= mark.counted_to:
            start = mark.counted_to
        elif mark.behind is not None and counter_wh > mark.behind:
            # Behind twice and growing: the counter started over; count from its new origin.
            start = mark.behind
        else:
            mark.behind = counter_wh
            return
        rise = counter_wh - start
        if most_wh is None or rise <= most_wh:
            self.total_wh += rise
        self._marks[member] = _Mark(counter_wh)

    def keep_only(self, members: Iterable[str]) -> None:
        """Forget members that left the bank: one that rejoins starts from its next reading."""
        keep = set(members)
        for member in [member for member in self._marks if member not in keep]:
            del self._marks[member]

    def as_dict(self) -> dict[str, Any]:
        """Return what must survive a restart, JSON-ready."""
        return {
            "total_wh": self.total_wh,
            "marks": {member: mark.counted_to for member, mark in self._marks.items()},
        }

    @classmethod
    def from_dict(cls, stored: Mapping[str, Any] | None) -> BankEnergyCounter:
        """Continue from `as_dict`'s output; anything unreadable starts from zero."""
        counter = cls()
        if not isinstance(stored, Mapping):
            return counter
        total = stored.get("total_wh")
        if _is_energy(total):
            counter.total_wh = float(total)
        marks = stored.get("marks")
        if isinstance(marks, Mapping):
            for member, counted_to in marks.items():
                if isinstance(member, str) and _is_energy(counted_to):
                    counter._marks[member] = _Mark(float(counted_to))
        return counter


def _is_energy(value: object) -> TypeGuard[float]:
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(value)
        and value >= 0
    )


class BankEnergy:
    """The bank's energy charged and discharged."""

    def __init__(self, counters: Mapping[Direction, BankEnergyCounter] | None = None) -> None:
        """Start at zero, or continue from restored counters."""
        self.counters = {
            direction: (counters or {}).get(direction) or BankEnergyCounter()
            for direction in Direction
        }

    def total_wh(self, direction: Direction) -> float:
        """The bank's total in `direction`."""
        return self.counters[direction].total_wh

    def observe(
        self,
        member: str,
        charged_wh: float | None,
        discharged_wh: float | None,
        most_wh: float | None = None,
    ) -> None:
        """Take one member's two counters (see :meth:`BankEnergyCounter.observe`)."""
        self.counters[Direction.CHARGED].observe(member, charged_wh, most_wh)
        self.counters[Direction.DISCHARGED].observe(member, discharged_wh, most_wh)

    def keep_only(self, members: Iterable[str]) -> None:
        """Forget members that left the bank."""
        keep = list(members)
        for counter in self.counters.values():
            counter.keep_only(keep)

    def as_dict(self) -> dict[str, Any]:
        """Return what must survive a restart, JSON-ready."""
        return {direction.value: counter.as_dict() for direction, counter in self.counters.items()}

    @classmethod
    def from_dict(cls, stored: Mapping[str, Any] | None) -> BankEnergy:
        """Continue from `as_dict`'s output."""
        if not isinstance(stored, Mapping):
            return cls()
        return cls(
            {
                direction: BankEnergyCounter.from_dict(stored.get(direction.value))
                for direction in Direction
            }
        )
