"""An older A5 unit end to end: Home Assistant's Bluetooth stack, the simulated proxy, entities."""

from __future__ import annotations

from collections.abc import Callable

from homeassistant.components.switch import DOMAIN as SWITCH_DOMAIN
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import ATTR_ENTITY_ID, SERVICE_TURN_OFF, SERVICE_TURN_ON, STATE_OFF
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import entity_registry as er
import pytest

from simproxy import SimulatedBluetoothProxy
from simulator.a5 import A5Quirks
from simulator.radio import RadioUnit

from .common import (
    DOMAIN,
    confirm_found,
    entity_id,
    setup_entry,
    start_unit_flow,
    state,
    value,
    writes,
)

FFF0 = "0000fff0-0000-1000-8000-00805f9b34fb"
# Fault bits of the battery's alarm word (D2's numbering, which the A5 bytes follow).
CELL_OVERVOLTAGE_WARNING = 48


def a5_unit(
    add_simulated_unit: Callable[..., RadioUnit], quirks: A5Quirks | None = None, **options: object
) -> RadioUnit:
    options.setdefault("name", "Akku-2")
    return add_simulated_unit(dialect="a5", a5_quirks=quirks, **options)


@pytest.mark.parametrize(
    ("quirks", "mtu"),
    [
        (A5Quirks(), 512),
        # What real modules do: host address 0x40 only, 16 frames of cells with stale bytes
        # past the last cell, 200 + 8 byte notifications with a garbled tail.
        (
            A5Quirks(
                host_addresses=frozenset({0x40}),
                full_cell_reply=True,
                stale_slots=True,
                garbled_tail=True,
            ),
            203,
        ),
    ],
    ids=["plain", "module_quirks"],
)
async def test_a5_unit_values_equal_the_unit(
    hass: HomeAssistant,
    add_simulated_unit: Callable[..., RadioUnit],
    quirks: A5Quirks,
    mtu: int,
) -> None:
    """Every value the A5 protocol carries is on an entity, equal to the simulated unit."""
    radio = a5_unit(
        add_simulated_unit, quirks, mtu=mtu, cells=16, soc=64.6, capacity_ah=280.0, cycles=33
    )
    radio.unit.set_load(-29.4)
    entry = await setup_entry(hass, radio)
    assert entry.state is ConfigEntryState.LOADED
    battery = radio.unit.battery

    assert value(hass, "sensor", radio, "soc") == pytest.approx(battery.soc, abs=0.051)
    assert value(hass, "sensor", radio, "voltage") == pytest.approx(battery.pack_voltage, abs=0.051)
    # A5 counts discharge above the offset; the entity shows it negative like every dialect.
    assert value(hass, "sensor", radio, "current") == pytest.approx(-29.4, abs=0.051)
    assert value(hass, "sensor", radio, "power") < 0
    assert state(hass, "sensor", radio, "state").state == "discharging"
    assert value(hass, "sensor", radio, "remaining_capacity") == pytest.approx(
        battery.remaining_ah, abs=0.0011
    )
    assert value(hass, "sensor", radio, "cycles") == 33
    for index, volts in enumerate(battery.cell_voltages):
        assert value(hass, "sensor", radio, f"cell_voltage_{index + 1}") == pytest.approx(
            volts, abs=6e-4
        )
    # Stale slots past cell 16 create no entity.
    assert entity_id(hass, "sensor", radio, "cell_voltage_17") is None
    for index, celsius in enumerate(battery.temperatures):
        assert value(hass, "sensor", radio, f"temperature_{index + 1}") == round(celsius)
    # The Energy dashboard's counters and the runtime estimates work the same for A5.
    for key in ("energy_charged", "energy_discharged", "time_to_empty", "time_to_full"):
        assert entity_id(hass, "sensor", radio, key) is not None
    assert float(state(hass, "sensor", radio, "energy_charged").state) >= 0.0
    # What the A5 protocol does not carry has no entity at all.
    for key in ("mos_temperature", "board_temperature", "balance_current"):
        assert entity_id(hass, "sensor", radio, key) is None
    assert writes(radio) == []


async def test_a5_mos_switches_change_the_unit(
    hass: HomeAssistant, add_simulated_unit: Callable[..., RadioUnit]
) -> None:
    """Both MOS switches exist and switch the unit, each write confirmed by reading 0x93 back."""
    radio = a5_unit(add_simulated_unit)
    await setup_entry(hass, radio)
    battery = radio.unit.battery
    for key, command, field in (
        ("charge_mos", 0xDA, "charge_mos"),
        ("discharge_mos", 0xD9, "discharge_mos"),
    ):
        target = {ATTR_ENTITY_ID: state(hass, "switch", radio, key).entity_id}
        radio.requests.clear()
        await hass.services.async_call(SWITCH_DOMAIN, SERVICE_TURN_OFF, target, blocking=True)
        assert getattr(battery, field) is False
        assert state(hass, "switch", radio, key).state == STATE_OFF
        assert writes(radio) == [radio.requests[0]]
        assert radio.requests[0][2:5] == bytes([command, 0x08, 0x00])
        assert 0x93 in [request[2] for request in radio.requests[1:]]
        await hass.services.async_call(SWITCH_DOMAIN, SERVICE_TURN_ON, target, blocking=True)
        assert getattr(battery, field) is True


