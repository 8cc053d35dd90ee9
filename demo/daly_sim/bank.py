"""Make the demo's battery bank through the config flow, as a user would, once its packs are in."""

from __future__ import annotations

import logging
from typing import Any

from homeassistant.config_entries import (
    SIGNAL_CONFIG_ENTRY_CHANGED,
    SOURCE_USER,
    ConfigEntry,
    ConfigEntryChange,
    ConfigEntryState,
)
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers.device_registry import format_mac
from homeassistant.helpers.dispatcher import async_dispatcher_connect

_LOGGER = logging.getLogger(__name__)

BMS_DOMAIN = "daly_bms"


class BankMaker:
    """Create one bank of `addresses` when they are all set up and no bank exists yet."""

    def __init__(self, hass: HomeAssistant, *, name: str, addresses: tuple[str, ...]) -> None:
        """Watch the entries of `hass`; nothing happens before async_start."""
        self.hass = hass
        self.name = name
        self.members = [format_mac(address) for address in addresses]
        self._made = False

    @callback
    def async_start(self) -> CALLBACK_TYPE:
        """Make the bank as soon as its packs are running; returns the stopper."""
        stop = async_dispatcher_connect(self.hass, SIGNAL_CONFIG_ENTRY_CHANGED, self._changed)
        self._check()
        return stop

    @callback
    def _changed(self, _change: ConfigEntryChange, entry: ConfigEntry[Any]) -> None:
        if entry.domain == BMS_DOMAIN:
            self._check()

    @callback
    def _check(self) -> None:
        if self._made:
            return
        entries = self.hass.config_entries.async_entries(BMS_DOMAIN)
        if any(entry.data.get("kind") == "bank" for entry in entries):
            self._made = True  # made on an earlier run, or by hand: leave it as it is
            return
        running = {
            format_mac(entry.data["address"])
            for entry in entries
            if "address" in entry.data and entry.state is ConfigEntryState.LOADED
        }
        if running.issuperset(self.members):
            self._made = True
            self.hass.async_create_background_task(self._make(), "daly_sim bank")

    async def _make(self) -> None:
        flows = self.hass.config_entries.flow
        result = await flows.async_init(BMS_DOMAIN, context={"source": SOURCE_USER})
        result = await flows.async_configure(result["flow_id"], {"next_step_id": "bank"})
        result = await flows.async_configure(
            result["flow_id"], {"name": self.name, "members": self.members}
        )
        if result["type"] is FlowResultType.CREATE_ENTRY:
            _LOGGER.info("Added the bank %s", self.name)
        else:
            _LOGGER.warning("%s was not added: %s", self.name, result)
