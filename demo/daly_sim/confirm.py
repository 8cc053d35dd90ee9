"""Confirm Bluetooth discoveries of Daly units as a user pressing "Add" would."""

from __future__ import annotations

from datetime import datetime
import logging

from homeassistant.core import CALLBACK_TYPE, HassJob, HomeAssistant, callback
from homeassistant.data_entry_flow import FlowResultType, UnknownFlow
from homeassistant.helpers.event import async_call_later

_LOGGER = logging.getLogger(__name__)

BMS_DOMAIN = "daly_bms"
CONFIRM_STEP = "bluetooth_confirm"
# After the check the flow says which protocol the unit answered in and asks once more.
FOUND_STEP = "found"
# A unit can be busy (one central at a time) or the proxy short of slots for a while:
# the flow then shows its form again, and the same answer is tried once more later.
RETRY_AFTER_S = 15.0
MAX_ATTEMPTS = 8


class FlowConfirmer:
    """Answer every daly_bms Bluetooth discovery with the confirmation it asks for."""

    def __init__(self, hass: HomeAssistant) -> None:
        """Watch the flows of `hass`; nothing happens before async_start."""
        self.hass = hass
        self._retries: dict[str, CALLBACK_TYPE] = {}
        self._unsubscribe: CALLBACK_TYPE | None = None

    @callback
    def async_start(self) -> CALLBACK_TYPE:
        """Confirm flows already waiting and those still to come; returns the stopper."""
        self._unsubscribe = self.hass.config_entries.flow.async_subscribe_flow(self._changed)
        for flow in self.hass.config_entries.flow.async_progress_by_handler(BMS_DOMAIN):
            self._schedule(flow["flow_id"], 1)
        return self.async_stop

    @callback
    def async_stop(self) -> None:
        """Stop confirming and drop pending retries."""
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        while self._retries:
            self._retries.popitem()[1]()

    @callback
    def _changed(self, change: str, flow_id: str) -> None:
        if change == "added":
            self._schedule(flow_id, 1)

    @callback
    def _schedule(self, flow_id: str, attempt: int) -> None:
        self._retries.pop(flow_id, None)
        self.hass.async_create_background_task(
            self._confirm(flow_id, attempt), f"daly_sim confirm {flow_id}"
        )

    async def _confirm(self, flow_id: str, attempt: int) -> None:
        flows = self.hass.config_entries.flow
        try:
            flow = flows.async_get(flow_id)
        except UnknownFlow:
            return
        if flow["handler"] != BMS_DOMAIN or flow.get("step_id") != CONFIRM_STEP:
            return
        title = flow.get("context", {}).get("title_placeholders", {}).get("name", flow_id)
        try:
            result = await flows.async_configure(flow_id, {})
            if result["type"] is FlowResultType.FORM and result.get("step_id") == FOUND_STEP:
                result = await flows.async_configure(flow_id, {})
        except UnknownFlow:
            return
        if result["type"] is FlowResultType.CREATE_ENTRY:
            _LOGGER.info("Added %s", title)
            return
        if result["type"] is not FlowResultType.FORM or self._unsubscribe is None:
            return
        if attempt >= MAX_ATTEMPTS:
            _LOGGER.warning("%s: still not confirmed after %d attempts", title, attempt)
            return
        _LOGGER.info("%s: %s; trying again", title, result.get("errors"))

        @callback
        def _retry(_now: datetime) -> None:
            self._schedule(flow_id, attempt + 1)

        self._retries[flow_id] = async_call_later(
            self.hass, RETRY_AFTER_S, HassJob(_retry, cancel_on_shutdown=True)
        )
