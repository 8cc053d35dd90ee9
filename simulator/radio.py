"""A simulated Daly unit on the air: a bleak client backend in front of a SimulatedUnit.

`SimulatedPeripheral` is what bleak (or Home Assistant's bleak wrapper) instantiates as the
client backend. It finds its unit by address in a `RadioRegistry`, forwards written requests
to the unit (`RadioUnit.answer`), and sends the response back as notifications cut to the
MTU, after the configured latency and through the unit's `FaultInjector`. The registry is
bound to the class (`registry.peripheral_class()`), because bleak and habluetooth construct
the backend themselves and pass it nothing but the device.

This module is also the air side's public face: it re-exports the names a caller needs to
put units on the air (`RadioUnit`, `UnitModel`, `Advertisement`, the GATT layouts).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
import itertools
import logging
from typing import Any, ClassVar

from bleak.args import SizedBuffer
from bleak.backends.characteristic import BleakGATTCharacteristic
from bleak.backends.client import BaseBleakClient, NotifyCallback
from bleak.backends.descriptor import BleakGATTDescriptor
from bleak.backends.device import BLEDevice
from bleak.backends.service import BleakGATTServiceCollection
from bleak.exc import BleakError

from .air import Advertisement, RadioUnit, UnitModel
from .faults import FaultInjector, FaultKind, Transmission
from .gatt import (
    ATT_HEADER,
    CCCD_UUID,
    DEVICE_NAME_UUID,
    FF00_LAYOUT,
    FFF0_LAYOUT,
    MAX_MTU,
    MIN_MTU,
    GattLayout,
    build_services,
)

__all__ = [
    "DEFAULT_REGISTRY",
    "FF00_LAYOUT",
    "FFF0_LAYOUT",
    "Advertisement",
    "GattLayout",
    "RadioRegistry",
    "RadioUnit",
    "SimulatedPeripheral",
    "UnitModel",
    "register_unit",
]

_LOGGER = logging.getLogger(__name__)


class RadioRegistry:
    """The units one radio can hear, and the links it holds (at most `connection_slots`)."""

    def __init__(self, *, connection_slots: int | None = None) -> None:
        """Create a registry; None slots means no limit (a plain local adapter)."""
        if connection_slots is not None and connection_slots < 1:
            raise ValueError(f"connection_slots must be at least 1, got {connection_slots}")
        self.connection_slots = connection_slots
        self._units: dict[str, RadioUnit] = {}
        self._links: dict[str, SimulatedPeripheral] = {}
        self._listeners: dict[int, Callable[[], None]] = {}
        self._listener_ids = itertools.count()
        self._peripheral_class: type[SimulatedPeripheral] | None = None

    def add(self, unit: UnitModel, **radio_options: Any) -> RadioUnit:
        """Put `unit` on the air for this radio; options as for RadioUnit."""
        return self.attach(RadioUnit(unit, **radio_options))

    def attach(self, radio: RadioUnit) -> RadioUnit:
        """Make an existing RadioUnit audible to this radio too (a unit two proxies hear)."""
        if radio.address in self._units and self._units[radio.address] is not radio:
            raise ValueError(f"{radio.address} is already on the air here")
        self._units[radio.address] = radio
        return radio

    def remove(self, address: str) -> None:
        """Take a unit off this radio, dropping a link this radio holds to it."""
        radio = self._units.pop(address.upper(), None)
        if radio is not None and (link := self._links.get(radio.address)) is not None:
            link.lose_link()

    def get(self, address: str) -> RadioUnit | None:
        """Return the unit with `address`, if this radio can hear it."""
        return self._units.get(address.upper())

    def __iter__(self) -> Iterator[RadioUnit]:
        return iter(list(self._units.values()))

    def __len__(self) -> int:
        return len(self._units)

    @property
    def linked_addresses(self) -> list[str]:
        """Return the addresses this radio holds a link to."""
        return list(self._links)

    @property
    def free_slots(self) -> int | None:
        """Return how many more links this radio can open (None: no limit)."""
        if self.connection_slots is None:
            return None
        return self.connection_slots - len(self._links)

    def add_listener(self, listener: Callable[[], None]) -> Callable[[], None]:
        """Call `listener` whenever a link opens or closes; returns the remover."""
        listener_id = next(self._listener_ids)
        self._listeners[listener_id] = listener

        def remove() -> None:
            self._listeners.pop(listener_id, None)

        return remove

    def disconnect_all(self) -> None:
        """Drop every link this radio holds (teardown)."""
        for link in list(self._links.values()):
            link.lose_link()

    def peripheral_class(self) -> type[SimulatedPeripheral]:
        """Return a SimulatedPeripheral class bound to this registry."""
        if self._peripheral_class is None:

            class BoundPeripheral(SimulatedPeripheral):
                pass

            BoundPeripheral.registry = self
            BoundPeripheral.__name__ = BoundPeripheral.__qualname__ = "SimulatedPeripheral"
            self._peripheral_class = BoundPeripheral
        return self._peripheral_class

    def open_link(self, link: SimulatedPeripheral) -> None:
        """Count `link` against this radio's slots (BleakError when none is free)."""
        free = self.free_slots
        if free is not None and free <= 0:
            # The wording matches what bleak-retry-connector treats as "out of slots".
            raise BleakError(f"{link.address}: no free connection slot on this radio")
        self._links[link.address] = link
        self._notify()

    def close_link(self, link: SimulatedPeripheral) -> None:
        """Give back the slot `link` held."""
        if self._links.get(link.address) is link:
            del self._links[link.address]
            self._notify()

    def _notify(self) -> None:
        for listener in list(self._listeners.values()):
            listener()


