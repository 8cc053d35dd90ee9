"""Numbers: the settings a user may change, one per row of the unit's settings table.

Each dialect lists what it can write and confirm by reading back (register, scale, range);
an entity is made from each of those rows, shown here with its unit and device class. A
write goes through the coordinator, and the entity then shows what the unit reports.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from homeassistant.components.number import (
    DOMAIN as NUMBER_DOMAIN,
    NumberDeviceClass,
    NumberEntity,
    NumberEntityDescription,
    NumberMode,
)
from homeassistant.const import PERCENTAGE, EntityCategory, UnitOfTime
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .bank_coordinator import is_bank
from .coordinator import DalyConfigEntry, DalyCoordinator
from .data import DalyData
from .entity import (
    DalyEntityDescription,
    ValueEntity,
    async_present,
    entities_of,
    unit_identity,
)
from .protocol import NEVER_SLEEP, Setting
from .sensor_descriptions import AMPERE_HOURS

# One write at a time: the unit answers one request at a time on its single link.
PARALLEL_UPDATES = 1


@dataclass(frozen=True, kw_only=True)
class DalyNumberEntityDescription(NumberEntityDescription, DalyEntityDescription[float]):
    """A setting of the unit, made from its row of the dialect's settings table."""


@dataclass(frozen=True, slots=True)
class _Shown:
    """How a setting is shown: device class, unit, and where its value comes from."""

    device_class: NumberDeviceClass | None
    unit: str | None
    value_fn: Callable[[DalyData], float | None]


def _setting_value(key: str) -> Callable[[DalyData], float | None]:
    def value(data: DalyData) -> float | None:
        if data.settings is None:
            return None
        found: float | None = getattr(data.settings, key)
        return found

    return value


def _sleep_time(data: DalyData) -> float | None:
    # "Never" is the switch Never sleep; as a number of seconds it would read 18 hours.
    sleep_time = None if data.settings is None else data.settings.sleep_time
    return None if sleep_time == NEVER_SLEEP else sleep_time


_SHOWN: dict[str, _Shown] = {
    # Home Assistant has no device class for a charge; the unit says what it is.
    "rated_capacity": _Shown(None, AMPERE_HOURS, _setting_value("rated_capacity")),
    "sleep_time": _Shown(NumberDeviceClass.DURATION, UnitOfTime.SECONDS, _sleep_time),
    # Set to calibrate; it shows the state of charge the unit reports now, which is what
    # the register sets (the register itself only follows it now and then).
    "soc_setting": _Shown(NumberDeviceClass.BATTERY, PERCENTAGE, lambda data: data.status.soc),
}


def number_description(setting: Setting) -> DalyNumberEntityDescription:
    """Return the entity description made from one row of a settings table."""
    shown = _SHOWN.get(setting.key) or _Shown(None, setting.unit, _setting_value(setting.key))
    value_fn = shown.value_fn
    return DalyNumberEntityDescription(
        key=setting.key,
        translation_key=setting.key,
        entity_category=EntityCategory.CONFIG,
        device_class=shown.device_class,
        native_unit_of_measurement=shown.unit,
        native_min_value=setting.minimum,
        native_max_value=setting.maximum,
        native_step=setting.step,
        mode=NumberMode.BOX,
        value_fn=value_fn,
        # Made once the unit's settings were read, whatever they hold: a unit with no
        # capacity set yet, or one that never sleeps, shows unknown and can be set.
        exists_fn=lambda data: data.settings is not None,
    )


async def async_setup_entry(
    hass: HomeAssistant,
    entry: DalyConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Create a number for each setting the unit's dialect can write and confirm."""
    if is_bank(entry):
        return
    coordinator = entry.runtime_data
    rows = coordinator.data.status.capabilities.numbers()
    present = async_present(hass, entry, NUMBER_DOMAIN, map(number_description, rows))
    async_add_entities(entities_of(DalyNumber, coordinator, unit_identity, present))


class DalyNumber(ValueEntity[DalyCoordinator], NumberEntity):
    """A setting; its value is always what the unit last reported."""

    entity_description: DalyNumberEntityDescription

    @property
    def native_value(self) -> float | None:
        """Return the value the unit reported last; None while it is not known."""
        value: float | None = self.data_value
        return value

    async def async_set_native_value(self, value: float) -> None:
        """Write the value; raises a translated error if it is refused or not taken."""
        label = self.name if isinstance(self.name, str) else self.entity_description.key
        await self.coordinator.async_set_setting(self.entity_description.key, value, label)
