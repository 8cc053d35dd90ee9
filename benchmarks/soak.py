"""Fault soak: thousands of polls of a simulated unit through Home Assistant, every fault on.

A 16-cell D2 unit on a day of sun and loads sits behind the simulated ESPHome proxy; the
integration polls it through Home Assistant's real Bluetooth stack while the simulator's
fault injector fires every kind of radio fault it knows at 5-10 % per occasion (split,
merged, late and stale replies, dropped chunks, module junk, bit flips, links lost mid-frame,
refused and failing connections, sleep, bursts of silence, probes and counters reading
nonsense in CRC-valid frames, ...). Every few polls a MOS switch is pressed.

After every poll each entity's state is compared with the simulator's truth at the reading
it came from (see benchmarks/soak_judge.py), and after every press the switch must not show
a state the unit is not in. At the end the entry is unloaded and whatever it left behind is
counted. The loop runs on simulated time (benchmarks/virtual_time.py): hours of polling,
timeouts and back-offs take minutes.

Run:  nice -n 10 .venv/bin/python benchmarks/soak.py [--polls 10000] [--seed 1]
"""

from __future__ import annotations

import argparse
import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
import random
import sys
import time

# Run as a script, the repository root is not on the path by itself.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.device_registry import format_mac
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import (  # type: ignore[import-untyped]
    MockConfigEntry,
)

from benchmarks.soak_judge import Judge
from benchmarks.soak_report import SoakConfig, SoakReport, format_report
from benchmarks.soak_truth import RecordingRadio
from benchmarks.soak_watch import (
    LogTally,
    PollWatch,
    Resources,
    catching_loop_errors,
    watching_logs,
)
from benchmarks.virtual_time import VirtualClock, virtual_time
from custom_components.daly_bms import PLATFORMS
from simproxy import SimulatedBluetoothProxy
from simulator import SLEEP_NEVER, SimulatedUnit, SolarDayProfile, daly_name
from simulator.faults import FaultInjector, FaultKind
from simulator.settings import REG_SLEEP_TIME

ADDRESS = "C0:DA:1B:50:A4:01"
DOMAIN = "daly_bms"
# How late a late reply is, in request timeouts: within the first wait, during a resend,
# after the request was given up (it then meets a later request).
LATE_IN_TIMEOUTS = (0.5, 1.5, 2.5, 4.0, 10.0)
ADVERTISING_INTERVAL = 5.0
SWITCHES = ("charge_mos", "discharge_mos")


class LoopClock:
    """The simulator's clock, read off the event loop's (simulated) time."""

    def __init__(self, clock: VirtualClock) -> None:
        """Start at zero."""
        self._clock = clock

    def now(self) -> float:
        """Return simulated seconds since the soak began."""
        return self._clock.elapsed

    def advance(self, seconds: float) -> None:
        """Time is the loop's: it cannot be pushed from here."""
        raise RuntimeError("the soak's clock follows the event loop")


def _make_unit(config: SoakConfig, clock: LoopClock) -> SimulatedUnit:
    unit = SimulatedUnit(
        name=daly_name(ADDRESS),
        address=ADDRESS,
        cells=config.cells,
        clock=clock,
        seed=config.seed,
        soc=55.0,
        profile=SolarDayProfile.for_capacity(100.0),
    )
    # Sleep has its own fault kind; a unit that really falls asleep at night with its
    # discharge MOS switched off would only wake up at sunrise.
    assert unit.firmware.write_register(REG_SLEEP_TIME, SLEEP_NEVER)
    return unit


