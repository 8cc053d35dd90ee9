"""Connection slots of the adapters and proxies in reach, shared by every unit in turn.

An ESPHome Bluetooth proxy has three or four connection slots, a local adapter a few more.
A unit set to Stay connected holds one for good; a unit set to Connect for each reading
holds one for a second or two per reading. Home Assistant's Bluetooth manager knows which
scanners hear a unit and, for scanners that report them, how many slots each has, how many
are free and which devices hold them. The arbiter (one per Home Assistant, shared by every
entry) uses that to let units that share a scanner take turns, in the order they asked, and
to refuse at once, saying why, when no slot can come free for a unit - instead of letting
bleak-retry-connector retry for half a minute against a full proxy.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
import logging
from typing import Final

from habluetooth import HaBluetoothSlotAllocations, get_manager
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.util.hass_dict import HassKey

from .const import DOMAIN, ConnectionMode
from .errors import NoFreeSlotError
from .scanners import Path, scanner_paths, slot_report
from .slot_issue import SlotIssues, SlotNeed

_LOGGER = logging.getLogger(__package__)

# A turn comes within seconds while readings take turns; waiting longer than this means a
# link that never lets go, and the reading fails (with the reason) rather than hang.
SLOT_WAIT_LIMIT: Final = 120.0
# Proxies report a slot as free a moment after the link closed. Until then a slot one of
# our readings just gave back still counts as coming free.
RELEASE_GRACE: Final = 3.0

DATA_ARBITER: Final[HassKey[SlotArbiter]] = HassKey(f"{DOMAIN}_slot_arbiter")


@dataclass(slots=True)
class _Lease:
    address: str
    source: str | None
    stays: bool
    connected: bool = False


@dataclass(slots=True)
class _Waiter:
    unit: UnitSlots
    future: asyncio.Future[None]


class UnitSlots:
    """One unit's place at the arbiter: ask for a slot, say when connected, give it back."""

    def __init__(
        self,
        arbiter: SlotArbiter,
        address: str,
        name: str,
        mode: ConnectionMode,
        on_slot_free: Callable[[], None],
    ) -> None:
        """Register the unit; `on_slot_free` is called when a slot frees after a refusal."""
        self._arbiter = arbiter
        self.address = address.upper()
        self.name = name
        self.stays = mode is ConnectionMode.PERSISTENT
        self.on_slot_free = on_slot_free
        # Set after a refusal: the next slot that frees is worth a reading at once.
        self.starved = False

    async def async_acquire(self) -> None:
        """Wait for this unit's turn for a slot; NoFreeSlotError when none can come free."""
        await self._arbiter.async_acquire(self)

    @callback
    def connected(self) -> None:
        """Record that the link is up: the scanner now counts it."""
        self._arbiter.connected(self)

    @callback
    def release(self) -> None:
        """Give the slot back (the link is closed or lost); safe to call without one."""
        self._arbiter.release(self)

    @callback
    def close(self) -> None:
        """Leave the arbiter for good (the entry unloads)."""
        self._arbiter.unregister(self)


