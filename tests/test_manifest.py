"""The manifest's Bluetooth matchers catch every advertisement form a Daly unit uses."""

from __future__ import annotations

import json
from pathlib import Path
import re

from bleak.backends.device import BLEDevice
from bleak.backends.scanner import AdvertisementData
from homeassistant.components.bluetooth import BluetoothServiceInfoBleak
from homeassistant.components.bluetooth.match import IntegrationMatcher
from homeassistant.loader import BluetoothMatcher
import pytest

MANIFEST_PATH = Path(__file__).parents[1] / "custom_components" / "daly_bms" / "manifest.json"
MANIFEST = json.loads(MANIFEST_PATH.read_text(encoding="utf-8"))
FFF0 = "0000fff0-0000-1000-8000-00805f9b34fb"


def _service_info(
    name: str,
    *,
    manufacturer_data: dict[int, bytes] | None = None,
    service_uuids: list[str] | None = None,
    connectable: bool = True,
    address: str = "40:17:10:01:5C:9B",
) -> BluetoothServiceInfoBleak:
    advertisement = AdvertisementData(
        local_name=name,
        manufacturer_data=manufacturer_data or {},
        service_data={},
        service_uuids=service_uuids or [],
        tx_power=None,
        rssi=-60,
        platform_data=(),
    )
    return BluetoothServiceInfoBleak(
        name=name,
        address=address,
        rssi=-60,
        manufacturer_data=advertisement.manufacturer_data,
        service_data={},
        service_uuids=advertisement.service_uuids,
        source="local",
        device=BLEDevice(address, name, None),
        advertisement=advertisement,
        connectable=connectable,
        time=0.0,
        tx_power=None,
    )


def _matched(service_info: BluetoothServiceInfoBleak) -> set[str]:
    matchers = [
        BluetoothMatcher(domain=MANIFEST["domain"], **matcher)  # type: ignore[typeddict-item]
        for matcher in MANIFEST["bluetooth"]
    ]
    # A fresh matcher per advertisement: it remembers addresses it has matched before.
    integration_matcher = IntegrationMatcher(matchers)
    integration_matcher.async_setup()
    return integration_matcher.match_domains(service_info)


@pytest.mark.parametrize(
    "service_info",
    [
        pytest.param(_service_info("DL-40D63C3223A2"), id="dl-name"),
        pytest.param(_service_info("DL-FB4C2E0D84EB6"), id="bulltron-dl-f-name"),
        pytest.param(_service_info("JHB-50181201A494"), id="100balance-jhb-name"),
        pytest.param(
            _service_info(
                "DL-401710015C9B",
                manufacturer_data={0x0302: bytes.fromhex("16 40 17 10 01 5c 9b 44 4c")},
            ),
            id="dl-with-manufacturer-data",
        ),
        *(
            pytest.param(
                _service_info("BT270-2", manufacturer_data={company: b"\x16" + bytes(6) + b"DL"}),
                id=f"renamed-unit-company-{company:#06x}",
            )
            for company in (0x0102, 0x0104, 0x0302, 0x0303, 0x0402)
        ),
        pytest.param(_service_info("BT270-2", service_uuids=[FFF0]), id="renamed-unit-fff0"),
    ],
)
def test_daly_advertisements_match(service_info: BluetoothServiceInfoBleak) -> None:
    """Each advertisement form in the protocol notes leads to discovery."""
    assert _matched(service_info) == {"daly_bms"}


@pytest.mark.parametrize(
    "service_info",
    [
        pytest.param(
            _service_info("SP04S034-L4S-100A", manufacturer_data={0x2C2B: b"\x01\x02"}),
            id="jbd-bms",
        ),
        pytest.param(_service_info("DL-40D63C3223A2", connectable=False), id="not-connectable"),
        pytest.param(_service_info("Kitchen thermometer"), id="unrelated-name"),
    ],
)
def test_other_devices_do_not_match(service_info: BluetoothServiceInfoBleak) -> None:
    """Unrelated or unusable devices never start a Daly discovery."""
    assert _matched(service_info) == set()


def test_manifest_metadata() -> None:
    """HACS and hassfest find what they need, with keys in hassfest's order."""
    keys = list(MANIFEST)
    assert keys[:2] == ["domain", "name"]
    assert keys[2:] == sorted(keys[2:])
    assert MANIFEST["domain"] == "daly_bms"
    assert MANIFEST["config_flow"] is True
    assert MANIFEST["iot_class"] == "local_polling"
    assert MANIFEST["integration_type"] == "device"
    assert MANIFEST["dependencies"] == ["bluetooth_adapters"]
    assert re.fullmatch(r"\d+\.\d+\.\d+", MANIFEST["version"])
    assert all(matcher["connectable"] is True for matcher in MANIFEST["bluetooth"])
    hacs = json.loads((MANIFEST_PATH.parents[2] / "hacs.json").read_text(encoding="utf-8"))
    assert hacs["homeassistant"] == "2026.2.3"


# ------------------------------------------------------------- HACS and hassfest

