"""The Problem sensor wakes someone only for trouble, not for a state the user chose."""

from __future__ import annotations

from collections.abc import Callable

from homeassistant.const import STATE_OFF, STATE_ON
from homeassistant.core import HomeAssistant

from simulator.radio import RadioUnit

from .common import advance, setup_entry, state

MOS_OFF_BY_SOFT_SWITCH = 4
CHARGE_OVERCURRENT_WARNING = 32


async def test_mos_switched_off_on_purpose_is_listed_but_no_problem(
    hass: HomeAssistant, add_simulated_unit: Callable[..., RadioUnit]
) -> None:
    """The soft-switch bit is shown in the alarm entities; Problem stays off until trouble."""
    radio = add_simulated_unit()
    await setup_entry(hass, radio)
    radio.unit.set_extra_alarm_bits(1 << MOS_OFF_BY_SOFT_SWITCH)
    await advance(hass, 11)
    problem = state(hass, "binary_sensor", radio, "problem")
    assert problem.state == STATE_OFF
    assert problem.attributes["active_alarms"] == ["mos_off_by_soft_switch"]
    assert state(hass, "sensor", radio, "alarm").state == "mos_off_by_soft_switch"

    radio.unit.set_extra_alarm_bits(
        (1 << MOS_OFF_BY_SOFT_SWITCH) | (1 << CHARGE_OVERCURRENT_WARNING)
    )
    await advance(hass, 11)
    assert state(hass, "binary_sensor", radio, "problem").state == STATE_ON
    assert state(hass, "sensor", radio, "alarm").state == "charge_overcurrent_warning"
