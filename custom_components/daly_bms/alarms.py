"""The alarm sensor's options: every alarm name the protocol reports, and "none".

How serious each alarm is lives in the protocol's alarm tables (`protocol.most_severe`,
`protocol.needs_attention`).
"""

from __future__ import annotations

from typing import Final

from .protocol import ALARM_NAMES

NO_ALARM: Final = "none"
ALARM_OPTIONS: Final[list[str]] = [NO_ALARM, *ALARM_NAMES]
