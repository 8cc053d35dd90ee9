"""Wait until the demo's Home Assistant answers over HTTP, then say how to use it.

``python -m demo.ready URL --watch PID`` is started next to Home Assistant by
scripts/demo: it prints the address and the login once the web server is up, and gives
up quietly when the process it watches has gone (Ctrl-C before start-up finished).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import time
import urllib.error
import urllib.request

from demo.prepare import DEMO_PASSWORD, DEMO_USERNAME

POLL_S = 1.0


def answers(url: str) -> bool:
    """Tell whether Home Assistant's web server serves its front page at `url`."""
    try:
        with urllib.request.urlopen(f"{url.rstrip('/')}/manifest.json", timeout=5) as reply:
            return bool(reply.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def alive(pid: int | None) -> bool:
    """Tell whether process `pid` still runs (True when there is none to watch)."""
    if pid is None:
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def wait_until_ready(url: str, *, timeout: float, watch: int | None = None) -> float | None:
    """Poll `url`; return the seconds it took, or None on time-out or when `watch` ends."""
    start = time.monotonic()
    while time.monotonic() - start < timeout and alive(watch):
        if answers(url):
            return time.monotonic() - start
        time.sleep(POLL_S)
    return None


def banner(url: str, seconds: float, speed: float, auto_confirm: bool) -> str:
    """Return what the demo prints once it is ready."""
    day_minutes = 24 * 60 / speed
    units = (
        "added automatically"
        if auto_confirm
        else "waiting under Settings > Devices & services > Discovered"
    )
    return "\n".join(
        [
            "",
            f"  Daly BMS demo is ready after {seconds:.0f} s",
            f"    Open      {url}",
            f"    Log in    {DEMO_USERNAME} / {DEMO_PASSWORD}",
            f"    Batteries DL- (16 cells) and JHB- (8 cells), {units}",
            f"    Speed     x{speed:g}: a simulated day every {day_minutes:.0f} min",
            "    Stop      Ctrl-C",
            "",
        ]
    )


def main(argv: list[str] | None = None) -> int:
    """Wait for the demo and print the banner; exit 1 if it never came up."""
    parser = argparse.ArgumentParser(description="Wait for the demo to answer.")
    parser.add_argument("url")
    parser.add_argument("--watch", type=int, default=None, help="give up when this pid ends")
    parser.add_argument("--timeout", type=float, default=600.0)
    parser.add_argument(
        "--started", type=float, default=None, help="epoch seconds the demo command started"
    )
    parser.add_argument("--speed", type=float, default=60.0)
    parser.add_argument("--auto-confirm", action=argparse.BooleanOptionalAction, default=True)
    args = parser.parse_args(argv)
    with contextlib.suppress(KeyboardInterrupt):
        seconds = wait_until_ready(args.url, timeout=args.timeout, watch=args.watch)
        if seconds is not None:
            if args.started is not None:
                seconds = time.time() - args.started
            print(banner(args.url, seconds, args.speed, args.auto_confirm), flush=True)
            return 0
    return 1


if __name__ == "__main__":
    sys.exit(main())
