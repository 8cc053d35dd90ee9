"""Many units, few proxy slots: units take turns, a full proxy is said at once, with numbers.

Every test runs against the simulated proxy (3 connection slots) through Home Assistant's
Bluetooth stack; "other devices" are links another integration would hold.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any
from unittest.mock import patch

import bleak_retry_connector
from habluetooth import Allocations
from homeassistant.components import bluetooth
from homeassistant.config_entries import SOURCE_BLUETOOTH, ConfigEntryState
from homeassistant.const import (
    EVENT_HOMEASSISTANT_STARTED,
    EVENT_STATE_CHANGED,
    STATE_UNAVAILABLE,
)
from homeassistant.core import CoreState, Event, HomeAssistant
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.translation import async_get_translations
import pytest

from custom_components.daly_bms.coordinator import DalyCoordinator
from custom_components.daly_bms.phases import PollPhases, next_reading_delay, spread_fraction
from custom_components.daly_bms.slots import slot_stats
from simproxy import SimulatedBluetoothProxy, SimulatedProxyScanner
from simulator.radio import RadioUnit
from simulator.unit import SimulatedUnit
from tests.ha_bluetooth import SlotHolders, connect_through_home_assistant

from .common import DOMAIN, LoadedUnit, advance, setup_entry, state, until

PER_POLL = {"connection_mode": "per_poll"}
STAY = {"connection_mode": "persistent"}
LATENCY = 0.05  # real seconds per answer: readings of several units overlap


@contextmanager
def connection_attempts() -> Iterator[list[str]]:
    """Record the addresses bleak-retry-connector is asked to connect to."""
    attempts: list[str] = []
    establish = bleak_retry_connector.establish_connection

    async def counting(client_class: Any, device: Any, name: str, **kwargs: Any) -> Any:
        attempts.append(device.address)
        return await establish(client_class, device, name, **kwargs)

    with patch.object(bleak_retry_connector, "establish_connection", counting):
        yield attempts


@contextmanager
def our_links_at_once(proxy: SimulatedBluetoothProxy, ours: set[str]) -> Iterator[list[int]]:
    """Record, each time a link opens or closes, how many of `ours` the proxy holds."""
    counts: list[int] = []
    remove = proxy.registry.add_listener(
        lambda: counts.append(len(ours & set(proxy.registry.linked_addresses)))
    )
    try:
        yield counts
    finally:
        remove()


@contextmanager
def went_unavailable(hass: HomeAssistant) -> Iterator[list[str]]:
    """Record the entities of this integration that became unavailable."""
    lost: list[str] = []

    def on_change(event: Event[Any]) -> None:
        new = event.data["new_state"]
        if new is not None and new.state == STATE_UNAVAILABLE:
            lost.append(event.data["entity_id"])

    remove = hass.bus.async_listen(EVENT_STATE_CHANGED, on_change)
    try:
        yield lost
    finally:
        remove()


def _issues(hass: HomeAssistant, key: str) -> list[ir.IssueEntry]:
    return [
        issue
        for issue in ir.async_get(hass).issues.values()
        if issue.domain == DOMAIN and issue.translation_key == key
    ]


async def _shown(hass: HomeAssistant, issue: ir.IssueEntry) -> str:
    """Return the issue's description as the user reads it in English."""
    texts = await async_get_translations(hass, "en", "issues", {DOMAIN})
    text = texts[f"component.{DOMAIN}.issues.{issue.translation_key}.description"]
    return text.format(**(issue.translation_placeholders or {}))


async def _two_units_and_one_free_slot(
    load_unit: Callable[..., Awaitable[LoadedUnit]],
    fill_proxy: Callable[[], Awaitable[SlotHolders]],
    latency: float,
) -> tuple[LoadedUnit, LoadedUnit]:
    """Two units connecting per reading; other devices hold all slots but one. The first
    unit answers after `latency` real seconds, so a reading of the second waits for it."""
    slow, waiting = [await load_unit(options=PER_POLL) for _ in range(2)]
    for loaded in (slow, waiting):
        _park_schedule(loaded.entry.runtime_data)
    others = await fill_proxy()
    await others.release(1)
    slow.radio.latency = latency
    return slow, waiting


