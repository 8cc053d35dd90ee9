"""The coordinator: owns the link to one unit, its poll schedule and its availability."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import timedelta
import logging
from typing import TYPE_CHECKING

import bleak_retry_connector
from homeassistant.components import bluetooth
from homeassistant.config_entries import ConfigEntry
from homeassistant.const import CONF_ADDRESS, CONF_NAME
from homeassistant.core import CALLBACK_TYPE, Event, HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.device_registry import CONNECTION_BLUETOOTH, DeviceInfo
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed

from .const import (
    CONF_CONNECTION_MODE,
    CONF_POLL_INTERVAL,
    DEFAULT_CONNECTION_MODE,
    DEFAULT_POLL_INTERVAL,
    DOMAIN,
    HUNDRED_BALANCE_PREFIX,
    MANUFACTURER_100BALANCE,
    MANUFACTURER_DALY,
    SETTINGS_EVERY_POLLS,
    ConnectionMode,
)
from .health import UnitHealth
from .link import LINK_ERRORS, NOT_HEARD, STALE_LINK_ERRORS, UnitLink, describe, failure_key
from .protocol import (
    DalyClient,
    DalyCommandError,
    DalyDeviceInfo,
    DalyError,
    DalyFrameError,
    DalyNotSupportedError,
    DalySettings,
    DalyStatus,
    DalyTimeoutError,
    Dialect,
    MosBank,
)

type DalyConfigEntry = ConfigEntry[DalyCoordinator]

_LOGGER = logging.getLogger(__package__)

# Failures that leave a healthy link: a sleeping unit or a lost notification (timeout),
# a garbled or impossible reading (bad frame). Anything else is retried on a fresh link.
_LINK_KEPT_ERRORS: tuple[type[Exception], ...] = (DalyTimeoutError, DalyFrameError)


@dataclass(frozen=True, slots=True, kw_only=True)
class DalyData:
    """One consistent picture of the unit, as the entities show it."""

    status: DalyStatus
    settings: DalySettings | None
    device_info: DalyDeviceInfo
    rssi: int | None


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
        self._lock = asyncio.Lock()
        self._link = UnitLink(hass, self.address, entry.title)
        self._health = UnitHealth(hass, entry.entry_id, entry.title, interval)
        self._device_info: DalyDeviceInfo | None = None
        self._settings: DalySettings | None = None
        self._polls_until_settings = 0
        self._rssi: int | None = None
        # Set when no adapter or proxy hears the unit; its next advertisement then
        # triggers a poll at once instead of waiting out the back-off.
        self._out_of_range = False

    # ----------------------------------------------------------------- setup / teardown

    async def _async_setup(self) -> None:
        """Connect once and learn what the unit is; it only ever reads."""
        async with self._lock:
            try:
                client = await self._link.async_client()
                self._device_info = await self._async_read_device_info(client)
                self._settings = await self._async_read_settings(client)
            except LINK_ERRORS as err:
                failure = self._update_failed(err)
                await self._link.async_close()
                raise failure from err

    @property
    def dialect(self) -> Dialect | None:
        """Return the dialect the unit answered in, once known."""
        return self._link.dialect

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
        # No lock: a request in flight fails quickly once the link is gone, and
        # shutdown must not wait for its timeout. The link refuses to reconnect, so a
        # poll or switch action still running cannot take the unit back.
        await self._link.async_shutdown()

    async def async_on_stop(self, _event: Event) -> None:
        """Disconnect when Home Assistant stops so the unit is free for the phone app."""
        await self.async_shutdown()

    # ----------------------------------------------------------------------- polling

    async def _async_update_data(self) -> DalyData:
        """Read the status (and the settings now and then) and derive the rest."""
        async with self._lock:
            try:
                status = await self._async_read_status()
            except LINK_ERRORS as err:
                if self._link.shut_down and self.last_update_success and self.data:
                    # Cut short by unload or stop, not by the unit: the last reading
                    # stands, and there is nothing to log.
                    return self.data
                failure = self._update_failed(err)
                if not isinstance(err, _LINK_KEPT_ERRORS):
                    await self._link.async_close()
                raise failure from err
            finally:
                if self.connection_mode is ConnectionMode.PER_POLL:
                    await self._link.async_close()
        self._unit_answered()
        if TYPE_CHECKING:
            assert self._device_info is not None
        return DalyData(
            status=status,
            settings=self._settings,
            device_info=self._device_info,
            rssi=self._current_rssi(),
        )

    async def _async_on_link[T](self, operation: Callable[[DalyClient], Awaitable[T]]) -> T:
        """Run `operation` over the held link; if it broke since last used, on a fresh one."""
        held = self._link.up
        try:
            return await operation(await self._link.async_client())
        except STALE_LINK_ERRORS as err:
            if not held:
                raise
            _LOGGER.debug("%s: link broke (%s), reconnecting", self.name, describe(err))
            await self._link.async_close()
            return await operation(await self._link.async_client())

    async def _async_read_status(self) -> DalyStatus:
        return await self._async_on_link(self._async_read_once)

    async def _async_read_once(self, client: DalyClient) -> DalyStatus:
        status = await client.read_status()
        if self._polls_until_settings <= 0:
            self._settings = await self._async_read_settings(client)
        else:
            self._polls_until_settings -= 1
        return status

    async def _async_read_device_info(self, client: DalyClient) -> DalyDeviceInfo:
        """Read the version strings; units that keep them to themselves still work."""
        try:
            return await client.read_device_info()
        except (DalyNotSupportedError, DalyTimeoutError) as err:
            _LOGGER.debug("%s: versions not read: %s", self.name, describe(err))
            if TYPE_CHECKING:
                assert client.capabilities is not None
            return DalyDeviceInfo(
                capabilities=client.capabilities, software_version=None, hardware_version=None
            )

    async def _async_read_settings(self, client: DalyClient) -> DalySettings | None:
        """Read the settings block; a unit that will not tell keeps the last known."""
        self._polls_until_settings = SETTINGS_EVERY_POLLS - 1
        try:
            return await client.read_settings()
        except (DalyNotSupportedError, DalyTimeoutError) as err:
            _LOGGER.debug("%s: settings not read: %s", self.name, describe(err))
            return self._settings

    def _current_rssi(self) -> int | None:
        if info := bluetooth.async_last_service_info(self.hass, self.address, connectable=True):
            self._rssi = info.rssi
        return self._rssi

    # ------------------------------------------------------------------ availability

    def _update_failed(self, err: BaseException) -> UpdateFailed:
        """Turn a link error into a translated UpdateFailed that spaces out retries."""
        if isinstance(err, bleak_retry_connector.BleakNotFoundError):
            # Not heard, or no answer to the connection request (out of range, or the
            # phone app holds it). Its next advertisement means it is free again.
            self._out_of_range = True
        key = failure_key(err, connected=self._link.opened)
        failure = UpdateFailed(
            translation_domain=DOMAIN,
            translation_key=key,
            translation_placeholders={"name": self.name, "error": describe(err)},
        )
        failure.retry_after = self._health.failed(key)
        self._unit_lost(failure)
        return failure

    def _unit_lost(self, reason: HomeAssistantError) -> bool:
        """Log the loss once, at info level; return True if the unit was available."""
        if self.data is None or not self.last_update_success:
            return False
        _LOGGER.info("%s is unavailable: %s", self.name, reason)
        # DataUpdateCoordinator would log this transition again at error level; a unit
        # that falls asleep or is out of reach is routine for a battery in a shed.
        self.last_update_success = False
        return True

    def _unit_answered(self) -> None:
        self._health.answered()
        self._out_of_range = False
        if self.data is not None and not self.last_update_success:
            _LOGGER.info("%s is available again", self.name)
            # Logged here in the same words as the loss; the coordinator stays quiet.
            self.last_update_success = True

    @callback
    def _async_on_advertisement(
        self,
        service_info: bluetooth.BluetoothServiceInfoBleak,
        _change: bluetooth.BluetoothChange,
    ) -> None:
        self._rssi = service_info.rssi
        if self._out_of_range:
            self._out_of_range = False
            _LOGGER.debug("%s: heard again, polling now", self.name)
            self.config_entry.async_create_background_task(
                self.hass, self.async_request_refresh(), f"{DOMAIN} {self.address} heard"
            )

    @callback
    def _async_on_unavailable(self, _service_info: bluetooth.BluetoothServiceInfoBleak) -> None:
        if self._link.up:
            # A unit stops advertising while a central holds it: that is us.
            return
        self._out_of_range = True
        if self._unit_lost(
            HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key=NOT_HEARD,
                translation_placeholders={"name": self.name},
            )
        ):
            self.async_update_listeners()

    # -------------------------------------------------------------------- commands

    async def async_set_mos(self, bank: MosBank, on: bool) -> None:
        """Switch a MOSFET bank on the user's explicit request, then show the result."""
        async with self._lock:
            try:
                status = await self._async_write_mos(bank, on)
                self._unit_answered()
            finally:
                # The settings block mirrors the MOS registers: re-read it next poll.
                self._polls_until_settings = 0
                if self.connection_mode is ConnectionMode.PER_POLL:
                    await self._link.async_close()
        self._show_status(status)

    async def _async_write_mos(self, bank: MosBank, on: bool) -> DalyStatus:
        async def write(client: DalyClient) -> DalyStatus:
            # Switching to a state is idempotent, so a resend on a fresh link is safe.
            return await client.set_mos(bank, on)

        try:
            return await self._async_on_link(write)
        except DalyCommandError as err:
            self._unit_answered()
            self._show_status(err.status)
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="mos_not_followed",
                translation_placeholders={"name": self.name},
            ) from err
        except DalyNotSupportedError as err:
            if not self._link.up:
                # Raised while connecting: the unit did not answer at all.
                raise await self._async_action_failed(err) from err
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="mos_not_supported",
                translation_placeholders={"name": self.name},
            ) from err
        except LINK_ERRORS as err:
            if isinstance(err, DalyError) and err.status is not None:
                # The write's outcome was unclear; the status read after it is the truth.
                self._show_status(err.status)
            raise await self._async_action_failed(err) from err

    async def _async_action_failed(self, err: BaseException) -> HomeAssistantError:
        failure = HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key=failure_key(err, connected=self._link.opened),
            translation_placeholders={"name": self.name, "error": describe(err)},
        )
        if not isinstance(err, _LINK_KEPT_ERRORS):
            await self._link.async_close()
        return failure

    @callback
    def _show_status(self, status: DalyStatus) -> None:
        self.async_set_updated_data(replace(self.data, status=status))

    # ------------------------------------------------------------------ device info

    @property
    def device_info(self) -> DeviceInfo:
        """Describe the unit for the device registry (known after the first refresh)."""
        hundred_balance = self.advertised_name.upper().startswith(HUNDRED_BALANCE_PREFIX)
        model = "Balance BMS" if hundred_balance else "Smart BMS"
        info = DeviceInfo(
            connections={(CONNECTION_BLUETOOTH, self.address)},
            name=self.advertised_name,
            manufacturer=MANUFACTURER_100BALANCE if hundred_balance else MANUFACTURER_DALY,
        )
        status = self.data.status
        if cells := status.cell_count or len(status.cell_voltages):
            model = f"{model} {cells}S"
        info["model"] = model
        info["sw_version"] = self.data.device_info.software_version
        info["hw_version"] = self.data.device_info.hardware_version
        return info
