"""Simulated A5 units, with their quirks, read by our protocol package: the battery's truth.

The units answer over the simulated radio to a plain bleak client, notifications cut to
the MTU (203: the 200-byte notifications of real modules), so the quirks reach the
package's client as they would over the air.
"""

from __future__ import annotations

from hypothesis import given, settings, strategies as st
import pytest

from custom_components.daly_bms.protocol import (
    BatteryState,
    DalyClient,
    DalyStatus,
    Dialect,
    MosBank,
    decode_status,
)
from simulator import SimulatedUnit
from simulator.a5 import A5Quirks
from simulator.protection import AlarmBit
from tests.protocol.simlink import SimLink

from .test_sim_a5 import make_unit

# The A5 fault bits the notes name, by their place in the battery's alarm word.
NAMED_BITS = {
    int(AlarmBit.CELL_OVERVOLTAGE_WARNING): "cell_overvoltage_warning",
    int(AlarmBit.CELL_UNDERVOLTAGE_ALARM): "cell_undervoltage_alarm",
    int(AlarmBit.CHARGE_UNDERTEMPERATURE_WARNING): "charge_undertemperature_warning",
    int(AlarmBit.DISCHARGE_OVERCURRENT_ALARM): "discharge_overcurrent_alarm",
    int(AlarmBit.SOC_LOW_WARNING): "soc_low_warning",
    int(AlarmBit.SOC_LOW_ALARM): "soc_low_alarm",
    int(AlarmBit.TEMPERATURE_DELTA_ALARM): "temperature_difference_alarm",
    int(AlarmBit.CHARGE_MOS_OVERTEMPERATURE): "charge_mos_overtemperature",
    int(AlarmBit.SHORT_CIRCUIT): "short_circuit_protection",
}


def truth(unit: SimulatedUnit) -> dict[str, object]:
    battery = unit.battery
    cells = [round(v * 1000) / 1000 for v in battery.cell_voltages]
    current = round(battery.current * 10) / 10
    return {
        "dialect": Dialect.A5,
        "cell_voltages": tuple(cells),
        "temperatures": tuple(float(round(t)) for t in battery.temperatures),
        "voltage": round(battery.pack_voltage * 10) / 10,
        "current": current,
        "soc": round(battery.soc * 10) / 10,
        "remaining_capacity": round(battery.remaining_ah * 1000) / 1000,
        "cycles": battery.cycles,
        "state": (
            BatteryState.CHARGING
            if current > 0
            else BatteryState.DISCHARGING
            if current < 0
            else BatteryState.IDLE
        ),
        "charge_mos": battery.charge_mos,
        "discharge_mos": battery.discharge_mos,
        "balancing_cells": tuple(battery.balancing_cells),
        "mos_temperature": None,
        "board_temperature": None,
    }


def assert_truth(status: DalyStatus, unit: SimulatedUnit) -> None:
    for field, expected in truth(unit).items():
        assert getattr(status, field) == pytest.approx(expected), field


async def connect(unit: SimulatedUnit, mtu: int = 203) -> tuple[SimLink, DalyClient]:
    link = SimLink(unit, mtu=mtu)
    return link, await link.started_client()


async def read(unit: SimulatedUnit, mtu: int = 203) -> DalyStatus:
    link, client = await connect(unit, mtu)
    try:
        return await client.read_status()
    finally:
        link.registry.disconnect_all()


QUIRKS = {
    "plain": A5Quirks(),
    "rs485_host_only": A5Quirks(host_addresses=frozenset({0x40})),
    "full_reply_stale": A5Quirks(full_cell_reply=True, stale_slots=True),
    "garbled_tail": A5Quirks(full_cell_reply=True, stale_slots=True, garbled_tail=True),
    "cut_frames": A5Quirks(cut_frames=0.2, seed=4),
    "numbered_from_zero": A5Quirks(first_frame_number=0, full_cell_reply=True),
}


@pytest.mark.parametrize("quirks", QUIRKS.values(), ids=QUIRKS.keys())
@pytest.mark.parametrize(("cells", "current"), [(4, 0.0), (16, -23.4), (24, 41.0)])
async def test_reading_is_the_truth(quirks: A5Quirks, cells: int, current: float) -> None:
    unit = make_unit(cells, quirks, temperature_sensors=min(cells // 2, 8))
    unit.set_current(current)
    status = await read(unit)
    assert_truth(status, unit)


@pytest.mark.parametrize("mtu", [23, 29, 247, 512])
async def test_any_notification_size(mtu: int) -> None:
    unit = make_unit(16, A5Quirks(full_cell_reply=True, stale_slots=True))
    status = await read(unit, mtu)
    assert_truth(status, unit)


async def test_alarms_named_from_the_notes() -> None:
    unit = make_unit()
    bits = 0
    for bit in NAMED_BITS:
        bits |= 1 << bit
    unit.set_extra_alarm_bits(bits)
    status = await read(unit)
    assert set(status.alarms) == set(NAMED_BITS.values())


async def test_balancing_cells() -> None:
    unit = make_unit(16, A5Quirks(stale_slots=True))
    unit.battery.cell_socs[4] = 99.0
    unit.battery.update_voltages()
    unit.refresh()
    status = await read(unit)
    assert status.balancing is True
    assert status.balancing_cells == tuple(unit.battery.balancing_cells)


async def test_settings_and_writes_drive_the_simulator() -> None:
    unit = make_unit(capacity_ah=230.0)
    link, client = await connect(unit)
    settings = await client.read_settings()
    assert settings.rated_capacity == 230.0
    assert settings.cell_reference_voltage == 3.2
    unit.set_current(-10.0)
    status = await client.set_mos(MosBank.DISCHARGE, False)
    assert status.discharge_mos is False
    assert unit.battery.discharge_mos is False
    assert status.current == 0.0
    status = await client.set_mos(MosBank.CHARGE, False)
    assert unit.battery.charge_mos is False
    link.registry.disconnect_all()


@settings(max_examples=25, deadline=None)
@given(
    cells=st.integers(4, 24),
    current=st.floats(-150, 150).map(lambda value: round(value, 1)),
    soc=st.floats(1, 99),
)
async def test_random_packs(cells: int, current: float, soc: float) -> None:
    unit = make_unit(cells, A5Quirks(full_cell_reply=True, stale_slots=True), soc=soc)
    unit.set_current(current)
    status = await read(unit)
    assert_truth(status, unit)


def test_every_reply_of_a_reading_decoded_together() -> None:
    # What the command line gets: the replies to 0x90-0x98, given in any order.
    unit = make_unit(8, A5Quirks(full_cell_reply=True, stale_slots=True))
    unit.set_current(-7.5)
    raws = []
    for command in (0x98, 0x97, 0x96, 0x95, 0x94, 0x93, 0x92, 0x91, 0x90):
        body = bytes([0xA5, 0x80, command, 8, 0, 0, 0, 0, 0, 0, 0, 0])
        answer = unit.handle_request(body + bytes([sum(body) % 256]))
        assert answer is not None
        raws += [answer[i : i + 13] for i in range(0, len(answer), 13)]
    status = decode_status(b"".join(raws))
    assert_truth(status, unit)
    cells = [round(v * 1000) / 1000 for v in unit.battery.cell_voltages]
    assert status.cell_voltage_max == max(cells)
    assert status.cell_voltage_min == min(cells)