def _park_schedule(coordinator: DalyCoordinator) -> None:
    """Move the unit's own next reading an hour away: only the test's readings connect.

    Each unit reads at its own point of the interval, which may fall within a test that
    runs for seconds on a slow machine.
    """
    coordinator.update_interval = timedelta(hours=1)
    # Setting the same data again is the supported way to restart the schedule.
    coordinator.async_set_updated_data(coordinator.data)


# ------------------------------------------------------------------ a full proxy


async def test_full_proxy_is_said_at_once_without_trying_to_connect(
    hass: HomeAssistant,
    load_unit: Callable[..., Awaitable[LoadedUnit]],
    fill_proxy: Callable[[], Awaitable[SlotHolders]],
) -> None:
    """Other devices hold every slot: the reading fails at once, with the reason.

    Before, bleak-retry-connector retried against the full proxy (about 36 s on a real
    one) before the reading failed.
    """
    loaded = await load_unit(options=PER_POLL)
    await fill_proxy()
    with connection_attempts() as attempts:
        await advance(hass, 11)
    assert attempts == []
    assert state(hass, "sensor", loaded.radio, "soc").state == STATE_UNAVAILABLE
    failure = loaded.entry.runtime_data.last_exception
    assert getattr(failure, "translation_key", None) == "no_connection_slot"
    assert slot_stats(hass)["no_slot"] == 1


async def test_full_proxy_at_setup_is_retried_with_the_reason(
    hass: HomeAssistant,
    full_proxy: SlotHolders,
    add_simulated_unit: Callable[..., RadioUnit],
) -> None:
    """A unit set up while the proxy is full: not ready, saying why, retried once free."""
    radio = add_simulated_unit()
    with connection_attempts() as attempts:
        entry = await setup_entry(hass, radio, **PER_POLL)
    assert attempts == []
    assert entry.state is ConfigEntryState.SETUP_RETRY
    assert entry.error_reason_translation_key == "no_connection_slot"

    await full_proxy.release()
    await advance(hass, 90)
    assert entry.state is ConfigEntryState.LOADED


async def test_lasting_shortage_raises_an_issue_with_the_numbers(
    hass: HomeAssistant,
    load_unit: Callable[..., Awaitable[LoadedUnit]],
    fill_proxy: Callable[[], Awaitable[SlotHolders]],
) -> None:
    """Two units stay connected, one connects per reading, another device takes the last slot.

    The units need 3 slots, other devices leave 2: the issue says so, once the shortage
    outlasted one retry, and goes away as soon as the unit gets its slot again.
    """
    for _ in range(2):
        await load_unit(options=STAY)
    reader = await load_unit(options=PER_POLL)
    others = await fill_proxy()
    assert len(others.links) == 1

    await advance(hass, 11)
    assert _issues(hass, "no_connection_slot") == []  # one refusal may be a passing link
    await advance(hass, 11)
    [issue] = _issues(hass, "no_connection_slot")
    assert issue.severity is ir.IssueSeverity.WARNING
    assert not issue.is_fixable
    assert issue.translation_placeholders == {
        "scanners": "Simulated proxy (AA:BB:CC:DD:EE:00)",
        "slots": "3",
        "others": "1",
        "available": "2",
        "units": "3",
        "needed": "3",
        "stay_connected": "2",
        "each_reading": "1",
        "each_reading_slots": "1",
    }
    shown = await _shown(hass, issue)
    assert "Simulated proxy (AA:BB:CC:DD:EE:00) can hold 3 Bluetooth connections" in shown
    assert "Other devices hold 1 of them, which leaves 2 for the 3 Daly units" in shown
    assert "These units need 3: one each for the 2 set to **Stay connected**" in shown

    # The other device lets go: the refused unit reads at once, not after its back-off.
    await others.release()
    await hass.async_block_till_done(wait_background_tasks=True)
    assert state(hass, "sensor", reader.radio, "soc").state != STATE_UNAVAILABLE
    assert _issues(hass, "no_connection_slot") == []


