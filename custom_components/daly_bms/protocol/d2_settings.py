"""The D2 settings: the block at 0x80-0xA8, the balancer switch at 0xCF, and what can be set.

The settings block is one read of 41 registers. The balancer switch sits outside it and is
read back on its own; a unit that never answers that read has a switch that cannot be
confirmed, so the balancer is then left unknown and unread. Capacity, sleep time and SOC
are written with a write-single to their register of the block (the unit echoes it) and
confirmed by reading the block back.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
import logging
from typing import TYPE_CHECKING, Final

from .const import CURRENT_OFFSET, TEMPERATURE_OFFSET
from .decode import MILLIVOLTS, TENTHS, Raw, Scaled, SettingsLayout
from .errors import DalyTimeoutError
from .models import Dialect
from .settings import (
    NEVER_SLEEP,
    Setting,
    SettingKind,
    rated_capacity,
    sleep_time,
    soc_setting,
)

if TYPE_CHECKING:
    from .dialect import Exchange, ModbusDialect
    from .memory import UnitMemory
    from .models import DalySettings

_LOGGER = logging.getLogger(__name__)

SETTINGS_FIRST: Final = 0x80
REGISTER_RATED_CAPACITY: Final = 0x80
REGISTER_SLEEP_TIME: Final = 0x8A
REGISTER_CHARGE_MOS: Final = 0xA5
REGISTER_DISCHARGE_MOS: Final = 0xA6
REGISTER_SOC: Final = 0xA7
REGISTER_BALANCER: Final = 0xCF
# Balancer reads left unanswered in a row before the unit counts as not reading it back.
BALANCER_SILENCES: Final = 3


def _temperature(field: str, register: int) -> Scaled:
    return Scaled(field, register, TEMPERATURE_OFFSET, 1)


def _settings_layout() -> SettingsLayout:
    """Return the 41-register settings block as read from 0x80."""

    def rel(register: int) -> int:
        return register - SETTINGS_FIRST

    scaled = (
        Scaled("rated_capacity", rel(0x80), 0, TENTHS),
        Scaled("cell_reference_voltage", rel(0x81), 0, MILLIVOLTS),
        Scaled("cell_overvoltage_warning", rel(0x8B), 0, MILLIVOLTS),
        Scaled("cell_overvoltage_alarm", rel(0x8C), 0, MILLIVOLTS),
        Scaled("cell_undervoltage_warning", rel(0x8D), 0, MILLIVOLTS),
        Scaled("cell_undervoltage_alarm", rel(0x8E), 0, MILLIVOLTS),
        Scaled("pack_overvoltage_warning", rel(0x8F), 0, TENTHS),
        Scaled("pack_overvoltage_alarm", rel(0x90), 0, TENTHS),
        Scaled("pack_undervoltage_warning", rel(0x91), 0, TENTHS),
        Scaled("pack_undervoltage_alarm", rel(0x92), 0, TENTHS),
        _temperature("charge_overtemperature_warning", rel(0x97)),
        _temperature("charge_overtemperature_alarm", rel(0x98)),
        _temperature("charge_undertemperature_warning", rel(0x99)),
        _temperature("charge_undertemperature_alarm", rel(0x9A)),
        _temperature("discharge_overtemperature_warning", rel(0x9B)),
        _temperature("discharge_overtemperature_alarm", rel(0x9C)),
        _temperature("discharge_undertemperature_warning", rel(0x9D)),
        _temperature("discharge_undertemperature_alarm", rel(0x9E)),
        Scaled("cell_delta_warning", rel(0x9F), 0, MILLIVOLTS),
        Scaled("cell_delta_alarm", rel(0xA0), 0, MILLIVOLTS),
        Scaled("balancing_start_voltage", rel(0xA3), 0, MILLIVOLTS),
        Scaled("balancing_start_delta", rel(0xA4), 0, MILLIVOLTS),
        _temperature("mos_overtemperature", rel(0xA8)),
        Scaled("soc_setting", rel(0xA7), 0, TENTHS),
    )
    magnitudes = (
        Scaled("charge_overcurrent_warning", rel(0x93), CURRENT_OFFSET, TENTHS),
        Scaled("charge_overcurrent_alarm", rel(0x94), CURRENT_OFFSET, TENTHS),
        Scaled("discharge_overcurrent_warning", rel(0x95), CURRENT_OFFSET, TENTHS),
        Scaled("discharge_overcurrent_alarm", rel(0x96), CURRENT_OFFSET, TENTHS),
    )
    raw = (
        Raw("sleep_time", rel(0x8A)),
        Raw("charge_mos", rel(REGISTER_CHARGE_MOS), flag=True),
        Raw("discharge_mos", rel(REGISTER_DISCHARGE_MOS), flag=True),
    )
    return SettingsLayout(
        first_register=SETTINGS_FIRST,
        registers=41,
        scaled=scaled,
        magnitudes=magnitudes,
        raw=raw,
        battery_type=rel(0x89),
        boards=rel(0x82),
    )


SETTINGS: Final = _settings_layout()

WRITABLE: Final = (
    rated_capacity(REGISTER_RATED_CAPACITY, scale=0.1),
    sleep_time(REGISTER_SLEEP_TIME, scale=1, never=NEVER_SLEEP),
    soc_setting(REGISTER_SOC),
    Setting(key="balancer", kind=SettingKind.SWITCH, register=REGISTER_BALANCER),
)


@dataclass(slots=True)
class BalancerReads:
    """Whether a unit reads its balancer switch back, across connections."""

    answered: bool = False
    silences: int = 0  # reads left unanswered in a row, before any was answered
    # What the last answered read said: a read left unanswered keeps it, as the settings
    # a unit did not tell one time keep those it told before.
    last: bool | None = None

    @property
    def given_up(self) -> bool:
        """Return True once the unit is known not to answer the read."""
        return not self.answered and self.silences >= BALANCER_SILENCES


async def read_settings(
    spec: ModbusDialect, exchange: Exchange, memory: UnitMemory
) -> DalySettings:
    """Read the settings block, then the balancer switch unless the unit never tells."""
    settings = spec.decode_settings(await exchange(spec.settings_request()))
    reads = memory.learned(Dialect.D2, BalancerReads)
    if reads.given_up:
        return settings
    try:
        frame = await exchange(spec.read_request(REGISTER_BALANCER, 1), attempts=1)
    except DalyTimeoutError:
        if not reads.answered:
            reads.silences += 1
            _LOGGER.debug("balancer switch not read back (%d in a row)", reads.silences)
        return replace(settings, balancer=reads.last)
    reads.answered = True
    raw = int.from_bytes(frame.payload[:2], "big")
    # 0 or 1; anything else (0xFFFF where a unit has no such register) says nothing.
    reads.last = bool(raw) if raw in (0, 1) else None
    return replace(settings, balancer=reads.last)
