"""A simulated unit as the air sees it: its advertisement, its GATT table, its one link.

The bleak backend that talks over the link lives in simulator.radio.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from bleak.backends.characteristic import BleakGATTCharacteristic
from bleak.backends.descriptor import BleakGATTDescriptor
from bleak.backends.service import BleakGATTService, BleakGATTServiceCollection

from .faults import FaultInjector

if TYPE_CHECKING:
    from .radio import SimulatedPeripheral

MIN_MTU = 23
MAX_MTU = 512
ATT_HEADER = 3  # opcode + handle in every notification, so a payload is MTU - 3 bytes


def uuid16(short: int) -> str:
    """Return the full Bluetooth base UUID of a 16-bit UUID, as bleak spells it."""
    return f"0000{short:04x}-0000-1000-8000-00805f9b34fb"


GENERIC_ACCESS_UUID = uuid16(0x1800)
DEVICE_NAME_UUID = uuid16(0x2A00)
CCCD_UUID = uuid16(0x2902)


@dataclass(frozen=True, slots=True)
class GattLayout:
    """One service of the unit: requests go to `write`, responses come from `notify`."""

    service: str
    notify: str
    write: str


# The service every Daly unit exposes, and the pair newer firmware adds next to it.
FFF0_LAYOUT = GattLayout(uuid16(0xFFF0), uuid16(0xFFF1), uuid16(0xFFF2))
FF00_LAYOUT = GattLayout(uuid16(0xFF00), uuid16(0xFF01), uuid16(0xFF02))


def build_services(layouts: tuple[GattLayout, ...], mtu: int) -> BleakGATTServiceCollection:
    """Return the unit's GATT table: Generic Access, then one service per layout."""
    collection = BleakGATTServiceCollection()
    payload = mtu - ATT_HEADER

    def max_write() -> int:
        return payload

    access = BleakGATTService(None, 1, GENERIC_ACCESS_UUID)
    collection.add_service(access)
    collection.add_characteristic(
        BleakGATTCharacteristic(None, 2, DEVICE_NAME_UUID, ["read"], max_write, access)
    )
    # Handles step like a real attribute table: declaration, value, then the CCCD.
    handle = 0x10
    for layout in layouts:
        service = BleakGATTService(None, handle, layout.service)
        collection.add_service(service)
        notify = BleakGATTCharacteristic(
            None, handle + 1, layout.notify, ["notify"], max_write, service
        )
        collection.add_characteristic(notify)
        collection.add_descriptor(BleakGATTDescriptor(None, handle + 3, CCCD_UUID, notify))
        collection.add_characteristic(
            BleakGATTCharacteristic(
                None,
                handle + 4,
                layout.write,
                ["write-without-response", "write"],
                max_write,
                service,
            )
        )
        handle += 0x10
    return collection


@dataclass(frozen=True, slots=True)
class Advertisement:
    """One advertisement as a scanner would report it."""

    address: str
    name: str
    rssi: int
    manufacturer_data: dict[int, bytes] = field(default_factory=dict)
    service_uuids: list[str] = field(default_factory=list)
    service_data: dict[str, bytes] = field(default_factory=dict)
    tx_power: int | None = None
    connectable: bool = True


class UnitModel(Protocol):
    """What the air needs from a unit (simulator.unit.SimulatedUnit provides it)."""

    @property
    def name(self) -> str: ...
    @property
    def address(self) -> str: ...
    @property
    def manufacturer_data(self) -> dict[int, bytes]: ...
    @property
    def service_uuids(self) -> list[str]: ...
    @property
    def asleep(self) -> bool: ...
    def handle_request(self, request: bytes) -> bytes | None: ...


class RadioUnit:
    """A unit as the air sees it: the model, its link settings, its faults and its link."""

    def __init__(
        self,
        unit: UnitModel,
        *,
        mtu: int = MAX_MTU,
        latency: float = 0.0,
        faults: FaultInjector | None = None,
        gatt: tuple[GattLayout, ...] = (FFF0_LAYOUT,),
        rssi: int = -60,
        tx_power: int | None = None,
    ) -> None:
        """Put `unit` on the air; `latency` is seconds from request to response."""
        if not MIN_MTU <= mtu <= MAX_MTU:
            raise ValueError(f"mtu must be within {MIN_MTU}..{MAX_MTU}, got {mtu}")
        if latency < 0:
            raise ValueError(f"latency must not be negative, got {latency}")
        if not gatt:
            raise ValueError("a unit needs at least one GATT layout")
        self.unit = unit
        self.mtu = mtu
        self.latency = latency
        self.faults = faults if faults is not None else FaultInjector()
        self.gatt = gatt
        self.rssi = rssi
        self.tx_power = tx_power
        # What crossed the air, in order: for tests that assert "a frame on the wire".
        self.requests: list[bytes] = []
        self.notifications: list[bytes] = []
        self._central: SimulatedPeripheral | None = None

    def __repr__(self) -> str:
        return f"RadioUnit({self.address}, mtu={self.mtu}, latency={self.latency})"

    @property
    def address(self) -> str:
        """Return the unit's Bluetooth address, upper case."""
        return self.unit.address.upper()

    @property
    def connected(self) -> bool:
        """Return True while a central holds the link."""
        return self._central is not None

    @property
    def central(self) -> SimulatedPeripheral | None:
        """Return the client backend holding the link, if any."""
        return self._central

    def advertisement(self) -> Advertisement | None:
        """Return what the unit broadcasts now, or None when it is silent.

        A unit stops advertising while a central is connected (one central at a time) and
        is silent while out of range.
        """
        if self._central is not None or self.faults.out_of_range():
            return None
        return Advertisement(
            address=self.address,
            name=self.unit.name,
            rssi=self.rssi,
            manufacturer_data=dict(self.unit.manufacturer_data),
            service_uuids=list(self.unit.service_uuids),
            tx_power=self.tx_power,
        )

    def vanish(self) -> None:
        """Take the unit out of range: the link drops, advertisements and connections stop."""
        self.faults.vanished = True
        self.drop_link()

    def reappear(self) -> None:
        """Bring a vanished unit back in range."""
        self.faults.vanished = False

    def drop_link(self) -> None:
        """End the current link from the unit's side, as a power loss or range loss would."""
        if self._central is not None:
            self._central.lose_link()

    def _take(self, central: SimulatedPeripheral) -> None:
        self._central = central

    def _release(self, central: SimulatedPeripheral) -> None:
        if self._central is central:
            self._central = None
