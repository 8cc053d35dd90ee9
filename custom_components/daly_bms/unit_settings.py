"""A unit's settings as it last reported them, when to ask for them again, and the sleep
time that "Never sleep" gives back when it is switched off.

Settings change only when someone edits them (in the phone app, or through a write of
ours), so they are read with the first connection and then every SETTINGS_EVERY_POLLS
readings; a unit that does not tell them one time keeps those it told before.
"""

from __future__ import annotations

from dataclasses import replace

from .const import DEFAULT_SLEEP_TIME, SETTINGS_EVERY_POLLS
from .operations import read_settings
from .protocol import NEVER_SLEEP, DalyClient, DalySettings, MosBank


class UnitSettings:
    """The settings one unit reported last, re-read now and then."""

    def __init__(self) -> None:
        """Start with nothing known: the first reading asks for the settings."""
        self.current: DalySettings | None = None
        # What "Never sleep" switched off goes back to: the unit's last sleep time seen.
        self.sleep_time_to_restore: int = DEFAULT_SLEEP_TIME
        self._readings_until_due = 0

    async def async_read(self, client: DalyClient) -> None:
        """Ask the unit for its settings now, and again SETTINGS_EVERY_POLLS readings on."""
        self._readings_until_due = SETTINGS_EVERY_POLLS - 1
        settings = await read_settings(client)
        if settings is not None:
            self.take(settings)

    async def async_read_when_due(self, client: DalyClient) -> None:
        """Ask for the settings on one reading in SETTINGS_EVERY_POLLS (or when marked due)."""
        if self._readings_until_due <= 0:
            await self.async_read(client)
        else:
            self._readings_until_due -= 1

    def due_next_reading(self) -> None:
        """Ask for the settings with the next reading: something may have changed them."""
        self._readings_until_due = 0

    def take(self, settings: DalySettings) -> None:
        """Keep settings the unit reported, and what they say about its sleep."""
        self.current = settings
        if settings.sleep_time is not None and settings.sleep_time != NEVER_SLEEP:
            self.sleep_time_to_restore = settings.sleep_time

    def forget(self, key: str) -> None:
        """Stop showing the setting `key` until the unit tells it again (a lost write)."""
        if self.current is not None:
            self.current = replace(self.current, **{key: None})

    def mos_written(self, bank: MosBank, on: bool) -> None:
        """Record that the unit followed a MOS write: its switch register now holds `on`."""
        if self.current is None:
            return
        if bank is MosBank.CHARGE:
            self.current = replace(self.current, charge_mos=on)
        else:
            self.current = replace(self.current, discharge_mos=on)