REPO = MANIFEST_PATH.parents[2]
PACKAGE = MANIFEST_PATH.parent
HACS_KEYS = {
    "name",
    "content_in_root",
    "zip_release",
    "filename",
    "hide_default_branch",
    "country",
    "homeassistant",
    "hacs",
    "persistent_directory",
    "render_readme",
}
# hassfest's quality scale rules (script/hassfest/quality_scale.py).
QUALITY_SCALE_RULES = """
    action-setup appropriate-polling brands common-modules config-flow
    config-flow-test-coverage dependency-transparency docs-actions
    docs-high-level-description docs-installation-instructions docs-removal-instructions
    entity-event-setup entity-unique-id has-entity-name runtime-data test-before-configure
    test-before-setup unique-config-entry action-exceptions config-entry-unloading
    docs-configuration-parameters docs-installation-parameters entity-unavailable
    integration-owner log-when-unavailable parallel-updates reauthentication-flow
    test-coverage devices diagnostics discovery discovery-update-info docs-data-update
    docs-examples docs-known-limitations docs-supported-devices docs-supported-functions
    docs-troubleshooting docs-use-cases dynamic-devices entity-category entity-device-class
    entity-disabled-by-default entity-translations exception-translations icon-translations
    reconfiguration-flow repair-issues stale-devices async-dependency inject-websession
    strict-typing
""".split()  # noqa: SIM905


def test_hacs_finds_what_it_needs() -> None:
    """hacs.json has only keys HACS knows; the repository has the layout HACS installs."""
    from awesomeversion import AwesomeVersion

    hacs = json.loads((REPO / "hacs.json").read_text(encoding="utf-8"))
    assert set(hacs) <= HACS_KEYS
    assert isinstance(hacs["name"], str)
    assert hacs["name"]
    assert AwesomeVersion(hacs["homeassistant"]).valid
    assert isinstance(hacs.get("render_readme", False), bool)
    assert not hacs.get("content_in_root", False)
    # One integration under custom_components, named after its domain.
    integrations = [
        path.name
        for path in (REPO / "custom_components").iterdir()
        if path.is_dir() and not path.name.startswith(("_", "."))
    ]
    assert integrations == [MANIFEST["domain"]]
    assert (REPO / "README.md").is_file()
    for key in ("domain", "name", "version", "documentation", "issue_tracker", "codeowners"):
        assert MANIFEST[key], key
    assert all(owner.startswith("@") for owner in MANIFEST["codeowners"])
    assert MANIFEST["documentation"].startswith("https://")
    assert MANIFEST["issue_tracker"].startswith("https://")


def test_brand_images_are_the_ones_home_assistant_serves() -> None:
    """brand/ (Home Assistant 2026.3+): known file names, PNG, the documented sizes."""
    from PIL import Image

    images = {path.name: path for path in (PACKAGE / "brand").iterdir()}
    names = {
        f"{dark}{kind}{hdpi}.png"
        for dark in ("", "dark_")
        for kind in ("icon", "logo")
        for hdpi in ("", "@2x")
    }
    assert set(images) <= names
    assert "icon.png" in images
    for name, path in images.items():
        with Image.open(path) as image:
            assert image.format == "PNG", name
            width, height = image.size
        scale = 2 if "@2x" in name else 1
        if "icon" in name:
            assert (width, height) == (256 * scale, 256 * scale), name
        else:
            assert 128 * scale <= min(width, height) <= 256 * scale, name


def test_quality_scale_file_is_one_hassfest_accepts() -> None:
    """Every rule once, with a known status; exemptions say why; 'done' is visible."""
    from homeassistant.util.yaml import load_yaml_dict

    rules = load_yaml_dict(PACKAGE / "quality_scale.yaml")
    assert set(rules) == {"rules"}
    assert set(rules["rules"]) == set(QUALITY_SCALE_RULES)
    done = set()
    for rule, value in rules["rules"].items():
        status = value if isinstance(value, str) else value["status"]
        assert status in ("todo", "done", "exempt"), rule
        if isinstance(value, dict):
            assert set(value) <= {"status", "comment"}, rule
            assert status != "exempt" or value.get("comment"), f"{rule}: exempt needs a comment"
        if status == "done":
            done.add(rule)

    # What hassfest's rule checks look for, for the rules claimed done.
    def source(name: str) -> str:
        return (PACKAGE / name).read_text(encoding="utf-8")

    if "config-flow" in done:
        assert MANIFEST["config_flow"] is True
        assert "data_description" in source("strings.json")
    if "discovery" in done:
        assert MANIFEST["bluetooth"]
        assert "async def async_step_bluetooth(" in source("config_flow.py")
    if "reconfiguration-flow" in done:
        assert "async def async_step_reconfigure(" in source("config_flow.py")
    if "diagnostics" in done:
        assert "async def async_get_config_entry_diagnostics(" in source("diagnostics.py")
    if "config-entry-unloading" in done:
        assert "async def async_unload_entry(" in source("__init__.py")
    if "runtime-data" in done:
        assert "entry.runtime_data = " in source("__init__.py")
    if "unique-config-entry" in done:
        assert "async_set_unique_id(" in source("config_flow.py")
    if "parallel-updates" in done:
        from custom_components.daly_bms import PLATFORMS

        for platform in PLATFORMS:
            assert re.search(r"^PARALLEL_UPDATES = \d+$", source(f"{platform}.py"), re.M), platform
