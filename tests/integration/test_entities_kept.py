"""An entity the user enabled survives a startup at which the unit answered only in part."""

from __future__ import annotations

from homeassistant.const import STATE_UNKNOWN
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
import pytest

from demo.bluetooth_proxy import SimulatedBluetoothProxy
from simulator.clock import ManualClock
from simulator.unit import SimulatedUnit

from .common import advance, mock_entry, state, unique_id

SETTINGS_REGISTER = 0x80


class ShyAtFirst:
    """A unit that ignores settings reads until `shy` is cleared (a busy or just-woken BMS)."""

    def __init__(self, unit: SimulatedUnit) -> None:
        """Wrap a SimulatedUnit; shy from the start."""
        self._unit = unit
        self.shy = True

    def __getattr__(self, name: str) -> object:
        return getattr(self._unit, name)

    def handle_request(self, request: bytes) -> bytes | None:
        """Answer like the wrapped unit, but not to settings reads while shy."""
        if self.shy and request[1] == 0x03 and request[2:4] == SETTINGS_REGISTER.to_bytes(2):
            return None
        return self._unit.handle_request(request)


async def test_enabled_setting_sensor_is_kept_when_settings_are_late(
    hass: HomeAssistant, simulated_proxy: SimulatedBluetoothProxy, sim_clock: ManualClock
) -> None:
    """Settings not read at startup: the enabled sensor waits for them instead of vanishing."""
    unit = ShyAtFirst(
        SimulatedUnit(
            name="DL-0102030405AD", address="01:02:03:04:05:AD", clock=sim_clock, capacity_ah=230.0
        )
    )
    radio = simulated_proxy.add_unit(unit)
    simulated_proxy.async_advertise(radio)
    entry = mock_entry(radio)
    entry.add_to_hass(hass)
    # Enabled by the user during an earlier run.
    er.async_get(hass).async_get_or_create(
        "sensor",
        "daly_bms",
        unique_id(radio, "rated_capacity"),
        config_entry=entry,
        disabled_by=None,
    )
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert state(hass, "sensor", radio, "rated_capacity").state == STATE_UNKNOWN

    unit.shy = False
    for _ in range(10):  # settings are read again every tenth poll
        await advance(hass, 11)
    assert float(state(hass, "sensor", radio, "rated_capacity").state) == pytest.approx(230.0)
