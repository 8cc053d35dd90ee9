"""Shared fixtures: Home Assistant's Bluetooth stack with simulated Daly units behind a proxy.

All fixtures here are opt-in. A test that wants Home Assistant to hear a simulated unit asks
for `simulated_proxy` (HA's `bluetooth` integration set up with no local adapter, plus a
started simulated ESPHome proxy) and `add_simulated_unit` (a factory putting a SimulatedUnit
on the air near that proxy, on the shared `sim_clock`). `full_proxy` is that proxy with every
connection slot held by other devices; `fill_proxy` takes the free slots when a test says so.

Code under test must reach the unit the way production does: look bleak's classes up when
connecting (`bleak_retry_connector.BleakClientWithServiceCache`), never bind them at import
time, because Home Assistant swaps them for its proxy-aware wrappers when `bluetooth` starts.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Awaitable, Callable
from typing import Any
from unittest.mock import MagicMock, patch

import bleak_retry_connector
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
import pytest

from simproxy import SimulatedBluetoothProxy
from simulator.clock import ManualClock
from simulator.faults import FaultInjector
from simulator.radio import RadioUnit
from simulator.unit import SimulatedUnit
from tests.ha_bluetooth import SlotHolders, connect_through_home_assistant

PROXY_SOURCE = "AA:BB:CC:DD:EE:00"


@pytest.fixture
def sim_clock() -> ManualClock:
    """A simulated clock that only moves when a test advances it."""
    return ManualClock()


@pytest.fixture
def no_connect_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    """Let bleak-retry-connector retry failed connections without sleeping seconds."""
    for name in dir(bleak_retry_connector):
        if name.endswith("BACKOFF_TIME"):
            monkeypatch.setattr(bleak_retry_connector, name, 0.0)


@pytest.fixture
async def bluetooth_stack(
    hass: HomeAssistant, mock_bleak_scanner_start: MagicMock
) -> AsyncGenerator[None]:
    """Set up Home Assistant's `bluetooth` integration with no local adapter at all.

    With no adapter the only way to a device is a remote scanner, so anything that tries
    the local BlueZ stack instead of HA's bleak wrapper fails loudly.
    """
    with patch("bluetooth_adapters.systems.linux.LinuxAdapters.adapters", {}):
        assert await async_setup_component(hass, "bluetooth", {})
        await hass.async_block_till_done()
        yield


@pytest.fixture
async def simulated_proxy(
    hass: HomeAssistant, bluetooth_stack: None
) -> AsyncGenerator[SimulatedBluetoothProxy]:
    """A started SimulatedBluetoothProxy (3 connection slots) registered with HA."""
    proxy = SimulatedBluetoothProxy(hass, source=PROXY_SOURCE, connection_slots=3)
    proxy.async_start()
    yield proxy
    proxy.async_stop()
    await hass.async_block_till_done()


@pytest.fixture
def add_simulated_unit(
    simulated_proxy: SimulatedBluetoothProxy, sim_clock: ManualClock
) -> Callable[..., RadioUnit]:
    """Return a factory that puts a SimulatedUnit near the proxy and advertises it once.

    `add_simulated_unit(address=..., name=..., mtu=..., latency=..., faults=..., rssi=...,
    advertise=True, **unit_options)` returns the RadioUnit; `.unit` is the SimulatedUnit
    (whose `battery` is the truth), `.faults` its FaultInjector.
    """
    count = 0

    def _add(
        *,
        address: str | None = None,
        name: str | None = None,
        advertise: bool = True,
        mtu: int = 512,
        latency: float = 0.0,
        faults: FaultInjector | None = None,
        rssi: int = -60,
        **unit_options: Any,
    ) -> RadioUnit:
        nonlocal count
        count += 1
        address = address or f"C0:DA:1B:00:00:{count:02X}"
        name = name or "DL-" + address.replace(":", "")
        unit = SimulatedUnit(name=name, address=address, clock=sim_clock, **unit_options)
        radio = simulated_proxy.add_unit(unit, mtu=mtu, latency=latency, faults=faults, rssi=rssi)
        if advertise:
            simulated_proxy.async_advertise(radio)
        return radio

    return _add


@pytest.fixture
def fill_proxy(
    hass: HomeAssistant,
    simulated_proxy: SimulatedBluetoothProxy,
    add_simulated_unit: Callable[..., RadioUnit],
) -> Callable[[], Awaitable[SlotHolders]]:
    """Return a coroutine function that takes every free proxy slot with other devices' links.

    The links go through Home Assistant's Bluetooth stack, as another integration's would,
    so Home Assistant knows the proxy is full.
    """

    async def _fill() -> SlotHolders:
        free = simulated_proxy.registry.free_slots
        assert free is not None, "the simulated proxy has no slot limit"
        radios = [add_simulated_unit() for _ in range(free)]
        links = [await connect_through_home_assistant(hass, radio) for radio in radios]
        assert simulated_proxy.registry.free_slots == 0
        return SlotHolders(radios, links)

    return _fill


@pytest.fixture
async def full_proxy(fill_proxy: Callable[[], Awaitable[SlotHolders]]) -> SlotHolders:
    """The simulated proxy with every connection slot held by other devices."""
    return await fill_proxy()
