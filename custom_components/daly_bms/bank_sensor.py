"""Sensors of a bank: its state of charge, totals, extremes and alarms."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import fields
from typing import Any

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorStateClass,
)
from homeassistant.const import (
    UnitOfElectricPotential,
)
from homeassistant.helpers.typing import StateType

from .alarms import NO_ALARM
from .bank import BankSummary, CellExtreme
from .bank_coordinator import BankData
from .entity import SensorValueDescription
from .sensor_descriptions import PACK_SENSORS
from .sensor_energy import ENERGY_SENSORS


def _cell(extreme: CellExtreme | None) -> float | None:
    return None if extreme is None else extreme.voltage


def _cell_attributes(extreme: CellExtreme | None) -> Mapping[str, Any]:
    if extreme is None:
        return {}
    return {"pack": extreme.pack, "cell": extreme.cell}


def _spread_attributes(summary: BankSummary) -> Mapping[str, Any]:
    attributes: dict[str, Any] = {}
    if summary.highest_pack is not None:
        attributes["highest_pack"] = summary.highest_pack.pack
        attributes["highest_pack_voltage"] = summary.highest_pack.voltage
    if summary.lowest_pack is not None:
        attributes["lowest_pack"] = summary.lowest_pack.pack
        attributes["lowest_pack_voltage"] = summary.lowest_pack.voltage
    return attributes


def pack_alarms(summary: BankSummary) -> dict[str, list[str]]:
    """Return the active alarms by pack, packs without alarms left out."""
    by_pack: dict[str, list[str]] = {}
    for alarm in summary.alarms:
        by_pack.setdefault(alarm.pack, []).append(alarm.alarm)
    return by_pack


def _alarm(summary: BankSummary) -> str | None:
    if summary.worst_alarm is not None:
        return summary.worst_alarm.alarm
    # "None" is only true when every pack said so (or the user settles for those that did).
    return NO_ALARM if summary.alarms_complete else None


def _alarm_attributes(summary: BankSummary) -> Mapping[str, Any]:
    worst = summary.worst_alarm
    return {"pack": None if worst is None else worst.pack, "pack_alarms": pack_alarms(summary)}


# What a bank's sensor shows about itself; the rest (name, unit, device class, precision,
# state options) is the pack sensor's of the same key: the same quantity, for the bank.
_OWN_FIELDS = frozenset({"value_fn", "attributes_fn"})
_PACK_SENSORS = {description.key: description for description in (*PACK_SENSORS, *ENERGY_SENSORS)}


def _like_a_pack(
    key: str,
    value_fn: Callable[[BankData], StateType],
    attributes_fn: Callable[[BankData], Mapping[str, Any]] | None = None,
) -> SensorValueDescription[BankData]:
    """Return the bank's sensor `key`, shown as a pack's sensor `key` is."""
    pack = _PACK_SENSORS[key]
    shown = {
        field.name: getattr(pack, field.name)
        for field in fields(SensorValueDescription)
        if field.name not in _OWN_FIELDS
    }
    return SensorValueDescription(**shown, value_fn=value_fn, attributes_fn=attributes_fn)


BANK_SENSORS: tuple[SensorValueDescription[BankData], ...] = (
    _like_a_pack("soc", lambda data: data.summary.soc),
    _like_a_pack("current", lambda data: data.summary.current),
    _like_a_pack("power", lambda data: data.summary.power),
    _like_a_pack("remaining_capacity", lambda data: data.summary.remaining_capacity),
    _like_a_pack("stored_energy", lambda data: data.summary.stored_energy),
    # The packs' counters show kWh; the bank counts what they add, in Wh.
    _like_a_pack("energy_charged", lambda data: data.energy_charged / 1000),
    _like_a_pack("energy_discharged", lambda data: data.energy_discharged / 1000),
    _like_a_pack(
        "cell_voltage_min",
        lambda data: _cell(data.summary.lowest_cell),
        lambda data: _cell_attributes(data.summary.lowest_cell),
    ),
    _like_a_pack(
        "cell_voltage_max",
        lambda data: _cell(data.summary.highest_cell),
        lambda data: _cell_attributes(data.summary.highest_cell),
    ),
    _like_a_pack(
        "alarm", lambda data: _alarm(data.summary), lambda data: _alarm_attributes(data.summary)
    ),
    SensorValueDescription(
        key="pack_voltage_spread",
        translation_key="pack_voltage_spread",
        device_class=SensorDeviceClass.VOLTAGE,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfElectricPotential.VOLT,
        suggested_display_precision=1,
        value_fn=lambda data: data.summary.voltage_spread,
        attributes_fn=lambda data: _spread_attributes(data.summary),
    ),
    SensorValueDescription(
        key="packs_available",
        translation_key="packs_available",
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda data: data.summary.packs_available,
        attributes_fn=lambda data: {
            "packs_total": data.summary.packs_total,
            "missing_packs": list(data.summary.missing),
        },
    ),
)
