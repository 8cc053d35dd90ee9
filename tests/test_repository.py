"""What HACS, hassfest and GitHub see: license, hacs.json, workflows, release archive, brand
images and the quality scale file."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
import re
import subprocess
import sys
from typing import Any
import zipfile

from awesomeversion import AwesomeVersion, AwesomeVersionStrategy
from homeassistant.util.yaml import load_yaml_dict
from PIL import Image
import pytest
import voluptuous as vol
import yaml

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "custom_components" / "daly_bms"
MANIFEST: dict[str, Any] = json.loads((PACKAGE / "manifest.json").read_text(encoding="utf-8"))
HACS: dict[str, Any] = json.loads((REPO / "hacs.json").read_text(encoding="utf-8"))
WORKFLOWS = REPO / ".github" / "workflows"
PLACEHOLDER_OWNER = "@daly-bms"


def _workflow(name: str) -> dict[Any, Any]:
    loaded = yaml.safe_load((WORKFLOWS / name).read_text(encoding="utf-8"))
    assert isinstance(loaded, dict), name
    return loaded


def _triggers(workflow: dict[Any, Any]) -> dict[str, Any]:
    # YAML 1.1 reads a bare `on` key as True.
    triggers = workflow.get("on", workflow.get(True))
    assert isinstance(triggers, dict)
    return triggers


def _steps(workflow: dict[Any, Any], job: str) -> list[dict[str, Any]]:
    steps = workflow["jobs"][job]["steps"]
    assert isinstance(steps, list)
    return steps


def _step_using(steps: list[dict[str, Any]], action: str) -> int:
    """Return the index of the one step that uses `action` (any ref)."""
    found = [i for i, step in enumerate(steps) if str(step.get("uses", "")).split("@")[0] == action]
    assert len(found) == 1, f"{action}: {found}"
    return found[0]


def _step_running(steps: list[dict[str, Any]], text: str) -> int:
    found = [i for i, step in enumerate(steps) if text in str(step.get("run", ""))]
    assert len(found) == 1, f"{text}: {found}"
    return found[0]


# ------------------------------------------------------------------------------ license

# sha256 of the Apache License 2.0 text as the ASF publishes it, whitespace collapsed, with
# the appendix's "Copyright [yyyy] [name of copyright owner]" left as a template.
APACHE_2_0_SHA256 = "0ffddef9e48f8a09aed5caf2d44f7ba1c1be2d9b8e0a6f693b1635b2d5566645"
COPYRIGHT = re.compile(r"Copyright \d{4}(?:-\d{4})? The daly_bms authors")


def test_license_is_the_full_apache_2_0_text() -> None:
    """LICENSE is Apache-2.0 word for word, its copyright line names the authors."""
    text = (REPO / "LICENSE").read_text(encoding="utf-8")
    assert len(COPYRIGHT.findall(text)) == 1
    template = COPYRIGHT.sub("Copyright [yyyy] [name of copyright owner]", text)
    digest = hashlib.sha256(" ".join(template.split()).encode()).hexdigest()
    assert digest == APACHE_2_0_SHA256


def test_readme_states_the_license() -> None:
    """The README's License section names the license and links the file."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## License\n", 1)[1].split("\n## ", 1)[0]
    assert "Apache License 2.0" in section
    assert "(LICENSE)" in section
    assert MANIFEST["documentation"].startswith("https://github.com/")


# ------------------------------------------------------------------------------- HACS

# hacs/integration, custom_components/hacs/utils/validate.py: HACS_MANIFEST_JSON_SCHEMA and
# INTEGRATION_MANIFEST_JSON_SCHEMA (checked 2026-08), as the HACS action applies them.
HACS_JSON_SCHEMA = vol.Schema(
    {
        vol.Optional("content_in_root"): bool,
        vol.Optional("country"): vol.Any(str, [str]),
        vol.Optional("filename"): str,
        vol.Optional("hacs"): str,
        vol.Optional("hide_default_branch"): bool,
        vol.Optional("homeassistant"): str,
        vol.Optional("persistent_directory"): str,
        vol.Optional("render_readme"): bool,
        vol.Optional("zip_release"): bool,
        vol.Required("name"): str,
    },
    extra=vol.PREVENT_EXTRA,
)
HACS_INTEGRATION_MANIFEST_SCHEMA = vol.Schema(
    {
        vol.Required("codeowners"): list,
        vol.Required("documentation"): vol.Url(),
        vol.Required("domain"): str,
        vol.Required("issue_tracker"): vol.Url(),
        vol.Required("name"): str,
        vol.Required("version"): vol.Coerce(AwesomeVersion),
    },
    extra=vol.ALLOW_EXTRA,
)


