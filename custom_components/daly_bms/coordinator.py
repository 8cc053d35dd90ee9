"""The coordinator: one unit's poll schedule, its data, its advertisements and its actions."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import timedelta
import logging
from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import CONF_ADDRESS, CONF_NAME
from homeassistant.core import CALLBACK_TYPE, Event, HomeAssistant, callback
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed

from .actions import UnitActions
from .const import (
    CONF_CONNECTION_MODE,
    CONF_INVERT_CURRENT,
    CONF_POLL_INTERVAL,
    DEFAULT_CONNECTION_MODE,
    DEFAULT_INVERT_CURRENT,
    DEFAULT_POLL_INTERVAL,
    DOMAIN,
    STARTUP_BUDGET,
    ConnectionMode,
)
from .data import DalyData
from .energy import Direction, EnergyTracker
from .errors import STARTUP_TIMEOUT, LinkFailure, unit_error
from .health import UnitHealth
from .link import UnitLink
from .lockout import SleepLockout
from .phases import UnitPhase
from .presence import UnitPresence
from .protocol import DalyStatus, MosBank
from .reader import UnitReader
from .slots import async_get_arbiter
from .unit_settings import UnitSettings

type DalyConfigEntry = ConfigEntry[DalyCoordinator]

_LOGGER = logging.getLogger(__package__)


class DalyCoordinator(DataUpdateCoordinator[DalyData]):
    """Polls one unit over Bluetooth and turns link trouble into availability."""

    config_entry: DalyConfigEntry

    def __init__(self, hass: HomeAssistant, entry: DalyConfigEntry) -> None:
        """Read the entry's options; nothing touches the radio before the first refresh."""
        self.address: str = entry.data[CONF_ADDRESS]
        self.advertised_name: str = entry.data.get(CONF_NAME, entry.title)
        interval = int(entry.options.get(CONF_POLL_INTERVAL, DEFAULT_POLL_INTERVAL))
        self.connection_mode = ConnectionMode(
            entry.options.get(CONF_CONNECTION_MODE, DEFAULT_CONNECTION_MODE)
        )
        self.invert_current = bool(entry.options.get(CONF_INVERT_CURRENT, DEFAULT_INVERT_CURRENT))
        super().__init__(
            hass,
            _LOGGER,
            config_entry=entry,
            name=entry.title,
            update_interval=timedelta(seconds=interval),
            always_update=False,
        )
        self.poll_interval = interval
        # Units share the proxies' slots in turn, and each reads at its own point of the
        # interval, so that many units do not all connect in the same second.
        self._slots = async_get_arbiter(hass).register(
            self.address, entry.title, self.connection_mode, self._async_slot_free
        )
        self._phase = UnitPhase(hass, self.address, self.connection_mode, interval)
        self._link = UnitLink(hass, entry, self.connection_mode, self._slots)
        self._health = UnitHealth(hass, entry.entry_id, entry.title, interval)
        self._presence = UnitPresence(
            hass, self.address, entry.title, self._health, self._link, self._async_poll_soon
        )
        self._lockout = SleepLockout(hass, entry.entry_id, entry.title)
        self._settings = UnitSettings()
        self._reader = UnitReader(self._link, self._settings)
        self._actions = UnitActions(self._link, self._settings, self)
        self._energy = EnergyTracker(interval)

    async def _async_setup(self) -> None:
        """Connect once and learn what the unit is; it only ever reads."""
        # Home Assistant's start waits for this entry: a unit asleep or out of reach gives
        # way and is tried again in the background once it has started.
        budget = None if self.hass.is_running else STARTUP_BUDGET
        try:
            async with asyncio.timeout(budget):
                await self._reader.async_learn()
        except LinkFailure as err:
            raise self._health.failed(err) from err
        except TimeoutError as err:
            raise unit_error(UpdateFailed, STARTUP_TIMEOUT, self.name) from err

    @callback
    def async_start_watching(self) -> list[CALLBACK_TYPE]:
        """Follow the unit's advertisements; returns the cancel callbacks."""
        return self._presence.async_start()

    async def async_shutdown(self) -> None:
        """Stop polling and let go of the unit for good (unload and Home Assistant stop)."""
        await super().async_shutdown()
        await self._link.async_shutdown()
        # The repair issues outlive this coordinator: a setup retried makes a new one, and
        # the lock-out matters most across a restart. Unload and removal withdraw them.
        self._slots.close()
        self._phase.give_back()

    async def async_on_stop(self, _event: Event) -> None:
        """Disconnect when Home Assistant stops so the unit is free for the phone app."""
        await self.async_shutdown()

    async def _async_refresh(self, log_failures: bool = True, *args: Any, **kwargs: Any) -> None:
        # A battery in a shed sleeps, and wanders out of reach while the phone app holds it:
        # routine, not an error. The base class would log each loss at error level; here
        # it is one info line, and the base class's own info line marks the return.
        was_available = self.last_update_success and self.data is not None
        await super()._async_refresh(False, *args, **kwargs)
        if was_available and not self.last_update_success:
            _LOGGER.info("%s is unavailable: %s", self.name, self.last_exception)

    async def _async_update_data(self) -> DalyData:
        """Read the status (and the settings now and then) and derive the rest."""
        started = self.hass.loop.time()
        try:
            status = await self._reader.async_read()
        except LinkFailure as err:
            if self._link.shut_down and self.data is not None and self.last_update_success:
                # Cut short by unload or stop, not by the unit: the last reading stands.
                return self.data
            raise self._health.failed(err) from err
        self._health.answered()
        info = self._presence.async_last_heard()
        self.update_interval = self._phase.next_interval(started, info.source if info else None)
        return self._data(status)

    def _data(self, status: DalyStatus) -> DalyData:
        """Every reading passes here once, raw, changed or not: orient, count, then show it."""
        if self.invert_current:
            # Before anything is derived from it: power, state and energy follow the sign.
            status = status.with_current_inverted()
        settings = self._settings.current
        self._lockout.update(settings)
        assert self._reader.device_info is not None
        return DalyData(
            status=status,
            settings=settings,
            device_info=self._reader.device_info,
            rssi=self._presence.rssi,
            derived=self._energy.update(self.hass.loop.time(), status, settings),
        )

    @callback
    def async_restore_energy(self, direction: Direction, wh: float) -> None:
        """Continue an energy counter from the total it had before a restart or reload."""
        self.data = replace(self.data, derived=self._energy.restore(direction, wh))
        self.async_update_listeners()

    @callback
    def _async_slot_free(self) -> None:
        _LOGGER.debug("%s: a connection slot came free, polling now", self.name)
        self._async_poll_soon("slot free")

    @callback
    def _async_poll_soon(self, why: str) -> None:
        self.config_entry.async_create_background_task(
            self.hass, self.async_refresh(), f"{DOMAIN} {self.address} {why}"
        )

    @property
    def sleep_time_to_restore(self) -> int:
        """Return the sleep time that switching "Never sleep" off gives back."""
        return self._settings.sleep_time_to_restore

    async def async_set_mos(self, bank: MosBank, on: bool) -> None:
        """Switch a MOSFET bank on the user's explicit request, then show the unit's state."""
        await self._actions.async_set_mos(bank, on)

    async def async_set_setting(
        self, key: str, value: float, label: str, *, switch: bool = False
    ) -> None:
        """Write a setting on the user's explicit request; show what the unit then reports."""
        await self._actions.async_set_setting(key, value, label, switch=switch)

    @callback
    def async_show_reading(self, status: DalyStatus | None) -> None:
        """Show a status read after a write (None: the last one) with the settings now."""
        self._health.answered()
        if status is None:
            self._lockout.update(self._settings.current)
            self.async_set_updated_data(replace(self.data, settings=self._settings.current))
            return
        self.async_set_updated_data(self._data(status))
