"""The coordinator's data: one consistent picture of a unit, as its entities show it."""

from __future__ import annotations

from dataclasses import dataclass

from .energy import Derived
from .protocol import DalyDeviceInfo, DalySettings, DalyStatus


@dataclass(frozen=True, slots=True, kw_only=True)
class DalyData:
    """One consistent picture of the unit, as the entities show it."""

    status: DalyStatus
    settings: DalySettings | None
    device_info: DalyDeviceInfo
    rssi: int | None
    # Energy counters and runtime estimates, counted from every reading up to this one.
    derived: Derived