def test_hacs_json_is_one_hacs_accepts() -> None:
    """hacs.json passes HACS's schema and installs from the release archive."""
    HACS_JSON_SCHEMA(HACS)
    assert HACS["name"]
    assert AwesomeVersion(HACS["homeassistant"]).valid
    assert HACS["render_readme"] is True
    # HACS uses a release asset only for a zip_release whose filename ends in .zip, and
    # extracts it into custom_components/<domain>: content_in_root would change that.
    assert HACS["zip_release"] is True
    assert HACS["filename"] == "daly_bms.zip"
    assert not HACS.get("content_in_root", False)


def test_repository_has_the_layout_hacs_checks() -> None:
    """One integration, named after its domain, with what HACS's validators look for."""
    HACS_INTEGRATION_MANIFEST_SCHEMA(MANIFEST)
    integrations = [
        path.name
        for path in (REPO / "custom_components").iterdir()
        if path.is_dir() and not path.name.startswith(("_", "."))
    ]
    assert integrations == [MANIFEST["domain"]]
    assert (REPO / "README.md").is_file()
    # HACS's brands check passes on the integration's own brand/icon.png.
    assert (PACKAGE / "brand" / "icon.png").is_file()
    assert all(owner.startswith("@") for owner in MANIFEST["codeowners"])


def test_placeholder_code_owner_is_marked_as_such() -> None:
    """A placeholder code owner is explained in CONTRIBUTING.md and not claimed as done."""
    if PLACEHOLDER_OWNER not in MANIFEST["codeowners"]:
        return
    contributing = (REPO / "CONTRIBUTING.md").read_text(encoding="utf-8")
    assert PLACEHOLDER_OWNER in contributing
    assert "placeholder" in contributing
    assert _rule_status("integration-owner") != "done"


# -------------------------------------------------------------------------- workflows


def test_every_workflow_is_valid_yaml_with_pinned_actions() -> None:
    """Each workflow parses, has a trigger and jobs, and names each action with a ref."""
    names = sorted(path.name for path in WORKFLOWS.iterdir())
    assert names == ["hacs.yml", "hassfest.yml", "release.yml", "test.yml"]
    for name in names:
        workflow = _workflow(name)
        assert _triggers(workflow), name
        assert workflow["jobs"], name
        for job_name, job in workflow["jobs"].items():
            if "uses" in job:  # a call to a reusable workflow in this repository
                assert (REPO / job["uses"]).is_file(), f"{name}/{job_name}"
                continue
            assert str(job["runs-on"]).startswith("ubuntu-"), f"{name}/{job_name}"
            for step in job["steps"]:
                if "uses" in step:
                    assert re.fullmatch(r"[\w.-]+/[\w./-]+@[\w.-]+", step["uses"]), step


def test_hassfest_workflow() -> None:
    """hassfest runs on the checked-out repository, on pushes, pull requests and daily."""
    workflow = _workflow("hassfest.yml")
    assert {"push", "pull_request", "schedule"} <= set(_triggers(workflow))
    steps = _steps(workflow, "hassfest")
    checkout = _step_using(steps, "actions/checkout")
    hassfest = _step_using(steps, "home-assistant/actions/hassfest")
    assert checkout < hassfest
    assert steps[hassfest]["uses"] == "home-assistant/actions/hassfest@master"
    # The action takes no inputs: it validates the whole workspace.
    assert "with" not in steps[hassfest]


def test_hacs_workflow() -> None:
    """HACS validation for an integration, with no check switched off."""
    workflow = _workflow("hacs.yml")
    assert {"push", "pull_request", "schedule"} <= set(_triggers(workflow))
    steps = _steps(workflow, "hacs")
    hacs = _step_using(steps, "hacs/action")
    assert _step_using(steps, "actions/checkout") < hacs
    assert steps[hacs]["uses"] == "hacs/action@main"
    # The HACS default repository does not accept a validation run with `ignore`.
    assert steps[hacs]["with"] == {"category": "integration"}


