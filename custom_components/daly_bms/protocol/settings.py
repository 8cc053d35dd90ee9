"""Writable settings as rows of a table: register, scale, range, and how a user sets them.

A dialect lists the settings it can write and confirm by reading back (`Setting` rows in
its capabilities); the client writes any of them the same way, and a user interface builds
one control per row. A value outside a row's range is refused before anything is sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from .errors import DalySettingRangeError
from .plausibility import SETTING_BOUNDS

# The sleep time that means "never": 65535 seconds in every dialect's decoded settings (the
# manuals: "If set to 65535, it means no sleep"), whatever the dialect stores for it.
NEVER_SLEEP: Final = 0xFFFF
# A unit that sleeps sooner than this drops out between two readings; the integration
# would see it come and go all day.
MIN_SLEEP_TIME: Final = 60
# A state of charge read back may be a step or two off the one written: current keeps
# flowing between the write and the reading.
SOC_TOLERANCE: Final = 0.2


class SettingKind(StrEnum):
    """How a user sets a value: a number in a range, or a switch."""

    NUMBER = "number"
    SWITCH = "switch"


@dataclass(frozen=True, slots=True, kw_only=True)
class Setting:
    """One writable setting of one dialect.

    `key` is the DalySettings field it reads back as. The register holds the value divided
    by `scale`; `words` 2 is a 32-bit value, high word first, written in one write-multiple.
    `step` is the resolution a user sets it in. `never`: the register value that means
    "never" (read back as NEVER_SLEEP). `tolerance`: how far the value read back may be
    from the one written and still count as taken.
    """

    key: str
    kind: SettingKind
    register: int
    scale: float = 1.0
    step: float = 1.0
    words: int = 1
    minimum: float = 0.0
    maximum: float = 1.0
    unit: str | None = None
    never: int | None = None
    tolerance: float = 0.0

    def raw(self, value: float) -> int:
        """Return the register value for `value`; DalySettingRangeError if out of range."""
        if self.never is not None and value == NEVER_SLEEP:
            return self.never
        if not self.minimum <= value <= self.maximum:
            raise DalySettingRangeError(self, value)
        return round(value / self.scale)

    def value(self, raw: int) -> float:
        """Return the value a register value stands for (NEVER_SLEEP for `never`)."""
        if self.never is not None and raw == self.never:
            return NEVER_SLEEP
        value = raw * self.scale
        # Whole numbers stay whole (seconds, a switch); tenths lose the binary noise.
        return round(value, 6)

    def registers(self, raw: int) -> list[int]:
        """Return the 16-bit registers `raw` is written as, first register first."""
        return [raw >> (16 * shift) & 0xFFFF for shift in reversed(range(self.words))]

    def followed(self, written: float, read: float | None) -> bool:
        """Return True if a value read back shows the unit took `written`."""
        if read is None:
            return False
        return abs(float(read) - written) <= self.tolerance + self.scale / 2


# The settings every Modbus-like dialect has, each at its own register and scale.


def rated_capacity(register: int, *, scale: float, words: int = 1) -> Setting:
    """Return the rated capacity in Ah, within what a pack can be rated."""
    return Setting(
        key="rated_capacity",
        kind=SettingKind.NUMBER,
        register=register,
        scale=scale,
        step=0.1,
        words=words,
        minimum=SETTING_BOUNDS["rated_capacity"].low,
        maximum=SETTING_BOUNDS["rated_capacity"].high,
        unit="Ah",
    )


def sleep_time(register: int, *, scale: int, never: int) -> Setting:
    """Return the sleep time in seconds; the register value `never` means never."""
    return Setting(
        key="sleep_time",
        kind=SettingKind.NUMBER,
        register=register,
        scale=scale,
        step=scale,
        minimum=MIN_SLEEP_TIME,
        maximum=(never - 1) * scale,
        unit="s",
        never=never,
    )


def soc_setting(register: int) -> Setting:
    """Return the state of charge the unit is set to, in tenths of a percent."""
    soc = SETTING_BOUNDS["soc_setting"]
    return Setting(
        key="soc_setting",
        kind=SettingKind.NUMBER,
        register=register,
        scale=0.1,
        step=0.1,
        minimum=soc.low,
        maximum=soc.high,
        unit="%",
        tolerance=SOC_TOLERANCE,
    )
