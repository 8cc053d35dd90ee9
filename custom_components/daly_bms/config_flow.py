"""Config flow: discover a unit, check that it answers, and set its options."""

from __future__ import annotations

import logging
from typing import Any

from bleak import BleakClient
from homeassistant.components import bluetooth
from homeassistant.config_entries import (
    ConfigEntryState,
    ConfigFlow,
    ConfigFlowResult,
    OptionsFlowWithReload,
)
from homeassistant.const import CONF_ADDRESS, CONF_NAME
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.device_registry import format_mac
from homeassistant.helpers.selector import (
    BooleanSelector,
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
)
import voluptuous as vol

from .bank_flow import (
    BankOptionsFlow,
    bank_schema,
    check_members,
    member_choices,
    new_bank_options,
)
from .bank_members import is_bank_entry
from .const import (
    CONF_CONNECTION_MODE,
    CONF_DIALECT,
    CONF_INVERT_CURRENT,
    CONF_KIND,
    CONF_MEMBERS,
    CONF_POLL_INTERVAL,
    CONNECT_ATTEMPTS,
    DEFAULT_BANK_NAME,
    DEFAULT_CONNECTION_MODE,
    DEFAULT_INVERT_CURRENT,
    DEFAULT_POLL_INTERVAL,
    DOMAIN,
    KIND_BANK,
    MAX_POLL_INTERVAL,
    MIN_BANK_MEMBERS,
    MIN_POLL_INTERVAL,
    ConnectionMode,
)
from .coordinator import DalyConfigEntry
from .errors import CANNOT_CONNECT, LINK_ERRORS, NO_CONNECTION_SLOT, NO_PATH_ERRORS, describe
from .link import async_disconnect, async_open_link, new_client
from .operations import read_versions
from .product import advertised_title, looks_like_daly, names_itself_daly, product_line
from .protocol import (
    ALT_NOTIFY_UUID,
    ALT_WRITE_UUID,
    NOTIFY_UUID,
    WRITE_UUID,
    DalyNotSupportedError,
    Dialect,
    dialect_spec,
)
from .slots import UnitSlots, async_register_check

_LOGGER = logging.getLogger(__name__)

NOT_DALY = "not_daly"


def _has_daly_characteristics(bleak_client: BleakClient) -> bool:
    try:
        services = bleak_client.services
    except LINK_ERRORS:
        return False
    uuids = {
        characteristic.uuid.lower()
        for service in services
        for characteristic in service.characteristics
    }
    return {NOTIFY_UUID, WRITE_UUID} <= uuids or {ALT_NOTIFY_UUID, ALT_WRITE_UUID} <= uuids


async def async_probe(
    hass: HomeAssistant, service_info: bluetooth.BluetoothServiceInfoBleak
) -> Dialect | str:
    """Connect, check the unit answers like a Daly BMS and read its versions, disconnect.

    Returns the dialect the unit answered in, otherwise the translation key of the form
    error. Nothing is written to the unit.
    """
    address = service_info.address
    # The check takes its turn for a proxy slot like the units' readings, and hears at once
    # when there is none to be had.
    turn = async_register_check(hass, address, advertised_title(service_info))
    try:
        return await _async_probe_on_turn(hass, service_info, turn)
    finally:
        turn.close()


async def _async_probe_on_turn(
    hass: HomeAssistant, service_info: bluetooth.BluetoothServiceInfoBleak, turn: UnitSlots
) -> Dialect | str:
    address = service_info.address
    try:
        await turn.async_acquire()
        bleak_client = await async_open_link(
            hass, address, advertised_title(service_info), max_attempts=CONNECT_ATTEMPTS
        )
    except NO_PATH_ERRORS as err:
        _LOGGER.debug("%s: no path to the unit: %s", address, describe(err))
        return NO_CONNECTION_SLOT
    except LINK_ERRORS as err:
        _LOGGER.debug("%s: connection failed: %s", address, describe(err))
        return CANNOT_CONNECT
    turn.connected()
    client = new_client(bleak_client)
    try:
        dialect = await client.start()
        info = await read_versions(client)
    except DalyNotSupportedError as err:
        _LOGGER.debug("%s: no answer to Daly requests: %s", address, describe(err))
        # Silence is all a sleeping Daly gives, too: trust a unit that calls itself Daly.
        return CANNOT_CONNECT if names_itself_daly(service_info) else NOT_DALY
    except LINK_ERRORS as err:
        _LOGGER.debug("%s: check failed: %s", address, describe(err))
        return CANNOT_CONNECT if _has_daly_characteristics(bleak_client) else NOT_DALY
    finally:
        await client.stop()
        # A failing disconnect must not turn a finished check into "Unknown error".
        await async_disconnect(bleak_client, address)
    _LOGGER.debug("%s answers in the %s dialect: %s", address, dialect, info)
    return dialect