def test_test_workflow_runs_scripts_test_with_python_and_chromium(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """scripts/test on Ubuntu, with the Python 3.13 and the chromium it looks for."""
    workflow = _workflow("test.yml")
    assert {"push", "pull_request", "workflow_call"} <= set(_triggers(workflow))
    steps = _steps(workflow, "test")
    python = _step_using(steps, "actions/setup-python")
    assert str(steps[python]["with"]["python-version"]) == "3.13"
    finds_python = _step_running(steps, "command -v python3.13")
    chromium = _step_using(steps, "browser-actions/setup-chrome")
    linked = _step_running(steps, "/usr/local/bin/")
    run = _step_running(steps, "scripts/test")
    assert _step_using(steps, "actions/checkout") < python < finds_python < run
    assert chromium < linked < run
    assert steps[run]["run"].strip() == "scripts/test"
    for script in ("setup", "test", "demo"):
        assert os.access(REPO / "scripts" / script, os.X_OK), script

    # What the workflow provides is what the scripts and the browser check look for.
    assert "command -v python3.13" in (REPO / "scripts" / "setup").read_text(encoding="utf-8")
    link_name = re.findall(r"/usr/local/bin/([\w.-]+)", steps[linked]["run"])
    assert link_name == ["chromium"]
    demo = (REPO / "scripts" / "demo").read_text(encoding="utf-8")
    assert f"command -v {link_name[0]}" in demo
    from demo.chromium import find_chromium

    browser = tmp_path / link_name[0]
    browser.write_text("#!/bin/sh\n", encoding="utf-8")
    browser.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))
    assert find_chromium() == str(browser)


def test_release_workflow_builds_and_attaches_the_archive_hacs_expects() -> None:
    """On a v* tag: tests first, then the archive named in hacs.json, uploaded to the tag."""
    workflow = _workflow("release.yml")
    assert _triggers(workflow) == {"push": {"tags": ["v*"]}}
    jobs = workflow["jobs"]
    assert jobs["test"]["uses"] == "./.github/workflows/test.yml"
    release = jobs["release"]
    assert release["needs"] == "test"
    assert release["permissions"] == {"contents": "write"}
    steps = _steps(workflow, "release")
    build = _step_running(steps, "scripts/release_zip.py")
    upload = _step_running(steps, "gh release upload")
    assert _step_using(steps, "actions/checkout") < build < upload
    archive = f"dist/{HACS['filename']}"
    assert steps[build]["run"].split()[-1] == archive
    assert steps[build]["env"]["TAG"] == "${{ github.ref_name }}"
    assert f'gh release upload "$TAG" {archive}' in steps[upload]["run"]


# -------------------------------------------------------------------- release archive


def _run_build_step(tmp_path: Path, tag: str) -> subprocess.CompletedProcess[str]:
    """Run the release workflow's build step, as written, for `tag` in `tmp_path`."""
    steps = _steps(_workflow("release.yml"), "release")
    script = steps[_step_running(steps, "scripts/release_zip.py")]["run"]
    workspace = tmp_path / "workspace"
    workspace.mkdir(exist_ok=True)
    if not (workspace / "scripts").exists():
        (workspace / "scripts").symlink_to(REPO / "scripts")
    # The runner's python3 is setup-python's 3.13; here it is the test's interpreter.
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    if not (bin_dir / "python3").exists():
        (bin_dir / "python3").symlink_to(sys.executable)
    env = {**os.environ, "TAG": tag, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}
    return subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        cwd=workspace,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


def _shipped_files() -> dict[str, bytes]:
    """Every file of the integration a user needs, by its path inside the folder."""
    return {
        path.relative_to(PACKAGE).as_posix(): path.read_bytes()
        for path in PACKAGE.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc"
    }


