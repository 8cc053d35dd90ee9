"""What each sensor shows: the pack, its cells and temperatures, alarms, settings."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import (
    PERCENTAGE,
    SIGNAL_STRENGTH_DECIBELS_MILLIWATT,
    EntityCategory,
    UnitOfElectricCurrent,
    UnitOfElectricPotential,
    UnitOfEnergy,
    UnitOfPower,
    UnitOfTemperature,
    UnitOfTime,
)
from homeassistant.helpers.typing import StateType

from .alarms import ALARM_OPTIONS, NO_ALARM, most_severe
from .data import DalyData
from .protocol import BatteryState, BatteryType

AMPERE_HOURS = "Ah"


@dataclass(frozen=True, kw_only=True)
class DalySensorEntityDescription(SensorEntityDescription):
    """How one sensor reads its value from the coordinator's data."""

    value_fn: Callable[[DalyData], StateType]
    attributes_fn: Callable[[DalyData], Mapping[str, Any]] | None = None
    # Decided once, at the first refresh: does this unit report the value at all?
    exists_fn: Callable[[DalyData], bool] = lambda _data: True


def _voltage_sensor(
    key: str, value_fn: Callable[[DalyData], StateType]
) -> DalySensorEntityDescription:
    return DalySensorEntityDescription(
        key=key,
        translation_key=key,
        device_class=SensorDeviceClass.VOLTAGE,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfElectricPotential.VOLT,
        suggested_display_precision=3,
        value_fn=value_fn,
    )


PACK_SENSORS: tuple[DalySensorEntityDescription, ...] = (
    DalySensorEntityDescription(
        key="soc",
        device_class=SensorDeviceClass.BATTERY,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=PERCENTAGE,
        suggested_display_precision=1,
        value_fn=lambda data: data.status.soc,
    ),
    DalySensorEntityDescription(
        key="voltage",
        device_class=SensorDeviceClass.VOLTAGE,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfElectricPotential.VOLT,
        suggested_display_precision=1,
        value_fn=lambda data: data.status.voltage,
    ),
    DalySensorEntityDescription(
        key="current",
        device_class=SensorDeviceClass.CURRENT,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfElectricCurrent.AMPERE,
        suggested_display_precision=1,
        value_fn=lambda data: data.status.current,
    ),
    DalySensorEntityDescription(
        key="power",
        device_class=SensorDeviceClass.POWER,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfPower.WATT,
        suggested_display_precision=0,
        value_fn=lambda data: data.status.power,
    ),
    DalySensorEntityDescription(
        key="remaining_capacity",
        translation_key="remaining_capacity",
        # Home Assistant has no device class for charge; the unit still lets it graph.
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=AMPERE_HOURS,
        suggested_display_precision=1,
        value_fn=lambda data: data.status.remaining_capacity,
    ),
    DalySensorEntityDescription(
        key="stored_energy",
        translation_key="stored_energy",
        device_class=SensorDeviceClass.ENERGY_STORAGE,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfEnergy.WATT_HOUR,
        suggested_unit_of_measurement=UnitOfEnergy.KILO_WATT_HOUR,
        suggested_display_precision=2,
        value_fn=lambda data: data.stored_energy,
    ),
    DalySensorEntityDescription(
        key="cycles",
        translation_key="cycles",
        state_class=SensorStateClass.TOTAL_INCREASING,
        value_fn=lambda data: data.status.cycles,
    ),
    _voltage_sensor("cell_voltage_min", lambda data: data.status.cell_voltage_min),
    _voltage_sensor("cell_voltage_max", lambda data: data.status.cell_voltage_max),
    _voltage_sensor("cell_voltage_avg", lambda data: data.status.cell_voltage_avg),
    DalySensorEntityDescription(
        key="cell_voltage_delta",
        translation_key="cell_voltage_delta",
        device_class=SensorDeviceClass.VOLTAGE,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfElectricPotential.VOLT,
        # Cell imbalance is judged in millivolts.
        suggested_unit_of_measurement=UnitOfElectricPotential.MILLIVOLT,
        suggested_display_precision=0,
        value_fn=lambda data: data.status.cell_voltage_delta,
    ),
    DalySensorEntityDescription(
        key="mos_temperature",
        translation_key="mos_temperature",
        device_class=SensorDeviceClass.TEMPERATURE,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfTemperature.CELSIUS,
        suggested_display_precision=0,
        value_fn=lambda data: data.status.mos_temperature,
        exists_fn=lambda data: data.status.mos_temperature is not None,
    ),
    DalySensorEntityDescription(
        key="board_temperature",
        translation_key="board_temperature",
        device_class=SensorDeviceClass.TEMPERATURE,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfTemperature.CELSIUS,
        suggested_display_precision=0,
        value_fn=lambda data: data.status.board_temperature,
        exists_fn=lambda data: data.status.board_temperature is not None,
    ),
    DalySensorEntityDescription(
        key="state",
        translation_key="state",
        device_class=SensorDeviceClass.ENUM,
        options=[state.value for state in BatteryState],
        value_fn=lambda data: data.status.state,
    ),
    DalySensorEntityDescription(
        key="balance_current",
        translation_key="balance_current",
        device_class=SensorDeviceClass.CURRENT,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfElectricCurrent.AMPERE,
        suggested_display_precision=3,
        value_fn=lambda data: data.status.balance_current,
        exists_fn=lambda data: data.status.balance_current is not None,
    ),
    # An enum of the most severe alarm rather than a count: its state is translated, it
    # reads as a sentence in the logbook and an automation can trigger on one alarm. The
    # attribute keeps every active alarm for the rest.
    DalySensorEntityDescription(
        key="alarm",
        translation_key="alarm",
        device_class=SensorDeviceClass.ENUM,
        options=ALARM_OPTIONS,
        value_fn=lambda data: most_severe(data.status.alarms) or NO_ALARM,
        attributes_fn=lambda data: {"active_alarms": list(data.status.alarms)},
    ),
    DalySensorEntityDescription(
        key="rssi",
        device_class=SensorDeviceClass.SIGNAL_STRENGTH,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=SIGNAL_STRENGTH_DECIBELS_MILLIWATT,
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        value_fn=lambda data: data.rssi,
    ),
)


