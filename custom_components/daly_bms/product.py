"""What a unit's advertisement says: whether it is a Daly, and which product line it is."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from homeassistant.components.bluetooth import BluetoothServiceInfoBleak

from .protocol import SERVICE_UUID

# Bluetooth company ids seen on Daly and 100balance units, and the names they advertise.
# The manifest's Bluetooth matchers list the same.
MANUFACTURER_IDS: Final = frozenset({0x0102, 0x0104, 0x0106, 0x0302, 0x0303, 0x0402})
_DALY_NAME: Final = "DL-"
# 100balance sells the same hardware under its own name; its units advertise JHB.
_HUNDRED_BALANCE_NAME: Final = "JHB-"
_HUNDRED_BALANCE_PAYLOAD: Final = b"JHB"
_DALY_PAYLOAD: Final = b"DL"


@dataclass(frozen=True, slots=True)
class ProductLine:
    """Who sells a unit and under what model name."""

    manufacturer: str
    model: str

    @property
    def title(self) -> str:
        """Return the name shown before a unit is added, e.g. "Daly Smart BMS"."""
        return f"{self.manufacturer} {self.model}"


DALY: Final = ProductLine("Daly", "Smart BMS")
HUNDRED_BALANCE: Final = ProductLine("100balance", "Balance BMS")


def product_line(name: str | None, manufacturer_data: Mapping[int, bytes]) -> ProductLine:
    """Return the product line of a unit called `name` that advertises `manufacturer_data`.

    The one place that tells Daly from 100balance, for the config flow and the device
    registry alike. A unit renamed in the phone app still says JHB in its maker data.
    """
    if (name or "").upper().startswith(_HUNDRED_BALANCE_NAME) or any(
        payload.endswith(_HUNDRED_BALANCE_PAYLOAD) for payload in manufacturer_data.values()
    ):
        return HUNDRED_BALANCE
    return DALY


def looks_like_daly(service_info: BluetoothServiceInfoBleak) -> bool:
    """Return True for advertisements in any form a Daly or 100balance unit uses.

    The company ids are not Bluetooth SIG assignments and FFF0 is a common service, so a
    match on either alone is not trusted when the advertisement says otherwise: a Daly unit
    that sends maker data ends it with DL or JHB, so maker data of another shape belongs to
    another device. A unit that sends no maker data at all (renamed units, older modules
    speaking A5) cannot be told apart before connecting; the connection check decides.
    """
    if names_itself_daly(service_info):
        return True
    if service_info.manufacturer_data:
        return False
    return SERVICE_UUID in service_info.service_uuids


def names_itself_daly(service_info: BluetoothServiceInfoBleak) -> bool:
    """Return True when the advertisement says DL or JHB, not only a shared company id."""
    if (service_info.name or "").upper().startswith((_DALY_NAME, _HUNDRED_BALANCE_NAME)):
        return True
    return any(
        payload.endswith((_DALY_PAYLOAD, _HUNDRED_BALANCE_PAYLOAD))
        for company, payload in service_info.manufacturer_data.items()
        if company in MANUFACTURER_IDS
    )


def advertised_title(service_info: BluetoothServiceInfoBleak) -> str:
    """Return the advertised name, or the address for a unit that sends none."""
    name = service_info.name
    if not name or name.replace("-", ":").upper() == service_info.address.upper():
        return service_info.address
    return name
