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

from custom_components.daly_bms.product import looks_like_daly

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
            for company in (0x0102, 0x0104, 0x0106, 0x0302, 0x0303, 0x0402)
        ),
        pytest.param(
            # A real unit that advertised no name at all (a public report).
            _service_info(
                "D1:1A:04:01:59:94",
                manufacturer_data={0x0106: bytes.fromhex("00 d1 1a 04 01 59 94 44 4c")},
            ),
            id="nameless-unit-company-0x0106",
        ),
        pytest.param(_service_info("BT270-2", service_uuids=[FFF0]), id="renamed-unit-fff0"),
    ],
)
def test_daly_advertisements_match(service_info: BluetoothServiceInfoBleak) -> None:
    """Each advertisement form in the protocol notes leads to discovery."""
    assert _matched(service_info) == {"daly_bms"}
    # ...and the config flow's own check lets it through to the user.
    assert looks_like_daly(service_info)


@pytest.mark.parametrize(
    "service_info",
    [
        pytest.param(
            _service_info(
                "T-Sensor 21",
                manufacturer_data={0x0102: bytes.fromhex("00 00 c0 ff ee 00 00 03 e8 0b 01")},
                service_uuids=[FFF0],
            ),
            id="thermometer-fff0-and-company-0x0102",
        ),
        pytest.param(
            _service_info("Tracker", manufacturer_data={0x0402: bytes.fromhex("0201060aff")}),
            id="bare-company-id-other-payload",
        ),
        pytest.param(
            _service_info(
                "Lamp", manufacturer_data={0x004C: b"\x02\x15" + bytes(21)}, service_uuids=[FFF0]
            ),
            id="fff0-with-other-companys-data",
        ),
    ],
)
def test_matched_devices_that_say_they_are_not_daly(
    service_info: BluetoothServiceInfoBleak,
) -> None:
    """The broad matchers catch these; their maker data tells the flow they are not Daly."""
    assert _matched(service_info) == {"daly_bms"}
    assert not looks_like_daly(service_info)


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
