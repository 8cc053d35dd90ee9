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

Then how many units one proxy serves: 16 to 30 units connecting for each reading behind
one 3-slot proxy, and units set to Stay connected taking slots for good (10 simulated
minutes each).

Run: .venv/bin/python benchmarks/scale.py            (a minute or two)
     .venv/bin/python benchmarks/scale.py --smoke    (5 units, 2 of them staying connected,
                                                       3 simulated minutes; JSON, for CI)
"""

from __future__ import annotations

import argparse
import asyncio
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
import itertools
import json
import logging
from pathlib import Path
import statistics
import sys
import time
from typing import Any
from unittest.mock import patch

sys.path.insert(0, str(Path(__file__).resolve().parent))

from hass_fleet import (
    CONNECT_S,
    INTERVAL_S,
    SLOTS_PER_PROXY,
    LagProbe,
    SlotHolds,
    add_entries,
    build_fleet,
    home_assistant,
    percentile,
    run_on_sim_time,
    set_up,
    slot_stats_of,
    watch_readings,
)


@dataclass
class Fleet:
    """What one run measured."""

    units: int
    proxies: int
    minutes: float
    stay: int = 0
    readings: int = 0
    failed: int = 0
    expected: float = 0.0
    per_unit_min: int = 0
    per_unit_max: int = 0
    longest_gap_s: float = 0.0
    most_starts_in_one_second: int = 0
    slot_waits: int = 0
    longest_slot_wait_s: float = 0.0
    slot_held_s: float = 0.0
    no_slot_failures: int = 0
    lag_p50_ms: float = 0.0
    lag_p99_ms: float = 0.0
    cpu_s: float = 0.0
    baseline_cpu_s: float = 0.0
    state_writes: int = 0
    wall_s: float = 0.0
    unavailable_units: list[str] = field(default_factory=list)
    not_loaded: int = 0

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
    not_ready_reasons: list[str]


async def _steady(
    hass: Any, units: int, proxies: int, minutes: float, fleet: Fleet, stay: int
) -> None:
    from homeassistant.core import StateMachine

    loop = asyncio.get_running_loop()
    started, radios = build_fleet(hass, units, proxies)
    entries = add_entries(hass, radios, stay=stay)
    readings = watch_readings(loop)
    await set_up(hass, entries)
    # Home Assistant retries an entry that was not ready; the run counts who never loaded.
    fleet.not_loaded = sum(1 for e in entries if e.state.value != "loaded")
    # Let the readings find their places in the interval before measuring.
    await asyncio.sleep(3 * INTERVAL_S)
    waits_before = slot_stats_of(hass, restart_longest=True)
    readings.done.clear()
    holds = SlotHolds(loop, started)

    writes = 0
    original = StateMachine.async_set_internal

    def counting(self: Any, *args: Any, **kwargs: Any) -> Any:
        nonlocal writes
        writes += 1
        return original(self, *args, **kwargs)

    probe = LagProbe(loop)
    duration = minutes * 60
    with patch.object(StateMachine, "async_set_internal", counting):
        probe.start()
        began = loop.time()
        cpu = time.process_time()
        await asyncio.sleep(duration)
        fleet.cpu_s = time.process_time() - cpu
        ended = loop.time()
        probe.stop()
    holds.stop()
    fleet.state_writes = writes
    fleet.slot_held_s = statistics.mean(holds.held) if holds.held else 0.0

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
    fleet.lag_p50_ms = 1000 * percentile(probe.lags, 0.50)
    fleet.lag_p99_ms = 1000 * percentile(probe.lags, 0.99)
    after = slot_stats_of(hass)
    fleet.slot_waits = int(after.get("waits", 0) - waits_before.get("waits", 0))
    fleet.longest_slot_wait_s = after.get("longest_wait_s", 0.0)
    fleet.no_slot_failures = int(after.get("no_slot", 0) - waits_before.get("no_slot", 0))
    fleet.unavailable_units = [
        e.title
        for e in entries
        if e.state.value != "loaded" or not e.runtime_data.last_update_success
    ]


async def _baseline(hass: Any, units: int, proxies: int, minutes: float) -> float:
    """CPU of the same fleet advertising for the same time, with no entry set up."""
    build_fleet(hass, units, proxies)
    await asyncio.sleep(3 * INTERVAL_S)
    cpu = time.process_time()
    await asyncio.sleep(minutes * 60)
    return time.process_time() - cpu


async def _startup(hass: Any, units: int, proxies: int, asleep: int) -> Startup:
    _, radios = build_fleet(hass, units, proxies, asleep=asleep)
    entries = add_entries(hass, radios)
    watch_readings(asyncio.get_running_loop())
    took, first = await set_up(hass, entries)
    loaded = sum(1 for entry in entries if entry.state.value == "loaded")
    reasons = [e.error_reason_translation_key for e in entries if e.error_reason_translation_key]
    return Startup(units, took, sorted(first.values()), loaded, reasons)


def measure_fleet(
    units: int, proxies: int, minutes: float, *, baseline: bool = True, stay: int = 0
) -> Fleet:
    """Run `units` units behind `proxies` proxies for `minutes` simulated minutes.

    The first `stay` units are set to Stay connected, the others connect for each reading.
    """
    fleet = Fleet(units, proxies, minutes, stay=stay)
    _, fleet.wall_s = run_on_sim_time(
        lambda: home_assistant(
            lambda hass: _steady(hass, units, proxies, minutes, fleet, stay), starting=False
        )
    )
    if baseline:
        fleet.baseline_cpu_s, _ = run_on_sim_time(
            lambda: home_assistant(
                lambda hass: _baseline(hass, units, proxies, minutes), starting=False
            )
        )
    return fleet


def measure_startup(units: int, proxies: int, *, asleep: int = 0) -> Startup:
    """Set up `units` entries while Home Assistant starts; seconds to first values."""
    result, _ = run_on_sim_time(
        lambda: home_assistant(lambda hass: _startup(hass, units, proxies, asleep), starting=True)
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
        ("slot held per reading (mean)", lambda f: f"{f.slot_held_s:.2f} s"),
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


def _print_capacity(fleets: list[Fleet]) -> None:
    print(
        f"one proxy with {SLOTS_PER_PROXY} slots, {INTERVAL_S} s interval "
        f"({fleets[0].minutes:g} simulated minutes each):"
    )
    print(
        "  units (stay connected)  readings/unit/interval  longest without reading"
        "  slot waits (longest)  failed"
    )
    for f in fleets:
        print(
            f"  {f.units:>5} ({f.stay}){'':>14}{f.readings_per_unit_interval:>8.2f}"
            f"{f.longest_gap_s:>17.1f} s ({f.longest_gap_s / INTERVAL_S:.2f} int.)"
            f"{f.slot_waits:>11} ({f.longest_slot_wait_s:.1f} s){f.failed:>9}"
            + (f"  ({f.not_loaded} never set up)" if f.not_loaded else "")
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
        fleet = measure_fleet(5, 1, 3.0, baseline=False, stay=2)
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
    capacity = [
        measure_fleet(n, 1, 10, baseline=False, stay=stay)
        for n, stay in ((16, 0), (24, 0), (27, 0), (30, 0), (3, 3), (11, 2), (14, 2))
    ]
    _print_capacity(capacity)
    startups = [measure_startup(1, 1), measure_startup(16, 4)]
    _print_startup(startups, measure_startup(1, 1, asleep=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
