"""What a user can type or pick in the forms: bounds, and only Daly units to pick from."""

from __future__ import annotations

from collections.abc import Callable

from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType, InvalidData
import pytest

from simproxy import SimulatedBluetoothProxy
from simulator.foreign import ForeignDevice
from simulator.radio import RadioUnit

from .common import setup_entry, start_unit_flow


@pytest.mark.parametrize("seconds", [1, 3601])
async def test_poll_interval_outside_its_bounds_is_refused(
    hass: HomeAssistant, add_simulated_unit: Callable[..., RadioUnit], seconds: int
) -> None:
    """2 to 3600 s: anything else is refused by the form, and the options stay as they were."""
    radio = add_simulated_unit()
    entry = await setup_entry(hass, radio, poll_interval=30, connection_mode="per_poll")
    result = await hass.config_entries.options.async_init(entry.entry_id)
    with pytest.raises(InvalidData):
        await hass.config_entries.options.async_configure(
            result["flow_id"], {"poll_interval": seconds, "connection_mode": "persistent"}
        )
    assert entry.options == {"poll_interval": 30, "connection_mode": "per_poll"}


async def test_pick_list_leaves_out_devices_that_are_no_daly(
    hass: HomeAssistant,
    simulated_proxy: SimulatedBluetoothProxy,
    add_simulated_unit: Callable[..., RadioUnit],
) -> None:
    """A connectable thermometer next to the battery is not offered."""
    daly = add_simulated_unit()
    other = simulated_proxy.add_unit(
        ForeignDevice(name="Kitchen thermometer", address="C0:FF:EE:00:00:03")
    )
    simulated_proxy.async_advertise(other)
    result = await start_unit_flow(hass)
    assert result["type"] is FlowResultType.FORM
    assert set(result["data_schema"].schema["address"].container) == {daly.address}
