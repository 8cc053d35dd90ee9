"""Simulated units brought to Home Assistant: a simulated ESPHome Bluetooth proxy.

The device model (`simulator`) knows nothing of Home Assistant; this package is where it
meets Home Assistant's Bluetooth stack, for the demo and for the tests alike.
"""

from __future__ import annotations

from .proxy import (
    DEFAULT_ADVERTISING_INTERVAL,
    DEFAULT_NAME,
    DEFAULT_SOURCE,
    SimulatedBluetoothProxy,
    SimulatedProxyScanner,
)

__all__ = [
    "DEFAULT_ADVERTISING_INTERVAL",
    "DEFAULT_NAME",
    "DEFAULT_SOURCE",
    "SimulatedBluetoothProxy",
    "SimulatedProxyScanner",
]
