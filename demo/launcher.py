"""Start Home Assistant for the demo, on the interpreter this venv was made with.

Home Assistant 2026.2 refuses to start on Python older than 3.13.2 (the check lives in
``homeassistant.__main__`` and compares against ``homeassistant.const.REQUIRED_PYTHON_VER``).
Earlier 3.13 patch releases run it fine, so for those, and only those, the launcher lowers
that one requirement to the running version before handing over to Home Assistant's own
``main``. Everything else (argument parsing, the event loop, restarts) is Home Assistant's.
"""

from __future__ import annotations

import os
from pathlib import Path
import sys

import homeassistant.__main__ as ha_main
from homeassistant.const import REQUIRED_PYTHON_VER

REPO_ROOT = Path(__file__).resolve().parent.parent


def lift_python_check(
    running: tuple[int, int, int] | None = None,
) -> tuple[int, int, int] | None:
    """Accept an older patch release of the required minor; return what was required."""
    current = running if running is not None else _version()
    required: tuple[int, int, int] = REQUIRED_PYTHON_VER
    if current >= required or current[:2] != required[:2]:
        # Newer is fine as it is; an older minor stays refused by Home Assistant.
        return None
    vars(ha_main)["REQUIRED_PYTHON_VER"] = current
    return required


def _version() -> tuple[int, int, int]:
    return (sys.version_info.major, sys.version_info.minor, sys.version_info.micro)


def _put_repo_last_on_path() -> None:
    # `python -m demo.launcher` puts the repository first on sys.path, where its own
    # `custom_components` package would hide the config directory's one (which holds
    # the demo-only integration). The repository is still needed for `simulator`,
    # `simproxy` and `demo`, so it moves to the end instead.
    root = str(REPO_ROOT)
    sys.path[:] = [entry for entry in sys.path if os.path.abspath(entry or os.curdir) != root]
    sys.path.append(root)


def main() -> int:
    """Run Home Assistant with the command line given after the launcher's name."""
    lifted = lift_python_check()
    if lifted is not None:
        print(
            "demo: Home Assistant asks for Python "
            f"{'.'.join(map(str, lifted))}; running it on {'.'.join(map(str, _version()))}",
            file=sys.stderr,
        )
    _put_repo_last_on_path()
    sys.argv[0] = "hass"
    return ha_main.main()


if __name__ == "__main__":
    sys.exit(main())