async def test_more_units_staying_connected_than_slots_raise_the_issue(
    hass: HomeAssistant,
    load_unit: Callable[..., Awaitable[LoadedUnit]],
    add_simulated_unit: Callable[..., RadioUnit],
) -> None:
    """Three units stay connected on a 3-slot proxy: a fourth needs a slot none can free."""
    for _ in range(3):
        await load_unit(options=STAY)
    radio = add_simulated_unit()
    entry = await setup_entry(hass, radio, **PER_POLL)
    assert entry.error_reason_translation_key == "no_connection_slot"
    await advance(hass, 31)  # Home Assistant retries the setup: refused again
    [issue] = _issues(hass, "no_connection_slot")
    placeholders = issue.translation_placeholders or {}
    assert (placeholders["needed"], placeholders["available"]) == ("4", "3")
    assert (placeholders["stay_connected"], placeholders["each_reading"]) == ("3", "1")

    # The entry is removed: nothing in reach needs the slot any more.
    assert await hass.config_entries.async_remove(entry.entry_id)
    for loaded in hass.config_entries.async_entries(DOMAIN):
        assert await hass.config_entries.async_unload(loaded.entry_id)
    assert _issues(hass, "no_connection_slot") == []


async def test_stay_connected_units_count_against_the_slots_they_hold(
    hass: HomeAssistant,
    load_unit: Callable[..., Awaitable[LoadedUnit]],
    fill_proxy: Callable[[], Awaitable[SlotHolders]],
    add_simulated_unit: Callable[..., RadioUnit],
) -> None:
    """Two units hold two slots for good and another device the third: no turn can come."""
    staying = [await load_unit(options=STAY) for _ in range(2)]
    await fill_proxy()
    radio = add_simulated_unit()
    with connection_attempts() as attempts:
        entry = await setup_entry(hass, radio, **PER_POLL)
    assert attempts == []
    assert entry.error_reason_translation_key == "no_connection_slot"

    # One of them goes: its slot is the newcomer's.
    assert await hass.config_entries.async_unload(staying[0].entry.entry_id)
    await advance(hass, 90)
    assert entry.state is ConfigEntryState.LOADED


async def test_adding_a_unit_behind_a_full_proxy_is_told_at_once(
    hass: HomeAssistant,
    add_simulated_unit: Callable[..., RadioUnit],
    fill_proxy: Callable[[], Awaitable[SlotHolders]],
) -> None:
    """The config flow's check takes its turn too: a full proxy is said without a try."""
    radio = add_simulated_unit()
    service_info = bluetooth.async_last_service_info(hass, radio.address, connectable=True)
    flow = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_BLUETOOTH}, data=service_info
    )
    await fill_proxy()
    with connection_attempts() as attempts:
        result = await hass.config_entries.flow.async_configure(flow["flow_id"], {})
    assert result["errors"] == {"base": "no_connection_slot"}
    assert attempts == []
    assert slot_stats(hass) == {}  # the check left nothing behind at the arbiter


# ---------------------------------------------------------------- taking turns


