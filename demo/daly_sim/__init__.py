"""Demo only: simulated Daly units behind a simulated Bluetooth proxy, and their dashboard.

Loaded from the demo's configuration.yaml (``daly_sim:``), never shipped. Once Home
Assistant's ``bluetooth`` is up it puts the demo's batteries on the air through a
simulated ESPHome-style proxy; the real integration then finds them as Bluetooth
discoveries, exactly as it finds real units.
"""

from __future__ import annotations

import logging

from homeassistant.const import EVENT_HOMEASSISTANT_STOP
from homeassistant.core import Event, HomeAssistant, callback
import homeassistant.helpers.config_validation as cv
from homeassistant.helpers.typing import ConfigType
import voluptuous as vol

from demo.units import BANK_ADDRESSES, BANK_NAME, build_units
from simproxy import SimulatedBluetoothProxy
from simulator import RealtimeClock

from .bank import BankMaker
from .board import DashboardWriter
from .confirm import FlowConfirmer
from .energy import EnergyPreferencesWriter

_LOGGER = logging.getLogger(__name__)

DOMAIN = "daly_sim"
CONF_SPEED = "speed"
CONF_AUTO_CONFIRM = "auto_confirm"
DEFAULT_SPEED = 60.0
PROXY_SOURCE = "AA:BB:CC:DD:EE:00"
PROXY_NAME = "Simulated Bluetooth proxy"
ADVERTISING_INTERVAL_S = 2.0

CONFIG_SCHEMA = vol.Schema(
    {
        DOMAIN: vol.Schema(
            {
                vol.Optional(CONF_SPEED, default=DEFAULT_SPEED): vol.All(
                    vol.Coerce(float), vol.Range(min=0.01, max=100_000)
                ),
                vol.Optional(CONF_AUTO_CONFIRM, default=True): cv.boolean,
            }
        )
    },
    extra=vol.ALLOW_EXTRA,
)


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Start the simulated proxy, the dashboard and Energy writers and, if asked, confirming.

    Confirming automatically also makes the bank of the two house packs once both are set
    up; without it the bank is left for the user to add, like the units.
    """
    conf = config[DOMAIN]
    speed: float = conf[CONF_SPEED]
    auto_confirm: bool = conf[CONF_AUTO_CONFIRM]

    clock = RealtimeClock(speed)
    units = build_units(clock)
    # One slot per unit (an ESPHome proxy can be given more than its default 3), so that
    # every unit stays connected as a freshly added entry does.
    proxy = SimulatedBluetoothProxy(
        hass, source=PROXY_SOURCE, name=PROXY_NAME, connection_slots=len(units)
    )
    proxy.async_start()
    for demo_unit in units:
        proxy.add_unit(demo_unit.unit, rssi=demo_unit.rssi, latency=demo_unit.latency)
        _LOGGER.info("Simulating %s at %s", demo_unit.unit.name, demo_unit.unit.address)
    proxy.async_start_advertising(ADVERTISING_INTERVAL_S)

    writer = DashboardWriter(hass, speed=speed, auto_confirm=auto_confirm)
    stops = [writer.async_start(), EnergyPreferencesWriter(hass).async_start(), proxy.async_stop]
    if auto_confirm:
        stops.append(FlowConfirmer(hass).async_start())
        stops.append(BankMaker(hass, name=BANK_NAME, addresses=BANK_ADDRESSES).async_start())

    @callback
    def _stop(_event: Event) -> None:
        while stops:
            stops.pop()()

    hass.bus.async_listen_once(EVENT_HOMEASSISTANT_STOP, _stop)
    _LOGGER.info(
        "Simulated day runs %g times faster than real time; discoveries are %s",
        speed,
        "confirmed automatically" if auto_confirm else "left for the user to confirm",
    )
    return True
