"""The user's writes to a unit: switching a MOSFET bank and changing a setting.

Each write is checked against what the unit's dialect can do (and a setting's range) before
anything is sent, goes over the unit's link, and is shown as the unit reports it afterwards.
Every refusal becomes a translated error that names the unit, and the setting as the user
sees it.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Protocol

from homeassistant.exceptions import HomeAssistantError, ServiceValidationError

from .data import DalyData
from .errors import (
    MOS_NOT_CONFIRMED,
    MOS_NOT_FOLLOWED,
    MOS_NOT_SUPPORTED,
    SETTING_NOT_FOLLOWED,
    SETTING_NOT_SUPPORTED,
    SETTING_OUT_OF_RANGE,
    SWITCH_NOT_FOLLOWED,
    LinkFailure,
    unit_error,
)
from .link import UnitLink
from .operations import (
    MosNotFollowedError,
    SettingNotFollowedError,
    switch_mos,
    write_setting,
)
from .protocol import DalySettingRangeError, DalyStatus, MosBank, Setting
from .unit_settings import UnitSettings


class UnitView(Protocol):
    """What the writes need of the coordinator: its name, its data, and how to show them."""

    @property
    def name(self) -> str:
        """Return the unit's name, as every message names it."""

    @property
    def data(self) -> DalyData:
        """Return what the entities show now."""

    def async_set_updated_data(self, data: DalyData) -> None:
        """Show `data` as it is."""

    def async_show_reading(self, status: DalyStatus | None) -> None:
        """Show a reading taken after a write (None: the last one) with the settings now."""


class UnitActions:
    """Carries out the user's writes on one unit, and explains every refusal."""

    def __init__(self, link: UnitLink, settings: UnitSettings, view: UnitView) -> None:
        """Write over `link`, keep `settings` up to date and show the outcome on `view`."""
        self._link = link
        self._settings = settings
        self._view = view

    async def async_set_mos(self, bank: MosBank, on: bool) -> None:
        """Switch a MOSFET bank, then show the unit's state."""
        view = self._view
        if not view.data.status.capabilities.can_switch(bank):
            raise unit_error(HomeAssistantError, MOS_NOT_SUPPORTED, view.name)
        try:
            status = await self._link.run(lambda client: switch_mos(client, bank, on))
        except MosNotFollowedError as err:
            view.async_show_reading(err.status)
            key = MOS_NOT_FOLLOWED if err.confirmed else MOS_NOT_CONFIRMED
            raise unit_error(HomeAssistantError, key, view.name) from err
        except LinkFailure as err:
            if err.reached_unit and not self._link.shut_down:
                # The command may have been carried out or not: unknown until a reading tells.
                unknown = view.data.status.without_mos(bank)
                view.async_set_updated_data(replace(view.data, status=unknown))
            raise unit_error(HomeAssistantError, err.key, view.name, err) from err
        finally:
            # The settings block mirrors the MOS registers: re-read it next poll.
            self._settings.due_next_reading()
        # The switch register now holds what was written: the lock-out check sees it at
        # once rather than at the next settings read.
        self._settings.mos_written(bank, on)
        view.async_show_reading(status)

    async def async_set_setting(
        self, key: str, value: float, label: str, *, switch: bool = False
    ) -> None:
        """Write a setting; show what the unit then reports.

        `label` is the setting as the user sees it (the entity's name), for the messages;
        `switch`: the user sees it as a switch, so a refusal names no values.
        Raises a translated ServiceValidationError for a value out of range (nothing is
        sent) and a translated HomeAssistantError when the unit does not take it.
        """
        view = self._view
        setting = view.data.status.capabilities.setting(key)
        if setting is None:
            raise unit_error(HomeAssistantError, SETTING_NOT_SUPPORTED, view.name, setting=label)
        try:
            setting.raw(value)
        except DalySettingRangeError as err:
            raise setting_error(
                ServiceValidationError,
                SETTING_OUT_OF_RANGE,
                view.name,
                label,
                setting,
                value=value,
                minimum=setting.minimum,
                maximum=setting.maximum,
            ) from err
        try:
            settings, status = await self._link.run(
                lambda client: write_setting(client, key, value)
            )
        except SettingNotFollowedError as err:
            self._settings.take(err.settings)
            view.async_show_reading(None)
            if switch:
                raise unit_error(
                    HomeAssistantError, SWITCH_NOT_FOLLOWED, view.name, setting=label
                ) from err
            raise setting_error(
                HomeAssistantError,
                SETTING_NOT_FOLLOWED,
                view.name,
                label,
                setting,
                value=value,
                actual=err.actual,
            ) from err
        except LinkFailure as err:
            if err.reached_unit and not self._link.shut_down:
                # The unit may have taken the value or not: unknown until it is read again.
                self._settings.forget(key)
                view.async_show_reading(None)
            if err.key == MOS_NOT_SUPPORTED:
                # The unit came back in a dialect that cannot set it: say which setting.
                raise unit_error(
                    HomeAssistantError, SETTING_NOT_SUPPORTED, view.name, setting=label
                ) from err
            raise unit_error(HomeAssistantError, err.key, view.name, err) from err
        finally:
            # Whatever came of it, the next reading asks the unit what it holds now.
            self._settings.due_next_reading()
        self._settings.take(settings)
        view.async_show_reading(status)


def setting_error[ErrorT: HomeAssistantError](
    kind: type[ErrorT],
    key: str,
    name: str,
    label: str,
    setting: Setting,
    **values: float | None,
) -> ErrorT:
    """Return a translated `kind` error about `setting` (`label` to the user), with `values`.

    Each value is shown as a number with the setting's unit, never with a float tail.
    """
    unit = f" {setting.unit}" if setting.unit else ""
    shown = {
        placeholder: "?" if value is None else f"{value:g}{unit}"
        for placeholder, value in values.items()
    }
    return unit_error(kind, key, name, None, setting=label, **shown)
