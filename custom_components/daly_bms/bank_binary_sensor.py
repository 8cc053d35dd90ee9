"""Binary sensors of a bank: ready to parallel, and any problem in any pack."""

from __future__ import annotations

from typing import Any

from homeassistant.components.binary_sensor import BinarySensorDeviceClass

from .bank import pack_spread
from .bank_coordinator import BankData
from .bank_sensor import pack_alarms
from .entity import BinaryValueDescription


def _parallel_attributes(data: BankData) -> dict[str, Any]:
    summary = data.summary
    highest, lowest = summary.highest_pack, summary.lowest_pack
    return {
        "highest_pack": None if highest is None else highest.pack,
        "highest_pack_voltage": None if highest is None else highest.voltage,
        "lowest_pack": None if lowest is None else lowest.pack,
        "lowest_pack_voltage": None if lowest is None else lowest.voltage,
        "voltage_spread": pack_spread(lowest, highest),
        "voltage_limit": data.policy.parallel_limit,
        "missing_packs": list(summary.missing),
    }


BANK_BINARY_SENSORS: tuple[BinaryValueDescription[BankData], ...] = (
    BinaryValueDescription(
        key="ready_to_parallel",
        translation_key="ready_to_parallel",
        value_fn=lambda data: data.summary.ready_to_parallel,
        attributes_fn=_parallel_attributes,
    ),
    BinaryValueDescription(
        key="problem",
        translation_key="problem",
        device_class=BinarySensorDeviceClass.PROBLEM,
        value_fn=lambda data: data.summary.problem,
        attributes_fn=lambda data: {"pack_alarms": pack_alarms(data.summary)},
    ),
)
