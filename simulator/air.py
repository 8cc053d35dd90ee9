"""A device on the air: what it advertises, how its link behaves, and who holds that link.

The device behind it is anything that fits `UnitModel` (a simulated Daly unit, or another
Bluetooth device near the battery). The bleak backend that talks over the link lives in
simulator.radio and reaches this module only through `Central`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from .faults import FaultInjector
from .gatt import FFF0_LAYOUT, MAX_MTU, MIN_MTU, GattLayout


class UnitModel(Protocol):
    """What the air needs from a device (simulator.unit.SimulatedUnit provides it)."""

    @property
    def name(self) -> str:
        """Return the advertised name."""
        ...

    @property
    def address(self) -> str:
        """Return the Bluetooth address."""
        ...

    @property
    def manufacturer_data(self) -> dict[int, bytes]:
        """Return the advertised manufacturer data."""
        ...

    @property
    def service_uuids(self) -> list[str]:
        """Return the advertised service UUIDs."""
        ...

    def handle_request(
        self, request: bytes, *, forced_registers: Mapping[int, int] | None = None
    ) -> bytes | None:
        """Return the reply to `request` (None: silence), showing `forced_registers`."""
        ...

    def impossible_readings(self) -> Sequence[Mapping[int, int]]:
        """Return register values (raw) no healthy unit could report, one reading each."""
        ...


class Central(Protocol):
    """What a unit needs from the central holding its link."""

    def lose_link(self) -> None:
        """Drop the link from the unit's side and tell the central's client."""
        ...


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
        # The last answer to each request, kept by the unit's BLE module: what a STALE
        # fault sends again. It outlives links, as the module's buffer does.
        self._answers: dict[bytes, bytes] = {}
        self._central: Central | None = None

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
    def central(self) -> Central | None:
        """Return the client backend holding the link, if any."""
        return self._central

    def hold(self, central: Central) -> None:
        """Give the unit's one link to `central` (ValueError if another holds it)."""
        if self._central is not None and self._central is not central:
            raise ValueError(f"{self.address} is already held by {self._central}")
        self._central = central

    def release(self, central: Central) -> None:
        """Free the link if `central` holds it."""
        if self._central is central:
            self._central = None

    def answer(self, request: bytes) -> bytes | None:
        """Return the unit's answer to `request` (None: silence), as the faults shape it.

        A GLITCH or IMPOSSIBLE fault puts its values into the unit's own frame building,
        so the frame and its CRC stay valid.
        """
        forced = self.faults.forced_registers_for(request, self.unit.impossible_readings())
        answer = self.unit.handle_request(request, forced_registers=forced or None)
        if answer is not None:
            self._answers[request] = answer
        return answer

    def earlier_answer(self, request: bytes) -> bytes | None:
        """Return the answer the unit gave the last time it was sent `request`."""
        return self._answers.get(request)

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
