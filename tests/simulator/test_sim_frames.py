"""Replies of the simulated unit decode, with an independent decoder, to the unit's truth."""

from __future__ import annotations

from hypothesis import given, settings, strategies as st
import pytest

from simulator import Chemistry, ManualClock, SimulatedUnit

from .wire import (
    ascii_text,
    crc_valid,
    decode_d2_status,
    decode_settings,
    read_request,
    registers,
)

STATUS_62 = bytes.fromhex("D2 03 00 00 00 3E D7 B9")
STATUS_80 = bytes.fromhex("D2 03 00 00 00 50 56 55")
EXTRA_BLOCK = bytes.fromhex("D2 03 00 3E 00 09 F7 A3")
SETTINGS = bytes.fromhex("D2 03 00 80 00 29 96 5F")
VERSIONS = bytes.fromhex("D2 03 00 A9 00 20 87 91")

# Capture A of the protocol notes: anchors the test decoder itself to a real unit.
CAPTURE_A = bytes.fromhex(
    "D2 03 7C 0C DC 0C DB 0C DC 0C DC 0C DC 0C DC 0C DE 0C DC 0C DC 0C DC 0C DC 0C DC 0C DC 0C DC"
    "0C DE 0C DC 0C DC 0C DC 0C DC 0C DC 0C DC 0C DE 0C DC 0C DC 00 00 00 00 00 00 00 00 00 00 00"
    "00 00 00 00 00 00 38 00 36 00 38 00 38 00 00 00 00 00 00 00 00 03 16 75 30 01 4D 0C DE 0C DB"
    "00 38 00 36 00 00 04 15 00 18 00 04 00 00 00 00 00 01 00 01 0C DC 00 03 00 00 00 00 00 00 00"
    "00 00 00 49 67"
)


def make_unit(**options: object) -> SimulatedUnit:
    defaults: dict[str, object] = {
        "name": "DL-40D63C3223A2",
        "address": "40:D6:3C:32:23:A2",
        "clock": ManualClock(),
    }
    defaults.update(options)
    return SimulatedUnit(**defaults)  # type: ignore[arg-type]


def mv(volts: float) -> float:
    return round(volts * 1000) / 1000


def test_decoder_reads_the_real_capture() -> None:
    status = decode_d2_status(CAPTURE_A)
    assert status["cell_count"] == 24
    assert status["cells"][0] == 3.292
    assert status["temperatures"] == [16, 14, 16, 16]
    assert status["voltage"] == 79.0
    assert status["current"] == 0.0
    assert status["soc"] == 33.3
    assert status["remaining_ah"] == 104.5
    assert status["charge_mos"]
    assert status["discharge_mos"]
    assert status["cell_delta"] == 0.003


def test_status_62_decodes_to_the_truth() -> None:
    unit = make_unit(soc=47.3)
    unit.set_current(-12.3)
    unit.advance(600)
    reply = unit.handle_request(STATUS_62)
    assert reply is not None
    assert len(reply) == 129
    assert crc_valid(reply)
    status = decode_d2_status(reply)
    truth = unit.battery
    assert status["cell_count"] == 16
    assert status["cells"] == [mv(v) for v in truth.cell_voltages]
    assert status["unused_cells"] == [0] * 16
    assert status["sensor_count"] == 4
    assert status["temperatures"] == [round(t) for t in truth.temperatures]
    assert status["unused_temperatures"] == [0] * 4
    assert status["voltage"] == round(truth.pack_voltage * 10) / 10
    assert status["current"] == -12.3
    assert truth.current == -12.3
    assert status["soc"] == round(truth.soc * 10) / 10
    assert status["soc"] < 47.3
    assert status["remaining_ah"] == round(truth.remaining_ah * 10) / 10
    assert status["state"] == 2
    assert status["charge_mos"] is truth.charge_mos is True
    assert status["discharge_mos"] is truth.discharge_mos is True
    assert status["cell_max"] == max(status["cells"])
    assert status["cell_min"] == min(status["cells"])
    assert status["cell_delta"] == pytest.approx(status["cell_max"] - status["cell_min"])
    assert status["cell_avg"] == pytest.approx(sum(status["cells"]) / 16, abs=0.0005)
    assert status["temperature_max"] == max(status["temperatures"])
    assert status["temperature_min"] == min(status["temperatures"])
    assert status["power"] == round(abs(truth.pack_voltage * truth.current))
    assert status["alarms"] == truth.alarm_bits == 0
    assert status["cycles"] == truth.cycles


def test_status_80_adds_balancing_and_mos_temperature() -> None:
    unit = make_unit(soc=60.0)
    unit.battery.set_cell_soc(5, 45.0)  # one weak cell: a spread the balancer acts on
    unit.refresh()
    reply = unit.handle_request(STATUS_80)
    assert reply is not None
    assert len(reply) == 165
    status = decode_d2_status(reply)
    truth = unit.battery
    assert status["balancing"] is truth.balancing is True
    assert status["balancing_cells"] == list(truth.balancing_cells)
    assert 5 in status["balancing_cells"]
    assert len(status["balancing_cells"]) == 2
    assert status["balance_current"] == pytest.approx(1.1)
    assert status["mos_temperature"] == round(truth.mos_temperature)
    assert status["board_temperature"] == round(truth.board_temperature)


