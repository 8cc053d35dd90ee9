"""The Bluetooth link to a unit: the one owner of its session.

Every exchange with the unit goes through `UnitLink.run`: one at a time, on a link opened
on demand, retried once on a fresh link when the held one died unnoticed, let go of after
an error that leaves it unusable, and after each exchange when the user chose to connect
for each reading.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
import logging
from typing import Any

from bleak import BleakClient
import bleak_retry_connector
from homeassistant.components import bluetooth
from homeassistant.config_entries import ConfigEntry
from homeassistant.const import CONF_ADDRESS
from homeassistant.core import HomeAssistant

from .const import CONF_DIALECT, CONNECT_ATTEMPTS, ConnectionMode
from .errors import (
    LINK_ERRORS,
    LINK_KEPT_ERRORS,
    STALE_LINK_ERRORS,
    LinkFailure,
    LinkShutDownError,
    UnitNotInRangeError,
    describe,
    failure_key,
)
from .protocol import DalyClient, Dialect, UnitMemory
from .slots import UnitSlots

_LOGGER = logging.getLogger(__package__)

# Seconds to wait for an answer, and resends after silence, per request. A proxy adds
# tens of milliseconds; a unit that stays silent this long is asleep or gone.
REQUEST_TIMEOUT = 3.0
REQUEST_RETRIES = 2


async def async_open_link(
    hass: HomeAssistant,
    address: str,
    name: str,
    *,
    disconnected_callback: Callable[[BleakClient], None] | None = None,
    max_attempts: int,
) -> BleakClient:
    """Connect to the unit through whichever adapter or proxy can reach it."""
    ble_device = bluetooth.async_ble_device_from_address(hass, address, connectable=True)
    if ble_device is None:
        raise UnitNotInRangeError(f"{address} is not heard by any adapter or proxy")

    # Both names are looked up now, not at import: Home Assistant's Bluetooth integration
    # replaces them with proxy-aware versions when it starts, and a reference taken
    # earlier would only ever talk to local adapters.
    client: BleakClient = await bleak_retry_connector.establish_connection(
        bleak_retry_connector.BleakClientWithServiceCache,
        ble_device,
        name,
        disconnected_callback=disconnected_callback,
        max_attempts=max_attempts,
    )
    return client


async def async_disconnect(bleak_client: BleakClient, name: str) -> None:
    """Disconnect, whatever the backend raises: the link is given up on either way."""
    try:
        await bleak_client.disconnect()
    except LINK_ERRORS as err:
        _LOGGER.debug("%s: disconnect failed: %s", name, describe(err))


def new_client(bleak_client: BleakClient, memory: UnitMemory | None = None) -> DalyClient:
    """Wrap a connected link in a protocol client with the integration's timing."""
    return DalyClient(bleak_client, timeout=REQUEST_TIMEOUT, retries=REQUEST_RETRIES, memory=memory)