class SlotArbiter:
    """Shares the connection slots of every scanner among this integration's units."""

    def __init__(self, hass: HomeAssistant) -> None:
        """Start with no units; allocation reports are followed while any unit is here."""
        self._hass = hass
        # Keyed by handle, not address: the config flow's check of a unit may take a turn
        # while the unit's own entry is loaded.
        self._units: set[UnitSlots] = set()
        self._leases: dict[UnitSlots, _Lease] = {}
        self._waiters: list[_Waiter] = []
        # source -> address -> the timer that ends the grace of a slot just given back
        self._releasing: dict[str, dict[str, asyncio.TimerHandle]] = {}
        self._issues = SlotIssues(hass)
        self._unsubscribe: CALLBACK_TYPE | None = None
        self.waits = 0
        self.longest_wait = 0.0
        self.no_slot = 0

    # ---------------------------------------------------------------- membership

    @callback
    def register(
        self, address: str, name: str, mode: ConnectionMode, on_slot_free: Callable[[], None]
    ) -> UnitSlots:
        """Add a unit; it asks for slots through the returned handle."""
        unit = UnitSlots(self, address, name, mode, on_slot_free)
        self._units.add(unit)
        if self._unsubscribe is None:
            self._unsubscribe = get_manager().async_register_allocation_callback(
                self._async_on_allocations
            )
        return unit

    @callback
    def unregister(self, unit: UnitSlots) -> None:
        """Drop a unit, its slot and its place in line; the last one out closes up."""
        if unit not in self._units:
            return
        self.release(unit)
        self._drop_waiter(unit, NoFreeSlotError(f"{unit.name}: the integration let go of it"))
        self._units.discard(unit)
        if not self._units:
            if self._unsubscribe is not None:
                self._unsubscribe()
                self._unsubscribe = None
            for released in self._releasing.values():
                for timer in released.values():
                    timer.cancel()
            self._releasing.clear()
            self._issues.clear_all()
            if self._hass.data.get(DATA_ARBITER) is self:
                del self._hass.data[DATA_ARBITER]

    # ------------------------------------------------------------------- leasing

    async def async_acquire(self, unit: UnitSlots) -> None:
        """Grant `unit` a slot now, after its turn, or raise NoFreeSlotError."""
        self.release(unit)
        waiter = _Waiter(unit, self._hass.loop.create_future())
        self._waiters.append(waiter)
        self._async_settle()
        if waiter.future.done():
            waiter.future.result()
            return
        self.waits += 1
        began = self._hass.loop.time()
        try:
            async with asyncio.timeout(SLOT_WAIT_LIMIT):
                await waiter.future
        except TimeoutError as err:
            self.no_slot += 1
            self._drop_waiter(unit, None)
            raise NoFreeSlotError(
                f"no connection slot came free in {SLOT_WAIT_LIMIT:.0f} s"
            ) from err
        except asyncio.CancelledError:
            self._drop_waiter(unit, None)
            # Cancelled just as the turn came: the slot is given back, not kept by no one.
            self.release(unit)
            raise
        finally:
            self.longest_wait = max(self.longest_wait, self._hass.loop.time() - began)

    @callback
    def connected(self, unit: UnitSlots) -> None:
        """Note that `unit`'s link is up, and through which scanner it went."""
        if (lease := self._leases.get(unit)) is None:
            return
        lease.connected = True
        for path in scanner_paths(self._hass, unit.address):
            report = path.allocations
            if report is not None and unit.address in report.allocated:
                lease.source = path.source
                break

    @callback
    def release(self, unit: UnitSlots) -> None:
        """Give `unit`'s slot back and let the next in line have it."""
        lease = self._leases.pop(unit, None)
        if lease is None:
            return
        if lease.source is not None and lease.connected:
            report = slot_report(lease.source)
            # Still listed, or a report without addresses: the scanner has not seen it go.
            if report is not None and (not report.allocated or unit.address in report.allocated):
                released = self._releasing.setdefault(lease.source, {})
                if (timer := released.get(unit.address)) is not None:
                    timer.cancel()
                released[unit.address] = self._hass.loop.call_later(
                    RELEASE_GRACE, self._grace_over, lease.source, unit.address
                )
        self._async_settle()

    @callback
    def _grace_over(self, source: str, address: str) -> None:
        """A slot given back was not reported free in time: it counts as taken now."""
        self._forget_release(source, address)
        self._async_settle()

    def _forget_release(self, source: str, address: str) -> None:
        released = self._releasing.get(source, {})
        if (timer := released.pop(address, None)) is not None:
            timer.cancel()
        if not released:
            self._releasing.pop(source, None)

    def _pending(self, path: Path) -> tuple[int, bool]:
        """Return how many of our links through `path` its report does not count yet, and
        whether a slot there frees soon (a reading in progress, a slot just given back)."""
        pending = 0
        frees_soon = bool(self._releasing.get(path.source))
        for lease in self._leases.values():
            if lease.source == path.source:
                frees_soon = frees_soon or not lease.stays
                if not path.counts(lease.address, connected=lease.connected):
                    pending += 1
        return pending, frees_soon

    # ---------------------------------------------------------------- deciding

    @callback
    def _async_settle(self) -> None:
        """Grant slots to waiters in order; refuse those for whom none can come free."""
        # Counted once per pass: each grant in the pass takes one from the count.
        pending: dict[str, tuple[int, bool]] = {}

        def free(path: Path) -> int:
            assert path.allocations is not None
            if path.source not in pending:
                pending[path.source] = self._pending(path)
            return path.allocations.free - pending[path.source][0]

        for waiter in list(self._waiters):
            unit = waiter.unit
            paths = scanner_paths(self._hass, unit.address)
            limited = [p for p in paths if p.allocations is not None]
            if len(limited) < len(paths) or not paths:
                # A scanner without a slot limit, or none at all: nothing to wait for here.
                self._grant(waiter, None)
                continue
            if (path := next((p for p in limited if free(p) > 0), None)) is not None:
                count, soon = pending[path.source]
                pending[path.source] = (count + 1, soon or not unit.stays)
                self._grant(waiter, path.source)
                self._issues.slot_found(path.source)
                continue
            if any(pending[p.source][1] for p in limited):
                continue
            self._refuse(waiter, limited)
        self._wake_starved(free)

    def _grant(self, waiter: _Waiter, source: str | None) -> None:
        unit = waiter.unit
        self._waiters.remove(waiter)
        self._leases[unit] = _Lease(unit.address, source, unit.stays)
        unit.starved = False
        if not waiter.future.done():
            waiter.future.set_result(None)

    def _refuse(self, waiter: _Waiter, paths: list[Path]) -> None:
        unit = waiter.unit
        self._waiters.remove(waiter)
        self.no_slot += 1
        unit.starved = True
        need = self._need(paths)
        _LOGGER.debug("%s: no connection slot can come free (%s)", unit.name, need)
        self._issues.no_slot(unit.address, need)
        if not waiter.future.done():
            waiter.future.set_exception(NoFreeSlotError(need.describe()))

    def _need(self, paths: list[Path]) -> SlotNeed:
        """Count, for the scanners in `paths`, the slots our units need and others hold."""
        sources = {p.source for p in paths}
        stay = each = 0
        for unit in self._units:
            if sources.isdisjoint(p.source for p in scanner_paths(self._hass, unit.address)):
                continue
            if unit.stays:
                stay += 1
            else:
                each += 1
        held = sum(p.allocations.slots - p.allocations.free for p in paths if p.allocations)
        ours = sum(
            1 for lease in self._leases.values() if lease.source in sources and lease.connected
        )
        return SlotNeed(
            scanners=tuple(sorted(p.name for p in paths)),
            sources=tuple(sorted(sources)),
            slots=sum(p.allocations.slots for p in paths if p.allocations),
            held_by_others=max(0, held - ours),
            stay_connected=stay,
            each_reading=each,
        )

    def _wake_starved(self, free: Callable[[Path], int]) -> None:
        """Let a unit refused earlier read at once when a slot in its reach frees."""
        waiting = {w.unit for w in self._waiters}
        for unit in list(self._units):
            if not unit.starved or unit in waiting:
                continue
            limited = [
                p for p in scanner_paths(self._hass, unit.address) if p.allocations is not None
            ]
            if any(free(p) > 0 for p in limited):
                unit.starved = False
                unit.on_slot_free()

    def _drop_waiter(self, unit: UnitSlots, error: Exception | None) -> None:
        for waiter in list(self._waiters):
            if waiter.unit is unit:
                self._waiters.remove(waiter)
                if error is not None and not waiter.future.done():
                    waiter.future.set_exception(error)
                    # Read here so an abandoned future does not log "never retrieved".
                    waiter.future.exception()

    @callback
    def _async_on_allocations(self, report: HaBluetoothSlotAllocations) -> None:
        """A scanner reported its slots: slots given back are now counted as free."""
        for address in list(self._releasing.get(report.source, {})):
            # A report without addresses came after the release: it counts it.
            if not report.allocated or address not in report.allocated:
                self._forget_release(report.source, address)
        self._async_settle()


@callback
def _nothing() -> None:
    """A one-off connection has no reading to bring forward when a slot frees."""


@callback
def async_register_check(hass: HomeAssistant, address: str, name: str) -> UnitSlots:
    """Register a one-off connection (the config flow's check) that takes its turn too."""
    return async_get_arbiter(hass).register(address, name, ConnectionMode.PER_POLL, _nothing)


@callback
def async_get_arbiter(hass: HomeAssistant) -> SlotArbiter:
    """Return the arbiter all entries share, made on first use."""
    if (arbiter := hass.data.get(DATA_ARBITER)) is None:
        arbiter = hass.data[DATA_ARBITER] = SlotArbiter(hass)
    return arbiter


@callback
def slot_stats(hass: HomeAssistant) -> dict[str, float]:
    """Return how often readings waited for a slot, the longest wait, and refusals."""
    if (arbiter := hass.data.get(DATA_ARBITER)) is None:
        return {}
    return {
        "waits": arbiter.waits,
        "longest_wait_s": arbiter.longest_wait,
        "no_slot": arbiter.no_slot,
    }
