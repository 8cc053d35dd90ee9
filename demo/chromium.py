"""Drive a headless Chromium over the DevTools protocol, through a pipe.

``--remote-debugging-pipe`` makes Chromium read commands from file descriptor 3 and write
answers to descriptor 4, as NUL-terminated JSON. No port, no websocket library, nothing
for another process to race for: the browser check needs only the standard library.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
import contextlib
import fcntl
import itertools
import json
import os
from pathlib import Path
import select
import shutil
import subprocess
import tempfile
import time
from typing import Any, Self

# Without the networking flags Chromium's own background connections (updates, sync,
# field trials) go out first and, on a closed network, can hold up the page under test.
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--hide-scrollbars",
    "--mute-audio",
    "--remote-debugging-pipe",
)

# Text of every node, walking into open shadow roots: Home Assistant's frontend is made
# of web components, so document.body.innerText sees almost nothing of it.
DEEP_TEXT_JS = """
(() => {
  const parts = [];
  const walk = (node) => {
    if (!node) return;
    if (node.nodeType === Node.TEXT_NODE) { parts.push(node.textContent); return; }
    if (node.nodeName === 'STYLE' || node.nodeName === 'SCRIPT') return;
    if (node.shadowRoot) walk(node.shadowRoot);
    for (const child of node.childNodes) walk(child);
  };
  walk(document.documentElement);
  return parts.map((part) => part.trim()).filter((part) => part).join('\\n');
})()
"""

# The first element matching a CSS selector anywhere, shadow roots included.
DEEP_QUERY_JS = """
((selector) => {
  const find = (root) => {
    const hit = root.querySelector(selector);
    if (hit) return hit;
    for (const element of root.querySelectorAll('*')) {
      if (element.shadowRoot) {
        const inner = find(element.shadowRoot);
        if (inner) return inner;
      }
    }
    return null;
  };
  return find(document);
})
"""


class BrowserError(RuntimeError):
    """Chromium did not do what was asked in time."""


def find_chromium() -> str | None:
    """Return the path of a Chromium executable on PATH, if there is one."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if path := shutil.which(name):
            return path
    return None


