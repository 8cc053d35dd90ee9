"""Entities show what the simulated unit reports, and only what it reports."""

from __future__ import annotations

from collections.abc import Callable

from homeassistant.const import STATE_OFF, STATE_ON
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
import pytest

from simulator.a5 import A5Quirks
from simulator.radio import RadioUnit

from .common import advance, entity_id, setup_entry, state, unique_id, value

SHORT_CIRCUIT = 2
MOS_OFF_BY_SOFT_SWITCH = 4
CELL_OVERVOLTAGE_WARNING = 48
DISCHARGE_OVERCURRENT_WARNING = 34


async def test_pack_values_equal_the_unit(
    hass: HomeAssistant, add_simulated_unit: Callable[..., RadioUnit]
) -> None:
    """State of charge, voltage, current, power, capacity and energy as the unit has them."""
    radio = add_simulated_unit(soc=72.5, capacity_ah=280.0, cycles=12)
    radio.unit.set_load(-23.4)
    await setup_entry(hass, radio)
    battery = radio.unit.battery

    assert value(hass, "sensor", radio, "soc") == pytest.approx(battery.soc, abs=0.051)
    assert value(hass, "sensor", radio, "voltage") == pytest.approx(battery.pack_voltage, abs=0.051)
    assert value(hass, "sensor", radio, "current") == pytest.approx(battery.current, abs=0.051)
    assert battery.current < 0
    voltage = value(hass, "sensor", radio, "voltage")
    current = value(hass, "sensor", radio, "current")
    assert value(hass, "sensor", radio, "power") == pytest.approx(voltage * current, abs=0.01)
    remaining = value(hass, "sensor", radio, "remaining_capacity")
    assert remaining == pytest.approx(battery.remaining_ah, abs=0.051)
    assert state(hass, "sensor", radio, "remaining_capacity").attributes["unit_of_measurement"] == (
        "Ah"
    )
    stored = state(hass, "sensor", radio, "stored_energy")
    assert stored.attributes["unit_of_measurement"] == "kWh"
    assert float(stored.state) == pytest.approx(remaining * voltage / 1000, abs=0.001)
    assert value(hass, "sensor", radio, "cycles") == battery.cycles == 12
    assert state(hass, "sensor", radio, "state").state == "discharging"
    assert state(hass, "binary_sensor", radio, "charging").state == STATE_OFF


async def test_every_cell_and_temperature_sensor_equals_the_unit(
    hass: HomeAssistant, add_simulated_unit: Callable[..., RadioUnit]
) -> None:
    """One sensor per present cell and temperature probe, none for absent ones."""
    radio = add_simulated_unit(cells=24, seed=7, temperature_sensors=3)
    await setup_entry(hass, radio)
    battery = radio.unit.battery

    for index, volts in enumerate(battery.cell_voltages):
        cell = state(hass, "sensor", radio, f"cell_voltage_{index + 1}")
        assert float(cell.state) == pytest.approx(volts, abs=0.0006)
        assert cell.attributes["friendly_name"].endswith(f"Cell {index + 1} voltage")
    assert entity_id(hass, "sensor", radio, "cell_voltage_25") is None
    for index, celsius in enumerate(battery.temperatures):
        probe = value(hass, "sensor", radio, f"temperature_{index + 1}")
        assert probe == pytest.approx(celsius, abs=0.51)
    assert entity_id(hass, "sensor", radio, "temperature_4") is None

    cells = battery.cell_voltages
    assert value(hass, "sensor", radio, "cell_voltage_min") == pytest.approx(min(cells), abs=6e-4)
    assert value(hass, "sensor", radio, "cell_voltage_max") == pytest.approx(max(cells), abs=6e-4)
    assert value(hass, "sensor", radio, "cell_voltage_avg") == pytest.approx(
        sum(cells) / len(cells), abs=6e-4
    )
    delta = state(hass, "sensor", radio, "cell_voltage_delta")
    assert delta.attributes["unit_of_measurement"] == "mV"
    assert float(delta.state) == pytest.approx((max(cells) - min(cells)) * 1000, abs=1.1)
    assert value(hass, "sensor", radio, "mos_temperature") == pytest.approx(
        battery.mos_temperature, abs=0.51
    )
    assert value(hass, "sensor", radio, "board_temperature") == pytest.approx(
        battery.board_temperature, abs=0.51
    )


