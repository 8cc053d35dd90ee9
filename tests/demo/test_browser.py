"""The demo as a person meets it: scripts/demo, a browser, the login, the dashboard.

Starts `scripts/demo` exactly as the README says (plus a free port, a throw-away config
directory and --install-browser), logs in through Home Assistant's real login page in
headless Chromium, reads the battery dashboard and stops the demo with SIGINT, the
signal Ctrl-C sends. Set DALY_SKIP_BROWSER=1 to skip it locally; CI always runs it.
DALY_SCREENSHOT=path saves the dashboard there (docs/screenshot.png for the README), after
DALY_SCREENSHOT_WAIT seconds if set, so that the graphs have something to show.
"""

from __future__ import annotations

from collections.abc import Iterator
import contextlib
from dataclasses import dataclass
import os
from pathlib import Path
import re
import signal
import socket
import subprocess
import time

import pytest

from demo.chromium import DEEP_QUERY_JS, BrowserError, Chromium, Page, find_chromium
from demo.dashboard import DASHBOARD_URL_PATH
from demo.prepare import DEMO_PASSWORD, DEMO_USERNAME
from demo.ready import answers
from demo.units import BANK_NAME

REPO_ROOT = Path(__file__).resolve().parents[2]
# A fresh CI machine installs Home Assistant's web UI and Chromium first.
READY_TIMEOUT_S = 1200.0
PAGE_TIMEOUT_S = 180.0
STOP_TIMEOUT_S = 120.0

SOC_ON_GAUGE = re.compile(r"(\d{1,3}(?:\.\d+)?)\s*%\s*State of charge")
CELL_VOLTAGE = re.compile(r"Cell (\d+)\s+(\d\.\d{3})\s*V")


def _must_run() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


pytestmark = [
    pytest.mark.skipif(
        not _must_run() and os.environ.get("DALY_SKIP_BROWSER") == "1",
        reason="DALY_SKIP_BROWSER=1",
    ),
    pytest.mark.timeout(READY_TIMEOUT_S + 3 * PAGE_TIMEOUT_S + STOP_TIMEOUT_S),
]


