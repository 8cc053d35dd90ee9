"""What the protocol learned about one unit, kept across connections.

A link that reconnects hands the same `UnitMemory` to each new DalyClient: the dialect the
unit answered in (probed first next time), what a dialect found out about its firmware
(e.g. whether a D2 unit answers 80-register status reads), the last settings read (to judge
readings against) and the reading guard (to hold counters against earlier readings).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .plausibility import ReadingGuard

if TYPE_CHECKING:
    from .models import DalySettings, Dialect


class UnitMemory:
    """One unit's protocol knowledge; create one per unit and pass it to every client."""

    def __init__(self, *, guard: ReadingGuard | None = None) -> None:
        """Start knowing nothing about the unit."""
        self.dialect: Dialect | None = None
        self.settings: DalySettings | None = None
        self.guard = guard if guard is not None else ReadingGuard()
        self._learned: dict[tuple[Dialect, type], object] = {}

    def learned[T](self, dialect: Dialect, kind: type[T]) -> T:
        """Return what `dialect` keeps about this unit (a `kind`, created on first use)."""
        found = self._learned.get((dialect, kind))
        if not isinstance(found, kind):
            found = kind()
            self._learned[(dialect, kind)] = found
        return found
