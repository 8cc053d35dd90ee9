"""Each alarm condition of a simulated unit decodes, through our protocol package, to its name.

The simulator sets alarm bits from its physics and limits, the protocol package names bits;
both took the positions from the notes on their own. Driving the unit into a condition and
reading the names back checks the pair against the meaning of the condition.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest

from custom_components.daly_bms.protocol import (
    D2,
    P81,
    BatteryState,
    DalyStatus,
    Dialect,
    decode_settings,
    settings_request,
)
from simulator import Chemistry, SimulatedUnit

from .truth import (
    CURRENT_OFFSET,
    NOTES_ALARM_BITS,
    NOTES_BIT_OF,
    TEMPERATURE_OFFSET,
    ask,
    assert_status_is_truth,
    decoded_statuses,
    is_p81,
    make_unit,
    write,
)

# -- alarms -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Condition:
    """Drive a unit into the warning band, then past the alarm level."""

    name: str
    warn: Callable[[SimulatedUnit], None]
    alarm: Callable[[SimulatedUnit], None]
    warning_names: tuple[str, ...]
    alarm_names: tuple[str, ...]
    mos_after_alarm: tuple[bool, bool]  # charge, discharge


def _status(unit: SimulatedUnit) -> DalyStatus:
    return decoded_statuses(unit)[80]


def _set_pair(first: int, warning: int, alarm: int) -> Callable[[SimulatedUnit], None]:
    """Put a (warning, alarm) register pair at raw values."""

    def apply(unit: SimulatedUnit) -> None:
        write(unit, first, warning)
        write(unit, first + 1, alarm)

    return apply


def _relative(
    register: int, field: str, scale: int, offset: int
) -> Callable[[SimulatedUnit], None]:
    """Put a limit at the unit's present reading (decoded via the protocol) plus ``offset``."""

    def apply(unit: SimulatedUnit) -> None:
        reading = getattr(_status(unit), field)
        write(unit, register, round(reading * scale) + offset)

    return apply


def _temperature(celsius: float) -> Callable[[SimulatedUnit], None]:
    def apply(unit: SimulatedUnit) -> None:
        unit.set_temperature(celsius)

    return apply


def _current(amps: float) -> Callable[[SimulatedUnit], None]:
    def apply(unit: SimulatedUnit) -> None:
        unit.set_current(amps)

    return apply


def _then(*steps: Callable[[SimulatedUnit], None]) -> Callable[[SimulatedUnit], None]:
    def apply(unit: SimulatedUnit) -> None:
        for step in steps:
            step(unit)

    return apply


def _soc(percent: float) -> Callable[[SimulatedUnit], None]:
    # The SOC setting of the unit's dialect, encoded by the protocol package's table.
    def apply(unit: SimulatedUnit) -> None:
        spec = P81 if is_p81(unit) else D2
        setting = spec.capabilities.setting("soc_setting")
        assert setting is not None
        ask(unit, spec.setting_command(setting, setting.raw(percent)))

    return apply


def _soc_high_limits(unit: SimulatedUnit) -> None:
    # SOC alarm levels have no register; "SOC high" is off unless configured.
    unit.settings.set_soc_alarms(high=(90.0, 95.0))


def _unbalance(unit: SimulatedUnit) -> None:
    unit.battery.set_cell_soc(2, 30.0)
    unit.refresh()


def _temperature_spread(kelvin: float) -> Callable[[SimulatedUnit], None]:
    def apply(unit: SimulatedUnit) -> None:
        unit.battery.temperatures[0] = unit.battery.ambient_c + kelvin
        unit.refresh()

    return apply


def _mos_heat(unit: SimulatedUnit) -> None:
    limit = decode_settings(ask(unit, settings_request(Dialect.D2))).mos_overtemperature
    assert limit is not None
    unit.battery.mos_temperature = limit + 5
    unit.refresh()


