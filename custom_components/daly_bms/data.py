"""The coordinator's data: one consistent picture of a unit, as its entities show it."""

from __future__ import annotations

from dataclasses import dataclass

from .protocol import DalyDeviceInfo, DalySettings, DalyStatus


@dataclass(frozen=True, slots=True, kw_only=True)
class DalyData:
    """One consistent picture of the unit, as the entities show it."""

    status: DalyStatus
    settings: DalySettings | None
    device_info: DalyDeviceInfo
    rssi: int | None

    @property
    def stored_energy(self) -> float | None:
        """Energy left in the pack in Wh, as the protocol derives it from the reading."""
        return self.status.stored_energy
