"""What each sensor shows: the pack, its cells and temperatures, alarms, settings.

Every sensor a unit can have is a row below, under its literal key; only cells and
temperature probes are numbered per unit (`cell_voltage_<n>`, `temperature_<n>`, from 1).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from homeassistant.components.sensor import (
    SensorDeviceClass,
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
)
from homeassistant.helpers.typing import StateType

from .alarms import ALARM_OPTIONS, NO_ALARM
from .data import DalyData
from .entity import DalyEntityDescription, SensorValueDescription
from .protocol import BatteryState, BatteryType, DalySettings, most_severe

AMPERE_HOURS = "Ah"


@dataclass(frozen=True, kw_only=True)
class DalySensorEntityDescription(
    SensorValueDescription[DalyData], DalyEntityDescription[StateType]
):
    """A sensor of a unit."""


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
        value_fn=lambda data: data.status.stored_energy,
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


@dataclass(frozen=True, slots=True)
class _Shown:
    """How a kind of setting is shown: device class, unit, precision."""

    device_class: SensorDeviceClass | None
    unit: str | None = None
    precision: int | None = None
    suggested_unit: str | None = None
    options: list[str] | None = None


CELL_VOLTS = _Shown(SensorDeviceClass.VOLTAGE, UnitOfElectricPotential.VOLT, 3)
PACK_VOLTS = _Shown(SensorDeviceClass.VOLTAGE, UnitOfElectricPotential.VOLT, 1)
# Cell differences are judged in millivolts.
MILLIVOLTS = _Shown(
    SensorDeviceClass.VOLTAGE, UnitOfElectricPotential.VOLT, 0, UnitOfElectricPotential.MILLIVOLT
)
# Home Assistant has no device class for charge; the unit still lets it graph.
CHARGE = _Shown(None, AMPERE_HOURS, 1)
AMPERES = _Shown(SensorDeviceClass.CURRENT, UnitOfElectricCurrent.AMPERE, 1)
CELSIUS = _Shown(SensorDeviceClass.TEMPERATURE, UnitOfTemperature.CELSIUS, 0)
BATTERY_TYPES = _Shown(SensorDeviceClass.ENUM, options=[kind.value for kind in BatteryType])


def _setting(
    key: str, shown: _Shown, read: Callable[[DalySettings], StateType]
) -> DalySensorEntityDescription:
    """Describe the setting `key`, which `read` takes from the settings block."""
    return DalySensorEntityDescription(
        key=key,
        translation_key=key,
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        device_class=shown.device_class,
        native_unit_of_measurement=shown.unit,
        suggested_display_precision=shown.precision,
        suggested_unit_of_measurement=shown.suggested_unit,
        options=shown.options,
        value_fn=lambda data: None if data.settings is None else read(data.settings),
        exists_fn=lambda data: data.settings is not None and read(data.settings) is not None,
    )


# The settings registers shown as diagnostic sensors, read-only: protection limits, battery
# type, and the rated capacity where the unit's dialect cannot write it (where it can, it is
# a number, see number.py). The MOS settings are left out: the switches show them.
SETTINGS_SENSORS: tuple[DalySensorEntityDescription, ...] = (
    _setting("rated_capacity", CHARGE, lambda s: s.rated_capacity),
    _setting("cell_reference_voltage", CELL_VOLTS, lambda s: s.cell_reference_voltage),
    _setting("cell_overvoltage_warning", CELL_VOLTS, lambda s: s.cell_overvoltage_warning),
    _setting("cell_overvoltage_alarm", CELL_VOLTS, lambda s: s.cell_overvoltage_alarm),
    _setting("cell_undervoltage_warning", CELL_VOLTS, lambda s: s.cell_undervoltage_warning),
    _setting("cell_undervoltage_alarm", CELL_VOLTS, lambda s: s.cell_undervoltage_alarm),
    _setting("pack_overvoltage_warning", PACK_VOLTS, lambda s: s.pack_overvoltage_warning),
    _setting("pack_overvoltage_alarm", PACK_VOLTS, lambda s: s.pack_overvoltage_alarm),
    _setting("pack_undervoltage_warning", PACK_VOLTS, lambda s: s.pack_undervoltage_warning),
    _setting("pack_undervoltage_alarm", PACK_VOLTS, lambda s: s.pack_undervoltage_alarm),
    _setting("charge_overcurrent_warning", AMPERES, lambda s: s.charge_overcurrent_warning),
    _setting("charge_overcurrent_alarm", AMPERES, lambda s: s.charge_overcurrent_alarm),
    _setting("discharge_overcurrent_warning", AMPERES, lambda s: s.discharge_overcurrent_warning),
    _setting("discharge_overcurrent_alarm", AMPERES, lambda s: s.discharge_overcurrent_alarm),
    _setting("charge_overtemperature_warning", CELSIUS, lambda s: s.charge_overtemperature_warning),
    _setting("charge_overtemperature_alarm", CELSIUS, lambda s: s.charge_overtemperature_alarm),
    _setting(
        "charge_undertemperature_warning", CELSIUS, lambda s: s.charge_undertemperature_warning
    ),
    _setting("charge_undertemperature_alarm", CELSIUS, lambda s: s.charge_undertemperature_alarm),
    _setting(
        "discharge_overtemperature_warning",
        CELSIUS,
        lambda s: s.discharge_overtemperature_warning,
    ),
    _setting(
        "discharge_overtemperature_alarm", CELSIUS, lambda s: s.discharge_overtemperature_alarm
    ),
    _setting(
        "discharge_undertemperature_warning",
        CELSIUS,
        lambda s: s.discharge_undertemperature_warning,
    ),
    _setting(
        "discharge_undertemperature_alarm",
        CELSIUS,
        lambda s: s.discharge_undertemperature_alarm,
    ),
    _setting("cell_delta_warning", MILLIVOLTS, lambda s: s.cell_delta_warning),
    _setting("cell_delta_alarm", MILLIVOLTS, lambda s: s.cell_delta_alarm),
    _setting("balancing_start_voltage", CELL_VOLTS, lambda s: s.balancing_start_voltage),
    _setting("balancing_start_delta", MILLIVOLTS, lambda s: s.balancing_start_delta),
    _setting("mos_overtemperature", CELSIUS, lambda s: s.mos_overtemperature),
    _setting("battery_type", BATTERY_TYPES, lambda s: s.battery_type),
)

# Per cell and per probe: the templates the numbered sensors are made from.
CELL_VOLTAGE = DalySensorEntityDescription(
    key="cell_voltage",
    translation_key="cell_voltage",
    device_class=SensorDeviceClass.VOLTAGE,
    state_class=SensorStateClass.MEASUREMENT,
    native_unit_of_measurement=UnitOfElectricPotential.VOLT,
    suggested_display_precision=3,
    value_fn=lambda data: None,
)
TEMPERATURE = DalySensorEntityDescription(
    key="temperature",
    translation_key="temperature",
    device_class=SensorDeviceClass.TEMPERATURE,
    state_class=SensorStateClass.MEASUREMENT,
    native_unit_of_measurement=UnitOfTemperature.CELSIUS,
    suggested_display_precision=0,
    value_fn=lambda data: None,
)


def numbered_key(template: DalySensorEntityDescription, number: int) -> str:
    """Return the key of the `number`th (from 1) sensor made from `template`."""
    return f"{template.key}_{number}"


def _numbered(
    template: DalySensorEntityDescription,
    placeholder: str,
    values: Callable[[DalyData], tuple[float | None, ...]],
    index: int,
) -> DalySensorEntityDescription:
    def value(data: DalyData) -> float | None:
        found = values(data)
        return found[index] if index < len(found) else None

    return replace(
        template,
        key=numbered_key(template, index + 1),
        translation_placeholders={placeholder: str(index + 1)},
        value_fn=value,
    )


def _cell_sensor(index: int) -> DalySensorEntityDescription:
    return _numbered(CELL_VOLTAGE, "cell", lambda data: data.status.cell_voltages, index)


def _temperature_sensor(index: int) -> DalySensorEntityDescription:
    return _numbered(TEMPERATURE, "sensor", lambda data: data.status.temperatures, index)


def sensor_descriptions(
    data: DalyData, known: frozenset[str] = frozenset()
) -> list[DalySensorEntityDescription]:
    """Return the sensors this unit supports, judged from its first reading.

    `known`: keys of sensors created before. They are kept even when the first reading
    lacks them (a dropped value, a settings read that timed out), so an entity the user
    enabled does not vanish for a whole run because of one bad answer at startup.
    """
    # A setting the unit's dialect can write is a number instead (see number.py).
    writable = data.status.capabilities.writable_settings
    descriptions = [
        description
        for description in (*PACK_SENSORS, *SETTINGS_SENSORS)
        if description.key not in writable
        and (description.key in known or description.exists_fn(data))
    ]
    descriptions.extend(_cell_sensor(index) for index in range(len(data.status.cell_voltages)))
    # A probe slot that reads nothing at all is not fitted; one that was seen before keeps
    # its entity (it shows unknown while its lead is broken).
    descriptions.extend(
        _temperature_sensor(index)
        for index, value in enumerate(data.status.temperatures)
        if value is not None or numbered_key(TEMPERATURE, index + 1) in known
    )
    return descriptions
