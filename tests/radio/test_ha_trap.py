"""Home Assistant's bleak swap: a name bound too early misses the proxy; a late lookup finds it.

When the `bluetooth` integration starts, it replaces `bleak.BleakClient` and
`bleak_retry_connector.BleakClientWithServiceCache` with wrappers that route a connection
through the best scanner, proxies included. A name bound before that, as at module import
here (and as in any test module that imports the integration at collection time), keeps
bleak's own class: it goes to the local stack and never reaches a proxy. With no local
adapter set up (see `bluetooth_stack`), only the late lookup can reach the simulated unit.
"""

from __future__ import annotations

from collections.abc import Callable

import bleak
from bleak.exc import BleakError
import bleak_retry_connector
from bleak_retry_connector import (  # bound at import on purpose: this is the trap
    BleakClientWithServiceCache as BOUND_AT_IMPORT,
)
from habluetooth import HaBleakClientWrapper
from homeassistant.components import bluetooth
from homeassistant.core import HomeAssistant
import pytest

from custom_components.daly_bms.protocol import DalyClient, Dialect
from simproxy import SimulatedBluetoothProxy
from simulator.radio import RadioUnit
from simulator.unit import SimulatedUnit

BOUND_BLEAK_CLIENT = bleak.BleakClient


@pytest.mark.usefixtures("no_connect_backoff")
async def test_a_class_bound_at_import_never_reaches_the_proxy(
    hass: HomeAssistant,
    simulated_proxy: SimulatedBluetoothProxy,
    add_simulated_unit: Callable[..., RadioUnit],
) -> None:
    radio = add_simulated_unit(cells=8)
    device = bluetooth.async_ble_device_from_address(hass, radio.address, connectable=True)
    assert device is not None
    for bound in (BOUND_AT_IMPORT, BOUND_BLEAK_CLIENT):
        assert not issubclass(bound, HaBleakClientWrapper)
    assert bleak_retry_connector.BleakClientWithServiceCache is not BOUND_AT_IMPORT
    # How the local stack fails on a proxy's device depends on the platform (BlueZ finds no
    # D-Bus path in it: KeyError); what matters is that it fails and the unit hears nothing.
    with pytest.raises((KeyError, BleakError, OSError)):
        await bleak_retry_connector.establish_connection(
            BOUND_AT_IMPORT, device, radio.address, max_attempts=1
        )
    assert radio.central is None
    assert radio.requests == []


async def test_the_class_looked_up_at_connect_time_reaches_the_unit(
    hass: HomeAssistant,
    simulated_proxy: SimulatedBluetoothProxy,
    add_simulated_unit: Callable[..., RadioUnit],
) -> None:
    radio = add_simulated_unit(cells=8)
    unit = radio.unit
    assert isinstance(unit, SimulatedUnit)
    device = bluetooth.async_ble_device_from_address(hass, radio.address, connectable=True)
    assert device is not None
    client = await bleak_retry_connector.establish_connection(
        bleak_retry_connector.BleakClientWithServiceCache, device, radio.address
    )
    assert isinstance(client, HaBleakClientWrapper)
    # The wrapper's backend is the proxy's simulated peripheral, holding the unit's one link.
    assert isinstance(radio.central, simulated_proxy.registry.peripheral_class())
    assert simulated_proxy.registry.linked_addresses == [radio.address]
    daly = DalyClient(client, timeout=2.0)
    assert await daly.start() is Dialect.D2
    status = await daly.read_status()
    assert status.cell_voltages == tuple(round(v * 1000) / 1000 for v in unit.battery.cell_voltages)
    assert radio.requests[-1] == bytes.fromhex("D2 03 00 00 00 50 56 55")
    await daly.stop()
    await client.disconnect()
    assert radio.central is None
