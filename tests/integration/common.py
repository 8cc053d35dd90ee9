"""Shared pieces of the integration tests: entries, entity lookup, time, the wire."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from homeassistant.config_entries import SOURCE_USER, ConfigEntry, ConfigFlowResult
from homeassistant.core import HomeAssistant, State
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.helpers.device_registry import format_mac
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)

from simulator.faults import FaultInjector
from simulator.radio import RadioUnit
from simulator.unit import SimulatedUnit

DOMAIN = "daly_bms"
READ = 0x03
A5_START = 0xA5
# A5 commands that only read: rated values, then the status replies 0x90-0x98.
A5_READS = frozenset({0x50, *range(0x90, 0x99)})


@dataclass(frozen=True, slots=True)
class LoadedUnit:
    """A config entry set up against a simulated unit behind the simulated proxy."""

    radio: RadioUnit
    entry: MockConfigEntry

    @property
    def unit(self) -> SimulatedUnit:
        """Return the simulated unit (its `battery` is the truth)."""
        unit = self.radio.unit
        assert isinstance(unit, SimulatedUnit)
        return unit

    @property
    def faults(self) -> FaultInjector:
        """Return the unit's fault injector."""
        return self.radio.faults


def mock_entry(radio: RadioUnit, **options: Any) -> MockConfigEntry:
    """Return a config entry for `radio`'s unit as the config flow would create it."""
    return MockConfigEntry(
        domain=DOMAIN,
        version=1,
        minor_version=2,
        unique_id=format_mac(radio.address),
        title=radio.unit.name,
        data={"address": radio.address, "name": radio.unit.name},
        options=options,
    )


async def setup_entry(hass: HomeAssistant, radio: RadioUnit, **options: Any) -> MockConfigEntry:
    """Add and set up an entry for `radio`; returns it whatever the outcome."""
    entry = mock_entry(radio, **options)
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    return entry


async def start_unit_flow(hass: HomeAssistant) -> ConfigFlowResult:
    """Start adding an integration entry by hand and choose "A BMS unit" in its menu."""
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    assert result["type"] is FlowResultType.MENU
    return await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "unit"}
    )


def unit_device(hass: HomeAssistant, entry: ConfigEntry, radio: RadioUnit) -> dr.DeviceEntry:
    """Return the one device `entry` registered for `radio`'s unit.

    Looked up through the entry: from Home Assistant 2026.8 a Bluetooth address names a
    device only within one config entry, and `async_get_device` is deprecated.
    """
    devices = dr.async_entries_for_config_entry(dr.async_get(hass), entry.entry_id)
    assert len(devices) == 1, devices
    assert (dr.CONNECTION_BLUETOOTH, radio.address) in devices[0].connections
    return devices[0]


def unique_id(radio: RadioUnit, key: str) -> str:
    """Return the unique id of the entity `key` of `radio`'s unit."""
    return f"{format_mac(radio.address)}_{key}"


def entity_id(hass: HomeAssistant, platform: str, radio: RadioUnit, key: str) -> str | None:
    """Return the entity id of `key` on `radio`'s device, None if it was not created."""
    return er.async_get(hass).async_get_entity_id(platform, DOMAIN, unique_id(radio, key))


def state(hass: HomeAssistant, platform: str, radio: RadioUnit, key: str) -> State:
    """Return the state of `key` on `radio`'s device (fails if there is none)."""
    found = entity_id(hass, platform, radio, key)
    assert found is not None, f"no {platform} {key}"
    current = hass.states.get(found)
    assert current is not None, f"{found} has no state"
    return current


def value(hass: HomeAssistant, platform: str, radio: RadioUnit, key: str) -> float:
    """Return a numeric state as a float."""
    return float(state(hass, platform, radio, key).state)


async def advance(hass: HomeAssistant, seconds: float) -> None:
    """Let `seconds` of Home Assistant time pass and everything it triggers finish."""
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=seconds))
    await hass.async_block_till_done(wait_background_tasks=True)


def writes(radio: RadioUnit) -> list[bytes]:
    """Return every request sent to the unit that was not a read."""
    return [request for request in radio.requests if not _is_read(request)]


def _is_read(request: bytes) -> bool:
    if request[0] == A5_START:
        return request[2] in A5_READS
    return request[1] == READ


async def confirm_found(
    hass: HomeAssistant, result: ConfigFlowResult, protocol: str = "D2"
) -> ConfigFlowResult:
    """Answer the step that says which protocol the unit answered in; return what follows."""
    assert result["type"] is FlowResultType.FORM, result
    assert result["step_id"] == "found"
    assert result["description_placeholders"] is not None
    assert result["description_placeholders"]["protocol"] == protocol
    return await hass.config_entries.flow.async_configure(result["flow_id"], {})


async def switch_to(hass: HomeAssistant, radio: RadioUnit, key: str, on: bool) -> None:
    """Turn the switch `key` of `radio`'s unit on or off, as the user would."""
    await hass.services.async_call(
        "switch",
        "turn_on" if on else "turn_off",
        {"entity_id": state(hass, "switch", radio, key).entity_id},
        blocking=True,
    )


async def until(condition: Callable[[], bool], what: str) -> None:
    """Wait, in real time (the simulated latencies are real), until `condition` holds."""
    for _ in range(2000):
        if condition():
            return
        await asyncio.sleep(0.005)
    raise AssertionError(f"never happened: {what}")