class UnitLink:
    """One unit's connection and the protocol client on it, opened on demand."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: ConfigEntry[Any],
        mode: ConnectionMode,
        slots: UnitSlots,
    ) -> None:
        """Describe the link to the unit of `entry`; nothing is opened yet. `slots`: the
        unit's turn for a slot."""
        self._hass = hass
        self._entry = entry
        self._address: str = entry.data[CONF_ADDRESS]
        self._name = entry.title
        self._mode = mode
        self._slots = slots
        self._lock = asyncio.Lock()
        self._bleak: BleakClient | None = None
        self._client: DalyClient | None = None
        # What the protocol learned about the unit; every connection's client shares it.
        self._memory = UnitMemory()
        # Asked first: a unit that speaks a later dialect in the registry (A5) would
        # otherwise sit through the others' timeouts on every start of Home Assistant.
        self._memory.dialect = _dialect(entry.data.get(CONF_DIALECT))
        self._shut_down = False
        # Set once an operation got a started client: from then on a request may have
        # reached the unit.
        self._started = False

    @property
    def up(self) -> bool:
        """Return True while a started client sits on a connected link."""
        return self._client is not None and self._bleak is not None and self._bleak.is_connected

    @property
    def shut_down(self) -> bool:
        """Return True once the link was closed for good."""
        return self._shut_down

    async def run[T](self, operation: Callable[[DalyClient], Awaitable[T]]) -> T:
        """Run `operation` on the unit's client, one exchange at a time.

        Raises LinkFailure (with the translation key that explains it) when the unit cannot
        be reached or does not answer; errors the operation raises itself pass through.
        """
        async with self._lock:
            try:
                return await self._run_once_more_if_stale(operation)
            except LINK_ERRORS as err:
                failure = LinkFailure(
                    failure_key(err, connected=self._bleak is not None),
                    err,
                    reached_unit=self._started,
                )
                if not isinstance(err, LINK_KEPT_ERRORS):
                    await self.async_close()
                raise failure from err
            finally:
                self._started = False
                if self._mode is ConnectionMode.PER_POLL:
                    await self.async_close()

    async def _run_once_more_if_stale[T](
        self, operation: Callable[[DalyClient], Awaitable[T]]
    ) -> T:
        held = self.up
        try:
            return await self._run(operation)
        except STALE_LINK_ERRORS as err:
            if not held:
                raise
            # Idle links die without a word (the unit restarted, a proxy rebooted): the
            # first request finds out. That is no failure yet; a fresh link decides.
            _LOGGER.debug("%s: link broke (%s), reconnecting", self._name, describe(err))
            await self.async_close()
            return await self._run(operation)

    async def _run[T](self, operation: Callable[[DalyClient], Awaitable[T]]) -> T:
        client = await self._async_client()
        self._started = True
        return await operation(client)

    async def _async_client(self) -> DalyClient:
        """Return the started client, connecting and detecting the dialect if needed."""
        if self._client is not None and self.up:
            return self._client
        await self.async_close()
        self._raise_if_shut_down()
        # Waits for this unit's turn, or fails at once when no slot in reach can free.
        await self._slots.async_acquire()
        try:
            bleak_client = await async_open_link(
                self._hass,
                self._address,
                self._name,
                disconnected_callback=self._on_disconnect,
                max_attempts=CONNECT_ATTEMPTS,
            )
        except BaseException:
            self._slots.release()
            raise
        if self._shut_down:
            # Shut down while connecting: a link kept now would hold the unit (and a proxy
            # slot) with nothing left to ever let go of it.
            await async_disconnect(bleak_client, self._name)
            self._slots.release()
            self._raise_if_shut_down()
        self._slots.connected()
        self._bleak = bleak_client
        client = new_client(bleak_client, self._memory)
        # The memory makes the client ask in the dialect the last connection found first.
        await client.start()
        self._client = client
        self._remember_dialect(client.dialect)
        return client

    def _remember_dialect(self, dialect: Dialect | None) -> None:
        """Keep the dialect the unit answered in with its entry, for the next start."""
        entry = self._entry
        if dialect is not None and entry.data.get(CONF_DIALECT) != dialect:
            data = {**entry.data, CONF_DIALECT: str(dialect)}
            self._hass.config_entries.async_update_entry(entry, data=data)

    async def async_close(self) -> None:
        """Stop notifications and disconnect; safe to call when already down."""
        client, bleak_client = self._client, self._bleak
        self._client = self._bleak = None
        if client is not None:
            await client.stop()
        if bleak_client is not None:
            await async_disconnect(bleak_client, self._name)
            self._slots.release()

    async def async_shutdown(self) -> None:
        """Disconnect and refuse to connect again (unload, Home Assistant stopping).

        No lock: a request in flight fails quickly once the link is gone, and shutdown must
        not wait for its timeout. A poll or switch action still running then fails instead
        of reconnecting behind the back of an entry that is gone.
        """
        self._shut_down = True
        await self.async_close()

    def _raise_if_shut_down(self) -> None:
        if self._shut_down:
            raise LinkShutDownError(f"{self._name}: the integration let go of the unit")

    def _on_disconnect(self, bleak_client: BleakClient) -> None:
        if bleak_client is not self._bleak:
            # A link we let go of ourselves.
            return
        _LOGGER.debug("%s: the unit dropped the connection", self._name)
        client = self._client
        # The next poll reconnects; reconnecting at once could steal the unit back from
        # a phone app that is waiting for it.
        self._client = self._bleak = None
        self._slots.release()
        if client is not None:
            # Fails a request in flight now instead of after its timeout.
            self._hass.async_create_background_task(
                client.stop(), f"daly_bms {self._address} link lost", eager_start=True
            )


def _dialect(stored: Any) -> Dialect | None:
    """Return the dialect an entry names; None for none, or for one this version lacks."""
    try:
        return Dialect(stored)
    except ValueError:
        return None
