"""What Home Assistant's Bluetooth stack hears of a unit between readings: its signal strength,
and the moments when a reading is worth trying at once rather than on schedule."""

from __future__ import annotations

from collections.abc import Callable
import logging

from homeassistant.components import bluetooth
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback

from .health import UnitHealth
from .link import UnitLink

_LOGGER = logging.getLogger(__package__)


class UnitPresence:
    """Follows one unit's advertisements; `poll_soon(why)` asks for a reading now."""

    def __init__(
        self,
        hass: HomeAssistant,
        address: str,
        name: str,
        health: UnitHealth,
        link: UnitLink,
        poll_soon: Callable[[str], None],
    ) -> None:
        """Follow nothing yet; the signal strength is unknown until the unit is heard."""
        self._hass = hass
        self._address = address
        self._name = name
        self._health = health
        self._link = link
        self._poll_soon = poll_soon
        self.rssi: int | None = None

    @callback
    def async_start(self) -> list[CALLBACK_TYPE]:
        """Follow the unit's advertisements; returns the cancel callbacks."""
        return [
            bluetooth.async_register_callback(
                self._hass,
                self._async_on_advertisement,
                bluetooth.BluetoothCallbackMatcher(address=self._address, connectable=True),
                bluetooth.BluetoothScanningMode.ACTIVE,
            ),
            bluetooth.async_track_unavailable(
                self._hass, self._async_on_unavailable, self._address, connectable=True
            ),
        ]

    @callback
    def async_last_heard(self) -> bluetooth.BluetoothServiceInfoBleak | None:
        """Return the unit's last advertisement (None: not heard), keeping its strength."""
        info = bluetooth.async_last_service_info(self._hass, self._address, connectable=True)
        if info is not None:
            self.rssi = info.rssi
        return info

    @callback
    def _async_on_advertisement(
        self, service_info: bluetooth.BluetoothServiceInfoBleak, _: bluetooth.BluetoothChange
    ) -> None:
        self.rssi = service_info.rssi
        if self._health.out_of_range:
            self._health.out_of_range = False
            _LOGGER.debug("%s: heard again, polling now", self._name)
            self._poll_soon("heard")

    @callback
    def _async_on_unavailable(self, _service_info: bluetooth.BluetoothServiceInfoBleak) -> None:
        # A unit stops advertising while a central holds it: when that is us, all is well.
        if not self._link.up:
            self._poll_soon("not heard")