async def test_values_follow_the_unit_over_time(
    hass: HomeAssistant, add_simulated_unit: Callable[..., RadioUnit]
) -> None:
    """Charging for an hour shows up at the next poll."""
    radio = add_simulated_unit(soc=40.0)
    await setup_entry(hass, radio)
    radio.unit.set_load(50.0)
    radio.unit.advance(3600)
    await advance(hass, 11)

    battery = radio.unit.battery
    assert battery.soc > 80
    assert value(hass, "sensor", radio, "soc") == pytest.approx(battery.soc, abs=0.051)
    assert state(hass, "sensor", radio, "state").state == "charging"
    assert state(hass, "binary_sensor", radio, "charging").state == STATE_ON


async def test_unit_without_mos_sensor_has_no_mos_temperature(
    hass: HomeAssistant, add_simulated_unit: Callable[..., RadioUnit]
) -> None:
    """A value the unit does not report gets no entity at all."""
    radio = add_simulated_unit(has_mos_sensor=False)
    await setup_entry(hass, radio)
    assert entity_id(hass, "sensor", radio, "mos_temperature") is None
    assert entity_id(hass, "sensor", radio, "board_temperature") is not None


async def test_alarms_name_the_most_severe_and_list_all(
    hass: HomeAssistant, add_simulated_unit: Callable[..., RadioUnit]
) -> None:
    """The alarm sensor shows the worst active alarm; both alarm entities list them all."""
    radio = add_simulated_unit()
    await setup_entry(hass, radio)
    assert state(hass, "sensor", radio, "alarm").state == "none"
    problem = state(hass, "binary_sensor", radio, "problem")
    assert problem.state == STATE_OFF
    assert problem.attributes["active_alarms"] == []

    # A MOS switched off on purpose is reported, but a warning matters more.
    radio.unit.set_extra_alarm_bits(
        (1 << MOS_OFF_BY_SOFT_SWITCH) | (1 << DISCHARGE_OVERCURRENT_WARNING)
    )
    await advance(hass, 11)
    alarm = state(hass, "sensor", radio, "alarm")
    assert alarm.state == "discharge_overcurrent_warning"
    assert alarm.attributes["active_alarms"] == [
        "mos_off_by_soft_switch",
        "discharge_overcurrent_warning",
    ]

    radio.unit.set_extra_alarm_bits(
        (1 << DISCHARGE_OVERCURRENT_WARNING)
        | (1 << SHORT_CIRCUIT)
        | (1 << CELL_OVERVOLTAGE_WARNING)
    )
    await advance(hass, 11)
    alarm = state(hass, "sensor", radio, "alarm")
    assert alarm.state == "short_circuit_protection"
    expected = [
        "short_circuit_protection",
        "discharge_overcurrent_warning",
        "cell_overvoltage_warning",
    ]
    assert alarm.attributes["active_alarms"] == expected
    problem = state(hass, "binary_sensor", radio, "problem")
    assert problem.state == STATE_ON
    assert problem.attributes["active_alarms"] == expected


async def test_balancing_shows_the_balancing_cells(
    hass: HomeAssistant, add_simulated_unit: Callable[..., RadioUnit]
) -> None:
    """A high, uneven cell starts the balancer; the entities name the cells involved."""
    radio = add_simulated_unit(soc=97.0)
    radio.unit.battery.set_cell_soc(3, 100.0)
    radio.unit.refresh()
    battery = radio.unit.battery
    assert battery.balancing
    await setup_entry(hass, radio)

    balancing = state(hass, "binary_sensor", radio, "balancing")
    assert balancing.state == STATE_ON
    assert balancing.attributes["balancing_cells"] == list(battery.balancing_cells)
    assert value(hass, "sensor", radio, "balance_current") == pytest.approx(
        battery.balance_current, abs=0.001
    )
    # The high cell also tripped the overvoltage protection: the switch shows it.
    assert state(hass, "switch", radio, "charge_mos").state == STATE_OFF
    assert state(hass, "sensor", radio, "alarm").state == "cell_overvoltage_alarm"


