"""Creating a bank from units already set up, and changing its packs and choices later."""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import ConfigFlowResult, OptionsFlowWithReload
from homeassistant.const import CONF_ADDRESS, CONF_NAME
from homeassistant.core import HomeAssistant
from homeassistant.helpers.selector import (
    BooleanSelector,
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    SelectOptionDict,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
)
import voluptuous as vol

from .bank import MIN_PARALLEL_LIMIT_V, PARALLEL_LIMIT_V
from .bank_members import banked_members, member_key, member_name, unit_entries, unit_entry
from .const import (
    CONF_MEMBERS,
    CONF_PARALLEL_LIMIT,
    CONF_SUM_AVAILABLE,
    DEFAULT_BANK_NAME,
    MIN_BANK_MEMBERS,
)


def member_choices(
    hass: HomeAssistant, except_bank: str | None = None, keep: list[str] | None = None
) -> list[SelectOptionDict]:
    """Return the units a bank may hold: set up, and in no other bank.

    `keep`: members the bank has now; they stay on the list even when their unit is no
    longer set up, so that saving the options does not drop them unasked.
    """
    taken = banked_members(hass, except_bank)
    choices: dict[str, str] = {}
    for entry in unit_entries(hass):
        member = member_key(entry.data[CONF_ADDRESS])
        if member not in taken:
            choices[member] = member_name(hass, member, entry)
    for member in map(member_key, keep or []):
        choices.setdefault(member, member_name(hass, member, unit_entry(hass, member)))
    return [SelectOptionDict(value=member, label=label) for member, label in choices.items()]


def _members_selector(choices: list[SelectOptionDict]) -> SelectSelector:
    return SelectSelector(
        SelectSelectorConfig(options=choices, multiple=True, mode=SelectSelectorMode.LIST)
    )


def bank_schema(choices: list[SelectOptionDict]) -> vol.Schema:
    """Return the form of the bank step: a name and the packs."""
    return vol.Schema(
        {
            vol.Required(CONF_NAME, default=DEFAULT_BANK_NAME): TextSelector(),
            vol.Required(CONF_MEMBERS): _members_selector(choices),
        }
    )


def check_members(user_input: dict[str, Any]) -> dict[str, str]:
    """Return the form errors of a choice of packs."""
    if len(set(user_input[CONF_MEMBERS])) < MIN_BANK_MEMBERS:
        return {CONF_MEMBERS: "too_few_members"}
    return {}


def new_bank_options(members: list[str]) -> dict[str, Any]:
    """Return the options of a bank as it is created."""
    return {
        CONF_MEMBERS: list(dict.fromkeys(members)),
        CONF_SUM_AVAILABLE: False,
        CONF_PARALLEL_LIMIT: PARALLEL_LIMIT_V,
    }


class BankOptionsFlow(OptionsFlowWithReload):
    """The packs of a bank, whether partial totals are wanted, and the parallel limit."""

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Show the bank's options."""
        return await self.async_step_bank(user_input)

    async def async_step_bank(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Show and store the bank's options; the bank reloads with them."""
        options = self.config_entry.options
        errors: dict[str, str] = {}
        if user_input is not None:
            errors = check_members(user_input)
            if not errors:
                return self.async_create_entry(
                    data={
                        CONF_MEMBERS: list(dict.fromkeys(user_input[CONF_MEMBERS])),
                        CONF_SUM_AVAILABLE: bool(user_input[CONF_SUM_AVAILABLE]),
                        CONF_PARALLEL_LIMIT: float(user_input[CONF_PARALLEL_LIMIT]),
                    }
                )
        current = list(options.get(CONF_MEMBERS, []))
        choices = member_choices(self.hass, self.config_entry.entry_id, current)
        schema = vol.Schema(
            {
                vol.Required(CONF_MEMBERS): _members_selector(choices),
                vol.Required(CONF_SUM_AVAILABLE): BooleanSelector(),
                vol.Required(CONF_PARALLEL_LIMIT): NumberSelector(
                    NumberSelectorConfig(
                        min=MIN_PARALLEL_LIMIT_V,
                        max=PARALLEL_LIMIT_V,
                        step=0.1,
                        mode=NumberSelectorMode.BOX,
                        unit_of_measurement="V",
                    )
                ),
            }
        )
        suggested = {
            CONF_MEMBERS: [member_key(member) for member in current],
            CONF_SUM_AVAILABLE: options.get(CONF_SUM_AVAILABLE, False),
            CONF_PARALLEL_LIMIT: options.get(CONF_PARALLEL_LIMIT, PARALLEL_LIMIT_V),
        }
        return self.async_show_form(
            step_id="bank",
            data_schema=self.add_suggested_values_to_schema(schema, user_input or suggested),
            errors=errors,
        )