@dataclass
class RunningDemo:
    """scripts/demo in a process group of its own, and where it writes."""

    process: subprocess.Popen[bytes]
    url: str
    config_dir: Path
    output: Path

    def tail(self, lines: int = 40) -> str:
        """Return the end of the script's output and of Home Assistant's log."""
        parts = []
        for label, path in (
            ("scripts/demo output", self.output),
            ("home-assistant.log", self.config_dir / "home-assistant.log"),
        ):
            with contextlib.suppress(OSError):
                text = path.read_text(encoding="utf-8", errors="replace")
                parts.append(f"--- {label} ---\n" + "\n".join(text.splitlines()[-lines:]))
        return "\n".join(parts)

    def interrupt(self) -> int | None:
        """Send SIGINT to the whole group, as Ctrl-C in a terminal does; return the exit."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGINT)
        try:
            return self.process.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            return None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def demo(socket_enabled: None, tmp_path: Path) -> Iterator[RunningDemo]:
    """Start scripts/demo and wait until its web server answers."""
    port = _free_port()
    output = tmp_path / "demo-output.log"
    command = [
        str(REPO_ROOT / "scripts" / "demo"),
        "--install-browser",
        "--port",
        str(port),
        "--config",
        str(tmp_path / "config"),
        "--speed",
        "600",
    ]
    with output.open("wb") as sink:
        process = subprocess.Popen(
            command,
            cwd=REPO_ROOT,
            stdin=subprocess.DEVNULL,
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    running = RunningDemo(process, f"http://localhost:{port}", tmp_path / "config", output)
    try:
        deadline = time.monotonic() + READY_TIMEOUT_S
        while not answers(running.url):
            if process.poll() is not None:
                pytest.fail(f"scripts/demo exited with {process.returncode}\n{running.tail()}")
            if time.monotonic() > deadline:
                pytest.fail(
                    f"scripts/demo not answering after {READY_TIMEOUT_S:.0f} s\n{running.tail()}"
                )
            time.sleep(1.0)
        yield running
    finally:
        if process.poll() is None:
            running.interrupt()
        if process.poll() is None:
            process.kill()
            process.wait()


def _log_in(page: Page, url: str) -> None:
    page.navigate(f"{url}/")
    page.wait_for(
        "location.pathname.startsWith('/auth/authorize')", PAGE_TIMEOUT_S, "the login page"
    )
    page.wait_for(
        f"!!{DEEP_QUERY_JS}('input[name=password]')", PAGE_TIMEOUT_S, "the password field"
    )
    page.type_into("input[name=username]", DEMO_USERNAME)
    page.type_into("input[name=password]", DEMO_PASSWORD)
    page.press_enter()


def _dashboard_text(page: Page) -> str:
    """Wait until both batteries show a state of charge and cell voltages."""
    deadline = time.monotonic() + PAGE_TIMEOUT_S
    text = ""
    while time.monotonic() < deadline:
        try:
            text = page.text()
        except BrowserError:
            # The dashboard reloads itself when its config is rewritten: read again.
            time.sleep(1.0)
            continue
        if (
            len(SOC_ON_GAUGE.findall(text)) >= 2
            and "DL-" in text
            and "JHB-" in text
            and BANK_NAME in text
            and "Ready to parallel" in text
            and len(CELL_VOLTAGE.findall(text)) >= 16 + 16 + 8
        ):
            return text
        time.sleep(1.0)
    pytest.fail(f"the dashboard never showed the bank and its batteries; it showed:\n{text[:3000]}")


def _screenshot_path(tmp_path: Path) -> Path:
    wanted = os.environ.get("DALY_SCREENSHOT")
    return (REPO_ROOT / wanted) if wanted else tmp_path / "dashboard.png"


def test_demo_dashboard_in_a_browser(demo: RunningDemo, tmp_path: Path) -> None:
    """Log in, see the bank and the batteries with plausible values, stop with Ctrl-C."""
    executable = find_chromium()
    assert executable is not None, "scripts/demo --install-browser left no chromium on PATH"

    with Chromium(executable, width=1280, height=1000) as browser:
        try:
            page = browser.new_page()
            _log_in(page, demo.url)
            page.wait_for(
                f"location.pathname.startsWith('/{DASHBOARD_URL_PATH}')",
                PAGE_TIMEOUT_S,
                "the battery dashboard as the page after logging in",
            )
            text = _dashboard_text(page)
            # Lets the graphs fill in before a screenshot meant for the README.
            time.sleep(float(os.environ.get("DALY_SCREENSHOT_WAIT", "0")))
            shot = _screenshot_path(tmp_path)
            height = int(page.evaluate("document.documentElement.scrollHeight"))
            page.screenshot(shot, full_height=min(max(height, 1000), 4000))
        except Exception as err:
            raise AssertionError(
                f"{err}\n--- chromium ---\n{browser.log_tail()}\n{demo.tail()}"
            ) from err

    socs = [float(value) for value in SOC_ON_GAUGE.findall(text)]
    assert all(0.0 <= soc <= 100.0 for soc in socs), socs
    cells = {int(number): float(volts) for number, volts in CELL_VOLTAGE.findall(text)}
    assert set(cells) == set(range(1, 17)), sorted(cells)
    # LiFePO4 cells of a healthy pack stay inside their protection window.
    assert all(2.5 <= volts <= 3.65 for volts in cells.values()), cells
    assert shot.stat().st_size > 10_000

    banner = demo.output.read_text(encoding="utf-8", errors="replace")
    assert f"Open      {demo.url}" in banner, demo.tail()
    assert f"Log in    {DEMO_USERNAME} / {DEMO_PASSWORD}" in banner, demo.tail()

    exit_code = demo.interrupt()
    assert exit_code == 0, f"scripts/demo did not stop cleanly ({exit_code})\n{demo.tail()}"
    log = (demo.config_dir / "home-assistant.log").read_text(encoding="utf-8")
    assert "Traceback" not in log, demo.tail(200)
