"""How a bank finds its member units and reads them: through their entries and coordinators.

The only place where the bank looks at a unit's side. A member is named by its Bluetooth
address, so a unit whose entry is removed and set up again rejoins its bank by itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from homeassistant.config_entries import ConfigEntry, ConfigEntryState
from homeassistant.const import CONF_ADDRESS
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr

from .bank import PackReading, pack_energy_wh
from .const import CONF_KIND, CONF_MEMBERS, DOMAIN, KIND_BANK
from .coordinator import DalyCoordinator
from .data import DalyData


def is_bank_entry(entry: ConfigEntry[Any]) -> bool:
    """Return True for a bank's entry, False for a unit's."""
    return entry.data.get(CONF_KIND) == KIND_BANK


def member_key(address: str) -> str:
    """Return the form of a Bluetooth address that members are compared in."""
    return dr.format_mac(address)


def unit_entries(hass: HomeAssistant) -> list[ConfigEntry[Any]]:
    """Return the entries of units (not banks), ignored ones left out."""
    return [
        entry
        for entry in hass.config_entries.async_entries(DOMAIN, include_ignore=False)
        if not is_bank_entry(entry) and CONF_ADDRESS in entry.data
    ]


def unit_entry(hass: HomeAssistant, member: str) -> ConfigEntry[Any] | None:
    """Return the entry of the unit at `member` (a member key), if it is set up."""
    for entry in unit_entries(hass):
        if member_key(entry.data[CONF_ADDRESS]) == member:
            return entry
    return None


def banked_members(hass: HomeAssistant, except_bank: str | None = None) -> set[str]:
    """Return the member keys that belong to a bank already (other than `except_bank`)."""
    return {
        member_key(address)
        for entry in hass.config_entries.async_entries(DOMAIN)
        if is_bank_entry(entry) and entry.entry_id != except_bank
        for address in entry.options.get(CONF_MEMBERS, [])
    }


def loaded_coordinator(entry: ConfigEntry[Any] | None) -> DalyCoordinator | None:
    """Return the coordinator of a unit entry that is set up and running, else None."""
    if entry is None or entry.state is not ConfigEntryState.LOADED:
        return None
    coordinator = entry.runtime_data
    return coordinator if isinstance(coordinator, DalyCoordinator) else None


def unit_device(hass: HomeAssistant, entry: ConfigEntry[Any]) -> dr.DeviceEntry | None:
    """Return the device the unit's entry registered (it has one once it ran)."""
    devices = dr.async_entries_for_config_entry(dr.async_get(hass), entry.entry_id)
    return devices[0] if devices else None


def member_name(hass: HomeAssistant, member: str, entry: ConfigEntry[Any] | None) -> str:
    """Return the name the user knows the unit by: its device's, else its entry's."""
    if entry is None:
        return member.upper()
    if (device := unit_device(hass, entry)) is not None:
        return device.name_by_user or device.name or entry.title
    return entry.title


def pack_reading(coordinator: DalyCoordinator | None) -> PackReading | None:
    """Return what an available unit reports; None while it is unavailable."""
    if coordinator is None or coordinator.data is None or not coordinator.last_update_success:
        return None
    return _reading(coordinator.data)


def _reading(data: DalyData) -> PackReading:
    status = data.status
    return PackReading(
        voltage=status.voltage,
        current=status.current,
        power=status.power,
        soc=status.soc,
        remaining_capacity=status.remaining_capacity,
        rated_capacity=None if data.settings is None else data.settings.rated_capacity,
        stored_energy=status.stored_energy,
        cell_voltages=status.cell_voltages,
        cell_voltage_min=status.cell_voltage_min,
        cell_voltage_max=status.cell_voltage_max,
        alarms=status.alarms,
        charge_mos=status.charge_mos,
        discharge_mos=status.discharge_mos,
    )


@dataclass(frozen=True, slots=True)
class MemberEnergy:
    """A unit's energy counters, and the most its pack can move between two readings."""

    charged_wh: float
    discharged_wh: float
    full_pack_wh: float | None


def member_energy(coordinator: DalyCoordinator | None) -> MemberEnergy | None:
    """Return the unit's energy counters as it last counted them (they wait while it is away)."""
    if coordinator is None or coordinator.data is None:
        return None
    data = coordinator.data
    counted = data.derived.energy
    return MemberEnergy(counted.charged_wh, counted.discharged_wh, pack_energy_wh(_reading(data)))
