"""What a soak watches besides the entities: polls ending, log lines, and leaks after unload."""

from __future__ import annotations

import asyncio
from collections import Counter, deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
import logging
from typing import Any, Final

from habluetooth import get_manager
from homeassistant.core import HomeAssistant

from simproxy import SimulatedBluetoothProxy
from simulator.radio import RadioUnit

INTEGRATION_LOGGER: Final = "custom_components.daly_bms"
# Home Assistant's DataUpdateCoordinator logs this line at debug level after every refresh,
# successful or not: the one sign of a poll that needs no hook in the integration.
_POLL_FINISHED: Final = "Finished fetching"
_RECENT_LINES: Final = 400


class PollWatch(logging.Handler):
    """Counts the unit's finished polls from the coordinator's own debug line."""

    def __init__(self) -> None:
        """Start at zero polls."""
        super().__init__(logging.DEBUG)
        self.finished = 0
        self.changed = asyncio.Event()

    def emit(self, record: logging.LogRecord) -> None:
        """Count a poll that ended."""
        if record.name == INTEGRATION_LOGGER and str(record.msg).startswith(_POLL_FINISHED):
            self.finished += 1
            self.changed.set()

    async def wait_beyond(self, seen: int) -> int:
        """Wait until more than `seen` polls have ended; return how many have."""
        while self.finished <= seen:
            self.changed.clear()
            await self.changed.wait()
        return self.finished


class LogTally(logging.Handler):
    """Counts log lines by source and level, and keeps every error and traceback."""

    def __init__(self) -> None:
        """Take every level (the loggers decide what reaches here)."""
        super().__init__(logging.DEBUG)
        self.lines: Counter[tuple[str, int]] = Counter()
        self.problems: list[str] = []
        # What stamps each kept line (the soak's simulated seconds).
        self.clock: Callable[[], float] = lambda: 0.0
        # The integration's latest lines: the evidence shown with a finding.
        self.recent: deque[str] = deque(maxlen=_RECENT_LINES)
        self.appended = 0

    def emit(self, record: logging.LogRecord) -> None:
        """Count one line; keep it when it is an error or carries a traceback."""
        ours = record.name == INTEGRATION_LOGGER or record.name.startswith(f"{INTEGRATION_LOGGER}.")
        self.lines["daly_bms" if ours else "other", record.levelno] += 1
        if ours:
            name = record.name.removeprefix(INTEGRATION_LOGGER).lstrip(".") or "daly_bms"
            self.recent.append(f"{self.clock():10.3f} {name}: {record.getMessage()}")
            self.appended += 1
        if record.levelno >= logging.ERROR or record.exc_info or record.exc_text:
            self.problems.append(f"{record.levelname} {record.name}: {record.getMessage()}")

    def since(self, mark: int) -> list[str]:
        """Return the integration's lines after the `mark`th (as many as are kept)."""
        new = min(self.appended - mark, len(self.recent))
        return list(self.recent)[len(self.recent) - new :] if new > 0 else []


@contextmanager
def watching_logs(*handlers: logging.Handler) -> Iterator[None]:
    """Send the integration's debug lines and everyone's warnings to `handlers`."""
    root = logging.getLogger()
    ours = logging.getLogger(INTEGRATION_LOGGER)
    level = ours.level
    ours.setLevel(logging.DEBUG)
    for handler in handlers:
        root.addHandler(handler)
    try:
        yield
    finally:
        for handler in handlers:
            root.removeHandler(handler)
        ours.setLevel(level)


@contextmanager
def catching_loop_errors(loop: asyncio.AbstractEventLoop) -> Iterator[list[str]]:
    """Collect what reaches the loop's exception handler (a task that died unobserved)."""
    caught: list[str] = []
    previous = loop.get_exception_handler()

    def handler(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        caught.append(f"{context.get('message')}: {context.get('exception')!r}")
        if previous is not None:
            previous(loop, context)
        else:
            loop.default_exception_handler(context)

    loop.set_exception_handler(handler)
    try:
        yield caught
    finally:
        loop.set_exception_handler(previous)


def _timer_kind(handle: asyncio.TimerHandle) -> str:
    callback = handle._callback  # type: ignore[attr-defined]
    target = getattr(callback, "__self__", None)
    name = getattr(callback, "__qualname__", repr(callback))
    return f"{type(target).__name__}.{name}" if target is not None else name


def _timers(loop: asyncio.AbstractEventLoop) -> Counter[str]:
    scheduled: list[asyncio.TimerHandle] = loop._scheduled  # type: ignore[attr-defined]
    return Counter(_timer_kind(handle) for handle in scheduled if not handle.cancelled())


def _bluetooth_callbacks(address: str) -> int:
    manager: Any = get_manager()
    return (
        len(manager._callback_index.address.get(address, ()))
        + len(manager._connectable_unavailable_callbacks.get(address, ()))
        + len(manager._unavailable_callbacks.get(address, ()))
    )


@dataclass(frozen=True, slots=True)
class Resources:
    """What Home Assistant holds at one moment: tasks, listeners, timers, links, callbacks."""

    tasks: frozenset[asyncio.Task[Any]]
    listeners: Counter[str]
    timers: Counter[str]
    links: tuple[str, ...]
    bluetooth_callbacks: int

    @classmethod
    def now(
        cls, hass: HomeAssistant, proxy: SimulatedBluetoothProxy, radio: RadioUnit
    ) -> Resources:
        """Take stock now."""
        return cls(
            tasks=frozenset(asyncio.all_tasks(hass.loop)),
            listeners=Counter({str(event): n for event, n in hass.bus.async_listeners().items()}),
            timers=_timers(hass.loop),
            links=tuple(proxy.registry.linked_addresses),
            bluetooth_callbacks=_bluetooth_callbacks(radio.address),
        )

    def leaks_since(self, before: Resources) -> dict[str, list[str]]:
        """Return what is held now and was not held `before`, by kind."""
        current = asyncio.current_task()
        return {
            "tasks": sorted(
                task.get_name()
                for task in self.tasks - before.tasks
                if task is not current and not task.done()
            ),
            "listeners": [
                f"{event} +{count}"
                for event, count in (self.listeners - before.listeners).items()
                if count > 0
            ],
            "timers": [f"{kind} +{count}" for kind, count in (self.timers - before.timers).items()],
            "open links": list(self.links),
            "bluetooth callbacks": (
                [f"+{self.bluetooth_callbacks - before.bluetooth_callbacks}"]
                if self.bluetooth_callbacks > before.bluetooth_callbacks
                else []
            ),
        }
