"""An asyncio event loop whose clock skips the time it would spend idle.

`loop.time()` is the real monotonic clock plus every idle stretch skipped so far: when
nothing is ready and the next timer is seconds away, the loop moves its clock to that timer
instead of sleeping. Work still takes the real time it takes (so the lag a callback sees
behind others is real), waits cost nothing, and a simulated hour of polling runs in the
time its work needs. While a thread of an executor works, the loop waits for it in real
time rather than skipping, so a job handed to a thread never appears to take hours.

Everything that schedules with the loop (asyncio timeouts, `call_later`, Home Assistant's
`async_call_later`, `async_track_time_interval`, the DataUpdateCoordinator) runs on this
clock. Wall-clock time (`time.time`, `dt_util.utcnow`) is left alone.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
import concurrent.futures
import selectors
import time
from typing import Any

# How long to wait in real time for an executor job before looking again.
_EXECUTOR_POLL_SECONDS = 0.002


class _SkippingSelector(selectors.DefaultSelector):  # type: ignore[misc,valid-type]
    """A selector that, when told to wait, skips the wait on its loop's clock instead."""

    def __init__(self) -> None:
        super().__init__()
        self.loop: SimTimeLoop | None = None

    def select(self, timeout: float | None = None) -> list[tuple[Any, int]]:
        loop = self.loop
        if loop is None or timeout == 0:
            return super().select(timeout)
        if loop.executor_jobs:
            wait = _EXECUTOR_POLL_SECONDS if timeout is None else min(timeout, 0.002)
            return super().select(wait)
        ready = super().select(0)
        if ready or timeout is None:
            return ready or super().select(timeout)
        loop.skip(timeout)
        return []


class SimTimeLoop(asyncio.SelectorEventLoop):
    """A selector event loop on a clock that jumps over idle time."""

    def __init__(self) -> None:
        """Create the loop; its clock starts at the real monotonic time."""
        selector = _SkippingSelector()
        super().__init__(selector)
        selector.loop = self
        self._skipped = 0.0
        self.executor_jobs = 0

    def time(self) -> float:
        """Return the real monotonic time plus the idle time skipped so far."""
        return time.monotonic() + self._skipped

    @property
    def skipped(self) -> float:
        """Return the idle seconds skipped so far."""
        return self._skipped

    def skip(self, seconds: float) -> None:
        """Move the clock `seconds` ahead (an idle wait that costs nothing)."""
        self._skipped += seconds

    def run_in_executor(  # type: ignore[override]
        self, executor: concurrent.futures.Executor | None, func: Callable[..., Any], *args: Any
    ) -> asyncio.Future[Any]:
        """Run `func` in a thread, and wait for it in real time while it runs."""
        future = super().run_in_executor(executor, func, *args)
        self.executor_jobs += 1
        future.add_done_callback(self._job_done)
        return future

    def _job_done(self, _future: asyncio.Future[Any]) -> None:
        self.executor_jobs -= 1
