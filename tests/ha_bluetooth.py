"""Reaching simulated units through Home Assistant's Bluetooth stack, as an integration does."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bleak import BleakClient
import bleak_retry_connector
from homeassistant.components import bluetooth
from homeassistant.core import HomeAssistant

from simulator.radio import RadioUnit


async def connect_through_home_assistant(
    hass: HomeAssistant, radio: RadioUnit, **kwargs: Any
) -> BleakClient:
    """Connect to `radio` the way an integration does, names looked up at call time."""
    device = bluetooth.async_ble_device_from_address(hass, radio.address, connectable=True)
    assert device is not None, f"Home Assistant does not hear {radio.address}"
    client: BleakClient = await bleak_retry_connector.establish_connection(
        bleak_retry_connector.BleakClientWithServiceCache, device, radio.unit.name, **kwargs
    )
    return client


@dataclass
class SlotHolders:
    """Other devices' links through the proxy, one per slot they hold."""

    radios: list[RadioUnit]
    links: list[BleakClient]

    async def release(self, count: int = 1) -> None:
        """Let `count` of the other devices go, freeing as many slots."""
        for _ in range(count):
            await self.links.pop().disconnect()
