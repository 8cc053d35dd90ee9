"""The bank's coordinator: follows the member units' coordinators and adds them up.

It opens no link and polls nothing. Each member coordinator tells it when its data or
availability changed, and config entry changes tell it when a member is set up, reloaded
or removed. Switching goes through each member coordinator's own verified MOS action.
"""

from __future__ import annotations

import asyncio
from dataclasses import asdict, dataclass
import logging
from typing import Any, TypeGuard

from homeassistant.config_entries import (
    SIGNAL_CONFIG_ENTRY_CHANGED,
    ConfigEntry,
    ConfigEntryChange,
)
from homeassistant.const import CONF_ADDRESS
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import device_registry as dr, issue_registry as ir
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.helpers.storage import Store
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator

from .bank import PARALLEL_LIMIT_V, BankPolicy, BankSummary, Member, summarize
from .bank_energy import BankEnergy
from .bank_members import (
    is_bank_entry,
    loaded_coordinator,
    member_energy,
    member_key,
    member_name,
    pack_reading,
    unit_device,
    unit_entries,
    unit_entry,
)
from .const import CONF_MEMBERS, CONF_PARALLEL_LIMIT, CONF_SUM_AVAILABLE, DOMAIN
from .coordinator import DalyCoordinator
from .energy import Direction
from .errors import async_warn
from .protocol import MosBank

type BankConfigEntry = ConfigEntry[BankCoordinator]

_LOGGER = logging.getLogger(__package__)

STORAGE_VERSION = 1
# The energy totals are written at most this often while they grow, when the bank unloads,
# and when Home Assistant stops.
SAVE_DELAY_S = 60

BANK_MODEL = "Battery bank"


def is_bank(entry: ConfigEntry[Any]) -> TypeGuard[BankConfigEntry]:
    """Return True for a bank's entry."""
    return is_bank_entry(entry)


def bank_device_identifier(entry: ConfigEntry[Any]) -> tuple[str, str]:
    """Return the device registry identifier of a bank."""
    return (DOMAIN, f"bank_{entry.entry_id}")


def _missing_issue_id(entry: ConfigEntry[Any], member: str) -> str:
    return f"bank_member_not_set_up_{entry.entry_id}_{member}"


@dataclass(frozen=True, slots=True, kw_only=True)
class BankData:
    """The bank as its entities show it."""

    summary: BankSummary
    members: tuple[Member, ...]
    policy: BankPolicy
    energy_charged: float  # Wh, what the packs' counters added since the bank began
    energy_discharged: float  # Wh


