"""A Home Assistant with simulated proxies and units, on a clock that skips idle time.

The pieces `scale.py` measures with: Home Assistant set up as the tests set it up (no local
adapter, HA's Bluetooth stack, this repository's daly_bms), simulated ESPHome proxies with
units behind them, and the probes that watch a run from outside the integration: the
coordinator's end-of-refresh log lines, how long each reading holds a slot, a timer that
notes its own lateness.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from contextlib import ExitStack, contextmanager
import logging
from pathlib import Path
import sys
import time
from typing import Any
from unittest.mock import AsyncMock, Mock, patch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from simtime import SimTimeLoop

INTERVAL_S = 10
SLOTS_PER_PROXY = 3
CONNECT_S = 1.0
ANSWER_LATENCY_S = 0.05
ADVERTISING_INTERVAL_S = 2.0
LAG_PROBE_S = 0.5
DOMAIN = "daly_bms"
FINISHED = "Finished fetching"


@contextmanager
def bluetooth_without_adapters() -> Iterator[None]:
    """Let HA's bluetooth start with no local adapter (as the tests' fixtures do)."""
    from habluetooth import manager as bluetooth_manager, scanner as bluetooth_scanner

    bluetooth_scanner.OriginalBleakScanner.stop = AsyncMock()  # type: ignore[method-assign]
    mgmt = Mock()
    mgmt.setup = AsyncMock(return_value=None)
    with ExitStack() as stack:
        stack.enter_context(patch("habluetooth.util.recover_adapter"))
        stack.enter_context(patch("bluetooth_auto_recovery.recover_adapter"))
        stack.enter_context(
            patch("bluetooth_adapters.systems.platform.system", return_value="Linux")
        )
        stack.enter_context(patch("bluetooth_adapters.systems.linux.LinuxAdapters.refresh"))
        stack.enter_context(patch("bluetooth_adapters.systems.linux.LinuxAdapters.adapters", {}))
        stack.enter_context(patch.object(bluetooth_scanner.OriginalBleakScanner, "start"))
        stack.enter_context(patch.object(bluetooth_scanner, "HaScanner"))
        stack.enter_context(patch.object(bluetooth_manager, "MGMTBluetoothCtl", return_value=mgmt))
        yield


class ReadingLog(logging.Handler):
    """Collects the coordinator's end-of-refresh lines: who, when, success."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        super().__init__(logging.DEBUG)
        self._loop = loop
        self.done: list[tuple[str, float, bool]] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.msg.startswith(FINISHED):
            name, _seconds, success = record.args  # type: ignore[misc]
            self.done.append((name, self._loop.time(), bool(success)))


def watch_readings(loop: asyncio.AbstractEventLoop) -> ReadingLog:
    logger = logging.getLogger("custom_components.daly_bms")
    for handler in list(logger.handlers):
        logger.removeHandler(handler)
    readings = ReadingLog(loop)
    logger.addHandler(readings)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    # Only the coordinator's line is wanted: frame dumps would cost more than the reading.
    logging.getLogger("custom_components.daly_bms.protocol").setLevel(logging.INFO)
    return readings


async def home_assistant(body: Callable[[Any], Awaitable[Any]], *, starting: bool) -> Any:
    """Run `body(hass)` in a Home Assistant with bluetooth set up and daly_bms loadable."""
    from homeassistant import loader
    from homeassistant.core import CoreState
    from homeassistant.setup import async_setup_component
    from pytest_homeassistant_custom_component.common import async_test_home_assistant

    import custom_components  # noqa: F401  (this repository's, before HA looks for it)

    with bluetooth_without_adapters():
        initial = CoreState.not_running if starting else CoreState.running
        async with async_test_home_assistant(initial_state=initial) as hass:
            hass.data.pop(loader.DATA_CUSTOM_COMPONENTS, None)
            assert await async_setup_component(hass, "bluetooth", {})
            await hass.async_block_till_done()
            try:
                return await body(hass)
            finally:
                await hass.async_stop(force=True)


def build_fleet(
    hass: Any, units: int, proxies: int, *, asleep: int = 0
) -> tuple[list[Any], list[Any]]:
    """Start `proxies` simulated proxies and put `units` units behind them."""
    from simproxy import SimulatedBluetoothProxy
    from simulator.clock import ManualClock
    from simulator.faults import FaultInjector, FaultKind
    from simulator.unit import SimulatedUnit

    clock = ManualClock()
    radios = []
    started = []
    for p in range(proxies):
        proxy = SimulatedBluetoothProxy(
            hass,
            source=f"AA:BB:CC:DD:EE:{p:02X}",
            name=f"Proxy {p + 1}",
            connection_slots=SLOTS_PER_PROXY,
        )
        proxy.async_start()
        started.append(proxy)
    for i in range(units):
        proxy = started[i % proxies]
        address = f"C0:DA:1B:{i // 256:02X}:{i % 256:02X}:{i % proxies:02X}"
        unit = SimulatedUnit(name="DL-" + address.replace(":", ""), address=address, clock=clock)
        if i < asleep:
            unit.force_sleep()
        faults = FaultInjector(
            probabilities={FaultKind.SLOW_CONNECT: 1.0}, connect_seconds=CONNECT_S
        )
        radios.append(proxy.add_unit(unit, latency=ANSWER_LATENCY_S, faults=faults))
    for proxy in started:
        proxy.async_start_advertising(ADVERTISING_INTERVAL_S)
    return started, radios


