"""Another Bluetooth device near the battery: connectable, but no Daly.

Thermometers, lamps and the like often use the same FFF0 service a Daly unit offers, so a
scan for that service finds them too. They accept a connection and ignore Daly requests.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from .identity import normalize_address


class ForeignDevice:
    """A connectable device that advertises what it is told and answers nothing."""

    def __init__(
        self,
        *,
        name: str,
        address: str,
        service_uuids: Sequence[str] = (),
        manufacturer_data: Mapping[int, bytes] | None = None,
    ) -> None:
        """Describe what the device advertises."""
        self.name = name
        self.address = normalize_address(address)
        self.service_uuids = list(service_uuids)
        self.manufacturer_data = dict(manufacturer_data or {})

    def __repr__(self) -> str:
        return f"ForeignDevice({self.name!r}, {self.address})"

    def handle_request(
        self, request: bytes, *, forced_registers: Mapping[int, int] | None = None
    ) -> bytes | None:
        """Ignore the request: whatever it was, this device does not speak Daly."""
        return None

    def impossible_readings(self) -> Sequence[Mapping[int, int]]:
        """Nothing: the device reports no readings at all."""
        return ()
