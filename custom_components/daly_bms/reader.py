"""What is read from a unit over its link: what the unit is, once, at first contact; then its
status with every reading, and its settings now and then."""

from __future__ import annotations

from .link import UnitLink
from .operations import read_versions
from .protocol import DalyClient, DalyDeviceInfo, DalyStatus
from .unit_settings import UnitSettings


class UnitReader:
    """Reads one unit; it never writes."""

    def __init__(self, link: UnitLink, settings: UnitSettings) -> None:
        """Read over `link`, and keep the settings the unit tells in `settings`."""
        self._link = link
        self._settings = settings
        self.device_info: DalyDeviceInfo | None = None
        self._first_status: DalyStatus | None = None

    async def async_learn(self) -> None:
        """Connect once and learn what the unit is, its settings and its first status."""
        await self._link.run(self._learn)

    async def async_read(self) -> DalyStatus:
        """Return a new status (the first contact's, once), with the settings when due."""
        status, self._first_status = self._first_status, None
        if status is not None:
            return status
        return await self._link.run(self._read)

    async def _learn(self, client: DalyClient) -> None:
        self.device_info = await read_versions(client)
        await self._settings.async_read(client)
        # The first reading too: a second connection (and a second turn for a proxy slot)
        # right after this one would only delay the first values.
        self._first_status = await client.read_status()

    async def _read(self, client: DalyClient) -> DalyStatus:
        status = await client.read_status()
        await self._settings.async_read_when_due(client)
        return status
