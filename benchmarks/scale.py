"""Many units, few proxy slots: readings, slot waits, loop lag and CPU as the fleet grows.

Simulated Daly units sit behind simulated ESPHome Bluetooth proxies (3 connection slots
each) and Home Assistant reaches them through its real Bluetooth stack, every unit set to
"Connect for each reading" at a 10 s interval. The event loop skips idle time
(`simtime.SimTimeLoop`), so a simulated hour takes the wall time its work needs; work itself
runs in real time, which is what the loop-lag and CPU figures measure. A connection takes
1 s and each answer 50 ms, about what an ESPHome proxy shows; the units' clocks stand
still, so every reading brings the same values and should write no state.

Printed per fleet (1 unit behind 1 proxy, 16 and 64 units behind 4 proxies):
- readings per unit per interval, and the longest a unit went without a fresh reading
  (goal: within 2 intervals, always);
- the most readings that started within one second (a thundering herd shows here);
- slot waits (readings that queued for a proxy slot), their longest wait, failed readings;
- event-loop lag p50 / p99 (a probe timer every 0.5 s);
- CPU per reading: the whole process, and the integration's share (the same run with
  the units advertising but no entry set up is the baseline);
- state writes per reading while nothing changed (goal: 0).
And start-up: from entry setup to first values for 1 and 16 units set up together while
Home Assistant starts (goal: <= 5 s for one awake unit), and how long the setup of a unit
that is asleep at start-up holds Home Assistant's start.

Run: .venv/bin/python benchmarks/scale.py            (about two minutes)
     .venv/bin/python benchmarks/scale.py --smoke    (4 units, 3 simulated minutes; JSON)
"""

from __future__ import annotations

import argparse
import asyncio
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass, field
import itertools
import json
import logging
from pathlib import Path
import statistics
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


@dataclass
class Fleet:
    """What one run measured."""

    units: int
    proxies: int
    minutes: float
    readings: int = 0
    failed: int = 0
    expected: float = 0.0
    per_unit_min: int = 0
    per_unit_max: int = 0
    longest_gap_s: float = 0.0
    most_starts_in_one_second: int = 0
    slot_waits: int = 0
    longest_slot_wait_s: float = 0.0
    no_slot_failures: int = 0
    lag_p50_ms: float = 0.0
    lag_p99_ms: float = 0.0
    cpu_s: float = 0.0
    baseline_cpu_s: float = 0.0
    state_writes: int = 0
    wall_s: float = 0.0
    unavailable_units: list[str] = field(default_factory=list)

    @property
    def readings_per_unit_interval(self) -> float:
        """Return successful readings per unit per interval."""
        return self.readings / self.expected if self.expected else 0.0

    @property
    def cpu_ms_per_reading(self) -> float:
        """Return the process CPU per successful reading in milliseconds."""
        return 1000 * self.cpu_s / self.readings if self.readings else 0.0

    @property
    def own_cpu_ms_per_reading(self) -> float:
        """Return the CPU per reading above the advertising-only baseline."""
        return 1000 * (self.cpu_s - self.baseline_cpu_s) / self.readings if self.readings else 0.0


@dataclass
class Startup:
    """How long setting up entries took, in simulated seconds."""

    units: int
    setup_s: float
    first_values_s: list[float]
    loaded: int


# ------------------------------------------------------------------ Home Assistant


@contextmanager
def _bluetooth_without_adapters() -> Iterator[None]:
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


class _Readings(logging.Handler):
    """Collects the coordinator's end-of-refresh lines: who, when, success."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        super().__init__(logging.DEBUG)
        self._loop = loop
        self.done: list[tuple[str, float, bool]] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.msg.startswith(FINISHED):
            name, _seconds, success = record.args  # type: ignore[misc]
            self.done.append((name, self._loop.time(), bool(success)))


def _watch_readings(loop: asyncio.AbstractEventLoop) -> _Readings:
    logger = logging.getLogger("custom_components.daly_bms")
    for handler in list(logger.handlers):
        logger.removeHandler(handler)
    readings = _Readings(loop)
    logger.addHandler(readings)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    # Only the coordinator's line is wanted: frame dumps would cost more than the reading.
    logging.getLogger("custom_components.daly_bms.protocol").setLevel(logging.INFO)
    return readings


async def _home_assistant(body: Callable[[Any], Awaitable[Any]], *, starting: bool) -> Any:
    """Run `body(hass)` in a Home Assistant with bluetooth set up and daly_bms loadable."""
    from homeassistant import loader
    from homeassistant.core import CoreState
    from homeassistant.setup import async_setup_component
    from pytest_homeassistant_custom_component.common import async_test_home_assistant

    import custom_components  # noqa: F401  (this repository's, before HA looks for it)

    with _bluetooth_without_adapters():
        initial = CoreState.not_running if starting else CoreState.running
        async with async_test_home_assistant(initial_state=initial) as hass:
            hass.data.pop(loader.DATA_CUSTOM_COMPONENTS, None)
            assert await async_setup_component(hass, "bluetooth", {})
            await hass.async_block_till_done()
            try:
                return await body(hass)
            finally:
                await hass.async_stop(force=True)


def _build_fleet(hass: Any, units: int, proxies: int, *, asleep: int = 0) -> list[Any]:
    """Start `proxies` simulated proxies and put `units` units behind them; returns radios."""
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
    return radios


def _entries(hass: Any, radios: list[Any]) -> list[Any]:
    from pytest_homeassistant_custom_component.common import MockConfigEntry

    entries = []
    for radio in radios:
        entry = MockConfigEntry(
            domain=DOMAIN,
            unique_id=radio.address,
            title=radio.unit.name,
            data={"address": radio.address, "name": radio.unit.name},
            options={"connection_mode": "per_poll", "poll_interval": INTERVAL_S},
        )
        entry.add_to_hass(hass)
        entries.append(entry)
    return entries


async def _set_up(hass: Any, entries: list[Any]) -> tuple[float, dict[str, float]]:
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


def _slot_stats(hass: Any) -> dict[str, float]:
    """Return the slot arbiter's counters, if this version of the integration has one."""
    try:
        from custom_components.daly_bms.slots import slot_stats
    except ImportError:
        return {}
    return slot_stats(hass)


