"""Lay out the demo's Home Assistant config directory, onboarding already done.

Run before every start (``python -m demo.prepare``): ``configuration.yaml`` and the links
to the integrations are rewritten each time so the command-line flags take effect; the
owner account, the finished onboarding and the location are written once, through Home
Assistant's own auth and storage code, so they look exactly as if someone had clicked
through the onboarding wizard.
"""

from __future__ import annotations

import argparse
import asyncio
from dataclasses import dataclass
import logging
import os
from pathlib import Path
import shutil
import sys

from homeassistant.auth import auth_manager_from_config
from homeassistant.auth.const import GROUP_ID_ADMIN
from homeassistant.auth.providers.homeassistant import HassAuthProvider
from homeassistant.components.frontend import async_system_store
from homeassistant.components.lovelace.dashboard import DashboardsCollection
from homeassistant.components.onboarding import (
    STORAGE_KEY as ONBOARDING_STORAGE_KEY,
    STORAGE_VERSION as ONBOARDING_STORAGE_VERSION,
)
from homeassistant.components.onboarding.const import STEPS as ONBOARDING_STEPS
from homeassistant.core import CoreState, HomeAssistant
from homeassistant.helpers.storage import Store

from demo.dashboard import DASHBOARD_ICON, DASHBOARD_TITLE, DASHBOARD_URL_PATH

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CONFIG_DIR = REPO_ROOT / ".demo" / "config"
# A config directory is only ever wiped by --reset when it carries this marker, so a
# mistyped --config cannot delete someone's real Home Assistant configuration.
MARKER = ".daly-bms-demo"

DEMO_USERNAME = "demo"
DEMO_PASSWORD = "demo-battery"
DEMO_DISPLAY_NAME = "Demo"


@dataclass(frozen=True, slots=True, kw_only=True)
class DemoOptions:
    """What the command line chose for this start."""

    config_dir: Path
    port: int = 8123
    host: str = "127.0.0.1"
    speed: float = 60.0
    auto_confirm: bool = True


def configuration_yaml(options: DemoOptions) -> str:
    """Return the configuration.yaml for these options."""
    confirm = "true" if options.auto_confirm else "false"
    return f"""\
# Written by scripts/demo on every start: edit the flags, not this file.
# Only what the demo needs is loaded (no default_config), so nothing is missing with
# --skip-pip and nothing is downloaded while Home Assistant runs.
http:
  server_host: {options.host}
  server_port: {options.port}
frontend:
config:
bluetooth:
recorder:
  purge_keep_days: 2
history:
energy:
logbook:
system_log:
logger:
  default: warning
  logs:
    custom_components.daly_bms: info
    custom_components.daly_sim: info
daly_sim:
  speed: {options.speed:g}
  auto_confirm: {confirm}
"""


def link_integrations(config_dir: Path) -> None:
    """Point the config's custom_components at the integration and the demo's simulator."""
    custom = config_dir / "custom_components"
    custom.mkdir(parents=True, exist_ok=True)
    # A regular package, so that it wins over the repository's own custom_components.
    (custom / "__init__.py").write_text('"""Integrations of the demo."""\n', encoding="utf-8")
    targets = {
        "daly_bms": REPO_ROOT / "custom_components" / "daly_bms",
        "daly_sim": REPO_ROOT / "demo" / "daly_sim",
    }
    for name, target in targets.items():
        link = custom / name
        if link.is_symlink() or link.is_file():
            link.unlink()
        elif link.exists():
            shutil.rmtree(link)
        link.symlink_to(target, target_is_directory=True)


def reset(config_dir: Path) -> None:
    """Delete an earlier demo config directory (and only a demo one)."""
    if not config_dir.exists():
        return
    if not (config_dir / MARKER).exists():
        raise SystemExit(f"demo: refusing to delete {config_dir}: it was not made by scripts/demo")
    shutil.rmtree(config_dir)


def local_time_zone() -> str:
    """Return the machine's IANA time zone name, or UTC when it cannot be told."""
    if tz := os.environ.get("TZ", "").lstrip(":"):
        return tz
    localtime = Path("/etc/localtime")
    if localtime.is_symlink():
        parts = localtime.resolve().parts
        if "zoneinfo" in parts:
            return "/".join(parts[parts.index("zoneinfo") + 1 :])
    return "UTC"


