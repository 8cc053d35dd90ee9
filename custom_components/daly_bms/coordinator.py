"""The coordinator: one unit's poll schedule, its data, its advertisements and its actions."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import timedelta
import logging
from typing import Any

from homeassistant.components import bluetooth
from homeassistant.config_entries import ConfigEntry
from homeassistant.const import CONF_ADDRESS, CONF_NAME
from homeassistant.core import CALLBACK_TYPE, Event, HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed

from .const import (
    CONF_CONNECTION_MODE,
    CONF_POLL_INTERVAL,
    DEFAULT_CONNECTION_MODE,
    DEFAULT_POLL_INTERVAL,
    DOMAIN,
    SETTINGS_EVERY_POLLS,
    STARTUP_BUDGET,
    ConnectionMode,
)
from .data import DalyData
from .energy import Direction, EnergyTracker
from .errors import (
    MOS_NOT_CONFIRMED,
    MOS_NOT_FOLLOWED,
    MOS_NOT_SUPPORTED,
    STARTUP_TIMEOUT,
    LinkFailure,
    unit_error,
)
from .health import UnitHealth
from .link import UnitLink
from .operations import MosNotFollowedError, mos_unknown, read_settings, read_versions, switch_mos
from .phases import async_get_phases, next_reading_delay
from .protocol import DalyClient, DalyDeviceInfo, DalySettings, DalyStatus, MosBank
from .slots import async_get_arbiter

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
        self._link = UnitLink(hass, self.address, entry.title, self.connection_mode, self._slots)
        self._first_status: DalyStatus | None = None
        self._health = UnitHealth(hass, entry.entry_id, entry.title, interval)
        self._device_info: DalyDeviceInfo | None = None
        self._settings: DalySettings | None = None
        self._energy = EnergyTracker(interval)
        self._polls_until_settings = 0
        self._rssi: int | None = None

    async def _async_setup(self) -> None:
        """Connect once and learn what the unit is; it only ever reads."""

        async def learn(client: DalyClient) -> None:
            self._device_info = await read_versions(client)
            self._settings = await self._async_read_settings(client)
            # The first reading too: a second connection (and a second turn for a proxy
            # slot) right after this one would only delay the first values.
            self._first_status = await client.read_status()

        try:
            if self.hass.is_running:
                await self._link.run(learn)
            else:
                # Home Assistant's start waits for this entry: a unit asleep or out of reach
                # gives way and is tried again in the background once it has started.
                async with asyncio.timeout(STARTUP_BUDGET):
                    await self._link.run(learn)
        except LinkFailure as err:
            raise self._health.failed(err) from err
        except TimeoutError as err:
            raise unit_error(UpdateFailed, STARTUP_TIMEOUT, self.name) from err

    @callback
    def async_start_watching(self) -> list[CALLBACK_TYPE]:
        """Follow the unit's advertisements; returns the cancel callbacks."""
        return [
            bluetooth.async_register_callback(
                self.hass,
                self._async_on_advertisement,
                bluetooth.BluetoothCallbackMatcher(address=self.address, connectable=True),
                bluetooth.BluetoothScanningMode.ACTIVE,
            ),
            bluetooth.async_track_unavailable(
                self.hass, self._async_on_unavailable, self.address, connectable=True
            ),
        ]

    async def async_shutdown(self) -> None:
        """Stop polling and let go of the unit for good (unload and Home Assistant stop)."""
        await super().async_shutdown()
        self._health.clear_issue()
        await self._link.async_shutdown()
        self._slots.close()
        async_get_phases(self.hass).give_back(self.address)

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

        async def read(client: DalyClient) -> DalyStatus:
            status = await client.read_status()
            if self._polls_until_settings <= 0:
                self._settings = await self._async_read_settings(client)
            else:
                self._polls_until_settings -= 1
            return status

        started = self.hass.loop.time()
        status, self._first_status = self._first_status, None
        try:
            if status is None:
                status = await self._link.run(read)
        except LinkFailure as err:
            if self._link.shut_down and self.data is not None and self.last_update_success:
                # Cut short by unload or stop, not by the unit: the last reading stands.
                return self.data
            raise self._health.failed(err) from err
        self._health.answered()
        info = bluetooth.async_last_service_info(self.hass, self.address, connectable=True)
        self._next_on_phase(started, info)
        return self._data(status, info)

    def _next_on_phase(
        self, started: float, info: bluetooth.BluetoothServiceInfoBleak | None
    ) -> None:
        """Time the next reading to this unit's phase among the units its scanner hears."""
        now = self.hass.loop.time()
        group = f"{info.source if info else ''} {self.connection_mode}"
        phase = async_get_phases(self.hass).take(self.address, group)
        delay = next_reading_delay(
            now=now, started=started, interval=self.poll_interval, phase=phase
        )
        # Home Assistant starts the next refresh on a whole second of the loop's clock (plus
        # its own jitter): counted from the start of this second, the unit keeps its phase.
        self.update_interval = timedelta(seconds=delay + now % 1)

    async def _async_read_settings(self, client: DalyClient) -> DalySettings | None:
        # A unit that does not tell this time keeps the settings it told before.
        self._polls_until_settings = SETTINGS_EVERY_POLLS - 1
        return await read_settings(client) or self._settings

    def _data(
        self, status: DalyStatus, info: bluetooth.BluetoothServiceInfoBleak | None
    ) -> DalyData:
        """Every successful reading passes here, changed or not: count it, then show it."""
        if info is not None:
            self._rssi = info.rssi
        assert self._device_info is not None
        return DalyData(
            status=status,
            settings=self._settings,
            device_info=self._device_info,
            rssi=self._rssi,
            derived=self._energy.update(self.hass.loop.time(), status, self._settings),
        )

    @callback
    def async_restore_energy(self, direction: Direction, wh: float) -> None:
        """Continue an energy counter from the total it had before a restart or reload."""
        self.data = replace(self.data, derived=self._energy.restore(direction, wh))
        self.async_update_listeners()

    @callback
    def _async_on_advertisement(
        self, service_info: bluetooth.BluetoothServiceInfoBleak, _: bluetooth.BluetoothChange
    ) -> None:
        self._rssi = service_info.rssi
        if self._health.out_of_range:
            self._health.out_of_range = False
            _LOGGER.debug("%s: heard again, polling now", self.name)
            self._async_poll_soon("heard")

    @callback
    def _async_on_unavailable(self, _service_info: bluetooth.BluetoothServiceInfoBleak) -> None:
        # A unit stops advertising while a central holds it: when that is us, all is well.
        if not self._link.up:
            self._async_poll_soon("not heard")

    @callback
    def _async_slot_free(self) -> None:
        _LOGGER.debug("%s: a connection slot came free, polling now", self.name)
        self._async_poll_soon("slot free")

    @callback
    def _async_poll_soon(self, why: str) -> None:
        self.config_entry.async_create_background_task(
            self.hass, self.async_refresh(), f"{DOMAIN} {self.address} {why}"
        )

    async def async_set_mos(self, bank: MosBank, on: bool) -> None:
        """Switch a MOSFET bank on the user's explicit request, then show the unit's state."""
        if not self.data.status.capabilities.can_switch(bank):
            raise unit_error(HomeAssistantError, MOS_NOT_SUPPORTED, self.name)
        try:
            status = await self._link.run(lambda client: switch_mos(client, bank, on))
        except MosNotFollowedError as err:
            self._show_status(err.status)
            key = MOS_NOT_FOLLOWED if err.confirmed else MOS_NOT_CONFIRMED
            raise unit_error(HomeAssistantError, key, self.name) from err
        except LinkFailure as err:
            if err.reached_unit and not self._link.shut_down:
                # The command may have been carried out or not: unknown until a reading tells.
                unknown = mos_unknown(self.data.status, bank)
                self.async_set_updated_data(replace(self.data, status=unknown))
            raise unit_error(HomeAssistantError, err.key, self.name, err) from err
        finally:
            # The settings block mirrors the MOS registers: re-read it next poll.
            self._polls_until_settings = 0
        self._show_status(status)

    @callback
    def _show_status(self, status: DalyStatus) -> None:
        self._health.answered()
        self.async_set_updated_data(self._data(status, None))
