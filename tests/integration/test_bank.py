"""A bank of simulated packs through Home Assistant's Bluetooth stack: sums and states."""

from __future__ import annotations

from collections.abc import Callable

from homeassistant.const import STATE_OFF, STATE_ON, STATE_UNKNOWN
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
import pytest

from simulator.radio import RadioUnit

from .bank_helpers import (
    NORTH,
    SOUTH,
    add_pack,
    bank_of_two,
    bank_state,
    set_true_soc,
    setup_bank,
    setup_packs,
)
from .common import advance, state, unit_device, value


async def test_bank_adds_up_its_packs(
    hass: HomeAssistant, add_simulated_unit: Callable[..., RadioUnit]
) -> None:
    """SOC weighted by capacity, totals of the packs, one device with the packs under it."""
    north = add_pack(add_simulated_unit, NORTH, soc=80.0, capacity_ah=280.0)
    south = add_pack(add_simulated_unit, SOUTH, soc=40.0, capacity_ah=100.0)
    north_entry, south_entry = await setup_packs(hass, north, south)
    bank = await setup_bank(hass, NORTH, SOUTH)

    packs_soc = {radio: value(hass, "sensor", radio, "soc") for radio in (north, south)}
    expected_soc = (packs_soc[north] * 280 + packs_soc[south] * 100) / 380
    assert float(bank_state(hass, bank, "sensor", "soc").state) == pytest.approx(expected_soc)
    assert float(bank_state(hass, bank, "sensor", "soc").state) != pytest.approx(
        sum(packs_soc.values()) / 2, abs=1
    )
    for key in ("current", "power", "remaining_capacity", "stored_energy"):
        total = value(hass, "sensor", north, key) + value(hass, "sensor", south, key)
        bank_value = bank_state(hass, bank, "sensor", key)
        assert float(bank_value.state) == pytest.approx(total, abs=0.01), key
        # The same quantity as the pack's sensor: the same unit and device class.
        pack_value = state(hass, "sensor", north, key)
        for shown in ("unit_of_measurement", "device_class", "state_class"):
            assert bank_value.attributes.get(shown) == pack_value.attributes.get(shown), key
    available = bank_state(hass, bank, "sensor", "packs_available")
    assert available.state == "2"
    assert available.attributes["packs_total"] == 2
    assert available.attributes["missing_packs"] == []

    registry = dr.async_get(hass)
    bank_device = dr.async_entries_for_config_entry(registry, bank.entry_id)
    assert len(bank_device) == 1
    for entry, radio in ((north_entry, north), (south_entry, south)):
        assert unit_device(hass, entry, radio).via_device_id == bank_device[0].id


async def test_ready_to_parallel_follows_the_pack_voltages(
    hass: HomeAssistant, add_simulated_unit: Callable[..., RadioUnit]
) -> None:
    """Two 16-cell packs less than a volt apart are ready; drained apart they are not."""
    packs = await bank_of_two(hass, add_simulated_unit, north_soc=80.0, south_soc=40.0)
    north, south, bank = packs.north, packs.south, packs.bank

    ready = bank_state(hass, bank, "binary_sensor", "ready_to_parallel")
    north_v = value(hass, "sensor", north, "voltage")
    south_v = value(hass, "sensor", south, "voltage")
    assert 0.5 < north_v - south_v <= 1.0
    assert ready.state == STATE_ON
    assert ready.attributes["voltage_limit"] == 1.0
    assert ready.attributes["highest_pack"] == north.unit.name
    assert ready.attributes["highest_pack_voltage"] == north_v
    assert ready.attributes["lowest_pack"] == south.unit.name

    # Drain the south pack to 20 %: its voltage falls well over a volt below.
    set_true_soc(south, 20.0)
    await advance(hass, 11)
    spread = abs(value(hass, "sensor", north, "voltage") - value(hass, "sensor", south, "voltage"))
    assert spread > 1.0
    ready = bank_state(hass, bank, "binary_sensor", "ready_to_parallel")
    assert ready.state == STATE_OFF
    assert ready.attributes["lowest_pack"] == south.unit.name
    assert ready.attributes["voltage_spread"] == pytest.approx(spread, abs=0.001)
    assert float(bank_state(hass, bank, "sensor", "pack_voltage_spread").state) == pytest.approx(
        spread, abs=0.001
    )


async def test_pack_out_of_reach_makes_totals_unknown(
    hass: HomeAssistant, add_simulated_unit: Callable[..., RadioUnit]
) -> None:
    """A pack that stops answering: totals unknown, ready unknown, no error in the log."""
    packs = await bank_of_two(hass, add_simulated_unit, north_soc=60.0, south_soc=58.0)
    south, bank = packs.south, packs.bank
    assert bank_state(hass, bank, "sensor", "current").state != STATE_UNKNOWN

    south.faults.asleep = True
    await advance(hass, 11)
    await advance(hass, 11)

    for key in ("soc", "current", "power", "remaining_capacity", "stored_energy"):
        assert bank_state(hass, bank, "sensor", key).state == STATE_UNKNOWN, key
    assert bank_state(hass, bank, "binary_sensor", "ready_to_parallel").state == STATE_UNKNOWN
    available = bank_state(hass, bank, "sensor", "packs_available")
    assert available.state == "1"
    assert available.attributes["missing_packs"] == [south.unit.name]
