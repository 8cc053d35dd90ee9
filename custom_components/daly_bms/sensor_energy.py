"""What the energy counters (for the Energy dashboard) and the runtime estimates show.

The values are counted by the coordinator from every reading (see energy.py); the
sensors only show them, and hand a counter's last total back after a restart or reload.
"""

from __future__ import annotations

from dataclasses import dataclass

from homeassistant.components.sensor import SensorDeviceClass, SensorStateClass
from homeassistant.const import UnitOfEnergy, UnitOfTime

from .data import DalyData
from .energy import Direction
from .sensor_descriptions import DalySensorEntityDescription


@dataclass(frozen=True, kw_only=True)
class DalyEnergySensorEntityDescription(DalySensorEntityDescription):
    """An energy counter: which way through the pack's terminals it counts."""

    direction: Direction


def _energy_sensor(direction: Direction) -> DalyEnergySensorEntityDescription:
    def kwh(data: DalyData) -> float:
        return data.derived.energy.get(direction) / 1000

    return DalyEnergySensorEntityDescription(
        key=f"energy_{direction.value}",
        translation_key=f"energy_{direction.value}",
        device_class=SensorDeviceClass.ENERGY,
        state_class=SensorStateClass.TOTAL_INCREASING,
        native_unit_of_measurement=UnitOfEnergy.KILO_WATT_HOUR,
        suggested_display_precision=2,
        direction=direction,
        value_fn=kwh,
    )


def _seconds(value: float | None) -> int | None:
    return None if value is None else round(value)


ENERGY_SENSORS: tuple[DalyEnergySensorEntityDescription, ...] = tuple(
    _energy_sensor(direction) for direction in Direction
)
RUNTIME_SENSORS: tuple[DalySensorEntityDescription, ...] = (
    DalySensorEntityDescription(
        key="time_to_empty",
        translation_key="time_to_empty",
        device_class=SensorDeviceClass.DURATION,
        native_unit_of_measurement=UnitOfTime.SECONDS,
        suggested_unit_of_measurement=UnitOfTime.HOURS,
        suggested_display_precision=1,
        value_fn=lambda data: _seconds(data.derived.runtime.to_empty_s),
    ),
    DalySensorEntityDescription(
        key="time_to_full",
        translation_key="time_to_full",
        device_class=SensorDeviceClass.DURATION,
        native_unit_of_measurement=UnitOfTime.SECONDS,
        suggested_unit_of_measurement=UnitOfTime.HOURS,
        suggested_display_precision=1,
        value_fn=lambda data: _seconds(data.derived.runtime.to_full_s),
    ),
)
