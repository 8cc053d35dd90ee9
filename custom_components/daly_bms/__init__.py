"""The Daly Smart BMS integration: Daly and 100balance battery management over Bluetooth."""

from __future__ import annotations

from typing import Any

from homeassistant.const import CONF_ADDRESS, EVENT_HOMEASSISTANT_STOP, Platform
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import ConfigEntryNotReady, HomeAssistantError
from homeassistant.helpers import entity_registry as er, issue_registry as ir
from homeassistant.helpers.device_registry import format_mac

from .bank_coordinator import async_remove_bank, async_setup_bank, is_bank
from .const import DOMAIN
from .coordinator import DalyConfigEntry, DalyCoordinator
from .entity import entity_unique_id
from .health import forget_answers, unreachable_issue_id
from .lockout import lockout_issue_id

PLATFORMS: list[Platform] = [
    Platform.BINARY_SENSOR,
    Platform.NUMBER,
    Platform.SENSOR,
    Platform.SWITCH,
]


async def async_setup_entry(hass: HomeAssistant, entry: DalyConfigEntry) -> bool:
    """Connect to the unit, read it once, then create its entities; or set up a bank."""
    if is_bank(entry):
        await async_setup_bank(hass, entry)
        await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
        return True
    coordinator = DalyCoordinator(hass, entry)
    try:
        await coordinator.async_config_entry_first_refresh()
    except ConfigEntryNotReady as err:
        # This coordinator is dropped: let go of the unit, its slot and its place in line.
        await coordinator.async_shutdown()
        # Home Assistant retries later; carry the reason over so the integration card
        # says why (out of range, asleep, no free proxy slot) in the user's language.
        cause = err.__cause__
        if isinstance(cause, HomeAssistantError) and cause.translation_key is not None:
            raise ConfigEntryNotReady(
                translation_domain=DOMAIN,
                translation_key=cause.translation_key,
                translation_placeholders=cause.translation_placeholders,
            ) from cause
        raise
    entry.runtime_data = coordinator
    for cancel in coordinator.async_start_watching():
        entry.async_on_unload(cancel)
    entry.async_on_unload(
        hass.bus.async_listen(EVENT_HOMEASSISTANT_STOP, coordinator.async_on_stop)
    )
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    return True


async def async_unload_entry(hass: HomeAssistant, entry: DalyConfigEntry) -> bool:
    """Remove the entities; the coordinator disconnects when the entry unloads."""
    if not is_bank(entry):
        ir.async_delete_issue(hass, DOMAIN, unreachable_issue_id(entry.entry_id))
    return await hass.config_entries.async_unload_platforms(entry, PLATFORMS)


async def async_migrate_entry(hass: HomeAssistant, entry: DalyConfigEntry) -> bool:
    """Bring an entry made by an older version up to date; refuse one from a newer version."""
    if entry.version > 1:
        return False
    if entry.minor_version < 2:
        # 1.1 used the address as Home Assistant's Bluetooth stack spells it; 1.2 normalises
        # it with format_mac, for the entry and its entities alike.
        address = entry.data[CONF_ADDRESS]
        old_prefix = f"{address}_"

        @callback
        def renamed(entity: er.RegistryEntry) -> dict[str, Any] | None:
            key = entity.unique_id.removeprefix(old_prefix)
            new_unique_id = entity_unique_id(address, key)
            # An address that format_mac leaves as it is (a macOS device UUID) changes nothing.
            if entity.unique_id in (key, new_unique_id):
                return None
            return {"new_unique_id": new_unique_id}

        await er.async_migrate_entries(hass, entry.entry_id, renamed)
        hass.config_entries.async_update_entry(
            entry, unique_id=format_mac(address), minor_version=2
        )
    return True


async def async_remove_entry(hass: HomeAssistant, entry: DalyConfigEntry) -> None:
    """Delete what a removed entry left behind."""
    if is_bank(entry):
        await async_remove_bank(hass, entry)
    else:
        # Kept across reloads and restarts; with the unit gone it has nothing to say.
        ir.async_delete_issue(hass, DOMAIN, lockout_issue_id(entry.entry_id))
        ir.async_delete_issue(hass, DOMAIN, unreachable_issue_id(entry.entry_id))
        forget_answers(hass, entry.entry_id)