async def test_settings_and_signal_are_disabled_diagnostics(
    hass: HomeAssistant, add_simulated_unit: Callable[..., RadioUnit]
) -> None:
    """Settings and RSSI exist as diagnostic entities, off until the user enables them."""
    radio = add_simulated_unit(capacity_ah=230.0)
    entry = await setup_entry(hass, radio)
    registry = er.async_get(hass)
    keys = ("rated_capacity", "battery_type", "sleep_time", "cell_overvoltage_alarm", "rssi")
    for key in keys:
        entry_id = entity_id(hass, "sensor", radio, key)
        assert entry_id is not None
        registered = registry.async_get(entry_id)
        assert registered is not None
        assert registered.disabled_by is er.RegistryEntryDisabler.INTEGRATION
        assert registered.entity_category == "diagnostic"
        registry.async_update_entity(entry_id, disabled_by=None)

    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert value(hass, "sensor", radio, "rated_capacity") == 230.0
    assert state(hass, "sensor", radio, "battery_type").state == "lifepo4"
    assert value(hass, "sensor", radio, "sleep_time") == 3600
    # Whole seconds on screen: "3,600 s", not "3,600.00 s".
    sleep_time = registry.async_get(entity_id(hass, "sensor", radio, "sleep_time"))
    assert sleep_time is not None
    assert sleep_time.options["sensor"]["suggested_display_precision"] == 0
    limit = radio.unit.settings.limits.cell_overvoltage[1]
    assert value(hass, "sensor", radio, "cell_overvoltage_alarm") == pytest.approx(limit, abs=6e-4)
    assert value(hass, "sensor", radio, "rssi") == radio.rssi


async def test_unit_that_never_sleeps_shows_unknown_sleep_time(
    hass: HomeAssistant, add_simulated_unit: Callable[..., RadioUnit]
) -> None:
    """Sleep time 65535 means never: the sensor says unknown rather than 18 hours."""
    radio = add_simulated_unit()
    assert radio.unit.firmware.write_register(0x8A, 0xFFFF)
    registry = er.async_get(hass)
    registry.async_get_or_create(
        "sensor", "daly_bms", unique_id(radio, "sleep_time"), disabled_by=None
    )
    await setup_entry(hass, radio)
    assert state(hass, "sensor", radio, "sleep_time").state == "unknown"


async def test_p81_unit_shows_its_readings_and_mos_switches(
    hass: HomeAssistant, add_simulated_unit: Callable[..., RadioUnit]
) -> None:
    """A p81 unit's MOS states are switches (written through 0x121 / 0x122)."""
    radio = add_simulated_unit(name="JHB-50181201A494", dialect="p81", cells=16, soc=86.4)
    radio.unit.set_load(-8.9)
    await setup_entry(hass, radio)
    battery = radio.unit.battery

    assert state(hass, "switch", radio, "charge_mos").state == STATE_ON
    assert state(hass, "switch", radio, "discharge_mos").state == STATE_ON
    assert entity_id(hass, "binary_sensor", radio, "charge_mos") is None
    assert value(hass, "sensor", radio, "soc") == pytest.approx(battery.soc, abs=0.051)
    assert value(hass, "sensor", radio, "current") == pytest.approx(battery.current, abs=0.051)
    for index, volts in enumerate(battery.cell_voltages):
        assert value(hass, "sensor", radio, f"cell_voltage_{index + 1}") == pytest.approx(
            volts, abs=6e-4
        )
    assert state(hass, "sensor", radio, "state").state == "discharging"


@pytest.mark.parametrize(
    ("unit_options", "asked_with"),
    [
        ({"name": "JHB-50181201A494", "dialect": "p81"}, b"\x81"),
        # An A5 module that answers the RS485 host address only: A5 at 0x40 straight away.
        (
            {"name": "Akku-2", "dialect": "a5", "a5_quirks": A5Quirks(frozenset({0x40}))},
            b"\xa5\x40",
        ),
    ],
    ids=["p81", "a5"],
)
async def test_unit_is_not_probed_in_d2_on_every_connection(
    hass: HomeAssistant,
    add_simulated_unit: Callable[..., RadioUnit],
    unit_options: dict[str, object],
    asked_with: bytes,
) -> None:
    """Once a unit answered p81 or A5, later connections ask in it straight away."""
    radio = add_simulated_unit(**unit_options)
    await setup_entry(hass, radio, connection_mode="per_poll")
    assert radio.requests[0][0] == 0xD2  # the first connection had to find out
    first_poll_end = len(radio.requests)

    await advance(hass, 11)
    later = radio.requests[first_poll_end:]
    assert later
    assert all(request.startswith(asked_with) for request in later)
