"""The demo's config directory and the launcher, run as scripts/demo runs them."""

from __future__ import annotations

from collections.abc import Iterator
import json
from pathlib import Path
import subprocess
import sys

import homeassistant.__main__ as ha_main
from homeassistant.const import REQUIRED_PYTHON_VER
import pytest

from demo.launcher import lift_python_check
from demo.prepare import DEMO_PASSWORD, DEMO_USERNAME, MARKER

REPO_ROOT = Path(__file__).resolve().parents[2]


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *args],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def _storage(config: Path, key: str) -> dict:
    return json.loads((config / ".storage" / key).read_text(encoding="utf-8"))["data"]


@pytest.fixture(scope="module")
def prepared(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A config directory written by demo.prepare with non-default flags."""
    config = tmp_path_factory.mktemp("demo") / "config"
    result = _run(
        "demo.prepare",
        "--config",
        str(config),
        "--port",
        "8999",
        "--speed",
        "120",
        "--no-auto-confirm",
    )
    assert result.returncode == 0, result.stderr
    assert "created" in result.stdout
    return config


def test_configuration_follows_the_flags(prepared: Path) -> None:
    text = (prepared / "configuration.yaml").read_text(encoding="utf-8")

    assert "server_port: 8999" in text
    assert "speed: 120" in text
    assert "auto_confirm: false" in text
    assert "\ndefault_config:" not in text
    assert "\nenergy:\n" in text  # the Energy dashboard, with the batteries in it


def test_integrations_are_linked_from_the_repository(prepared: Path) -> None:
    custom = prepared / "custom_components"

    assert (custom / "daly_bms").resolve() == REPO_ROOT / "custom_components" / "daly_bms"
    assert (custom / "daly_sim").resolve() == REPO_ROOT / "demo" / "daly_sim"
    assert (custom / "daly_sim" / "manifest.json").is_file()


def test_onboarding_is_done_and_the_dashboard_is_the_landing_page(prepared: Path) -> None:
    assert set(_storage(prepared, "onboarding")["done"]) == {
        "user",
        "core_config",
        "analytics",
        "integration",
    }
    [user] = _storage(prepared, "auth")["users"]
    assert user["is_owner"]
    assert user["group_ids"] == ["system-admin"]
    [dashboard] = _storage(prepared, "lovelace_dashboards")["items"]
    assert dashboard["url_path"] == "daly-batteries"
    system = _storage(prepared, "frontend.system_data")
    assert system["core"]["default_panel"] == "daly-batteries"


def test_the_demo_login_works_through_home_assistants_auth(prepared: Path) -> None:
    def validate(password: str) -> str:
        result = _run(
            "demo.launcher", "--script", "auth", "-c", str(prepared), "validate",
            DEMO_USERNAME, password,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        return result.stdout.strip()

    assert validate(DEMO_PASSWORD) == "Auth valid"
    assert validate("not-the-password") == "Auth invalid"


def test_running_again_keeps_the_account(prepared: Path) -> None:
    before = _storage(prepared, "auth")["users"]
    result = _run("demo.prepare", "--config", str(prepared))

    assert result.returncode == 0, result.stderr
    assert "created" not in result.stdout
    assert _storage(prepared, "auth")["users"] == before
    assert "server_port: 8123" in (prepared / "configuration.yaml").read_text(encoding="utf-8")


def test_reset_starts_over(tmp_path: Path) -> None:
    config = tmp_path / "config"
    assert _run("demo.prepare", "--config", str(config)).returncode == 0
    (config / "home-assistant_v2.db").write_text("old history", encoding="utf-8")

    result = _run("demo.prepare", "--config", str(config), "--reset")

    assert result.returncode == 0, result.stderr
    assert "created" in result.stdout
    assert not (config / "home-assistant_v2.db").exists()
    assert (config / MARKER).exists()


def test_reset_refuses_a_directory_the_demo_did_not_make(tmp_path: Path) -> None:
    config = tmp_path / "real-home-assistant"
    config.mkdir()
    (config / "configuration.yaml").write_text("default_config:\n", encoding="utf-8")

    result = _run("demo.prepare", "--config", str(config), "--reset")

    assert result.returncode != 0
    assert "refusing" in result.stderr
    assert (config / "configuration.yaml").read_text(encoding="utf-8") == "default_config:\n"


@pytest.fixture
def restore_required_version() -> Iterator[None]:
    """Put Home Assistant's own Python requirement back after a test lowered it."""
    yield
    vars(ha_main)["REQUIRED_PYTHON_VER"] = REQUIRED_PYTHON_VER


@pytest.mark.usefixtures("restore_required_version")
def test_an_older_patch_release_is_let_through() -> None:
    older = (REQUIRED_PYTHON_VER[0], REQUIRED_PYTHON_VER[1], 0)
    if older >= REQUIRED_PYTHON_VER:
        pytest.skip("the requirement is already the .0 release")

    assert lift_python_check(older) == REQUIRED_PYTHON_VER
    assert vars(ha_main)["REQUIRED_PYTHON_VER"] == older


@pytest.mark.usefixtures("restore_required_version")
@pytest.mark.parametrize(
    "running",
    [REQUIRED_PYTHON_VER, (REQUIRED_PYTHON_VER[0], REQUIRED_PYTHON_VER[1] + 1, 0),
     (REQUIRED_PYTHON_VER[0], REQUIRED_PYTHON_VER[1] - 1, 99)],
)  # fmt: skip
def test_other_versions_are_left_to_home_assistant(running: tuple[int, int, int]) -> None:
    assert lift_python_check(running) is None
    assert vars(ha_main)["REQUIRED_PYTHON_VER"] == REQUIRED_PYTHON_VER