class Soak:
    """One unit, its entry and everything that watches them."""

    def __init__(
        self, hass: HomeAssistant, proxy: SimulatedBluetoothProxy, config: SoakConfig
    ) -> None:
        """Describe the run; nothing happens before `run`."""
        self.hass = hass
        self.proxy = proxy
        self.config = config
        self.report = SoakReport(config)
        self.rng = random.Random(config.seed)
        self.faults = FaultInjector(
            seed=config.seed, forced_registers=dict(config.glitched_registers)
        )
        self._observations: list[tuple[int, Counter[str], bool]] = []
        self._fired_before: Counter[str] = Counter()
        self._log_mark = 0
        self.tally = LogTally()

    async def run(self) -> SoakReport:
        """Run the soak on simulated time and return what it found."""
        loop = asyncio.get_running_loop()
        started = time.perf_counter()
        # Home Assistant spreads timers by random microseconds: seeded, a run can be replayed.
        random.seed(self.config.seed)
        polls = PollWatch()
        with (
            virtual_time(loop) as clock,
            catching_loop_errors(loop) as loop_errors,
            watching_logs(self.tally, polls),
        ):
            self.tally.clock = lambda: clock.elapsed
            self.unit = _make_unit(self.config, LoopClock(clock))
            self.radio = RecordingRadio(
                self.unit, LoopClock(clock).now, latency=self.config.latency, faults=self.faults
            )
            self.proxy.hear(self.radio)
            self.proxy.async_start_advertising(ADVERTISING_INTERVAL)
            # The entity platforms register their own stop listeners once, on first use.
            for platform in PLATFORMS:
                assert await async_setup_component(self.hass, str(platform), {})
            before = Resources.now(self.hass, self.proxy, self.radio)
            async with self._loaded_entry() as judge:
                self._switch_on_faults()
                soak_started = clock.elapsed
                await self._poll(judge, polls)
                self.report.simulated_seconds = clock.elapsed - soak_started
            await self._quiet_hour()
            self.proxy.async_stop_advertising()
            await self.hass.async_block_till_done()
            self.report.leaks = Resources.now(self.hass, self.proxy, self.radio).leaks_since(before)
        self.report.log_lines = self.tally.lines
        self.report.log_problems = self.tally.problems
        self.report.loop_errors = loop_errors
        self.report.real_seconds = time.perf_counter() - started
        self._recovery()
        return self.report

    @asynccontextmanager
    async def _loaded_entry(self) -> AsyncIterator[Judge]:
        """Set the entry up with every entity enabled; unload it (faults still on) after."""
        entry = MockConfigEntry(
            domain=DOMAIN,
            version=1,
            minor_version=2,
            unique_id=format_mac(self.radio.address),
            title=self.unit.name,
            data={"address": self.radio.address, "name": self.unit.name},
            options={"connection_mode": self.config.connection_mode},
        )
        entry.add_to_hass(self.hass)
        assert await self.hass.config_entries.async_setup(entry.entry_id), entry.reason
        registry = er.async_get(self.hass)
        for entity in er.async_entries_for_config_entry(registry, entry.entry_id):
            if entity.disabled_by is not None:
                registry.async_update_entity(entity.entity_id, disabled_by=None)
        assert await self.hass.config_entries.async_reload(entry.entry_id), entry.reason
        await self.hass.async_block_till_done()
        assert entry.state is ConfigEntryState.LOADED, entry.reason
        judge = Judge(self.hass, entry.entry_id, self.radio)
        judge.track_entities()
        self.report.entities = judge.entity_ids
        self.report.unchecked = judge.unchecked
        try:
            yield judge
        finally:
            self.report.wrong = judge.wrong
            self.report.unavailable = judge.unavailable
            self.report.unknown = judge.unknown
            self.report.states_compared = judge.states_compared
            self.report.energy = judge.energy_counted()
            assert await self.hass.config_entries.async_unload(entry.entry_id)
            await self.hass.async_block_till_done()

    def _switch_on_faults(self) -> None:
        low, high = self.config.fault_chance
        for kind in FaultKind:
            chance = self.rng.uniform(low, high)
            self.faults.set_probability(kind, chance)
            self.report.fault_chances[kind.value] = chance

    def _fired(self) -> Counter[str]:
        fired = Counter({kind.value: n for kind, n in self.faults.fired.items()})
        new = fired - self._fired_before
        self._fired_before = fired
        return new

    async def _poll(self, judge: Judge, polls: PollWatch) -> None:
        from custom_components.daly_bms import link

        judged = polls.finished
        next_press = self.config.press_every
        while self.report.polls < self.config.polls:
            finished = await polls.wait_beyond(judged)
            ended, judged = finished - judged, finished
            self.report.polls += ended
            self._observe(judge, ended)
            self.faults.late_seconds = link.REQUEST_TIMEOUT * self.rng.choice(LATE_IN_TIMEOUTS)
            if self.report.polls >= next_press:
                next_press += self.config.press_every
                await self._press(judge, self.rng.choice(SWITCHES))

    def _observe(self, judge: Judge, polls: int) -> None:
        fired = self._fired()
        self.report.faults += fired
        wrong = len(judge.wrong)
        healthy = judge.observe(self.report.polls, polls=polls, faults=tuple(sorted(fired)))
        self._observations.append((polls, fired, healthy))
        if len(judge.wrong) > wrong:
            self.report.evidence.setdefault("wrong value", self._log_since_observation())
        self._log_mark = self.tally.appended

    def _log_since_observation(self) -> list[str]:
        return self.tally.since(self._log_mark)

    async def _press(self, judge: Judge, key: str) -> None:
        """Switch a MOS to the state the unit is not in; it must not show a wrong one after."""
        entity_id = judge.switch_entity(key)
        battery = self.unit.battery
        target = not getattr(battery, key)
        state = self.hass.states.get(entity_id)
        if state is None or state.state == "unavailable":
            outcome = "unavailable, not pressed"
        else:
            try:
                await self.hass.services.async_call(
                    "switch",
                    "turn_on" if target else "turn_off",
                    {"entity_id": entity_id},
                    blocking=True,
                )
                outcome = "switched"
            except HomeAssistantError as err:
                outcome = err.translation_key or type(err).__name__
        self.report.presses[outcome] += 1
        if (shown := judge.switch_contradicts(key, getattr(battery, key))) is not None:
            self.report.evidence.setdefault("switch", self._log_since_observation())
            self.report.switch_contradictions.append(
                f"poll {self.report.polls}: {entity_id} shows {shown} after '{outcome}', "
                f"the unit's {key} is {'on' if getattr(battery, key) else 'off'}"
            )
        self._observe(judge, 0)

    async def _quiet_hour(self) -> None:
        """After unload: a healthy unit advertising for an hour must not be contacted."""
        self.faults.clear()
        requests = len(self.radio.requests)
        await asyncio.sleep(3600)
        self.report.requests_after_unload = len(self.radio.requests) - requests

    def _recovery(self) -> None:
        """For each fault: polls until every status value was shown again (None: never)."""
        observations = self._observations
        healthy_at: list[int | None] = [None] * len(observations)
        next_healthy: int | None = None
        for index in range(len(observations) - 1, -1, -1):
            if observations[index][2]:
                next_healthy = index
            healthy_at[index] = next_healthy
        recovery: dict[str, list[int | None]] = {}
        for index, (_, fired, _) in enumerate(observations):
            end = healthy_at[index]
            polls = None if end is None else sum(o[0] for o in observations[index + 1 : end + 1])
            for kind, count in fired.items():
                recovery.setdefault(kind, []).extend([polls] * count)
        self.report.recovery = recovery


