"""Diagnostics: what the integration knows about a unit, with identifying details removed."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.const import CONF_ADDRESS, CONF_NAME
from homeassistant.core import HomeAssistant

from .bank_coordinator import bank_diagnostics, is_bank
from .coordinator import DalyConfigEntry

# The address and advertised name identify the unit (and usually contain its MAC);
# the title is usually the advertised name.
TO_REDACT = {CONF_ADDRESS, CONF_NAME, "title", "unique_id", "serial_number", "address"}


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: DalyConfigEntry
) -> dict[str, Any]:
    """Return the entry, its options and the latest reading of the unit (or the bank)."""
    if is_bank(entry):
        return bank_diagnostics(entry.runtime_data)
    coordinator = entry.runtime_data
    data = coordinator.data
    return async_redact_data(
        {
            "entry": {
                "title": entry.title,
                "unique_id": entry.unique_id,
                "data": dict(entry.data),
                "options": dict(entry.options),
            },
            "connection": {
                "mode": coordinator.connection_mode.value,
                "dialect": data.status.dialect.value,
                "last_update_success": coordinator.last_update_success,
                "rssi": data.rssi,
            },
            "device_info": data.device_info.as_dict(),
            "status": data.status.as_dict(),
            "settings": None if data.settings is None else data.settings.as_dict(),
            # Energy counters (Wh) and runtime estimates (s) as the sensors show them, and
            # the raw p81 energy counter (register 0x59), whose meaning is not confirmed.
            "derived": asdict(data.derived),
            "bms_energy_counter": data.status.energy_counter,
        },
        TO_REDACT,
    )