class Chromium:
    """One headless browser; use as a context manager."""

    def __init__(
        self, executable: str, *, width: int = 1280, height: int = 900, timeout: float = 30.0
    ) -> None:
        """Prepare to start `executable` with a fresh profile."""
        self.executable = executable
        self.width = width
        self.height = height
        self.timeout = timeout
        self._ids = itertools.count(1)
        self._buffer = b""
        self._process: subprocess.Popen[bytes] | None = None
        self._profile = ""
        self._to_browser = -1
        self._from_browser = -1
        self.log_path = ""

    def __enter__(self) -> Self:
        """Start the browser."""
        self._profile = tempfile.mkdtemp(prefix="daly-demo-chromium-")
        self.log_path = os.path.join(self._profile, "chromium.log")
        command_read, command_write = os.pipe()
        answer_read, answer_write = os.pipe()
        # Lifted above 10 first so that moving them onto 3 and 4 cannot clobber each other.
        child_in = fcntl.fcntl(command_read, fcntl.F_DUPFD_CLOEXEC, 10)
        child_out = fcntl.fcntl(answer_write, fcntl.F_DUPFD_CLOEXEC, 10)

        def wire_pipes() -> None:  # runs in the child, between fork and exec
            os.dup2(child_in, 3)
            os.dup2(child_out, 4)

        args = [
            self.executable,
            *CHROMIUM_FLAGS,
            f"--user-data-dir={self._profile}",
            f"--window-size={self.width},{self.height}",
            "about:blank",
        ]
        with open(self.log_path, "wb") as log:
            # close_fds=False: every other descriptor is close-on-exec already, and
            # closing would happen after wire_pipes and take 3 and 4 with it.
            self._process = subprocess.Popen(
                args,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                close_fds=False,
                preexec_fn=wire_pipes,  # noqa: PLW1509 - it only calls dup2
            )
        for fd in (command_read, answer_write, child_in, child_out):
            os.close(fd)
        self._to_browser = command_write
        self._from_browser = answer_read
        return self

    def __exit__(self, *exc_info: object) -> None:
        """Close the browser and delete its profile."""
        process = self._process
        if process is not None:
            with contextlib.suppress(BrowserError, OSError):
                self.call("Browser.close", timeout=5)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
        for fd in (self._to_browser, self._from_browser):
            if fd >= 0:
                os.close(fd)
        self._to_browser = self._from_browser = -1
        shutil.rmtree(self._profile, ignore_errors=True)

    def log_tail(self, lines: int = 20) -> str:
        """Return the end of Chromium's own output, for failure messages."""
        try:
            text = Path(self.log_path).read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        # A container has no D-Bus; Chromium's complaints about it are only noise.
        kept = [line for line in text.splitlines() if "dbus/" not in line]
        return "\n".join(kept[-lines:])

    def call(
        self,
        method: str,
        params: dict[str, Any] | None = None,
        *,
        session: str | None = None,
        timeout: float | None = None,
    ) -> dict[str, Any]:
        """Send one command and return its result; events in between are dropped."""
        message_id = next(self._ids)
        message: dict[str, Any] = {"id": message_id, "method": method, "params": params or {}}
        if session is not None:
            message["sessionId"] = session
        os.write(self._to_browser, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        for answer in self._messages(deadline):
            if answer.get("id") != message_id:
                continue
            if "error" in answer:
                raise BrowserError(f"{method}: {answer['error']}")
            result: dict[str, Any] = answer.get("result", {})
            return result
        raise BrowserError(f"{method}: no answer")  # pragma: no cover - _messages raises

    def _messages(self, deadline: float) -> Iterator[dict[str, Any]]:
        while True:
            while b"\0" in self._buffer:
                raw, self._buffer = self._buffer.split(b"\0", 1)
                yield json.loads(raw)
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise BrowserError("timed out waiting for Chromium")
            ready, _, _ = select.select([self._from_browser], [], [], remaining)
            if ready:
                chunk = os.read(self._from_browser, 1 << 16)
                if not chunk:
                    raise BrowserError(f"Chromium went away:\n{self.log_tail()}")
                self._buffer += chunk

    def new_page(self) -> Page:
        """Open a tab and attach to it."""
        target = self.call("Target.createTarget", {"url": "about:blank"})
        attached = self.call(
            "Target.attachToTarget", {"targetId": target["targetId"], "flatten": True}
        )
        page = Page(self, attached["sessionId"])
        page.call("Page.enable")
        page.call("Runtime.enable")
        page.call(
            "Emulation.setDeviceMetricsOverride",
            {"width": self.width, "height": self.height, "deviceScaleFactor": 1, "mobile": False},
        )
        return page


class Page:
    """One tab of the browser."""

    def __init__(self, browser: Chromium, session: str) -> None:
        """Wrap an attached target session."""
        self.browser = browser
        self.session = session

    def call(self, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        """Send a command to this tab."""
        return self.browser.call(method, params, session=self.session)

    def navigate(self, url: str) -> None:
        """Load `url` (returns once the navigation has started)."""
        result = self.call("Page.navigate", {"url": url})
        if error := result.get("errorText"):
            raise BrowserError(f"cannot open {url}: {error}")

    def evaluate(self, expression: str) -> Any:
        """Evaluate JavaScript in the page and return its JSON value."""
        result = self.call(
            "Runtime.evaluate",
            {"expression": expression, "returnByValue": True, "awaitPromise": True},
        )
        if "exceptionDetails" in result:
            raise BrowserError(f"script failed: {result['exceptionDetails']}")
        return result["result"].get("value")

    def wait_for(self, expression: str, timeout: float, what: str) -> Any:
        """Poll a JavaScript expression until it is truthy; return its value."""
        deadline = time.monotonic() + timeout
        while True:
            with contextlib.suppress(BrowserError):
                # A navigation in between destroys the context: just try again.
                if value := self.evaluate(expression):
                    return value
            if time.monotonic() > deadline:
                raise BrowserError(f"timed out after {timeout:.0f} s waiting for {what}")
            time.sleep(0.5)

    def text(self) -> str:
        """Return all text on the page, shadow roots included."""
        return str(self.evaluate(DEEP_TEXT_JS))

    def type_into(self, selector: str, text: str) -> None:
        """Focus the element matching `selector` (shadow roots included) and type text."""
        found = self.evaluate(
            f"(() => {{ const el = {DEEP_QUERY_JS}({json.dumps(selector)});"
            " if (!el) return false; el.focus(); return true; })()"
        )
        if not found:
            raise BrowserError(f"no element matches {selector!r}")
        self.call("Input.insertText", {"text": text})

    def press_enter(self) -> None:
        """Press and release the Enter key in the focused element."""
        key = {"key": "Enter", "code": "Enter", "windowsVirtualKeyCode": 13}
        self.call("Input.dispatchKeyEvent", {"type": "keyDown", "text": "\r", **key})
        self.call("Input.dispatchKeyEvent", {"type": "keyUp", **key})

    def screenshot(self, path: Path, *, full_height: int | None = None) -> None:
        """Save a PNG of the page; `full_height` grows the viewport to show more."""
        if full_height is not None:
            self.call(
                "Emulation.setDeviceMetricsOverride",
                {
                    "width": self.browser.width,
                    "height": full_height,
                    "deviceScaleFactor": 1,
                    "mobile": False,
                },
            )
            time.sleep(1.0)  # let the layout settle at the new size
        shot = self.call("Page.captureScreenshot", {"format": "png"})
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(shot["data"]))