async def run_soak(
    hass: HomeAssistant, proxy: SimulatedBluetoothProxy, config: SoakConfig
) -> SoakReport:
    """Soak one simulated unit behind `proxy` (started, registered with `hass`)."""
    return await Soak(hass, proxy, config).run()


@asynccontextmanager
async def simulated_home() -> AsyncIterator[tuple[HomeAssistant, SimulatedBluetoothProxy]]:
    """Home Assistant as the tests run it, its Bluetooth stack reaching only the proxy."""
    from homeassistant import loader
    from homeassistant.helpers import frame
    from pytest_homeassistant_custom_component.common import (
        async_test_home_assistant,
        mock_storage,
    )

    from benchmarks.hass_fleet import bluetooth_without_adapters

    # Home Assistant finds custom integrations through the top-level package; this
    # repository's must be imported before it looks.
    import custom_components  # noqa: F401

    # No local adapter: the proxy is the only way to the unit.
    with mock_storage(), bluetooth_without_adapters():
        async with async_test_home_assistant(asyncio.get_running_loop()) as hass:
            frame.async_setup(hass)
            hass.data.pop(loader.DATA_CUSTOM_COMPONENTS)
            assert await async_setup_component(hass, "bluetooth", {})
            await hass.async_block_till_done()
            proxy = SimulatedBluetoothProxy(hass)
            proxy.async_start()
            try:
                yield hass, proxy
            finally:
                proxy.async_stop()
                await hass.async_stop(force=True)


async def _soak_in_simulated_home(config: SoakConfig) -> SoakReport:
    async with simulated_home() as (hass, proxy):
        return await run_soak(hass, proxy, config)


def main(argv: list[str] | None = None) -> int:
    """Run a soak and print its figures; exit status 1 when it found something wrong."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    defaults = SoakConfig()
    parser.add_argument("--polls", type=int, default=defaults.polls)
    parser.add_argument("--seed", type=int, default=defaults.seed)
    parser.add_argument("--press-every", type=int, default=defaults.press_every)
    parser.add_argument(
        "--connection-mode", choices=("persistent", "per_poll"), default="persistent"
    )
    args = parser.parse_args(argv)
    config = SoakConfig(
        polls=args.polls,
        seed=args.seed,
        press_every=args.press_every,
        connection_mode=args.connection_mode,
    )
    report = asyncio.run(_soak_in_simulated_home(config))
    print(format_report(report))
    failed = (
        report.wrong
        or report.switch_contradictions
        or report.leaked
        or report.log_problems
        or report.loop_errors
        or report.requests_after_unload
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
