"""A simulated ESPHome Bluetooth proxy for Home Assistant.

It registers a remote, connectable scanner with Home Assistant's Bluetooth stack, exactly
where an ESPHome proxy plugs in: advertisements of simulated Daly units are fed to the
scanner, and the scanner's connector hands HA's bleak wrapper the simulated peripheral as the
client backend. An integration that connects the usual way (a BLEDevice from
`bluetooth.async_ble_device_from_address` and bleak-retry-connector's `establish_connection`)
therefore reaches the simulator through HA's real connection path, slot accounting included.
"""

from __future__ import annotations

from datetime import datetime, timedelta
import logging
from typing import Any

from habluetooth import Allocations, BaseHaRemoteScanner, HaBluetoothConnector, get_manager
from homeassistant.components import bluetooth
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers.event import async_track_time_interval

from simulator.radio import Advertisement, RadioRegistry, RadioUnit, UnitModel

_LOGGER = logging.getLogger(__name__)

DEFAULT_SOURCE = "AA:BB:CC:DD:EE:00"
DEFAULT_NAME = "Simulated proxy"
DEFAULT_ADVERTISING_INTERVAL = 2.0


class SimulatedProxyScanner(BaseHaRemoteScanner):
    """The proxy's scanner as Home Assistant's Bluetooth manager sees it."""

    __slots__ = ("_registry",)

    def __init__(
        self,
        source: str,
        adapter: str,
        connector: HaBluetoothConnector,
        registry: RadioRegistry,
    ) -> None:
        """Create a connectable remote scanner over `registry`'s units."""
        super().__init__(source, adapter, connector, True)
        self._registry = registry

    def async_on_unit_advertisement(self, advertisement: Advertisement) -> None:
        """Hand one advertisement to Home Assistant, stamped with the Bluetooth clock."""
        self._async_on_advertisement(
            advertisement.address,
            advertisement.rssi,
            advertisement.name,
            advertisement.service_uuids,
            advertisement.service_data,
            advertisement.manufacturer_data,
            advertisement.tx_power,
            {},
            # Looked up at call time so tests that freeze the Bluetooth clock see
            # advertisements stamped with the frozen time.
            bluetooth.MONOTONIC_TIME(),
        )

    def get_allocations(self) -> Allocations | None:
        """Report the proxy's connection slots; HA scores connection paths with it."""
        slots = self._registry.connection_slots
        free = self._registry.free_slots
        if slots is None or free is None:
            return None
        return Allocations(self.adapter, slots, free, self._registry.linked_addresses)


class SimulatedBluetoothProxy:
    """Simulated Daly units behind a simulated ESPHome Bluetooth proxy."""

    def __init__(
        self,
        hass: HomeAssistant,
        *,
        source: str = DEFAULT_SOURCE,
        name: str = DEFAULT_NAME,
        connection_slots: int = 3,
    ) -> None:
        """Describe the proxy; nothing reaches Home Assistant before async_start."""
        self.hass = hass
        self.source = source.upper()
        self.name = name
        self.registry = RadioRegistry(connection_slots=connection_slots)
        self.scanner: SimulatedProxyScanner | None = None
        self._cancels: list[CALLBACK_TYPE] = []
        self._stop_advertising: CALLBACK_TYPE | None = None

    @property
    def units(self) -> list[RadioUnit]:
        """Return the units on the air around this proxy."""
        return list(self.registry)

    def radio(self, address: str) -> RadioUnit:
        """Return the unit with `address` (KeyError if the proxy does not hear it)."""
        if (radio := self.registry.get(address)) is None:
            raise KeyError(address)
        return radio

    @callback
    def async_start(self) -> CALLBACK_TYPE:
        """Register the proxy's scanner with Home Assistant; returns async_stop."""
        if self.scanner is not None:
            raise RuntimeError(f"{self.name} is already started")
        connector = HaBluetoothConnector(
            client=self.registry.peripheral_class(),
            source=self.source,
            can_connect=self._can_connect,
        )
        scanner = SimulatedProxyScanner(self.source, self.name, connector, self.registry)
        self.scanner = scanner
        # Slots are not passed to async_register_scanner: that count feeds the BlueZ slot
        # manager of local adapters. A remote proxy reports its own allocations instead,
        # as ESPHome proxies do, and refuses connections through can_connect.
        self._cancels = [
            bluetooth.async_register_scanner(self.hass, scanner),
            scanner.async_setup(),
            self.registry.add_listener(self._publish_allocations),
        ]
        self._publish_allocations()
        return self.async_stop

    @callback
    def async_stop(self) -> None:
        """Drop every link, stop advertising and unregister the scanner."""
        self.async_stop_advertising()
        self.registry.disconnect_all()
        while self._cancels:
            self._cancels.pop()()
        self.scanner = None

    def add_unit(self, unit: UnitModel, **radio_options: Any) -> RadioUnit:
        """Put a unit on the air near the proxy; options as for simulator RadioUnit."""
        return self.registry.add(unit, **radio_options)

    def hear(self, radio: RadioUnit) -> RadioUnit:
        """Let the proxy hear a unit already on the air elsewhere (one link for both)."""
        return self.registry.attach(radio)

    def remove_unit(self, address: str) -> None:
        """Take a unit off the air (a link to it drops)."""
        self.registry.remove(address)

    @callback
    def async_advertise(self, unit: UnitModel | RadioUnit | None = None) -> None:
        """Inject the current advertisement of one unit, or of every unit, now.

        Units that are connected or out of range stay silent, as real ones do.
        """
        scanner = self._scanner()
        radios = list(self.registry) if unit is None else [self.radio(unit.address)]
        for radio in radios:
            if (advertisement := radio.advertisement()) is not None:
                scanner.async_on_unit_advertisement(advertisement)

    @callback
    def async_start_advertising(
        self, interval: float = DEFAULT_ADVERTISING_INTERVAL
    ) -> CALLBACK_TYPE:
        """Advertise every unit now and then every `interval` seconds; returns the stopper."""
        self.async_stop_advertising()
        self.async_advertise()

        @callback
        def _tick(_now: datetime) -> None:
            self.async_advertise()

        self._stop_advertising = async_track_time_interval(
            self.hass,
            _tick,
            timedelta(seconds=interval),
            name=f"{self.name} advertising",
            cancel_on_shutdown=True,
        )
        return self.async_stop_advertising

    @callback
    def async_stop_advertising(self) -> None:
        """Stop periodic advertising (units fall silent for Home Assistant)."""
        if self._stop_advertising is not None:
            self._stop_advertising()
            self._stop_advertising = None

    def _scanner(self) -> SimulatedProxyScanner:
        if self.scanner is None:
            raise RuntimeError(f"{self.name} is not started")
        return self.scanner

    def _can_connect(self) -> bool:
        free = self.registry.free_slots
        return self.scanner is not None and (free is None or free > 0)

    @callback
    def _publish_allocations(self) -> None:
        if (scanner := self.scanner) is None or (allocations := scanner.get_allocations()) is None:
            return
        _LOGGER.debug("%s: allocations %s", self.name, allocations)
        get_manager().async_on_allocation_changed(allocations)