async def test_units_behind_one_proxy_take_turns_for_its_free_slot(
    hass: HomeAssistant,
    simulated_proxy: SimulatedBluetoothProxy,
    load_unit: Callable[..., Awaitable[LoadedUnit]],
    fill_proxy: Callable[[], Awaitable[SlotHolders]],
) -> None:
    """Three units read at once with one slot free: one after the other, none fails.

    None of them is shown unavailable for waiting, and no connection is tried while the
    slot is taken (that would be bleak-retry-connector's retries against a full proxy).
    """
    units = [await load_unit(options=PER_POLL) for _ in range(3)]
    for loaded in units:
        _park_schedule(loaded.entry.runtime_data)
    others = await fill_proxy()
    await others.release(1)
    for loaded in units:
        loaded.radio.latency = LATENCY
    before = [len(loaded.radio.requests) for loaded in units]
    waits = slot_stats(hass)["waits"]

    ours = {loaded.radio.address for loaded in units}
    with (
        went_unavailable(hass) as lost,
        our_links_at_once(simulated_proxy, ours) as at_once,
        connection_attempts() as attempts,
    ):
        await asyncio.gather(*(loaded.entry.runtime_data.async_refresh() for loaded in units))

    assert all(loaded.entry.runtime_data.last_update_success for loaded in units)
    assert all(len(u.radio.requests) > n for u, n in zip(units, before, strict=True))
    assert max(at_once) == 1
    assert sorted(attempts) == sorted(ours)
    assert slot_stats(hass)["waits"] - waits == 2
    assert lost == []


async def test_a_turn_that_never_comes_ends_in_the_reason(
    hass: HomeAssistant,
    load_unit: Callable[..., Awaitable[LoadedUnit]],
    fill_proxy: Callable[[], Awaitable[SlotHolders]],
) -> None:
    """A reading that holds the one free slot too long: the waiting unit gives up, saying why."""
    slow, waiting = await _two_units_and_one_free_slot(load_unit, fill_proxy, 0.3)
    with (
        patch("custom_components.daly_bms.slots.SLOT_WAIT_LIMIT", 0.05),
        connection_attempts() as attempts,
    ):
        await asyncio.gather(
            slow.entry.runtime_data.async_refresh(), waiting.entry.runtime_data.async_refresh()
        )
    assert attempts == [slow.radio.address]
    assert slow.entry.runtime_data.last_update_success
    failure = waiting.entry.runtime_data.last_exception
    assert getattr(failure, "translation_key", None) == "no_connection_slot"


@pytest.mark.parametrize("stop", ["unload", "cancel"])
async def test_reading_that_stops_waiting_never_connects(
    hass: HomeAssistant,
    load_unit: Callable[..., Awaitable[LoadedUnit]],
    fill_proxy: Callable[[], Awaitable[SlotHolders]],
    stop: str,
) -> None:
    """The entry unloads, or the reading is cancelled (Home Assistant stopping), while it
    waits in line: it gives up its place, never connects, and the unit stays free."""
    slow, waiting = await _two_units_and_one_free_slot(load_unit, fill_proxy, 0.2)
    waits = slot_stats(hass)["waits"]
    with connection_attempts() as attempts:
        reading = hass.async_create_task(slow.entry.runtime_data.async_refresh())
        queued = hass.async_create_task(waiting.entry.runtime_data.async_refresh())
        await until(lambda: slot_stats(hass)["waits"] > waits, "the second reading waits")
        assert not queued.done()
        if stop == "unload":
            assert await hass.config_entries.async_unload(waiting.entry.entry_id)
        else:
            queued.cancel()
        await asyncio.gather(reading, queued, return_exceptions=True)
        await hass.async_block_till_done()
    assert attempts == [slow.radio.address]
    assert not waiting.radio.connected


# -------------------------------------------------------------------- schedule


async def test_units_behind_one_proxy_read_at_different_points_of_the_interval(
    hass: HomeAssistant, load_unit: Callable[..., Awaitable[LoadedUnit]]
) -> None:
    """Two units set up together do not read in the same second: half an interval apart."""
    first, second = [await load_unit(options=PER_POLL) for _ in range(2)]
    for _ in range(2):
        await advance(hass, 11)
    due = [
        handle.when()
        for loaded in (first, second)
        for handle in _refresh_timers(hass, loaded.entry.runtime_data)
    ]
    assert len(due) == 2
    apart = abs(due[0] - due[1]) % 10
    # 5 s apart, give or take Home Assistant's own jitter of up to half a second.
    assert 4.4 <= apart <= 5.6


