"""Diagnostics: everything needed to help a user, nothing that identifies the unit."""

from __future__ import annotations

from collections.abc import Callable
import json

from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from simulator import VersionStrings
from simulator.radio import RadioUnit

from .common import setup_entry

REDACTED = "**REDACTED**"


async def test_diagnostics_redact_address_and_name(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    add_simulated_unit: Callable[..., RadioUnit],
) -> None:
    """Options, status, settings and versions are there; address and name are not."""
    radio = add_simulated_unit(name="DL-40D63C3223A2", address="40:D6:3C:32:23:A2", soc=55.0)
    entry = await setup_entry(hass, radio, poll_interval=15, connection_mode="persistent")

    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, entry)

    assert diagnostics["entry"]["title"] == REDACTED
    assert diagnostics["entry"]["unique_id"] == REDACTED
    assert diagnostics["entry"]["data"] == {"address": REDACTED, "name": REDACTED, "dialect": "d2"}
    assert diagnostics["entry"]["options"] == {"poll_interval": 15, "connection_mode": "persistent"}
    assert diagnostics["connection"]["dialect"] == "d2"
    assert diagnostics["connection"]["last_update_success"] is True
    assert diagnostics["status"]["soc"] == 55.0
    assert len(diagnostics["status"]["cell_voltages"]) == 16
    assert diagnostics["settings"]["rated_capacity"] == 100.0
    assert diagnostics["derived"] == {
        "energy": {"charged_wh": 0.0, "discharged_wh": 0.0},
        "runtime": {"to_empty_s": None, "to_full_s": None},
    }
    assert diagnostics["bms_energy_counter"] is None  # a D2 unit has none
    assert diagnostics["device_info"]["software_version"] == radio.unit.firmware.software_version
    dumped = json.dumps(diagnostics).upper()
    assert "40:D6:3C:32:23:A2" not in dumped
    assert "40D63C3223A2" not in dumped


async def test_diagnostics_keep_the_versions_and_redact_the_serial_number(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    add_simulated_unit: Callable[..., RadioUnit],
) -> None:
    radio = add_simulated_unit(
        name="JHB-50181201A494",
        dialect="p81",
        versions=VersionStrings(
            software="12_260120_K00T",
            hardware="H2.1_103E_30XF",
            family="DL_HKMS_3.2.E",
            serial_number="221LD091400444",
            production_date="20221104",
        ),
    )
    entry = await setup_entry(hass, radio, invert_current=True)
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, entry)
    assert diagnostics["device_info"] == {
        "dialect": "p81",
        "software_version": "12_260120_K00T",
        "hardware_version": "H2.1_103E_30XF",
        "serial_number": REDACTED,
        "production_date": "2022-11-04",
        "firmware_family": "DL_HKMS_3.2.E",
    }
    assert diagnostics["entry"]["options"] == {"invert_current": True}
    assert "221LD091400444" not in json.dumps(diagnostics)