# ------------------------------------------------------------------------- runs


class _LagProbe:
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


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def _steady(hass: Any, units: int, proxies: int, minutes: float, fleet: Fleet) -> None:
    from homeassistant.core import StateMachine

    loop = asyncio.get_running_loop()
    radios = _build_fleet(hass, units, proxies)
    entries = _entries(hass, radios)
    readings = _watch_readings(loop)
    await _set_up(hass, entries)
    loaded = [e for e in entries if e.state.value == "loaded"]
    assert len(loaded) == units, [e.reason for e in entries if e not in loaded]
    # Let the readings find their places in the interval before measuring.
    await asyncio.sleep(3 * INTERVAL_S)
    waits_before = _slot_stats(hass)
    readings.done.clear()

    writes = 0
    original = StateMachine.async_set_internal

    def counting(self: Any, *args: Any, **kwargs: Any) -> Any:
        nonlocal writes
        writes += 1
        return original(self, *args, **kwargs)

    probe = _LagProbe(loop)
    duration = minutes * 60
    with patch.object(StateMachine, "async_set_internal", counting):
        probe.start()
        began = loop.time()
        cpu = time.process_time()
        await asyncio.sleep(duration)
        fleet.cpu_s = time.process_time() - cpu
        ended = loop.time()
        probe.stop()
    fleet.state_writes = writes

    per_unit: dict[str, list[float]] = defaultdict(list)
    starts: Counter[int] = Counter()
    for name, at, success in readings.done:
        if not success:
            fleet.failed += 1
            continue
        per_unit[name].append(at)
        # A reading ends about 1.3 s after it began; the start second is what collides.
        starts[int(at - CONNECT_S - 0.3)] += 1
    fleet.readings = sum(len(times) for times in per_unit.values())
    fleet.expected = units * duration / INTERVAL_S
    counts = [len(per_unit.get(e.title, [])) for e in entries]
    fleet.per_unit_min, fleet.per_unit_max = min(counts), max(counts)
    gaps = []
    for entry in entries:
        times = [began, *per_unit.get(entry.title, []), ended]
        gaps.append(max(b - a for a, b in itertools.pairwise(times)))
    fleet.longest_gap_s = max(gaps)
    fleet.most_starts_in_one_second = max(starts.values(), default=0)
    fleet.lag_p50_ms = 1000 * _percentile(probe.lags, 0.50)
    fleet.lag_p99_ms = 1000 * _percentile(probe.lags, 0.99)
    after = _slot_stats(hass)
    fleet.slot_waits = int(after.get("waits", 0) - waits_before.get("waits", 0))
    fleet.longest_slot_wait_s = after.get("longest_wait_s", 0.0)
    fleet.no_slot_failures = int(after.get("no_slot", 0) - waits_before.get("no_slot", 0))
    fleet.unavailable_units = [e.title for e in entries if not e.runtime_data.last_update_success]


async def _baseline(hass: Any, units: int, proxies: int, minutes: float) -> float:
    """CPU of the same fleet advertising for the same time, with no entry set up."""
    _build_fleet(hass, units, proxies)
    await asyncio.sleep(3 * INTERVAL_S)
    cpu = time.process_time()
    await asyncio.sleep(minutes * 60)
    return time.process_time() - cpu


async def _startup(hass: Any, units: int, proxies: int, asleep: int) -> Startup:
    radios = _build_fleet(hass, units, proxies, asleep=asleep)
    entries = _entries(hass, radios)
    _watch_readings(asyncio.get_running_loop())
    took, first = await _set_up(hass, entries)
    loaded = sum(1 for entry in entries if entry.state.value == "loaded")
    return Startup(units, took, sorted(first.values()), loaded)


