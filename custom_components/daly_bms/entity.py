"""The base entity and descriptions: each value a function of a unit's or a bank's data."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from homeassistant.components import bluetooth
from homeassistant.components.binary_sensor import BinarySensorEntityDescription
from homeassistant.components.sensor import SensorEntityDescription
from homeassistant.components.switch import SwitchEntityDescription
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.device_registry import CONNECTION_BLUETOOTH, DeviceInfo, format_mac
from homeassistant.helpers.entity import EntityDescription
from homeassistant.helpers.typing import StateType
from homeassistant.helpers.update_coordinator import CoordinatorEntity, DataUpdateCoordinator

from .const import DOMAIN
from .coordinator import DalyConfigEntry, DalyCoordinator
from .data import DalyData
from .product import product_line


def _always(_data: DalyData) -> bool:
    return True


@dataclass(frozen=True, kw_only=True)
class ValueDescription[DataT, ValueT](EntityDescription):
    """How an entity reads its coordinator's data: a unit's or a bank's.

    `value_fn` returns None for a value that is not known (the unit did not report it, or
    the packs do not add up to one): the entity is then unknown, not unavailable
    (unavailable means the unit cannot be reached).
    """

    value_fn: Callable[[DataT], ValueT | None]
    attributes_fn: Callable[[DataT], Mapping[str, Any]] | None = None


@dataclass(frozen=True, kw_only=True)
class DalyEntityDescription[ValueT](ValueDescription[DalyData, ValueT]):
    """How an entity of a unit reads its data; shared by every platform.

    `exists_fn` decides once, at the first reading, whether the unit has the entity at all.
    """

    exists_fn: Callable[[DalyData], bool] = _always


@dataclass(frozen=True, kw_only=True)
class SensorValueDescription[DataT](SensorEntityDescription, ValueDescription[DataT, StateType]):
    """A sensor of a unit or a bank."""


@dataclass(frozen=True, kw_only=True)
class BinaryValueDescription[DataT](BinarySensorEntityDescription, ValueDescription[DataT, bool]):
    """A binary sensor of a unit or a bank."""


@dataclass(frozen=True, kw_only=True)
class SwitchValueDescription[CoordT, DataT](SwitchEntityDescription, ValueDescription[DataT, bool]):
    """A switch of a unit or a bank; `switch_fn(coordinator, on, label)` switches it.

    `label` is the switch as the user sees it (its name), for the messages.
    """

    switch_fn: Callable[[CoordT, bool, str], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class EntityIdentity:
    """Where an entity belongs: its unique id and its device."""

    unique_id: str
    device_info: DeviceInfo


class ValueEntity[CoordT: DataUpdateCoordinator[Any]](CoordinatorEntity[CoordT]):
    """An entity that shows part of a coordinator's data, a unit's or a bank's.

    Each platform's entity shows `value` as its state and narrows `entity_description`
    to its own description class.
    """

    _attr_has_entity_name = True
    entity_description: ValueDescription[Any, Any]

    def __init__(
        self,
        coordinator: CoordT,
        description: ValueDescription[Any, Any],
        identity: EntityIdentity,
    ) -> None:
        """Bind the entity to its coordinator, description and place."""
        super().__init__(coordinator)
        self.entity_description = description
        self._attr_unique_id = identity.unique_id
        self._attr_device_info = identity.device_info

    @property
    def data_value(self) -> Any:
        """Return the value of the latest data; None while it is not known."""
        return self.entity_description.value_fn(self.coordinator.data)

    @property
    def extra_state_attributes(self) -> Mapping[str, Any] | None:
        """Return extra details, such as the active alarms or the pack a value comes from."""
        if (attributes_fn := self.entity_description.attributes_fn) is None:
            return None
        return attributes_fn(self.coordinator.data)


def entities_of[C: DataUpdateCoordinator[Any], D: ValueDescription[Any, Any], E](
    make: Callable[[C, D, EntityIdentity], E],
    coordinator: C,
    identify: Callable[[C, str], EntityIdentity],
    descriptions: Iterable[D],
) -> list[E]:
    """Return an entity made by `make` for each description, placed by `identify`."""
    return [make(coordinator, d, identify(coordinator, d.key)) for d in descriptions]


def unit_identity(coordinator: DalyCoordinator, key: str) -> EntityIdentity:
    """Return where the unit's entity `key` belongs."""
    return EntityIdentity(entity_unique_id(coordinator.address, key), device_info(coordinator))


def device_info(coordinator: DalyCoordinator) -> DeviceInfo:
    """Describe the unit for the device registry (known after the first refresh)."""
    # Read when the entities are made, right after the unit was reached through a fresh
    # advertisement: it carries the maker data the config flow judged by as well.
    advertisement = bluetooth.async_last_service_info(
        coordinator.hass, coordinator.address, connectable=True
    )
    line = product_line(
        coordinator.advertised_name,
        {} if advertisement is None else advertisement.manufacturer_data,
    )
    data = coordinator.data
    cells = data.status.cell_count or len(data.status.cell_voltages)
    return DeviceInfo(
        connections={(CONNECTION_BLUETOOTH, coordinator.address)},
        name=coordinator.advertised_name,
        manufacturer=line.manufacturer,
        model=f"{line.model} {cells}S" if cells else line.model,
        sw_version=data.device_info.software_version,
        hw_version=data.device_info.hardware_version,
    )


def entity_unique_id(address: str, key: str) -> str:
    """Return the unique id of the entity `key` of the unit at `address`."""
    return f"{format_mac(address)}_{key}"


@callback
def async_present[D: DalyEntityDescription[Any]](
    hass: HomeAssistant, entry: DalyConfigEntry, domain: str, descriptions: Iterable[D]
) -> list[D]:
    """Return the descriptions of the entities the unit has, or had in an earlier run.

    An entity of an earlier run stays even while the unit does not report its value.
    """
    known = registered_keys(hass, entry, domain)
    data = entry.runtime_data.data
    return [d for d in descriptions if d.key in known or d.exists_fn(data)]


@callback
def registered_keys(hass: HomeAssistant, entry: DalyConfigEntry, domain: str) -> frozenset[str]:
    """Return the keys of the unit's `domain` entities an earlier run registered."""
    prefix = entity_unique_id(entry.runtime_data.address, "")
    return frozenset(
        registered.unique_id.removeprefix(prefix)
        for registered in er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id)
        if registered.domain == domain
    )


@callback
def async_remove_replaced(
    hass: HomeAssistant, coordinator: DalyCoordinator, domain: str, keys: Iterable[str]
) -> None:
    """Remove the unit's registered `domain` entities `keys`, which other entities replaced.

    Otherwise they would linger in the registry as "no longer provided".
    """
    registry = er.async_get(hass)
    for key in keys:
        unique_id = entity_unique_id(coordinator.address, key)
        if entity_id := registry.async_get_entity_id(domain, DOMAIN, unique_id):
            registry.async_remove(entity_id)