# Unit, device class and precision of each kind of setting.
_SETTING_KINDS: dict[str, dict[str, Any]] = {
    "cell_volts": {
        "device_class": SensorDeviceClass.VOLTAGE,
        "native_unit_of_measurement": UnitOfElectricPotential.VOLT,
        "suggested_display_precision": 3,
    },
    "pack_volts": {
        "device_class": SensorDeviceClass.VOLTAGE,
        "native_unit_of_measurement": UnitOfElectricPotential.VOLT,
        "suggested_display_precision": 1,
    },
    "millivolts": {
        "device_class": SensorDeviceClass.VOLTAGE,
        "native_unit_of_measurement": UnitOfElectricPotential.VOLT,
        "suggested_unit_of_measurement": UnitOfElectricPotential.MILLIVOLT,
        "suggested_display_precision": 0,
    },
    "amperes": {
        "device_class": SensorDeviceClass.CURRENT,
        "native_unit_of_measurement": UnitOfElectricCurrent.AMPERE,
        "suggested_display_precision": 1,
    },
    "celsius": {
        "device_class": SensorDeviceClass.TEMPERATURE,
        "native_unit_of_measurement": UnitOfTemperature.CELSIUS,
        "suggested_display_precision": 0,
    },
    "ampere_hours": {
        "native_unit_of_measurement": AMPERE_HOURS,
        "suggested_display_precision": 1,
    },
}

# The settings registers shown as diagnostic sensors. The MOS settings are left out:
# the switches already show them.
_SETTINGS: tuple[tuple[str, str], ...] = (
    ("rated_capacity", "ampere_hours"),
    ("cell_reference_voltage", "cell_volts"),
    *(
        (f"cell_{limit}", "cell_volts")
        for limit in (
            "overvoltage_warning",
            "overvoltage_alarm",
            "undervoltage_warning",
            "undervoltage_alarm",
        )
    ),
    *(
        (f"pack_{limit}", "pack_volts")
        for limit in (
            "overvoltage_warning",
            "overvoltage_alarm",
            "undervoltage_warning",
            "undervoltage_alarm",
        )
    ),
    *(
        (f"{flow}_overcurrent_{level}", "amperes")
        for flow in ("charge", "discharge")
        for level in ("warning", "alarm")
    ),
    *(
        (f"{flow}_{limit}temperature_{level}", "celsius")
        for flow in ("charge", "discharge")
        for limit in ("over", "under")
        for level in ("warning", "alarm")
    ),
    ("cell_delta_warning", "millivolts"),
    ("cell_delta_alarm", "millivolts"),
    ("balancing_start_voltage", "cell_volts"),
    ("balancing_start_delta", "millivolts"),
    ("mos_overtemperature", "celsius"),
)