def _run[T](coro: Callable[[], Awaitable[T]]) -> tuple[T, float]:
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


def measure_fleet(units: int, proxies: int, minutes: float, *, baseline: bool = True) -> Fleet:
    """Run `units` units behind `proxies` proxies for `minutes` simulated minutes."""
    fleet = Fleet(units, proxies, minutes)
    _, fleet.wall_s = _run(
        lambda: _home_assistant(
            lambda hass: _steady(hass, units, proxies, minutes, fleet), starting=False
        )
    )
    if baseline:
        fleet.baseline_cpu_s, _ = _run(
            lambda: _home_assistant(
                lambda hass: _baseline(hass, units, proxies, minutes), starting=False
            )
        )
    return fleet


def measure_startup(units: int, proxies: int, *, asleep: int = 0) -> Startup:
    """Set up `units` entries while Home Assistant starts; seconds to first values."""
    result, _ = _run(
        lambda: _home_assistant(lambda hass: _startup(hass, units, proxies, asleep), starting=True)
    )
    return result


# ----------------------------------------------------------------------- report


def _print_fleets(fleets: list[Fleet]) -> None:
    rows = [
        ("units / proxies (3 slots each)", lambda f: f"{f.units} / {f.proxies}"),
        ("simulated minutes", lambda f: f"{f.minutes:g}"),
        ("readings per unit per interval", lambda f: f"{f.readings_per_unit_interval:.2f}"),
        ("readings per unit (min-max)", lambda f: f"{f.per_unit_min}-{f.per_unit_max}"),
        (
            "longest without a fresh reading",
            lambda f: f"{f.longest_gap_s:.1f} s ({f.longest_gap_s / INTERVAL_S:.2f} int.)",
        ),
        ("most readings begun in one second", lambda f: f"{f.most_starts_in_one_second}"),
        ("slot waits (longest)", lambda f: f"{f.slot_waits} ({f.longest_slot_wait_s:.1f} s)"),
        ("failed readings (no slot)", lambda f: f"{f.failed} ({f.no_slot_failures})"),
        ("event-loop lag p50 / p99", lambda f: f"{f.lag_p50_ms:.2f} / {f.lag_p99_ms:.2f} ms"),
        ("CPU per reading, process", lambda f: f"{f.cpu_ms_per_reading:.2f} ms"),
        ("CPU per reading, integration", lambda f: f"{f.own_cpu_ms_per_reading:.2f} ms"),
        (
            "state writes per reading",
            lambda f: f"{f.state_writes / f.readings if f.readings else 0:.3f}",
        ),
        ("wall time", lambda f: f"{f.wall_s:.0f} s"),
    ]
    width = max(len(label) for label, _ in rows)
    for label, cell in rows:
        print(f"{label:<{width}}  " + "  ".join(f"{cell(f):>20}" for f in fleets))
    base = fleets[0]
    for fleet in fleets[1:]:
        if base.own_cpu_ms_per_reading > 0:
            print(
                f"{fleet.units} units against 1: integration CPU per reading "
                f"x{fleet.own_cpu_ms_per_reading / base.own_cpu_ms_per_reading:.2f}, "
                f"process CPU per reading x{fleet.cpu_ms_per_reading / base.cpu_ms_per_reading:.2f}"
            )


def _print_startup(startups: list[Startup], asleep: Startup) -> None:
    print("start-up (daly_bms set up with all its entries at Home Assistant's start):")
    for s in startups:
        values = s.first_values_s or [float("nan")]
        print(
            f"  {s.units:>2} awake unit(s) behind {min(s.units, 4)} prox"
            f"{'y' if s.units == 1 else 'ies'}: loaded {s.loaded}/{s.units}, first values "
            f"after {values[0]:.2f} s (first) / {statistics.median(values):.2f} s (median) / "
            f"{values[-1]:.2f} s (last); Home Assistant's start waited {s.setup_s:.2f} s"
        )
    print(
        f"   1 unit asleep at start-up: loaded {asleep.loaded}/1 (set up in the background "
        f"once it answers); Home Assistant's start waited {asleep.setup_s:.2f} s"
    )


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=60.0, help="simulated minutes per fleet")
    parser.add_argument(
        "--smoke", action="store_true", help="4 units, 3 simulated minutes, JSON out"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    if args.smoke:
        fleet = measure_fleet(4, 1, 3.0, baseline=False)
        startup = measure_startup(4, 1)
        asleep = measure_startup(1, 1, asleep=1)
        print(
            json.dumps(
                {
                    "fleet": asdict(fleet)
                    | {"readings_per_unit_interval": fleet.readings_per_unit_interval},
                    "startup": asdict(startup),
                    "asleep": asdict(asleep),
                }
            )
        )
        return 0
    fleets = [measure_fleet(n, p, args.minutes) for n, p in ((1, 1), (16, 4), (64, 4))]
    _print_fleets(fleets)
    startups = [measure_startup(1, 1), measure_startup(16, 4)]
    _print_startup(startups, measure_startup(1, 1, asleep=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
