"""What is said to a unit in each exchange; `UnitLink.run` decides how and when it is sent."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from .errors import describe
from .protocol import (
    DalyClient,
    DalyCommandError,
    DalyDeviceInfo,
    DalyNotSupportedError,
    DalySettingNotFollowedError,
    DalySettings,
    DalyStatus,
    DalyTimeoutError,
    MosBank,
)

_LOGGER = logging.getLogger(__package__)


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


async def switch_mos(client: DalyClient, bank: MosBank, on: bool) -> DalyStatus:
    """Switch `bank` to `on` and return the status read afterwards that shows it.

    The protocol judges a write on readings taken after it, and hands over the last of
    them when the write failed. Raises MosNotFollowedError with that status: the switch
    then shows what the unit does. A write with no reading after it raises as it came.
    """
    try:
        return await client.set_mos(bank, on)
    except (DalyCommandError, DalyTimeoutError) as err:
        if err.status is None:
            raise
        _LOGGER.debug("MOS write failed, the unit reports: %s", err)
        confirmed = isinstance(err, DalyCommandError)
        raise MosNotFollowedError(err.status, confirmed=confirmed) from err


class SettingNotFollowedError(Exception):
    """The unit answered, and its settings do not show the value it was sent."""

    def __init__(self, err: DalySettingNotFollowedError) -> None:
        """Keep what the unit reports now."""
        super().__init__(str(err))
        self.settings = err.settings
        self.actual = err.actual


async def write_setting(
    client: DalyClient, key: str, value: float
) -> tuple[DalySettings, DalyStatus | None]:
    """Write one setting, confirmed by the settings read back, then read the status.

    The status shows what the setting changed (a new state of charge, a remaining capacity
    against a new rating); None when that read went unanswered: the write stands, and the
    next reading shows the rest. Raises SettingNotFollowedError when the unit did not
    take it.
    """
    try:
        settings = await client.set_setting(key, value)
    except DalySettingNotFollowedError as err:
        raise SettingNotFollowedError(err) from err
    try:
        return settings, await client.read_status()
    except DalyTimeoutError:
        return settings, None
