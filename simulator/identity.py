"""What a unit shows before anyone connects: name, manufacturer data, service UUIDs."""

from __future__ import annotations

import re

FFF0_SERVICE_UUID = "0000fff0-0000-1000-8000-00805f9b34fb"
DL_COMPANY_ID = 0x0302
JHB_COMPANY_ID = 0x0102
# The byte before the MAC in every capture; its meaning is unknown.
MANUFACTURER_PREFIX = 0x16
_ADDRESS = re.compile(r"^[0-9A-F]{2}(:[0-9A-F]{2}){5}$")


def normalize_address(address: str) -> str:
    """``aa:bb:..`` or ``AA-BB-..`` -> ``AA:BB:..``; ValueError if not a MAC."""
    normalized = address.strip().upper().replace("-", ":")
    if not _ADDRESS.match(normalized):
        raise ValueError(f"not a Bluetooth address: {address!r}")
    return normalized


def mac_bytes(address: str) -> bytes:
    """The six address bytes, most significant first."""
    return bytes.fromhex(normalize_address(address).replace(":", ""))


def daly_name(address: str, prefix: str = "DL") -> str:
    """The factory name, e.g. ``DL-40D63C3223A2`` for ``40:D6:3C:32:23:A2``."""
    return f"{prefix}-{mac_bytes(address).hex().upper()}"


def jhb_name(address: str) -> str:
    """The 100balance factory name, e.g. ``JHB-50181201A494``."""
    return daly_name(address, "JHB")


def is_jhb(name: str) -> bool:
    """True for names of 100balance units."""
    return name.upper().startswith("JHB-")


def manufacturer_data(name: str, address: str, company_id: int | None = None) -> dict[int, bytes]:
    """Prefix byte, the MAC, then ``DL`` or ``JHB`` (chosen from the name)."""
    brand = b"JHB" if is_jhb(name) else b"DL"
    if company_id is None:
        company_id = JHB_COMPANY_ID if is_jhb(name) else DL_COMPANY_ID
    return {company_id: bytes([MANUFACTURER_PREFIX]) + mac_bytes(address) + brand}
