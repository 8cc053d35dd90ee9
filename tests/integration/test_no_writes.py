"""Nothing is written to a unit except by the user's own action: the unit's request log."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
import pytest

from simulator.radio import RadioUnit

from .common import DOMAIN, advance, setup_entry, writes


@pytest.mark.parametrize(
    ("unit_options", "options"),
    [
        ({}, {}),
        ({"dialect": "p81", "name": "JHB-50181201A494"}, {}),
        ({}, {"connection_mode": "per_poll", "invert_current": True}),
        ({"dialect": "p81", "name": "JHB-50181201A495"}, {"connection_mode": "per_poll"}),
    ],
    ids=["d2", "p81", "d2 per poll inverted", "p81 per poll"],
)
async def test_setup_polls_reload_reconnect_and_restart_only_read(
    hass: HomeAssistant,
    add_simulated_unit: Callable[..., RadioUnit],
    unit_options: dict[str, Any],
    options: dict[str, Any],
) -> None:
    radio = add_simulated_unit(**unit_options)
    # A unit left in a state the integration warns about: it still only reads.
    assert radio.unit.firmware.write_register(0xA6, 0)
    entry = await setup_entry(hass, radio, **options)
    assert entry.state is ConfigEntryState.LOADED
    for _ in range(12):  # past the settings read of every tenth poll
        await advance(hass, 11)
    assert [issue.translation_key for issue in ir.async_get(hass).issues.values()] == [
        "sleep_lockout"
    ]

    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    await advance(hass, 11)

    # A persistent link is up between readings; a per-poll one only while it reads.
    persistent = options.get("connection_mode") != "per_poll"
    assert radio.connected is persistent
    asked = len(radio.requests)
    radio.drop_link()
    assert not radio.connected
    await advance(hass, 11)
    await advance(hass, 11)
    # Asked again after the link was gone: the integration connected anew.
    assert len(radio.requests) > asked
    assert radio.connected is persistent

    # A restart: the entry is let go of and started again, with a new coordinator.
    assert await hass.config_entries.async_unload(entry.entry_id)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    await advance(hass, 11)

    assert entry.state is ConfigEntryState.LOADED
    assert len(radio.requests) > 20
    assert writes(radio) == []
    assert all(request[1] == 0x03 for request in radio.requests)
    assert entry.domain == DOMAIN