def test_release_archive_is_the_integration_folder_with_the_tag_version(tmp_path: Path) -> None:
    """The zip's root is the folder's contents, byte for byte, manifest version from the tag."""
    result = _run_build_step(tmp_path, "v1.2.3")
    assert result.returncode == 0, result.stderr
    archive = tmp_path / "workspace" / "dist" / HACS["filename"]
    with zipfile.ZipFile(archive) as release:
        names = release.namelist()
        contents = {name: release.read(name) for name in names}
        extracted = tmp_path / "config" / "custom_components" / MANIFEST["domain"]
        release.extractall(extracted)  # what HACS does with it

    expected = _shipped_files()
    assert sorted(names) == sorted(expected)
    for required in ("manifest.json", "__init__.py", "protocol/__init__.py", "brand/icon.png"):
        assert required in names
    assert not [name for name in names if name.startswith(("custom_components/", "daly_bms/"))]
    for name, data in contents.items():
        if name != "manifest.json":
            assert data == expected[name], name

    manifest = json.loads((extracted / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["version"] == "1.2.3"
    assert {**manifest, "version": MANIFEST["version"]} == MANIFEST
    assert list(manifest) == list(MANIFEST)
    # The checkout's own manifest is left alone.
    assert json.loads((PACKAGE / "manifest.json").read_text(encoding="utf-8")) == MANIFEST


def test_release_archive_is_reproducible(tmp_path: Path) -> None:
    """Two builds of one tag are byte-identical."""
    first = _run_build_step(tmp_path, "v2.0.0")
    assert first.returncode == 0, first.stderr
    archive = tmp_path / "workspace" / "dist" / HACS["filename"]
    once = archive.read_bytes()
    archive.unlink()
    second = _run_build_step(tmp_path, "v2.0.0")
    assert second.returncode == 0, second.stderr
    assert archive.read_bytes() == once


@pytest.mark.parametrize(
    ("tag", "version"),
    [
        ("v0.1.0", "0.1.0"),
        ("v1.10.2", "1.10.2"),
        ("v1.3.0b1", "1.3.0b1"),
        ("v2.0.0rc2", "2.0.0rc2"),
    ],
)
def test_release_version_is_one_home_assistant_loads(
    tmp_path: Path, tag: str, version: str
) -> None:
    """The manifest version passes the check Home Assistant's loader applies."""
    result = _run_build_step(tmp_path, tag)
    assert result.returncode == 0, result.stderr
    with zipfile.ZipFile(tmp_path / "workspace" / "dist" / HACS["filename"]) as release:
        manifest = json.loads(release.read("manifest.json"))
    assert manifest["version"] == version
    # homeassistant/loader.py refuses a custom integration whose version fails this.
    AwesomeVersion(
        manifest["version"],
        ensure_strategy=[
            AwesomeVersionStrategy.CALVER,
            AwesomeVersionStrategy.SEMVER,
            AwesomeVersionStrategy.SIMPLEVER,
            AwesomeVersionStrategy.BUILDVER,
            AwesomeVersionStrategy.PEP440,
        ],
    )


@pytest.mark.parametrize("tag", ["1.2.3", "v1.2", "vnext", "v1.2.3-dirty", "release-1.2.3", ""])
def test_release_refuses_a_tag_that_is_not_a_version(tmp_path: Path, tag: str) -> None:
    """A tag that is no version fails the job and leaves no archive behind."""
    result = _run_build_step(tmp_path, tag)
    assert result.returncode != 0
    assert "is not v<major>.<minor>.<patch>" in result.stderr
    assert not (tmp_path / "workspace" / "dist").exists()


# ------------------------------------------------------------------------------ brand

BRAND_NAMES = {
    f"{dark}{kind}{hdpi}.png"
    for dark in ("", "dark_")
    for kind in ("icon", "logo")
    for hdpi in ("", "@2x")
}


def test_brand_images_follow_the_brands_rules() -> None:
    """home-assistant/brands README: PNG, transparent, trimmed, icon 256/512 square,
    logo's shortest side 128-256 (256-512 for @2x); every image has its dark variant."""
    images = {path.name: path for path in (PACKAGE / "brand").iterdir()}
    assert set(images) == BRAND_NAMES
    for name, path in images.items():
        with Image.open(path) as image:
            assert image.format == "PNG", name
            assert image.mode == "RGBA", name
            width, height = image.size
            alpha = image.getchannel("A")
            bbox = alpha.getbbox()
            corners = [alpha.getpixel(xy) for xy in ((0, 0), (width - 1, height - 1))]
        assert bbox is not None, name
        scale = 2 if "@2x" in name else 1
        if "icon" in name:
            assert (width, height) == (256 * scale, 256 * scale), name
            # Trimmed: the mark reaches two opposite edges of the square.
            left, top, right, bottom = bbox
            assert (left, right) == (0, width) or (top, bottom) == (0, height), (name, bbox)
        else:
            assert 128 * scale <= min(width, height) <= 256 * scale, name
            assert width > height, name
            assert bbox == (0, 0, width, height), (name, bbox)
        assert corners == [0, 0], f"{name}: background is not transparent"
    for name in BRAND_NAMES - {n for n in BRAND_NAMES if n.startswith("dark_")}:
        with Image.open(images[name]) as light, Image.open(images[f"dark_{name}"]) as dark:
            assert light.size == dark.size, name
            assert light.tobytes() != dark.tobytes(), f"dark_{name} is a copy of {name}"


def test_readme_notes_that_older_home_assistant_ignores_the_brand_folder() -> None:
    """Home Assistant before 2026.3 does not read brand/; the README says so."""
    readme = " ".join((REPO / "README.md").read_text(encoding="utf-8").split())
    assert re.search(r"before 2026\.3 does not read [\w ]*brand images", readme)


# ---------------------------------------------------------------------- quality scale

# Home Assistant core, script/hassfest/quality_scale.py, ALL_RULES (checked 2026-11; the
# 2026 list, with docs-conditions and docs-triggers): 20 bronze, 10 silver, 21 gold and
# 3 platinum rules.
QUALITY_SCALE_RULES = {
    "bronze": [
        "action-setup",
        "appropriate-polling",
        "brands",
        "common-modules",
        "config-flow",
        "config-flow-test-coverage",
        "dependency-transparency",
        "docs-actions",
        "docs-conditions",
        "docs-high-level-description",
        "docs-installation-instructions",
        "docs-removal-instructions",
        "docs-triggers",
        "entity-event-setup",
        "entity-unique-id",
        "has-entity-name",
        "runtime-data",
        "test-before-configure",
        "test-before-setup",
        "unique-config-entry",
    ],
    "silver": [
        "action-exceptions",
        "config-entry-unloading",
        "docs-configuration-parameters",
        "docs-installation-parameters",
        "entity-unavailable",
        "integration-owner",
        "log-when-unavailable",
        "parallel-updates",
        "reauthentication-flow",
        "test-coverage",
    ],
    "gold": [
        "devices",
        "diagnostics",
        "discovery",
        "discovery-update-info",
        "docs-data-update",
        "docs-examples",
        "docs-known-limitations",
        "docs-supported-devices",
        "docs-supported-functions",
        "docs-troubleshooting",
        "docs-use-cases",
        "dynamic-devices",
        "entity-category",
        "entity-device-class",
        "entity-disabled-by-default",
        "entity-translations",
        "exception-translations",
        "icon-translations",
        "reconfiguration-flow",
        "repair-issues",
        "stale-devices",
    ],
    "platinum": ["async-dependency", "inject-websession", "strict-typing"],
}
ALL_RULES = [rule for rules in QUALITY_SCALE_RULES.values() for rule in rules]

# The same file schema hassfest applies to core integrations (it skips custom ones, so
# this test is the check): todo/done with an optional comment, exempt only with one.
QUALITY_SCALE_SCHEMA = vol.Schema(
    {
        vol.Required("rules"): vol.Schema(
            {
                vol.Required(rule): vol.Any(
                    vol.In(["todo", "done"]),
                    vol.Schema(
                        {
                            vol.Required("status"): vol.In(["todo", "done"]),
                            vol.Optional("comment"): vol.All(str, vol.Length(min=1)),
                        }
                    ),
                    vol.Schema(
                        {
                            vol.Required("status"): "exempt",
                            vol.Required("comment"): vol.All(str, vol.Length(min=1)),
                        }
                    ),
                )
                for rule in ALL_RULES
            }
        )
    }
)


def _quality_scale() -> dict[str, Any]:
    rules = load_yaml_dict(PACKAGE / "quality_scale.yaml")["rules"]
    assert isinstance(rules, dict)
    return rules


def _rule_status(rule: str) -> str:
    value = _quality_scale()[rule]
    return str(value if isinstance(value, str) else value["status"])


def test_rule_list_is_the_current_one() -> None:
    """54 distinct rules (52 before 2026, plus docs-conditions and docs-triggers)."""
    assert len(ALL_RULES) == len(set(ALL_RULES)) == 54


def test_quality_scale_file_has_every_rule_once_with_a_status() -> None:
    """Every current rule is present, nothing else; exemptions and todos say why."""
    text = (PACKAGE / "quality_scale.yaml").read_text(encoding="utf-8")
    keys = re.findall(r"^  ([a-z-]+):", text, re.M)
    assert len(keys) == len(set(keys)), "a rule appears twice"
    data = load_yaml_dict(PACKAGE / "quality_scale.yaml")
    QUALITY_SCALE_SCHEMA(data)
    assert set(data["rules"]) == set(ALL_RULES)
    for rule, value in data["rules"].items():
        if isinstance(value, str) or value["status"] == "done":
            continue
        assert value.get("comment"), f"{rule}: a todo or exemption needs its reason"


def _source(name: str) -> str:
    return (PACKAGE / name).read_text(encoding="utf-8")


# What hassfest's rule validators look for when a rule is claimed done: (file, text).
DONE_MARKERS = {
    "config-flow": ("strings.json", "data_description"),
    "discovery": ("config_flow.py", "async def async_step_bluetooth("),
    "reconfiguration-flow": ("config_flow.py", "async def async_step_reconfigure("),
    "diagnostics": ("diagnostics.py", "async def async_get_config_entry_diagnostics("),
    "config-entry-unloading": ("__init__.py", "async def async_unload_entry("),
    "runtime-data": ("__init__.py", "entry.runtime_data = "),
    "unique-config-entry": ("config_flow.py", "async_set_unique_id("),
}


def test_quality_scale_claims_match_the_code() -> None:
    """What hassfest's rule checks look for, and what each exemption relies on."""
    statuses = {rule: _rule_status(rule) for rule in ALL_RULES}
    done = {rule for rule, status in statuses.items() if status == "done"}
    exempt = {rule for rule, status in statuses.items() if status == "exempt"}
    package_files = {path.name for path in PACKAGE.iterdir()}

    for rule, (name, marker) in DONE_MARKERS.items():
        if rule in done:
            assert marker in _source(name), rule
    if "config-flow" in done:
        assert MANIFEST["config_flow"] is True
    if "discovery" in done:
        assert MANIFEST["bluetooth"]
    if "parallel-updates" in done:
        from custom_components.daly_bms import PLATFORMS

        for platform in PLATFORMS:
            assert re.search(r"^PARALLEL_UPDATES = \d+$", _source(f"{platform}.py"), re.M)
    if "brands" in done:
        assert (PACKAGE / "brand" / "icon.png").is_file()
    if "icon-translations" in done:
        assert "icons.json" in package_files
    if "dependency-transparency" in done:
        # Core accepts only PyPI libraries; a bundled protocol package is not one.
        assert MANIFEST["requirements"]
        assert not (PACKAGE / "protocol").exists()
    if "integration-owner" in done:
        assert PLACEHOLDER_OWNER not in MANIFEST["codeowners"]

    if {"action-setup", "docs-actions"} & exempt:
        assert "services.yaml" not in package_files
        assert "async_register(" not in "".join(_source(name) for name in _python_files())
    if "docs-triggers" in exempt:
        assert not {"trigger.py", "device_trigger.py", "triggers.yaml"} & package_files
    if "docs-conditions" in exempt:
        assert not {"condition.py", "device_condition.py", "conditions.yaml"} & package_files
    if "inject-websession" in exempt:
        assert not [name for name in _python_files() if "aiohttp" in _source(name)]
    if "reauthentication-flow" in exempt:
        assert "async_step_reauth" not in _source("config_flow.py")


def _python_files() -> list[str]:
    return [path.relative_to(PACKAGE).as_posix() for path in PACKAGE.rglob("*.py")]