T = TEMPERATURE_OFFSET
# Ambient is 20 degrees C; temperature limits are put 5 and 10 degrees away from it so the
# chemistry's own defaults for the other temperature conditions stay out of reach.
CONDITIONS = [
    Condition(
        "cell overvoltage",
        _relative(0x8B, "cell_voltage_max", 1000, -5),
        _relative(0x8C, "cell_voltage_max", 1000, 0),
        ("cell_overvoltage_warning",),
        ("cell_overvoltage_warning", "cell_overvoltage_alarm"),
        (False, True),
    ),
    Condition(
        "cell undervoltage",
        _relative(0x8D, "cell_voltage_min", 1000, 5),
        _relative(0x8E, "cell_voltage_min", 1000, 0),
        ("cell_undervoltage_warning",),
        ("cell_undervoltage_warning", "cell_undervoltage_alarm"),
        (True, False),
    ),
    Condition(
        "pack overvoltage",
        _relative(0x8F, "voltage", 10, -1),
        _relative(0x90, "voltage", 10, 0),
        ("pack_overvoltage_warning",),
        ("pack_overvoltage_warning", "pack_overvoltage_alarm"),
        (False, True),
    ),
    Condition(
        "pack undervoltage",
        _relative(0x91, "voltage", 10, 1),
        _relative(0x92, "voltage", 10, 0),
        ("pack_undervoltage_warning",),
        ("pack_undervoltage_warning", "pack_undervoltage_alarm"),
        (True, False),
    ),
    # Over-current: once the MOS opens the current is gone, so only the latched alarm stays.
    Condition(
        "charge over-current",
        _then(_set_pair(0x93, CURRENT_OFFSET + 100, CURRENT_OFFSET + 200), _current(15.0)),
        _current(25.0),
        ("charge_overcurrent_warning",),
        ("charge_overcurrent_alarm",),
        (False, True),
    ),
    Condition(
        "discharge over-current",
        _then(_set_pair(0x95, CURRENT_OFFSET - 100, CURRENT_OFFSET - 200), _current(-15.0)),
        _current(-25.0),
        ("discharge_overcurrent_warning",),
        ("discharge_overcurrent_alarm",),
        (True, False),
    ),
    Condition(
        "charge over-temperature",
        _then(_set_pair(0x97, 25 + T, 30 + T), _temperature(27)),
        _temperature(32),
        ("charge_overtemperature_warning",),
        ("charge_overtemperature_warning", "charge_overtemperature_alarm"),
        (False, True),
    ),
    Condition(
        "charge under-temperature",
        _then(_set_pair(0x99, 15 + T, 10 + T), _temperature(13)),
        _temperature(8),
        ("charge_undertemperature_warning",),
        ("charge_undertemperature_warning", "charge_undertemperature_alarm"),
        (False, True),
    ),
    Condition(
        "discharge over-temperature",
        _then(_set_pair(0x9B, 25 + T, 30 + T), _temperature(27)),
        _temperature(32),
        ("discharge_overtemperature_warning",),
        ("discharge_overtemperature_warning", "discharge_overtemperature_alarm"),
        (True, False),
    ),
    Condition(
        "discharge under-temperature",
        _then(_set_pair(0x9D, 15 + T, 10 + T), _temperature(13)),
        _temperature(8),
        ("discharge_undertemperature_warning",),
        ("discharge_undertemperature_warning", "discharge_undertemperature_alarm"),
        (True, False),
    ),
    Condition(
        "cell delta",
        _then(_unbalance, _relative(0x9F, "cell_voltage_delta", 1000, 0)),
        _relative(0xA0, "cell_voltage_delta", 1000, 0),
        ("cell_delta_warning",),
        ("cell_delta_warning", "cell_delta_alarm"),
        (True, True),
    ),
    Condition(
        "soc low",
        _soc(8.0),  # the simulator's default levels: warning 10 %, alarm 5 %
        _soc(4.0),
        ("soc_low_warning",),
        ("soc_low_warning", "soc_low_alarm"),
        (True, True),
    ),
    Condition(
        "soc high",
        _then(_soc_high_limits, _soc(92.0)),
        _soc(96.0),
        ("soc_high_warning",),
        ("soc_high_warning", "soc_high_alarm"),
        (True, True),
    ),
    Condition(
        "temperature difference",
        _temperature_spread(10.0),  # default levels: 8 and 15 degrees
        _temperature_spread(17.0),
        ("temperature_difference_warning",),
        ("temperature_difference_warning", "temperature_difference_alarm"),
        (True, True),
    ),
]


@pytest.mark.parametrize("chemistry", list(Chemistry))
@pytest.mark.parametrize("condition", CONDITIONS, ids=[c.name for c in CONDITIONS])
def test_each_alarm_condition_has_its_name(condition: Condition, chemistry: Chemistry) -> None:
    unit = make_unit(chemistry=chemistry, ambient_c=20.0, soc=50.0)
    assert _status(unit).alarms == ()
    condition.warn(unit)
    # Read a second later, once the BMS has evaluated what it just switched.
    unit.advance(1.0)
    for status in assert_status_is_truth(unit):
        assert status.alarms == condition.warning_names
        assert (status.charge_mos, status.discharge_mos) == (True, True)
    condition.alarm(unit)
    unit.advance(1.0)
    for status in assert_status_is_truth(unit):
        assert status.alarms == condition.alarm_names
        assert (status.charge_mos, status.discharge_mos) == condition.mos_after_alarm
    # An open MOS really carries no current: ask for some in its direction.
    charge_open = not condition.mos_after_alarm[0]
    discharge_open = not condition.mos_after_alarm[1]
    for blocked, demand in ((charge_open, 5.0), (discharge_open, -5.0)):
        if blocked:
            unit.set_current(demand)
            for status in assert_status_is_truth(unit):
                assert status.current == 0.0
                assert status.state is BatteryState.IDLE


@pytest.mark.parametrize("condition", CONDITIONS, ids=[c.name for c in CONDITIONS])
def test_p81_reports_the_same_conditions_as_neutral_bits(condition: Condition) -> None:
    unit = make_unit(dialect="p81", ambient_c=20.0, soc=50.0)
    condition.warn(unit)
    condition.alarm(unit)
    unit.advance(1.0)
    expected = tuple(f"p81_alarm_bit_{NOTES_BIT_OF[name] - 32}" for name in condition.alarm_names)
    for status in assert_status_is_truth(unit):
        assert status.alarms == expected


def test_mos_overtemperature_opens_both_mos() -> None:
    unit = make_unit()
    _mos_heat(unit)
    for status in assert_status_is_truth(unit):
        assert status.alarms == ("charge_mos_overtemperature", "discharge_mos_overtemperature")
        assert (status.charge_mos, status.discharge_mos) == (False, False)


@pytest.mark.parametrize("bit", range(64))
def test_every_alarm_word_bit_lands_on_its_name(bit: int) -> None:
    # Fault bits without physics (AFE, EEPROM, short circuit, ...) are set by hand; this
    # checks that both sides order the four alarm registers the same way.
    unit = make_unit()
    unit.set_extra_alarm_bits(1 << bit)
    name = NOTES_ALARM_BITS.get(bit, f"reserved_bit_{bit}")
    for status in assert_status_is_truth(unit):
        assert status.alarms == (name,)
