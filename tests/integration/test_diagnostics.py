"""Diagnostics: everything needed to help a user, nothing that identifies the unit."""

from __future__ import annotations

from collections.abc import Callable
import json

from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

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
    assert diagnostics["entry"]["data"] == {"address": REDACTED, "name": REDACTED}
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