def _refresh_timers(hass: HomeAssistant, coordinator: object) -> list[asyncio.TimerHandle]:
    from pytest_homeassistant_custom_component.common import get_scheduled_timer_handles

    return [
        handle
        for handle in get_scheduled_timer_handles(hass.loop)
        if getattr(handle._callback, "__self__", None) is coordinator
    ]


# -------------------------------------------------------------------- start-up


@pytest.fixture
def home_assistant_starting(hass: HomeAssistant) -> Iterator[None]:
    """Home Assistant in its start, when it waits for every entry to be set up."""
    hass.set_state(CoreState.not_running)
    with patch("custom_components.daly_bms.coordinator.STARTUP_BUDGET", 0.3):
        yield
    hass.set_state(CoreState.running)


@pytest.mark.usefixtures("home_assistant_starting")
async def test_unit_asleep_at_start_gives_way_and_is_set_up_later(
    hass: HomeAssistant, add_simulated_unit: Callable[..., RadioUnit]
) -> None:
    """A sleeping unit does not hold up Home Assistant's start: it is retried afterwards."""
    radio = add_simulated_unit()
    radio.unit.force_sleep()
    entry = await setup_entry(hass, radio, **PER_POLL)
    assert entry.state is ConfigEntryState.SETUP_RETRY
    assert entry.error_reason_translation_key == "startup_timeout"
    assert not radio.connected
    assert slot_stats(hass) == {}  # nothing left queued or held at the arbiter

    # Home Assistant has started: the entry is retried (the unit woke meanwhile).
    radio.unit.wake()
    hass.set_state(CoreState.running)
    hass.bus.async_fire(EVENT_HOMEASSISTANT_STARTED)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert entry.state is ConfigEntryState.LOADED


@pytest.mark.usefixtures("home_assistant_starting")
async def test_awake_unit_at_start_is_read_in_one_connection(
    hass: HomeAssistant, add_simulated_unit: Callable[..., RadioUnit]
) -> None:
    """The first values come from the connection that learned the unit: no second one."""
    radio = add_simulated_unit()
    with connection_attempts() as attempts:
        entry = await setup_entry(hass, radio, **PER_POLL)
    assert entry.state is ConfigEntryState.LOADED
    assert attempts == [radio.address]
    assert state(hass, "sensor", radio, "soc").state not in (STATE_UNAVAILABLE, "unknown")


# ----------------------------------------------------- what scanners report


class _CountOnlyScanner(SimulatedProxyScanner):
    """A proxy on older firmware: it reports how many slots are free, not who holds them."""

    def get_allocations(self) -> Allocations | None:
        allocations = super().get_allocations()
        if allocations is None:
            return None
        return Allocations(allocations.adapter, allocations.slots, allocations.free, [])


async def _second_proxy(hass: HomeAssistant, *, slots: int | None) -> SimulatedBluetoothProxy:
    proxy = SimulatedBluetoothProxy(
        hass,
        source="AA:BB:CC:DD:EE:01",
        name="Old proxy",
        connection_slots=slots,
    )
    with patch("simproxy.proxy.SimulatedProxyScanner", _CountOnlyScanner):
        proxy.async_start()
    return proxy


async def _unit_behind(
    hass: HomeAssistant, proxy: SimulatedBluetoothProxy, number: int
) -> tuple[RadioUnit, Any]:
    address = f"C0:DA:1B:00:01:{number:02X}"
    unit = SimulatedUnit(name="DL-" + address.replace(":", ""), address=address)
    radio = proxy.add_unit(unit, latency=LATENCY)
    proxy.async_advertise(radio)
    entry = await setup_entry(hass, radio, **PER_POLL)
    assert entry.state is ConfigEntryState.LOADED
    return radio, entry


