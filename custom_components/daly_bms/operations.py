"""What is said to a unit in each exchange; `UnitLink.run` decides how and when it is sent."""

from __future__ import annotations

from dataclasses import replace
from enum import StrEnum
import logging
from typing import TYPE_CHECKING

from .errors import describe
from .protocol import (
    DalyClient,
    DalyCommandError,
    DalyDeviceInfo,
    DalyNotSupportedError,
    DalySettings,
    DalyStatus,
    DalyTimeoutError,
    MosBank,
)

_LOGGER = logging.getLogger(__package__)


class MosSwitch(StrEnum):
    """The two MOSFET banks a user may switch."""

    CHARGE = "charge_mos"
    DISCHARGE = "discharge_mos"

    @property
    def bank(self) -> MosBank:
        """Return the protocol's name of this bank."""
        return MosBank.CHARGE if self is MosSwitch.CHARGE else MosBank.DISCHARGE

    def state(self, status: DalyStatus) -> bool | None:
        """Return whether this bank is on in `status`; None if the unit did not say."""
        return status.mos(self.bank)

    def unknown(self, status: DalyStatus) -> DalyStatus:
        """Return `status` with this bank's state unknown."""
        if self is MosSwitch.CHARGE:
            return replace(status, charge_mos=None)
        return replace(status, discharge_mos=None)


class MosNotFollowedError(Exception):
    """The unit answered, and its MOSFET bank is not in the state asked for."""

    def __init__(self, status: DalyStatus, *, confirmed: bool) -> None:
        """Keep the status read back; `confirmed`: the unit acknowledged the command."""
        super().__init__(
            f"after the command: charge MOS on {status.charge_mos}, "
            f"discharge MOS on {status.discharge_mos}"
        )
        self.status = status
        self.confirmed = confirmed


async def read_versions(client: DalyClient) -> DalyDeviceInfo:
    """Read the version strings; firmware that keeps them to itself is a Daly all the same."""
    try:
        return await client.read_device_info()
    except (DalyNotSupportedError, DalyTimeoutError) as err:
        _LOGGER.debug("versions not read: %s", describe(err))
        if TYPE_CHECKING:
            # UnitLink and the config flow hand out started clients only.
            assert client.capabilities is not None
        return DalyDeviceInfo(
            capabilities=client.capabilities, software_version=None, hardware_version=None
        )


async def read_settings(client: DalyClient) -> DalySettings | None:
    """Read the settings block; None from a unit that will not tell."""
    try:
        return await client.read_settings()
    except (DalyNotSupportedError, DalyTimeoutError) as err:
        _LOGGER.debug("settings not read: %s", describe(err))
        return None


def mos_switchable(status: DalyStatus, switch: MosSwitch) -> bool:
    """Return True when the unit's dialect can switch `switch` and confirm it."""
    return status.capabilities.can_switch(switch.bank)


async def switch_mos(client: DalyClient, switch: MosSwitch, on: bool) -> DalyStatus:
    """Switch `switch` to `on` and return the status that shows it.

    The protocol judges the write on readings taken after it; when the write failed it
    hands over the status it read back (a bank its readings could not settle unknown), or
    the status is read here once. Raises MosNotFollowedError with that status when it does
    not show the bank `on`.
    """
    try:
        return await client.set_mos(switch.bank, on)
    except DalyCommandError as err:
        confirmed = True
        status = err.status
        _LOGGER.debug("MOS write not followed: %s", err)
    except DalyTimeoutError as err:
        confirmed = False
        _LOGGER.debug("MOS write not confirmed: %s", err)
        if err.status is not None:
            status = err.status
        else:
            status = await client.read_status()
            if switch.state(status) is not on:
                # One reading cannot tell a reply sent after the write from a late or
                # resent one from before it: the bank stays unknown until a poll.
                status = switch.unknown(status)
    if switch.state(status) is on:
        return status
    raise MosNotFollowedError(status, confirmed=confirmed)