async def test_a5_switch_the_unit_refuses(
    hass: HomeAssistant, add_simulated_unit: Callable[..., RadioUnit]
) -> None:
    """A protection holding the MOS open: the switch shows the truth and the action fails."""
    radio = a5_unit(add_simulated_unit)
    await setup_entry(hass, radio)
    radio.unit.set_temperature(70.0)  # charge over-temperature trips the charge MOS
    assert radio.unit.battery.charge_mos is False
    target = {ATTR_ENTITY_ID: state(hass, "switch", radio, "charge_mos").entity_id}
    with pytest.raises(HomeAssistantError) as raised:
        await hass.services.async_call(SWITCH_DOMAIN, SERVICE_TURN_ON, target, blocking=True)
    assert raised.value.translation_key == "mos_not_followed"
    assert state(hass, "switch", radio, "charge_mos").state == STATE_OFF
    assert [request[2] for request in writes(radio)] == [0xDA]


async def test_a5_faults_as_alarm_names(
    hass: HomeAssistant, add_simulated_unit: Callable[..., RadioUnit]
) -> None:
    """0x98's fault bits reach the alarm entities by name; the fault code byte does not."""
    radio = a5_unit(add_simulated_unit, A5Quirks(fault_code=0x2B))
    radio.unit.set_extra_alarm_bits(1 << CELL_OVERVOLTAGE_WARNING)
    await setup_entry(hass, radio)
    assert state(hass, "sensor", radio, "alarm").state == "cell_overvoltage_warning"
    problem = state(hass, "binary_sensor", radio, "problem")
    assert problem.attributes["active_alarms"] == ["cell_overvoltage_warning"]


async def test_a5_reserved_fault_bit_is_named_as_such(
    hass: HomeAssistant, add_simulated_unit: Callable[..., RadioUnit]
) -> None:
    """A bit the A5 document leaves reserved is shown as undocumented, not as D2's meaning."""
    radio = a5_unit(add_simulated_unit, A5Quirks(reserved_faults=0b0001))
    await setup_entry(hass, radio)
    assert state(hass, "sensor", radio, "alarm").state == "reserved_bit_4"
    problem = state(hass, "binary_sensor", radio, "problem")
    assert problem.attributes["active_alarms"] == ["reserved_bit_4"]
    assert problem.state == "on"


async def test_a5_rated_capacity_is_a_diagnostic(
    hass: HomeAssistant, add_simulated_unit: Callable[..., RadioUnit]
) -> None:
    """Rated capacity and nominal cell voltage are the settings an A5 unit tells."""
    radio = a5_unit(add_simulated_unit, capacity_ah=230.0)
    entry = await setup_entry(hass, radio)
    registry = er.async_get(hass)
    for key in ("rated_capacity", "cell_reference_voltage"):
        found = entity_id(hass, "sensor", radio, key)
        assert found is not None
        registry.async_update_entity(found, disabled_by=None)
    for key in ("sleep_time", "battery_type", "cell_overvoltage_alarm"):
        assert entity_id(hass, "sensor", radio, key) is None
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert value(hass, "sensor", radio, "rated_capacity") == 230.0
    assert value(hass, "sensor", radio, "cell_reference_voltage") == 3.2


async def test_a5_unit_discovered_and_set_up_like_the_others(
    hass: HomeAssistant,
    simulated_proxy: SimulatedBluetoothProxy,
    add_simulated_unit: Callable[..., RadioUnit],
) -> None:
    """A renamed A5 unit advertising only FFF0 is discovered; the flow says it found A5."""
    radio = a5_unit(add_simulated_unit, advertise=False)
    radio.unit.manufacturer_data = {}
    radio.unit.service_uuids = [FFF0]
    simulated_proxy.async_advertise(radio)
    await hass.async_block_till_done(wait_background_tasks=True)

    [flow] = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert flow["step_id"] == "bluetooth_confirm"
    result = await hass.config_entries.flow.async_configure(flow["flow_id"], {})
    assert result["step_id"] == "found"
    assert result["description_placeholders"] == {"name": "Akku-2", "protocol": "A5"}
    result = await confirm_found(hass, result, "A5")
    await hass.async_block_till_done(wait_background_tasks=True)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Akku-2"
    assert result["result"].state is ConfigEntryState.LOADED
    # Kept with the entry: the next start asks in A5 first.
    assert result["result"].data["dialect"] == "a5"
    assert value(hass, "sensor", radio, "soc") == pytest.approx(radio.unit.battery.soc, abs=0.051)
    assert writes(radio) == []


async def test_a5_unit_picked_by_hand(
    hass: HomeAssistant, add_simulated_unit: Callable[..., RadioUnit]
) -> None:
    """The unit list offers an A5 unit like any other; choosing it says A5 before adding."""
    radio = a5_unit(add_simulated_unit, A5Quirks(host_addresses=frozenset({0x40})))
    await hass.async_block_till_done(wait_background_tasks=True)
    for flow in hass.config_entries.flow.async_progress_by_handler(DOMAIN):
        hass.config_entries.flow.async_abort(flow["flow_id"])
    result = await start_unit_flow(hass)
    assert result["step_id"] == "unit"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"address": radio.address}
    )
    result = await confirm_found(hass, result, "A5")
    assert result["type"] is FlowResultType.CREATE_ENTRY
