"""Alarm severity across dialects: which active alarm matters most, and whether any does.

Each dialect's alarm table names its bits and ranks them (`models.AlarmSeverity`); these
functions read those tables, so nothing outside the protocol decides what is serious.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

from .dialects import ALARM_SEVERITY
from .models import AlarmSeverity

ALARM_NAMES: Final[tuple[str, ...]] = tuple(ALARM_SEVERITY)
"""Every alarm name the decoder can report, dialect by dialect, bit by bit."""


def alarm_severity(name: str) -> AlarmSeverity:
    """Return how serious the alarm `name` is; a name no table knows ranks as a warning."""
    return ALARM_SEVERITY.get(name, AlarmSeverity.WARNING)


def needs_attention(alarms: Iterable[str]) -> bool:
    """Return True if any alarm is trouble, not just a state (such as a MOS switched off)."""
    return any(alarm_severity(name) < AlarmSeverity.INFORMATIONAL for name in alarms)


def most_severe(alarms: Iterable[str]) -> str | None:
    """Return the most severe active alarm, the lowest bit first among equals."""
    return min(alarms, key=alarm_severity, default=None)