NEVER_SLEEPS = 65535


def _setting_value(key: str) -> Callable[[DalyData], StateType]:
    def value(data: DalyData) -> StateType:
        return None if data.settings is None else getattr(data.settings, key)

    return value


def _sleep_time(data: DalyData) -> StateType:
    if data.settings is None or data.settings.sleep_time == NEVER_SLEEPS:
        # 65535 means "never": unknown reads better than 18 hours.
        return None
    return data.settings.sleep_time


def _setting_sensor(
    key: str, value_fn: Callable[[DalyData], StateType], **kind: Any
) -> DalySensorEntityDescription:
    return DalySensorEntityDescription(
        key=key,
        translation_key=key,
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        value_fn=value_fn,
        exists_fn=lambda data: data.settings is not None
        and getattr(data.settings, key) is not None,
        **kind,
    )


SETTINGS_SENSORS: tuple[DalySensorEntityDescription, ...] = (
    *(_setting_sensor(key, _setting_value(key), **_SETTING_KINDS[kind]) for key, kind in _SETTINGS),
    _setting_sensor(
        "battery_type",
        _setting_value("battery_type"),
        device_class=SensorDeviceClass.ENUM,
        options=[battery_type.value for battery_type in BatteryType],
    ),
    _setting_sensor(
        "sleep_time",
        _sleep_time,
        device_class=SensorDeviceClass.DURATION,
        native_unit_of_measurement=UnitOfTime.SECONDS,
    ),
)


def _cell_sensor(index: int) -> DalySensorEntityDescription:
    def value(data: DalyData) -> float | None:
        cells = data.status.cell_voltages
        return cells[index] if index < len(cells) else None

    return DalySensorEntityDescription(
        key=f"cell_voltage_{index + 1}",
        translation_key="cell_voltage",
        translation_placeholders={"cell": str(index + 1)},
        device_class=SensorDeviceClass.VOLTAGE,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfElectricPotential.VOLT,
        suggested_display_precision=3,
        value_fn=value,
    )


def _temperature_sensor(index: int) -> DalySensorEntityDescription:
    def value(data: DalyData) -> float | None:
        temperatures = data.status.temperatures
        return temperatures[index] if index < len(temperatures) else None

    return DalySensorEntityDescription(
        key=f"temperature_{index + 1}",
        translation_key="temperature",
        translation_placeholders={"sensor": str(index + 1)},
        device_class=SensorDeviceClass.TEMPERATURE,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfTemperature.CELSIUS,
        suggested_display_precision=0,
        value_fn=value,
    )


def sensor_descriptions(
    data: DalyData, known: frozenset[str] = frozenset()
) -> list[DalySensorEntityDescription]:
    """Return the sensors this unit supports, judged from its first reading.

    `known`: keys of sensors created before. They are kept even when the first reading
    lacks them (a dropped value, a settings read that timed out), so an entity the user
    enabled does not vanish for a whole run because of one bad answer at startup.
    """
    descriptions = [
        description
        for description in (*PACK_SENSORS, *SETTINGS_SENSORS)
        if description.key in known or description.exists_fn(data)
    ]
    descriptions.extend(_cell_sensor(index) for index in range(len(data.status.cell_voltages)))
    # A probe slot that reads nothing at all is not fitted; one that was seen before keeps
    # its entity (it shows unknown while its lead is broken).
    descriptions.extend(
        _temperature_sensor(index)
        for index, value in enumerate(data.status.temperatures)
        if value is not None or f"temperature_{index + 1}" in known
    )
    return descriptions
