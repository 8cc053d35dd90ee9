"""Redo a piece of work once Home Assistant has started and whenever the registries change."""

from __future__ import annotations

from abc import ABC, abstractmethod
import logging
from typing import Any

from homeassistant.core import CALLBACK_TYPE, Event, HomeAssistant, callback
from homeassistant.helpers.debounce import Debouncer
from homeassistant.helpers.start import async_at_started
from homeassistant.util.event_type import EventType

_LOGGER = logging.getLogger(__name__)

# Setting up one unit adds its entities one by one; write once they have all arrived.
COOLDOWN_S = 2.0


class RegistryFollower(ABC):
    """Runs `async_write` after start and, debounced, after each of `events`."""

    def __init__(self, hass: HomeAssistant, events: tuple[EventType[Any] | str, ...]) -> None:
        """Follow `events` on the bus of `hass`; nothing happens before async_start."""
        self.hass = hass
        self._events = events
        self._debouncer = Debouncer(
            hass, _LOGGER, cooldown=COOLDOWN_S, immediate=False, function=self.async_write
        )

    @abstractmethod
    async def async_write(self) -> None:
        """Do the work for the registries as they stand."""

    @callback
    def async_start(self) -> CALLBACK_TYPE:
        """Write now (or once Home Assistant has started) and on every change."""

        @callback
        def _started(_hass: HomeAssistant) -> None:
            self._debouncer.async_schedule_call()

        unsubscribes = [self.hass.bus.async_listen(event, self._changed) for event in self._events]
        unsubscribes.append(async_at_started(self.hass, _started))

        @callback
        def _stop() -> None:
            while unsubscribes:
                unsubscribes.pop()()
            self._debouncer.async_shutdown()

        return _stop

    @callback
    def _changed(self, _event: Event[Any]) -> None:
        self._debouncer.async_schedule_call()
