"""The GATT layout of a Daly unit: its services, characteristics and attribute handles."""

from __future__ import annotations

from dataclasses import dataclass

from bleak.backends.characteristic import BleakGATTCharacteristic
from bleak.backends.descriptor import BleakGATTDescriptor
from bleak.backends.service import BleakGATTService, BleakGATTServiceCollection

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
