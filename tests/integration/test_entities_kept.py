"""An entity the user enabled survives a startup at which the unit answered only in part."""

from __future__ import annotations

from collections.abc import Callable

from homeassistant.const import STATE_UNKNOWN
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
import pytest

from simulator.radio import RadioUnit

from .common import advance, mock_entry, state, unique_id


async def test_enabled_setting_sensor_is_kept_when_settings_are_late(
    hass: HomeAssistant, add_simulated_unit: Callable[..., RadioUnit]
) -> None:
    """Settings not read at startup: the enabled sensor waits for them instead of vanishing."""
    # A busy or just-woken BMS ignores the settings read at first.
    radio = add_simulated_unit(
        name="DL-0102030405AD",
        address="01:02:03:04:05:AD",
        capacity_ah=230.0,
        reports_settings=False,
    )
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

    radio.unit.firmware.reports_settings = True
    for _ in range(10):  # settings are read again every tenth poll
        await advance(hass, 11)
    assert float(state(hass, "sensor", radio, "rated_capacity").state) == pytest.approx(230.0)


async def test_old_mos_binary_sensors_give_way_to_switches(
    hass: HomeAssistant, add_simulated_unit: Callable[..., RadioUnit]
) -> None:
    """A p81 unit's MOS states were binary sensors before p81 could switch: they are removed."""
    radio = add_simulated_unit(name="JHB-0102030405AE", address="01:02:03:04:05:AE", dialect="p81")
    entry = mock_entry(radio)
    entry.add_to_hass(hass)
    registry = er.async_get(hass)
    old = [
        registry.async_get_or_create(
            "binary_sensor", "daly_bms", unique_id(radio, key), config_entry=entry
        )
        for key in ("charge_mos", "discharge_mos")
    ]
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert [registry.async_get(entity.entity_id) for entity in old] == [None, None]
    assert state(hass, "switch", radio, "charge_mos").state == "on"
    assert state(hass, "switch", radio, "discharge_mos").state == "on"