def test_extra_block_equals_the_same_registers_of_a_full_read() -> None:
    unit = make_unit()
    unit.battery.set_cell_soc(16, 40.0)
    unit.refresh()
    full = registers(unit.handle_request(STATUS_80) or b"")
    extra_reply = unit.handle_request(EXTRA_BLOCK)
    assert extra_reply is not None
    assert len(extra_reply) == 5 + 18
    assert registers(extra_reply) == full[0x3E:0x47]


def test_unused_cells_and_sensor_slots_read_zero_on_a_small_pack() -> None:
    unit = make_unit(cells=8, temperature_sensors=1, capacity_ah=25.0)
    status = decode_d2_status(unit.handle_request(STATUS_62) or b"")
    assert status["cell_count"] == 8
    assert len(status["cells"]) == 8
    assert all(v > 3.0 for v in status["cells"])
    assert status["unused_cells"] == [0] * 24
    assert status["unused_temperatures"] == [0] * 7


def test_unit_without_mos_sensor_reports_absent() -> None:
    unit = make_unit(has_mos_sensor=False)
    regs = registers(unit.handle_request(STATUS_80) or b"")
    assert regs[0x42] == 0xFFFF
    assert regs[0x43] != 0
    assert decode_d2_status(unit.handle_request(STATUS_80) or b"")["mos_temperature"] is None


def test_settings_block() -> None:
    unit = make_unit(cells=16, capacity_ah=280.0, soc=71.4)
    reply = unit.handle_request(SETTINGS)
    assert reply is not None
    assert len(reply) == 87
    s = decode_settings(reply)
    assert s["rated_capacity_ah"] == 280.0
    assert s["battery_type"] == 0
    assert s["sleep_time_s"] == 3600
    assert s["cell_ov"] == (3.6, 3.65)
    assert s["cell_uv"] == (2.8, 2.5)
    assert s["pack_ov"] == (57.6, 58.4)
    assert s["balance_start_v"] == 3.0
    assert s["balance_start_delta_v"] == 0.01
    assert s["charge_mos"] == s["discharge_mos"] == 1
    assert s["soc"] == 71.4
    assert s["charge_oc"][0] < s["charge_oc"][1]
    assert s["discharge_oc"][0] < s["discharge_oc"][1]


@pytest.mark.parametrize(
    ("chemistry", "battery_type", "cell_ov_alarm"),
    [(Chemistry.LIFEPO4, 0, 3.65), (Chemistry.LI_ION, 1, 4.25), (Chemistry.LTO, 2, 2.8)],
)
def test_settings_follow_the_chemistry(
    chemistry: Chemistry, battery_type: int, cell_ov_alarm: float
) -> None:
    unit = make_unit(chemistry=chemistry)
    s = decode_settings(unit.handle_request(SETTINGS) or b"")
    assert s["battery_type"] == battery_type
    assert s["cell_ov"][1] == cell_ov_alarm


def test_version_strings() -> None:
    unit = make_unit(software_version="K00T-1.2.3", hardware_version="R24TH1A")
    reply = unit.handle_request(VERSIONS)
    assert reply is not None
    assert len(reply) == 69
    regs = registers(reply)
    assert ascii_text(regs[0:8]) == "K00T-1.2.3"
    assert ascii_text(regs[8:16]) == "R24TH1A"
    assert regs[16:] == [0] * 16


def test_any_sub_range_of_the_status_block_is_answered() -> None:
    unit = make_unit()
    full = registers(unit.handle_request(STATUS_80) or b"")
    for start, count in [(0x00, 1), (0x28, 3), (0x3A, 4), (0x4F, 1), (0x10, 0x40)]:
        reply = unit.handle_request(read_request(start, count))
        assert reply is not None
        assert registers(reply) == full[start : start + count]


@settings(max_examples=40, deadline=None)
@given(
    cells=st.integers(min_value=4, max_value=24),
    chemistry=st.sampled_from(list(Chemistry)),
    soc=st.floats(min_value=5.0, max_value=95.0),
    current=st.floats(min_value=-60.0, max_value=60.0),
    celsius=st.floats(min_value=-10.0, max_value=45.0),
    seed=st.integers(min_value=0, max_value=2**16),
)
def test_any_state_round_trips(
    cells: int, chemistry: Chemistry, soc: float, current: float, celsius: float, seed: int
) -> None:
    unit = make_unit(cells=cells, chemistry=chemistry, soc=soc, seed=seed, ambient_c=celsius)
    unit.set_current(current)
    unit.advance(30)
    status = decode_d2_status(unit.handle_request(STATUS_80) or b"")
    truth = unit.battery
    assert status["cells"] == [mv(v) for v in truth.cell_voltages]
    assert status["current"] == round(truth.current * 10) / 10
    assert status["soc"] == round(truth.soc * 10) / 10
    assert status["temperatures"] == [round(t) for t in truth.temperatures]
    assert status["voltage"] == round(truth.pack_voltage * 10) / 10
    assert status["charge_mos"] is truth.charge_mos
    assert status["discharge_mos"] is truth.discharge_mos
    assert status["balancing"] is truth.balancing
    assert status["balancing_cells"] == list(truth.balancing_cells)
    assert status["alarms"] == truth.alarm_bits
    assert status["state"] == (0 if status["current"] == 0 else 1 if current > 0 else 2)