DEFAULT_REGISTRY = RadioRegistry()


def register_unit(
    unit: UnitModel,
    *,
    mtu: int = MAX_MTU,
    latency: float = 0.0,
    faults: FaultInjector | None = None,
    registry: RadioRegistry | None = None,
    **radio_options: Any,
) -> RadioUnit:
    """Put `unit` on the air (the default registry unless one is given)."""
    target = registry if registry is not None else DEFAULT_REGISTRY
    return target.add(unit, mtu=mtu, latency=latency, faults=faults, **radio_options)


class SimulatedPeripheral(BaseBleakClient):
    """A bleak client backend whose far end is a simulated unit."""

    registry: ClassVar[RadioRegistry] = DEFAULT_REGISTRY

    def __init__(self, address_or_ble_device: BLEDevice | str, **kwargs: Any) -> None:
        """Create the backend; bleak passes timeout and disconnected_callback."""
        kwargs.setdefault("timeout", 10.0)
        super().__init__(address_or_ble_device, **kwargs)
        self.address = self.address.upper()
        self._radio: RadioUnit | None = None
        self._subscriptions: dict[int, NotifyCallback] = {}
        self._deliveries: dict[int, asyncio.Handle] = {}
        self._delivery_ids = itertools.count()
        self._last_due = 0.0
        self._held: bytes | None = None

    def __str__(self) -> str:
        return f"SimulatedPeripheral ({self.address})"

    @property
    def name(self) -> str:
        """Return the unit's advertised name."""
        radio = self._radio or self.registry.get(self.address)
        return radio.unit.name if radio is not None else self.address.replace(":", "-")

    @property
    def mtu_size(self) -> int:
        """Return the negotiated ATT MTU."""
        return self._radio.mtu if self._radio is not None else MIN_MTU

    @property
    def is_connected(self) -> bool:
        """Return True while the link is up."""
        return self._radio is not None

    async def connect(self, pair: bool, **kwargs: Any) -> None:
        """Open the link, failing the way a proxy does when the unit cannot be reached."""
        if self._radio is not None:
            return
        await asyncio.sleep(0)
        radio = self.registry.get(self.address)
        if radio is not None and radio.faults.fires(FaultKind.SLOW_CONNECT):
            await asyncio.sleep(radio.faults.connect_seconds)
            # The unit may have left this radio while the link was being set up.
            radio = self.registry.get(self.address)
        if radio is None or radio.faults.out_of_range():
            raise TimeoutError(f"{self.address}: no answer to the connection request")
        if radio.faults.fires(FaultKind.CONNECT_ERROR):
            raise radio.faults.connect_error()
        if radio.central is not None or radio.faults.fires(FaultKind.REFUSE):
            raise BleakError(f"{self.address}: connection refused, another central holds it")
        self.registry.open_link(self)
        radio.hold(self)
        self._radio = radio
        self.services = build_services(radio.gatt, radio.mtu)
        if pair:
            _LOGGER.debug("%s: pairing requested; Daly units do not pair, ignored", self)

    async def disconnect(self) -> None:
        """Close the link (a disconnect we asked for: no disconnected callback).

        Under DISCONNECT_ERROR the link is closed all the same and then the backend
        raises, as BlueZ's D-Bus does when the peer is already gone.
        """
        radio = self._radio or self.registry.get(self.address)
        self._teardown()
        if radio is not None and radio.faults.fires(FaultKind.DISCONNECT_ERROR):
            raise radio.faults.disconnect_error()

    def lose_link(self) -> None:
        """Drop the link from the far side and tell the client, as a real link loss does."""
        if self._radio is None:
            return
        self._teardown()
        if (callback := self._disconnected_callback) is not None:
            callback()

    def _teardown(self) -> None:
        radio = self._radio
        if radio is None:
            return
        for handle in self._deliveries.values():
            handle.cancel()
        self._deliveries.clear()
        self._subscriptions.clear()
        self._held = None
        self._radio = None
        # An empty table, as ESPHome's backend leaves: characteristics the client still holds
        # resolve, and the write then fails with "not connected" like a real link.
        self.services = BleakGATTServiceCollection()
        radio.release(self)
        self.registry.close_link(self)

    async def clear_cache(self) -> bool:
        """Nothing is cached for a simulated unit (keeps bleak-retry-connector off D-Bus)."""
        return True

    async def pair(self, *args: Any, **kwargs: Any) -> None:
        """Daly units have no pairing."""
        raise NotImplementedError("Daly units do not support pairing")

    async def unpair(self) -> None:
        """Daly units have no pairing."""
        raise NotImplementedError("Daly units do not support pairing")

    async def read_gatt_char(
        self, characteristic: BleakGATTCharacteristic, **kwargs: Any
    ) -> bytearray:
        """Read a characteristic: only the device name is readable."""
        radio = self._link()
        if characteristic.uuid == DEVICE_NAME_UUID:
            return bytearray(radio.unit.name.encode())
        raise BleakError(f"{characteristic.uuid}: read not permitted")

    async def read_gatt_descriptor(
        self, descriptor: BleakGATTDescriptor, **kwargs: Any
    ) -> bytearray:
        """Read a descriptor: the CCCD reports whether notifications are on."""
        self._link()
        if descriptor.uuid != CCCD_UUID:
            raise BleakError(f"{descriptor.uuid}: read not permitted")
        enabled = descriptor.characteristic_handle in self._subscriptions
        return bytearray(b"\x01\x00" if enabled else b"\x00\x00")

    async def write_gatt_descriptor(
        self, descriptor: BleakGATTDescriptor, data: SizedBuffer
    ) -> None:
        """Write a descriptor: zero in the CCCD switches notifications off."""
        self._link()
        if descriptor.uuid != CCCD_UUID:
            raise BleakError(f"{descriptor.uuid}: write not permitted")
        if not any(bytes(data)):
            self._subscriptions.pop(descriptor.characteristic_handle, None)

    async def start_notify(
        self, characteristic: BleakGATTCharacteristic, callback: NotifyCallback, **kwargs: Any
    ) -> None:
        """Subscribe to a notifying characteristic."""
        self._link()
        if "notify" not in characteristic.properties:
            raise BleakError(f"{characteristic.uuid}: notifications not supported")
        self._subscriptions[characteristic.handle] = callback

    async def stop_notify(self, characteristic: BleakGATTCharacteristic) -> None:
        """Unsubscribe from a characteristic."""
        self._link()
        self._subscriptions.pop(characteristic.handle, None)

    async def write_gatt_char(
        self, characteristic: BleakGATTCharacteristic, data: SizedBuffer, response: bool
    ) -> None:
        """Write a request; the unit's answer comes back as notifications."""
        radio = self._link()
        layout = next((g for g in radio.gatt if g.write == characteristic.uuid), None)
        if layout is None:
            raise BleakError(f"{characteristic.uuid}: write not permitted")
        if radio.faults.vanished:
            self.lose_link()
            raise BleakError(f"{self.address}: disconnected")
        request = bytes(data)
        radio.requests.append(request)
        if radio.faults.ignores_request():
            return
        earlier = radio.earlier_answer(request)
        answer = radio.answer(request)
        if answer is not None:
            self._send(radio, layout, answer, earlier)

    def _link(self) -> RadioUnit:
        if self._radio is None:
            raise BleakError(f"{self.address}: not connected")
        return self._radio

    def _send(
        self, radio: RadioUnit, layout: GattLayout, answer: bytes, earlier: bytes | None
    ) -> None:
        """Turn one response into notifications, letting the faults have their way."""
        transmission, self._held = radio.faults.transmit(
            answer, payload_size=radio.mtu - ATT_HEADER, held=self._held, earlier=earlier
        )
        if transmission is None:
            return
        delay = radio.latency + transmission.extra_delay
        self._schedule(delay, transmission.extra_delay > 0, layout, transmission)

    def _schedule(
        self, delay: float, late: bool, layout: GattLayout, transmission: Transmission
    ) -> None:
        loop = asyncio.get_running_loop()
        delivery_id = next(self._delivery_ids)
        if delay <= 0:
            handle: asyncio.Handle = loop.call_soon(
                self._deliver, delivery_id, layout, transmission
            )
        else:
            due = loop.time() + delay
            if not late:
                # Timers due at the same instant run in no guaranteed order; keep responses
                # in the order the unit produced them unless a fault says otherwise.
                due = max(due, self._last_due + 1e-6)
                self._last_due = due
            handle = loop.call_at(due, self._deliver, delivery_id, layout, transmission)
        self._deliveries[delivery_id] = handle

    def _deliver(self, delivery_id: int, layout: GattLayout, transmission: Transmission) -> None:
        self._deliveries.pop(delivery_id, None)
        radio = self._radio
        if radio is None:
            return
        handle = _notify_handle(self, layout)
        for chunk in transmission.notifications:
            radio.notifications.append(chunk)
            if handle is not None and (callback := self._subscriptions.get(handle)) is not None:
                callback(bytearray(chunk))
        if transmission.lose_link:
            self.lose_link()


def _notify_handle(peripheral: SimulatedPeripheral, layout: GattLayout) -> int | None:
    services = peripheral.services
    if services is None:
        return None
    characteristic = services.get_characteristic(layout.notify)
    return characteristic.handle if characteristic is not None else None