class BankCoordinator(DataUpdateCoordinator[BankData]):
    """Adds up the member units of one bank and switches them together."""

    config_entry: BankConfigEntry

    def __init__(self, hass: HomeAssistant, entry: BankConfigEntry, device_id: str) -> None:
        """Read the bank's options; nothing is followed before the first refresh."""
        super().__init__(hass, _LOGGER, config_entry=entry, name=entry.title)
        self.device_id = device_id  # the bank's own device, which the packs are shown via
        options = entry.options
        # dict.fromkeys: a member picked twice still counts once.
        self.members: tuple[str, ...] = tuple(
            dict.fromkeys(member_key(address) for address in options.get(CONF_MEMBERS, []))
        )
        self.policy = BankPolicy(
            sum_available=bool(options.get(CONF_SUM_AVAILABLE, False)),
            parallel_limit=float(options.get(CONF_PARALLEL_LIMIT, PARALLEL_LIMIT_V)),
        )
        self._following: dict[str, tuple[DalyCoordinator, CALLBACK_TYPE]] = {}
        self._store: Store[dict[str, Any]] = Store(
            hass, STORAGE_VERSION, storage_key(entry.entry_id)
        )
        self._energy = BankEnergy()
        self._save_due = 0.0

    async def _async_setup(self) -> None:
        """Continue the energy totals, then start following the members."""
        self._energy = BankEnergy.from_dict(await self._store.async_load())
        self._energy.keep_only(self.members)
        self.config_entry.async_on_unload(
            async_dispatcher_connect(
                self.hass, SIGNAL_CONFIG_ENTRY_CHANGED, self._async_entry_changed
            )
        )
        self._async_follow_members()

    async def _async_update_data(self) -> BankData:
        return self._take_readings()

    async def async_shutdown(self) -> None:
        """Stop following the members and keep the energy totals."""
        await super().async_shutdown()
        for _, stop in self._following.values():
            stop()
        self._following.clear()
        # A bank that is disabled or removed has nothing to repair; setup raises them again.
        for member in self.members:
            ir.async_delete_issue(self.hass, DOMAIN, _missing_issue_id(self.config_entry, member))
        await self._store.async_save(self._energy.as_dict())

    # ---------------------------------------------------------------- following members

    @callback
    def _async_entry_changed(self, _change: ConfigEntryChange, entry: ConfigEntry[Any]) -> None:
        if entry.domain != DOMAIN or is_bank_entry(entry):
            return
        self._async_follow_members()
        self._async_publish()

    @callback
    def _async_follow_members(self) -> None:
        """Listen to each member's running coordinator; a reloaded member has a new one."""
        for member in self.members:
            entry = unit_entry(self.hass, member)
            self._async_report_not_set_up(member, entry is None)
            coordinator = loaded_coordinator(entry)
            following = self._following.get(member)
            if following is not None and following[0] is coordinator:
                continue
            if following is not None:
                following[1]()
                del self._following[member]
            if coordinator is not None and entry is not None:
                stop = coordinator.async_add_listener(self._async_publish)
                self._following[member] = (coordinator, stop)
                self._async_link_device(entry)

    @callback
    def _async_link_device(self, entry: ConfigEntry[Any]) -> None:
        """Show the unit's device as connected through the bank's."""
        device = unit_device(self.hass, entry)
        if device is not None and device.via_device_id != self.device_id:
            dr.async_get(self.hass).async_update_device(device.id, via_device_id=self.device_id)

    @callback
    def _async_report_not_set_up(self, member: str, not_set_up: bool) -> None:
        issue_id = _missing_issue_id(self.config_entry, member)
        if not not_set_up:
            ir.async_delete_issue(self.hass, DOMAIN, issue_id)
            return
        async_warn(
            self.hass,
            issue_id,
            "bank_member_not_set_up",
            bank=self.config_entry.title,
            address=member.upper(),
        )

    # --------------------------------------------------------------------- the data

    def _name(self, member: str) -> str:
        return member_name(self.hass, member, unit_entry(self.hass, member))

    @property
    def following(self) -> frozenset[str]:
        """Return the members whose running coordinator the bank listens to."""
        return frozenset(self._following)

    def _member_coordinator(self, member: str) -> DalyCoordinator | None:
        following = self._following.get(member)
        return None if following is None else following[0]

    def _take_readings(self) -> BankData:
        """Read every member as it stands and count the energy its counters added."""
        members: list[Member] = []
        for member in self.members:
            coordinator = self._member_coordinator(member)
            members.append(Member(self._name(member), pack_reading(coordinator)))
            if (counted := member_energy(coordinator)) is not None:
                self._energy.observe(
                    member, counted.charged_wh, counted.discharged_wh, counted.full_pack_wh
                )
                self._async_save_soon()
        return BankData(
            summary=summarize(members, self.policy),
            members=tuple(members),
            policy=self.policy,
            energy_charged=self._energy.total_wh(Direction.CHARGED),
            energy_discharged=self._energy.total_wh(Direction.DISCHARGED),
        )

    @callback
    def _async_save_soon(self) -> None:
        now = self.hass.loop.time()
        if now < self._save_due:
            return  # a write is due; it takes the totals as they are by then
        self._save_due = now + SAVE_DELAY_S
        self._store.async_delay_save(self._energy.as_dict, SAVE_DELAY_S)

    @callback
    def _async_publish(self) -> None:
        data = self._take_readings()
        if data != self.data:
            self.async_set_updated_data(data)

    # --------------------------------------------------------------------- switching

    async def async_set_mos(self, switch: MosBank, on: bool) -> None:
        """Switch a MOSFET bank in every pack at once, verified by each pack's coordinator.

        Raises a translated error naming the packs that did not follow (or could not be
        asked); the bank's switch then shows the packs' real states.
        """

        async def followed(member: str, coordinator: DalyCoordinator) -> bool:
            try:
                await coordinator.async_set_mos(switch, on)
            except HomeAssistantError as err:
                _LOGGER.debug("%s: %s did not follow: %s", self.name, self._name(member), err)
                return False
            return True

        asked = {
            member: coordinator
            for member in self.members
            if (coordinator := self._member_coordinator(member)) is not None
        }
        outcomes = dict(
            zip(
                asked,
                await asyncio.gather(*(followed(*pair) for pair in asked.items())),
                strict=True,
            )
        )
        # In the bank's order; a pack that could not be asked did not follow either.
        failed = [self._name(member) for member in self.members if not outcomes.get(member, False)]
        self._async_publish()
        if failed:
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="bank_mos_not_followed",
                translation_placeholders={"bank": self.name, "packs": ", ".join(failed)},
            )


