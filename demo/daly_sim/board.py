"""Keep the demo dashboard in step with the batteries the entity registry holds."""

from __future__ import annotations

import logging
from typing import Any

from homeassistant.components.lovelace.const import LOVELACE_DATA
from homeassistant.components.lovelace.dashboard import LovelaceStorage
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import device_registry as dr, entity_registry as er

from demo.dashboard import DASHBOARD_URL_PATH, Battery, build_dashboard, is_placed

from .follow import RegistryFollower

_LOGGER = logging.getLogger(__name__)

BMS_DOMAIN = "daly_bms"


@callback
def collect_batteries(hass: HomeAssistant) -> list[Battery]:
    """Return every configured bank and unit with its enabled entities: banks first, by name."""
    entity_registry = er.async_get(hass)
    device_registry = dr.async_get(hass)
    batteries = []
    for entry in hass.config_entries.async_entries(BMS_DOMAIN, include_disabled=False):
        bank = entry.data.get("kind") == "bank"
        prefix = (f"bank_{entry.entry_id}_" if bank else f"{entry.unique_id}_").lower()
        name = entry.title
        placed: dict[tuple[str, str], str] = {}
        extra: list[str] = []
        for entity in er.async_entries_for_config_entry(entity_registry, entry.entry_id):
            if entity.disabled_by is not None:
                continue
            unique_id = entity.unique_id.lower()
            key = unique_id.removeprefix(prefix) if unique_id.startswith(prefix) else ""
            if key and is_placed(entity.domain, key):
                placed[(entity.domain, key)] = entity.entity_id
            else:
                extra.append(entity.entity_id)
            if entity.device_id and (device := device_registry.async_get(entity.device_id)):
                name = device.name_by_user or device.name or name
        if placed or extra:
            batteries.append(
                Battery(name=name, entities=placed, extra=tuple(sorted(extra)), bank=bank)
            )
    return sorted(batteries, key=lambda battery: (not battery.bank, battery.name))


class DashboardWriter(RegistryFollower):
    """Rewrite the dashboard whenever the batteries or their entities change."""

    def __init__(self, hass: HomeAssistant, *, speed: float, auto_confirm: bool) -> None:
        """Prepare to write the dashboard for a demo at `speed`."""
        super().__init__(hass, (er.EVENT_ENTITY_REGISTRY_UPDATED, dr.EVENT_DEVICE_REGISTRY_UPDATED))
        self.speed = speed
        self.auto_confirm = auto_confirm
        self._written: dict[str, Any] | None = None
        self._missing_reported = False

    async def async_write(self) -> None:
        """Build the dashboard from the registries and save it if it changed."""
        config = build_dashboard(
            collect_batteries(self.hass), speed=self.speed, auto_confirm=self.auto_confirm
        )
        if config == self._written:
            return
        store = self.hass.data[LOVELACE_DATA].dashboards.get(DASHBOARD_URL_PATH)
        if not isinstance(store, LovelaceStorage):
            if not self._missing_reported:
                _LOGGER.warning(
                    "No storage dashboard at /%s: run scripts/demo to create it",
                    DASHBOARD_URL_PATH,
                )
                self._missing_reported = True
            return
        await store.async_save(config)
        self._written = config
        _LOGGER.info("Dashboard /%s updated", DASHBOARD_URL_PATH)
