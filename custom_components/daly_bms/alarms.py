"""Which of several active alarms matters most to someone looking at the battery."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

from .protocol import ALARM_NAMES

NO_ALARM: Final = "none"
ALARM_OPTIONS: Final[list[str]] = [NO_ALARM, *ALARM_NAMES]

# States the unit reports as alarm bits that are not trouble with the battery itself.
_INFORMATIONAL: Final = frozenset(
    {"mos_off_by_soft_switch", "charging_cabinet_offline", "vehicle_communication_fault"}
)
_UNDOCUMENTED_PREFIXES: Final = ("reserved_bit_", "p81_alarm_bit_")


def severity(name: str) -> int:
    """Rank an alarm: 0 = protection, fault or level-2 alarm, 1 = warning, 2 = other."""
    if name in _INFORMATIONAL:
        return 2
    if name.endswith("_warning") or name.startswith(_UNDOCUMENTED_PREFIXES):
        # Undocumented bits rank with warnings: worth a look, not proven serious.
        return 1
    return 0


def needs_attention(alarms: Iterable[str]) -> bool:
    """Return True if any alarm is trouble, not just a state (such as a MOS switched off)."""
    return any(severity(name) < 2 for name in alarms)


def most_severe(alarms: Iterable[str]) -> str | None:
    """Return the most severe active alarm, the lowest bit first among equals."""
    return min(alarms, key=severity, default=None)