def bank_diagnostics(coordinator: BankCoordinator) -> dict[str, Any]:
    """Return the bank's options, members and sums, packs named by position only.

    Pack names are usually advertised names, which contain the unit's address.
    """
    data = coordinator.data
    labels = {member.name: f"pack {index}" for index, member in enumerate(data.members, 1)}
    return {
        "options": {
            "members": len(coordinator.members),
            "sum_available": coordinator.policy.sum_available,
            "parallel_limit": coordinator.policy.parallel_limit,
        },
        "members": [
            {
                "pack": labels[member.name],
                "set_up": unit_entry(coordinator.hass, key) is not None,
                "followed": key in coordinator.following,
                "reading": None if member.reading is None else asdict(member.reading),
            }
            for key, member in zip(coordinator.members, data.members, strict=True)
        ],
        "summary": _relabel(asdict(data.summary), labels),
        "energy_charged_wh": data.energy_charged,
        "energy_discharged_wh": data.energy_discharged,
    }


def _relabel(value: Any, labels: dict[str, str]) -> Any:
    if isinstance(value, str):
        return labels.get(value, value)
    if isinstance(value, dict):
        return {key: _relabel(item, labels) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_relabel(item, labels) for item in value]
    return value


def storage_key(entry_id: str) -> str:
    """Return the storage key of a bank's energy totals."""
    return f"{DOMAIN}.bank_{entry_id}"


async def async_setup_bank(hass: HomeAssistant, entry: BankConfigEntry) -> None:
    """Register the bank's device, start following its members, keep the coordinator."""
    registry = dr.async_get(hass)
    bank = registry.async_get_or_create(
        config_entry_id=entry.entry_id,
        identifiers={bank_device_identifier(entry)},
        name=entry.title,
        model=BANK_MODEL,
    )
    coordinator = BankCoordinator(hass, entry, bank.id)
    # Units that left the bank no longer show as connected through it.
    for unit in unit_entries(hass):
        if member_key(unit.data[CONF_ADDRESS]) in coordinator.members:
            continue
        for device in dr.async_entries_for_config_entry(registry, unit.entry_id):
            if device.via_device_id == bank.id:
                registry.async_update_device(device.id, via_device_id=None)
    await coordinator.async_config_entry_first_refresh()
    entry.runtime_data = coordinator


async def async_remove_bank(hass: HomeAssistant, entry: BankConfigEntry) -> None:
    """Delete what a removed bank kept: its energy totals."""
    await Store[dict[str, Any]](hass, STORAGE_VERSION, storage_key(entry.entry_id)).async_remove()