@pytest.mark.usefixtures("simulated_proxy")
async def test_proxy_that_reports_only_counts_is_shared_in_turn(
    hass: HomeAssistant,
) -> None:
    """A one-slot proxy that names no holders: two units still take turns, none fails."""
    proxy = await _second_proxy(hass, slots=1)
    try:
        behind = [await _unit_behind(hass, proxy, n) for n in range(2)]
        for _, entry in behind:
            _park_schedule(entry.runtime_data)
        ours = {radio.address for radio, _ in behind}
        with our_links_at_once(proxy, ours) as at_once, connection_attempts() as attempts:
            await asyncio.gather(*(entry.runtime_data.async_refresh() for _, entry in behind))
        assert all(entry.runtime_data.last_update_success for _, entry in behind)
        assert max(at_once) == 1
        assert sorted(attempts) == sorted(ours)
        # Long after the last reading, its slot no longer counts as coming free: with the
        # slot taken by another device, a reading is refused at once instead of waiting.
        await advance(hass, 5)
        others = SlotHolders([], [])
        radio = proxy.add_unit(SimulatedUnit(name="DL-OTHER", address="C0:DA:1B:00:01:FF"))
        proxy.async_advertise(radio)
        others.links.append(await connect_through_home_assistant(hass, radio))
        with connection_attempts() as attempts:
            await behind[0][1].runtime_data.async_refresh()
        assert attempts == []
        await others.release()
    finally:
        proxy.async_stop()


@pytest.mark.usefixtures("simulated_proxy")
async def test_scanner_without_a_slot_limit_is_never_waited_for(hass: HomeAssistant) -> None:
    """A scanner that reports no slots sets no limit: units behind it read at once."""
    proxy = await _second_proxy(hass, slots=None)
    try:
        behind = [await _unit_behind(hass, proxy, n) for n in range(3)]
        waits = slot_stats(hass)["waits"]
        await asyncio.gather(*(entry.runtime_data.async_refresh() for _, entry in behind))
        assert all(entry.runtime_data.last_update_success for _, entry in behind)
        assert slot_stats(hass)["waits"] == waits
    finally:
        proxy.async_stop()


def test_next_reading_keeps_each_unit_on_its_phase() -> None:
    """Readings fall on the unit's point of the interval, never more than one apart."""
    # On time: the next one a whole interval after the one that began on the phase.
    assert next_reading_delay(now=101.6, started=100.3, interval=10, phase=0.0) == pytest.approx(
        8.4
    )
    # Right after setup: the first point of the phase after the setup's reading.
    assert next_reading_delay(now=104.2, started=103.0, interval=10, phase=0.5) == pytest.approx(
        0.8
    )
    # A reading that waited past its successor's turn: the one after that, not at once.
    assert next_reading_delay(now=112.0, started=100.3, interval=10, phase=0.0) == pytest.approx(
        8.0
    )


def test_phases_spread_the_units_behind_each_scanner() -> None:
    """Any number of units behind one scanner lie evenly spread; others do not disturb them."""
    assert [spread_fraction(i) for i in range(8)] == [
        0.0,
        0.5,
        0.25,
        0.75,
        0.125,
        0.625,
        0.375,
        0.875,
    ]
    phases = PollPhases()
    assert [phases.take(f"unit {i}", "proxy A") for i in range(3)] == [0.0, 0.5, 0.25]
    assert phases.take("unit 9", "proxy B") == 0.0
    assert phases.take("unit 1", "proxy A") == 0.5  # kept while it stays
    phases.give_back("unit 0")
    assert phases.take("unit 7", "proxy A") == 0.0  # the freed phase is handed out again
    assert phases.take("unit 2", "proxy B") == 0.5  # heard better elsewhere: a phase there
