"""A Daly Smart BMS in software: register file, battery physics and advertisement.

It builds its own frames and CRC and imports nothing from the integration, so the
integration's protocol code is checked against an independent implementation. The
air side (a bleak backend, connection slots, radio faults) is in ``simulator.radio``.
"""

from __future__ import annotations

from .a5 import A5Quirks
from .battery import BALANCE_CURRENT_A, Battery
from .bms import Bms
from .charger import ChargeController, Stage
from .chemistry import Chemistry, ocv_curve
from .clock import Clock, ManualClock, RealtimeClock
from .crc import crc16, crc_ok, with_crc
from .firmware import Dialect, Firmware
from .foreign import ForeignDevice
from .identity import (
    DL_COMPANY_ID,
    FFF0_SERVICE_UUID,
    JHB_COMPANY_ID,
    daly_name,
    jhb_name,
    manufacturer_data,
    normalize_address,
)
from .profiles import ConstantProfile, Profile, ScheduleProfile, SolarDayProfile
from .protection import AlarmBit, Protection
from .settings import SLEEP_NEVER, Limits, Settings
from .unit import MAX_STEP_S, SimulatedUnit
from .versions import HardwareOffset, VersionStrings

__all__ = [
    "BALANCE_CURRENT_A",
    "DL_COMPANY_ID",
    "FFF0_SERVICE_UUID",
    "JHB_COMPANY_ID",
    "MAX_STEP_S",
    "SLEEP_NEVER",
    "A5Quirks",
    "AlarmBit",
    "Battery",
    "Bms",
    "ChargeController",
    "Chemistry",
    "Clock",
    "ConstantProfile",
    "Dialect",
    "Firmware",
    "ForeignDevice",
    "HardwareOffset",
    "Limits",
    "ManualClock",
    "Profile",
    "Protection",
    "RealtimeClock",
    "ScheduleProfile",
    "Settings",
    "SimulatedUnit",
    "SolarDayProfile",
    "Stage",
    "VersionStrings",
    "crc16",
    "crc_ok",
    "daly_name",
    "jhb_name",
    "manufacturer_data",
    "normalize_address",
    "ocv_curve",
    "with_crc",
]
