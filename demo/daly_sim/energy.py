"""Put every battery of the demo into Home Assistant's Energy dashboard, as a user would."""

from __future__ import annotations

import logging
from typing import Any, cast

from homeassistant.components.energy.data import EnergyPreferencesUpdate, async_get_manager
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import entity_registry as er

from .follow import RegistryFollower

_LOGGER = logging.getLogger(__name__)

BMS_DOMAIN = "daly_bms"


@callback
def battery_sources(hass: HomeAssistant) -> list[dict[str, Any]]:
    """Return an Energy dashboard battery for every unit whose counters exist, by name."""
    registry = er.async_get(hass)
    sources = []
    entries = hass.config_entries.async_entries(BMS_DOMAIN, include_disabled=False)
    for entry in sorted(entries, key=lambda entry: entry.title):
        if "address" not in entry.data:
            continue  # a bank: its counters repeat its packs', which are here already

        def sensor(key: str, unique_id: str | None = entry.unique_id) -> str | None:
            return registry.async_get_entity_id("sensor", BMS_DOMAIN, f"{unique_id}_{key}")

        discharged, charged, power = (
            sensor(key) for key in ("energy_discharged", "energy_charged", "power")
        )
        if discharged is None or charged is None:
            continue
        source: dict[str, Any] = {
            "type": "battery",
            "stat_energy_from": discharged,
            "stat_energy_to": charged,
        }
        if power is not None:
            # The unit's power is positive while charging; the Energy dashboard counts
            # discharging as positive, so the sensor goes in as "inverted".
            source["power_config"] = {"stat_rate_inverted": power}
        sources.append(source)
    return sources


class EnergyPreferencesWriter(RegistryFollower):
    """Keep each battery in the Energy preferences once its counters exist.

    A battery that is missing is added behind the other sources; one that is there (by its
    discharged counter) and every other source are left as they are.
    """

    def __init__(self, hass: HomeAssistant) -> None:
        """Prepare to write the Energy preferences of `hass`."""
        super().__init__(hass, (er.EVENT_ENTITY_REGISTRY_UPDATED,))

    async def async_write(self) -> None:
        """Add the batteries that are not in the Energy preferences yet."""
        manager = await async_get_manager(self.hass)
        current: list[Any] = list(manager.data["energy_sources"]) if manager.data else []
        known = {source.get("stat_energy_from") for source in current}
        missing = [
            source
            for source in battery_sources(self.hass)
            if source["stat_energy_from"] not in known
        ]
        if not missing:
            return
        # Only the sources change; the rest of the preferences stay as they are (the type
        # Home Assistant gives the update makes every key required, its code does not).
        update = cast(EnergyPreferencesUpdate, {"energy_sources": [*current, *missing]})
        await manager.async_update(update)
        _LOGGER.info("Energy dashboard: added %d batteries", len(missing))