async def _create_owner(hass: HomeAssistant) -> bool:
    """Create the demo account as the owner, as the wizard would; False if it exists."""
    hass.auth = await auth_manager_from_config(hass, [{"type": "homeassistant"}], [])
    provider = hass.auth.auth_providers[0]
    assert isinstance(provider, HassAuthProvider)
    await provider.async_initialize()
    assert provider.data is not None
    if any(user["username"] == DEMO_USERNAME for user in provider.data.users):
        return False
    # The first user Home Assistant creates becomes the owner.
    user = await hass.auth.async_create_user(DEMO_DISPLAY_NAME, group_ids=[GROUP_ID_ADMIN])
    await provider.async_add_auth(DEMO_USERNAME, DEMO_PASSWORD)
    credentials = await provider.async_get_or_create_credentials({"username": DEMO_USERNAME})
    await hass.auth.async_link_user(user, credentials)
    return True


async def _finish_onboarding(hass: HomeAssistant) -> None:
    """Store the location the wizard asks for and mark every step done."""
    await hass.config.async_load()
    await hass.config.async_update(
        location_name="Daly BMS demo",
        latitude=52.52,
        longitude=13.40,
        elevation=34,
        unit_system="metric",
        time_zone=local_time_zone(),
        currency="EUR",
        country="DE",
        language="en",
    )
    onboarding = Store[dict[str, list[str]]](
        hass, ONBOARDING_STORAGE_VERSION, ONBOARDING_STORAGE_KEY, private=True
    )
    await onboarding.async_save({"done": list(ONBOARDING_STEPS)})


async def _ensure_dashboard(hass: HomeAssistant) -> None:
    """Register the (still empty) battery dashboard and make it the landing page."""
    dashboards = DashboardsCollection(hass)
    await dashboards.async_load()
    if not any(item.get("url_path") == DASHBOARD_URL_PATH for item in dashboards.async_items()):
        await dashboards.async_create_item(
            {
                "url_path": DASHBOARD_URL_PATH,
                "title": DASHBOARD_TITLE,
                "icon": DASHBOARD_ICON,
                "show_in_sidebar": True,
                "require_admin": False,
            }
        )
    system = await async_system_store(hass)
    core = system.data.get("core") or {}
    if core.get("default_panel") is None:
        await system.async_set_item("core", {**core, "default_panel": DASHBOARD_URL_PATH})


async def _prepare_storage(config_dir: Path) -> bool:
    """Write what onboarding would have written; True when the account is new."""
    hass = HomeAssistant(str(config_dir))
    try:
        created = await _create_owner(hass)
        if created:
            await _finish_onboarding(hass)
        await _ensure_dashboard(hass)
        return created
    finally:
        # The auth store and the collections save with a delay; only a stop from the
        # running state ends in the final write that flushes them.
        hass.set_state(CoreState.running)
        logging.getLogger("homeassistant.core").setLevel(logging.WARNING)
        await hass.async_stop()


def prepare(options: DemoOptions) -> bool:
    """Write the config directory; True when the demo account was created now."""
    config_dir = options.config_dir
    config_dir.mkdir(parents=True, exist_ok=True)
    (config_dir / MARKER).write_text("made by scripts/demo\n", encoding="utf-8")
    (config_dir / "configuration.yaml").write_text(configuration_yaml(options), encoding="utf-8")
    link_integrations(config_dir)
    return asyncio.run(_prepare_storage(config_dir))


def parse_args(argv: list[str]) -> tuple[DemoOptions, bool]:
    """Read the command line; the flag says whether to start from a clean directory."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--config", type=Path, default=DEFAULT_CONFIG_DIR)
    parser.add_argument("--port", type=int, default=8123)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--speed", type=float, default=60.0)
    parser.add_argument("--auto-confirm", action=argparse.BooleanOptionalAction, default=True)
    parser.add_argument("--reset", action="store_true")
    args = parser.parse_args(argv)
    if args.speed <= 0:
        parser.error("--speed must be positive")
    options = DemoOptions(
        config_dir=args.config.resolve(),
        port=args.port,
        host=args.host,
        speed=args.speed,
        auto_confirm=args.auto_confirm,
    )
    return options, bool(args.reset)


def main(argv: list[str] | None = None) -> int:
    """Prepare the config directory named on the command line."""
    options, wipe = parse_args(sys.argv[1:] if argv is None else argv)
    if wipe:
        reset(options.config_dir)
    if prepare(options):
        print(f"demo: created {options.config_dir} with the demo account")
    return 0


if __name__ == "__main__":
    sys.exit(main())