class DalyConfigFlow(ConfigFlow, domain=DOMAIN):
    """Add a Daly unit found over Bluetooth."""

    VERSION = 1
    # 1.2: unique ids normalised with format_mac.
    MINOR_VERSION = 2

    def __init__(self) -> None:
        """Start with nothing discovered."""
        self._discovery: bluetooth.BluetoothServiceInfoBleak | None = None
        self._choices: dict[str, bluetooth.BluetoothServiceInfoBleak] = {}
        self._dialect: Dialect | None = None

    @staticmethod
    @callback
    def async_get_options_flow(
        config_entry: DalyConfigEntry,
    ) -> DalyOptionsFlow | BankOptionsFlow:
        """Return the options flow of a unit or of a bank."""
        if is_bank_entry(config_entry):
            return BankOptionsFlow()
        return DalyOptionsFlow()

    async def async_step_bluetooth(
        self, discovery_info: bluetooth.BluetoothServiceInfoBleak
    ) -> ConfigFlowResult:
        """Handle a unit found by the manifest's Bluetooth matchers."""
        await self.async_set_unique_id(format_mac(discovery_info.address))
        self._abort_if_unique_id_configured()
        if not looks_like_daly(discovery_info):
            # Matched only by the shared FFF0 service or a company id, with maker data that
            # is not Daly's: another device, never shown to the user.
            return self.async_abort(reason=NOT_DALY)
        self._discovery = discovery_info
        self.context["title_placeholders"] = {"name": advertised_title(discovery_info)}
        return await self.async_step_bluetooth_confirm()

    async def async_step_bluetooth_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask before connecting: the unit takes one connection at a time."""
        assert self._discovery is not None
        discovery = self._discovery
        errors: dict[str, str] = {}
        if user_input is not None:
            found = await async_probe(self.hass, discovery)
            if isinstance(found, Dialect):
                return await self._async_found(discovery, found)
            errors["base"] = found
        self._set_confirm_only()
        return self.async_show_form(
            step_id="bluetooth_confirm",
            description_placeholders={
                "name": advertised_title(discovery),
                "model": product_line(discovery.name, discovery.manufacturer_data).title,
            },
            errors=errors,
        )

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Ask what to add: a unit, or a bank of units already set up."""
        return self.async_show_menu(step_id="user", menu_options=["unit", "bank"])

    async def async_step_bank(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Let the user name a bank and pick its packs among the units set up."""
        choices = member_choices(self.hass)
        if len(choices) < MIN_BANK_MEMBERS:
            return self.async_abort(reason="no_bank_candidates")
        errors: dict[str, str] = {}
        if user_input is not None:
            errors = check_members(user_input)
            if not errors:
                return self.async_create_entry(
                    title=user_input[CONF_NAME].strip() or DEFAULT_BANK_NAME,
                    data={CONF_KIND: KIND_BANK},
                    options=new_bank_options(user_input[CONF_MEMBERS]),
                )
        return self.async_show_form(
            step_id="bank",
            data_schema=self.add_suggested_values_to_schema(bank_schema(choices), user_input),
            errors=errors,
        )

    async def async_step_unit(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Let the user pick one of the units Home Assistant hears."""
        errors: dict[str, str] = {}
        if user_input is not None:
            address = user_input[CONF_ADDRESS]
            await self.async_set_unique_id(format_mac(address), raise_on_progress=False)
            self._abort_if_unique_id_configured()
            discovery = self._choices[address]
            found = await async_probe(self.hass, discovery)
            if isinstance(found, Dialect):
                return await self._async_found(discovery, found)
            errors["base"] = found

        configured = self._async_current_ids(include_ignore=False)
        self._choices = {
            info.address: info
            for info in bluetooth.async_discovered_service_info(self.hass, connectable=True)
            if format_mac(info.address) not in configured and looks_like_daly(info)
        }
        if not self._choices:
            return self.async_abort(reason="no_devices_found")
        titles = {address: _choice(info) for address, info in self._choices.items()}
        return self.async_show_form(
            step_id="unit",
            data_schema=vol.Schema({vol.Required(CONF_ADDRESS): vol.In(titles)}),
            errors=errors,
        )

    async def _async_found(
        self, discovery: bluetooth.BluetoothServiceInfoBleak, dialect: Dialect
    ) -> ConfigFlowResult:
        self._discovery = discovery
        self._dialect = dialect
        return await self.async_step_found()

    async def async_step_found(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Say which protocol the unit answered in before adding it."""
        assert self._discovery is not None
        assert self._dialect is not None
        discovery = self._discovery
        if user_input is not None:
            return self._async_create(discovery)
        self._set_confirm_only()
        return self.async_show_form(
            step_id="found",
            description_placeholders={
                "name": advertised_title(discovery),
                "protocol": dialect_spec(self._dialect).label,
            },
        )

    @callback
    def _async_create(self, discovery: bluetooth.BluetoothServiceInfoBleak) -> ConfigFlowResult:
        title = advertised_title(discovery)
        assert self._dialect is not None
        return self.async_create_entry(
            title=title,
            data={
                CONF_ADDRESS: discovery.address,
                CONF_NAME: title,
                CONF_DIALECT: str(self._dialect),
            },
        )

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Check the entry's own unit again and take over its name, keeping the options."""
        entry: DalyConfigEntry = self._get_reconfigure_entry()
        if is_bank_entry(entry):
            # A bank has no unit to check; its packs are changed in its options.
            return self.async_abort(reason="bank_reconfigure")
        errors: dict[str, str] = {}
        if user_input is not None:
            info = bluetooth.async_last_service_info(
                self.hass, entry.data[CONF_ADDRESS], connectable=True
            )
            if (error := await self._async_recheck(entry, info)) is None:
                # A unit held by the running entry does not advertise: keep its name then.
                title = (
                    entry.data.get(CONF_NAME, entry.title)
                    if info is None
                    else advertised_title(info)
                )
                return self.async_update_reload_and_abort(
                    entry, title=title, data_updates={CONF_NAME: title}
                )
            errors["base"] = error
        return self.async_show_form(
            step_id="reconfigure", description_placeholders={"name": entry.title}, errors=errors
        )

    async def _async_recheck(
        self, entry: DalyConfigEntry, info: bluetooth.BluetoothServiceInfoBleak | None
    ) -> str | None:
        """Check the unit answers, over the running link when the entry holds one."""
        if entry.state is ConfigEntryState.LOADED:
            # A second connection would be refused while the entry holds the unit.
            coordinator = entry.runtime_data
            await coordinator.async_refresh()
            return None if coordinator.last_update_success else CANNOT_CONNECT
        if info is None:
            return NO_CONNECTION_SLOT
        found = await async_probe(self.hass, info)
        return None if isinstance(found, Dialect) else found


class DalyOptionsFlow(OptionsFlowWithReload):
    """Poll interval, connection mode, current sign; they take effect when the entry reloads."""

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Show and store the options."""
        if user_input is not None:
            return self.async_create_entry(
                data={
                    CONF_POLL_INTERVAL: int(user_input[CONF_POLL_INTERVAL]),
                    CONF_CONNECTION_MODE: user_input[CONF_CONNECTION_MODE],
                    CONF_INVERT_CURRENT: bool(user_input[CONF_INVERT_CURRENT]),
                }
            )
        schema = vol.Schema(
            {
                vol.Required(CONF_POLL_INTERVAL): NumberSelector(
                    NumberSelectorConfig(
                        min=MIN_POLL_INTERVAL,
                        max=MAX_POLL_INTERVAL,
                        step=1,
                        mode=NumberSelectorMode.BOX,
                        unit_of_measurement="s",
                    )
                ),
                vol.Required(CONF_CONNECTION_MODE): SelectSelector(
                    SelectSelectorConfig(
                        options=[mode.value for mode in ConnectionMode],
                        translation_key=CONF_CONNECTION_MODE,
                        mode=SelectSelectorMode.LIST,
                    )
                ),
                vol.Required(CONF_INVERT_CURRENT): BooleanSelector(),
            }
        )
        current = {
            CONF_POLL_INTERVAL: self.config_entry.options.get(
                CONF_POLL_INTERVAL, DEFAULT_POLL_INTERVAL
            ),
            CONF_CONNECTION_MODE: self.config_entry.options.get(
                CONF_CONNECTION_MODE, DEFAULT_CONNECTION_MODE
            ),
            CONF_INVERT_CURRENT: self.config_entry.options.get(
                CONF_INVERT_CURRENT, DEFAULT_INVERT_CURRENT
            ),
        }
        return self.async_show_form(
            step_id="init",
            data_schema=self.add_suggested_values_to_schema(schema, current),
            # Several units look alike in the dialog; say which one these options are for.
            description_placeholders={"name": self.config_entry.title},
        )


def _choice(service_info: bluetooth.BluetoothServiceInfoBleak) -> str:
    """Return how a unit is listed for the user to pick: its name and its address."""
    return f"{advertised_title(service_info)} ({service_info.address})"