def add_entries(hass: Any, radios: list[Any], *, stay: int = 0) -> list[Any]:
    """Add an entry per unit: the first `stay` set to Stay connected, the rest per reading."""
    from pytest_homeassistant_custom_component.common import MockConfigEntry

    entries = []
    for radio in radios:
        entry = MockConfigEntry(
            domain=DOMAIN,
            unique_id=radio.address,
            title=radio.unit.name,
            data={"address": radio.address, "name": radio.unit.name},
            options={
                "connection_mode": "persistent" if len(entries) < stay else "per_poll",
                "poll_interval": INTERVAL_S,
            },
        )
        entry.add_to_hass(hass)
        entries.append(entry)
    return entries


async def set_up(hass: Any, entries: list[Any]) -> tuple[float, dict[str, float]]:
    """Set up daly_bms with every entry at once, as Home Assistant's start does.

    Returns how long the setup took (what Home Assistant's start waits for) and, per entry
    title, the seconds until its voltage sensor first showed a value.
    """
    from homeassistant.const import EVENT_STATE_CHANGED
    from homeassistant.helpers import entity_registry as er
    from homeassistant.setup import async_setup_component

    loop = asyncio.get_running_loop()
    titles = {entry.entry_id: entry.title for entry in entries}
    first: dict[str, float] = {}
    began = loop.time()

    def on_state(event: Any) -> None:
        new = event.data["new_state"]
        if not event.data["entity_id"].endswith("_voltage") or new is None:
            return
        if new.state in ("unknown", "unavailable"):
            return
        entity = er.async_get(hass).async_get(event.data["entity_id"])
        title = titles.get(entity.config_entry_id) if entity else None
        if title is not None and title not in first:
            first[title] = loop.time() - began

    unsubscribe = hass.bus.async_listen(EVENT_STATE_CHANGED, on_state)
    assert await async_setup_component(hass, DOMAIN, {})
    took = loop.time() - began
    await hass.async_block_till_done()
    unsubscribe()
    return took, first


def slot_stats_of(hass: Any, *, restart_longest: bool = False) -> dict[str, float]:
    """Return the slot arbiter's counters, if this version of the integration has one."""
    try:
        from custom_components.daly_bms.slots import DATA_ARBITER, slot_stats
    except ImportError:
        return {}
    if restart_longest and (arbiter := hass.data.get(DATA_ARBITER)) is not None:
        arbiter.longest_wait = 0.0
    return slot_stats(hass)


class SlotHolds:
    """Measures how long each reading holds a slot: from asking to connect to letting go.

    A proxy's slot is taken from the connection request on (the simulated proxy counts a
    link only once the connection is up, so its own count would leave the connect out).
    """

    def __init__(self, loop: asyncio.AbstractEventLoop, proxies: list[Any]) -> None:
        import bleak_retry_connector

        self._loop = loop
        self.held: list[float] = []
        self._asked: dict[str, float] = {}
        self._linked: set[str] = set()
        self._removers = [
            proxy.registry.add_listener(lambda proxy=proxy: self._changed(proxy))
            for proxy in proxies
        ]
        establish = bleak_retry_connector.establish_connection

        async def timed(client_class: Any, device: Any, *args: Any, **kwargs: Any) -> Any:
            self._asked[device.address] = self._loop.time()
            return await establish(client_class, device, *args, **kwargs)

        self._patch = patch.object(bleak_retry_connector, "establish_connection", timed)
        self._patch.start()

    def _changed(self, proxy: Any) -> None:
        now = self._loop.time()
        linked = set(proxy.registry.linked_addresses)
        for address in {radio.address for radio in proxy.units}:
            if address in linked:
                self._linked.add(address)
            elif address in self._linked:
                self._linked.discard(address)
                if (asked := self._asked.pop(address, None)) is not None:
                    self.held.append(now - asked)

    def stop(self) -> None:
        self._patch.stop()
        for remove in self._removers:
            remove()


# ------------------------------------------------------------------------- runs


class LagProbe:
    """A timer every LAG_PROBE_S; records how late each firing ran."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self.lags: list[float] = []
        self._handle: asyncio.TimerHandle | None = None

    def start(self) -> None:
        self._arm(self._loop.time() + LAG_PROBE_S)

    def stop(self) -> None:
        if self._handle is not None:
            self._handle.cancel()

    def _arm(self, when: float) -> None:
        self._handle = self._loop.call_at(when, self._fire, when)

    def _fire(self, when: float) -> None:
        self.lags.append(self._loop.time() - when)
        self._arm(when + LAG_PROBE_S)


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def run_on_sim_time[T](coro: Callable[[], Awaitable[T]]) -> tuple[T, float]:
    loop = SimTimeLoop()
    asyncio.set_event_loop(loop)
    wall = time.perf_counter()
    try:
        result = loop.run_until_complete(coro())
        # Home Assistant drops its instance one iteration after it closed.
        loop.run_until_complete(asyncio.sleep(0))
    finally:
        loop.close()
        asyncio.set_event_loop(None)
    return result, time.perf_counter() - wall
