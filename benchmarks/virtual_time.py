"""Simulated time for an asyncio event loop: hours of timers and timeouts in seconds.

While installed, the loop's clock stands still while there is work to do and jumps straight
to the next timer when the loop would otherwise wait for it. Timeouts, retries, back-offs,
poll intervals and late radio replies keep their order and their lengths in simulated
seconds, and a run of hours finishes as fast as the processor gets through the work.

Work in another thread (an executor job) is real time: while one is running the loop waits
for it as usual and the clock does not jump.

`benchmarks/simtime.py` skips idle waits too, with a loop of its own whose clock keeps the
real time work takes (the scale benchmark measures the loop's lag with it). This one goes
onto a loop that is already running (the one a test's Home Assistant runs on), and its
clock stands still while work runs: what happens when depends on the seed of a run alone,
so a soak that finds something can be run again to the same point.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from concurrent.futures import Executor
from contextlib import contextmanager
import heapq
import selectors
from typing import Any


class VirtualClock:
    """The simulated clock of one loop; read it with `now()` or the loop's `time()`."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        """Start at the loop's present time."""
        self._loop = loop
        self._now = loop.time()
        self.start = self._now
        self._executor_jobs = 0

    def now(self) -> float:
        """Return the loop's simulated time in seconds."""
        return self._now

    @property
    def elapsed(self) -> float:
        """Return the simulated seconds since the clock was installed."""
        return self._now - self.start

    def select(
        self, real_select: Callable[[float | None], list[tuple[selectors.SelectorKey, int]]]
    ) -> Callable[[float | None], list[tuple[selectors.SelectorKey, int]]]:
        """Wrap the selector's `select`: jump to the next timer instead of waiting for it."""

        def select(timeout: float | None = None) -> list[tuple[selectors.SelectorKey, int]]:
            if timeout is None or timeout <= 0 or self._executor_jobs:
                return real_select(timeout)
            events = real_select(0)
            if not events:
                self._now += timeout
            return events

        return select

    def run_in_executor(
        self, real_run_in_executor: Callable[..., asyncio.Future[Any]]
    ) -> Callable[..., asyncio.Future[Any]]:
        """Wrap `run_in_executor` so the clock holds still while a thread works."""

        def run_in_executor(
            executor: Executor | None, func: Callable[..., Any], *args: Any
        ) -> asyncio.Future[Any]:
            future = real_run_in_executor(executor, func, *args)
            self._executor_jobs += 1
            future.add_done_callback(self._executor_job_done)
            return future

        return run_in_executor

    def _executor_job_done(self, _future: asyncio.Future[Any]) -> None:
        self._executor_jobs -= 1


@contextmanager
def virtual_time(loop: asyncio.AbstractEventLoop) -> Iterator[VirtualClock]:
    """Run `loop` on simulated time inside the block; real time again after it.

    Timers still pending at the end are moved back by the simulated time that passed, so
    they stay the same distance ahead of the real clock.
    """
    clock = VirtualClock(loop)
    selector: selectors.BaseSelector = loop._selector  # type: ignore[attr-defined]
    real_time = loop.time
    real_select = selector.select
    real_run_in_executor = loop.run_in_executor
    loop.time = clock.now  # type: ignore[method-assign]
    selector.select = clock.select(real_select)  # type: ignore[method-assign,assignment]
    loop.run_in_executor = clock.run_in_executor(real_run_in_executor)  # type: ignore[method-assign,assignment]
    try:
        yield clock
    finally:
        loop.time = real_time  # type: ignore[method-assign]
        selector.select = real_select  # type: ignore[method-assign]
        loop.run_in_executor = real_run_in_executor  # type: ignore[method-assign]
        shift = clock.now() - real_time()
        scheduled: list[asyncio.TimerHandle] = loop._scheduled  # type: ignore[attr-defined]
        for handle in scheduled:
            handle._when -= shift  # type: ignore[attr-defined]
        heapq.heapify(scheduled)
