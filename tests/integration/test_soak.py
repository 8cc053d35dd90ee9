"""The fault soak of benchmarks/soak.py, a few hundred polls of it: correctness only.

Every fault kind of the simulator fires at 5-10 % per occasion while the integration polls
a unit through Home Assistant's Bluetooth stack and MOS switches are pressed; each entity's
state is compared with the unit's truth at the reading it came from after every poll.
"""

from __future__ import annotations

from homeassistant.core import HomeAssistant

from benchmarks.soak import ADDRESS, SoakConfig, run_soak
from simproxy import SimulatedBluetoothProxy

# The kinds the soak must have seen fire for its verdict to mean something.
EXERCISED = {
    "split",
    "merge",
    "late",
    "stale",
    "drop",
    "junk",
    "flip",
    "disconnect",
    "asleep",
    "silence",
    "glitch",
    "impossible",
}


async def test_soak_shows_no_wrong_value_and_leaves_nothing_behind(
    hass: HomeAssistant, simulated_proxy: SimulatedBluetoothProxy
) -> None:
    report = await run_soak(hass, simulated_proxy, SoakConfig(polls=300, seed=7))

    assert report.polls >= 300
    assert set(report.faults) >= EXERCISED
    # An entity the soak has no truth for escapes it: give it one in benchmarks/soak_truth.py.
    assert report.unchecked == []
    assert len(report.entities) > 60
    assert report.wrong == []
    assert report.presses["switched"] > 0
    assert report.switch_contradictions == []
    assert report.log_problems == []
    assert report.loop_errors == []
    assert report.leaked == {}
    assert report.requests_after_unload == 0


async def test_soak_names_a_value_no_reading_explains(
    hass: HomeAssistant, simulated_proxy: SimulatedBluetoothProxy
) -> None:
    """A lead that makes cell 3 read a plausible 3.000 V now and then, in valid frames: no
    integration can tell, so the soak must, and it must blame that cell alone."""
    config = SoakConfig(polls=100, seed=7, glitched_registers=((0x02, 3000),))
    report = await run_soak(hass, simulated_proxy, config)

    assert report.faults["glitch"] > 0
    assert report.wrong
    cell_3 = f"sensor.dl_{ADDRESS.replace(':', '').lower()}_cell_3_voltage"
    assert {wrong.entity_id for wrong in report.wrong} == {cell_3}
    assert all(wrong.shown.startswith("3.0 ") for wrong in report.wrong)
