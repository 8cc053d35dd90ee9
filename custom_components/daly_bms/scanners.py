"""What Home Assistant's Bluetooth stack knows about the ways to a unit.

Which scanners (local adapters, ESPHome proxies) hear the unit, how well, and, for those
that report them, how many connection slots each has, how many are free and which devices
hold them. Read-only: the scanners are only looked at, as Home Assistant's Bluetooth API
asks of integrations.
"""

from __future__ import annotations

from dataclasses import dataclass

from habluetooth import HaBluetoothSlotAllocations, get_manager
from homeassistant.components import bluetooth
from homeassistant.core import HomeAssistant, callback


@dataclass(frozen=True, slots=True)
class Path:
    """A scanner that hears a unit; `allocations` None when it reports no slot limit."""

    source: str
    name: str
    rssi: int
    allocations: HaBluetoothSlotAllocations | None

    def counts(self, address: str, *, connected: bool) -> bool:
        """Return True when the scanner's report already counts a link of ours to `address`."""
        report = self.allocations
        assert report is not None, "only scanners with a slot report are counted"
        if report.allocated:
            return address in report.allocated
        # A scanner that reports counts but no addresses: a link that is up is in the count.
        return connected and report.free < report.slots


@callback
def scanner_paths(hass: HomeAssistant, address: str) -> list[Path]:
    """Return the connectable scanners that hear `address`, strongest first."""
    found = [
        Path(
            device.scanner.source,
            device.scanner.name,
            device.advertisement.rssi,
            slot_report(device.scanner.source),
        )
        for device in bluetooth.async_scanner_devices_by_address(hass, address, connectable=True)
    ]
    found.sort(key=lambda path: path.rssi, reverse=True)
    return found


def slot_report(source: str) -> HaBluetoothSlotAllocations | None:
    """Return the slot report of the scanner `source`; None when it sets no limit."""
    reports = get_manager().async_current_allocations(source) or []
    # A scanner that reports 0 slots has not told its slots (yet): no limit is known.
    return next((report for report in reports if report.slots > 0), None)
