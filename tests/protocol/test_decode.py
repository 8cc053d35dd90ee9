"""Decoding status, settings and version replies of both dialects."""

from __future__ import annotations

import json
import logging

import pytest

from custom_components.daly_bms.protocol import (
    BatteryState,
    BatteryType,
    DalyFrameError,
    Dialect,
    decode_device_info,
    decode_settings,
    decode_status,
    parse_frame,
)

from .examples import (
    EXAMPLE_A,
    EXAMPLE_C,
    EXAMPLE_C_AS_PRINTED,
    EXAMPLE_D,
    EXAMPLE_P_BLOCK1,
    EXAMPLE_P_BLOCK2,
    d2_registers,
    read_reply,
    with_crc,
)


def test_example_a_d2_24_cells() -> None:
    status = decode_status(EXAMPLE_A)
    assert status.dialect is Dialect.D2
    assert status.cell_count == 24
    assert len(status.cell_voltages) == 24
    assert min(status.cell_voltages) == 3.291
    assert max(status.cell_voltages) == 3.294
    assert status.cell_voltages[:2] == (3.292, 3.291)
    assert status.temperatures == (16.0, 14.0, 16.0, 16.0)
    assert status.voltage == 79.0
    assert status.current == 0.0
    assert status.power == 0.0
    assert status.soc == 33.3
    assert status.remaining_capacity == 104.5
    assert status.state is BatteryState.IDLE
    assert status.cycles == 0
    assert status.balancing is False
    assert status.charge_mos is True
    assert status.discharge_mos is True
    assert status.cell_voltage_avg == 3.292
    assert status.cell_voltage_delta == 0.003
    assert (status.cell_voltage_min, status.cell_voltage_max) == (3.291, 3.294)
    assert status.alarms == ()
    # A 62-register reply carries none of the extended block.
    assert status.mos_temperature is None
    assert status.board_temperature is None
    assert status.balance_current is None
    assert status.balancing_cells is None


def test_example_c_d2_8_cells() -> None:
    status = decode_status(EXAMPLE_C)
    assert status.cell_voltages == (3.438, 3.433, 3.417, 3.543, 3.339, 3.339, 3.340, 3.339)
    # Registers 0x21/0x22 read 40 (0 deg C) but the unit has one sensor.
    assert status.temperatures == (21.0,)
    assert status.voltage == 27.1
    assert status.current == 0.0
    assert status.soc == 100.0
    assert status.remaining_capacity == 25.0
    assert status.charge_mos is True
    assert status.discharge_mos is True
    assert status.cell_voltage_delta == 0.204


def test_example_c_as_printed_is_rejected() -> None:
    with pytest.raises(DalyFrameError):
        decode_status(EXAMPLE_C_AS_PRINTED)


def test_example_p_p81_two_blocks() -> None:
    status = decode_status(EXAMPLE_P_BLOCK1, EXAMPLE_P_BLOCK2)
    assert status.dialect is Dialect.P81
    assert status.cell_count == 16
    assert min(status.cell_voltages) == 3.312
    assert max(status.cell_voltages) == 3.317
    assert status.temperatures == (22.0, 22.0, 22.0, 22.0)
    assert status.voltage == 53.0
    assert status.current == -8.9
    assert status.state is BatteryState.DISCHARGING
    assert status.soc == 86.4
    assert status.remaining_capacity == 271.2
    assert status.cycles == 7
    assert status.charge_mos is True
    assert status.discharge_mos is True
    assert status.mos_temperature == 24.0
    assert status.board_temperature == 30.0
    assert status.power == pytest.approx(-471.7)
    assert status.cell_voltage_max == 3.317
    assert status.cell_voltage_avg == 3.314
    # p81 has no lowest-cell register in these blocks: derived from the cells.
    assert status.cell_voltage_min == 3.312
    assert status.cell_voltage_delta == 0.005
    # Unconfirmed p81 registers stay unreported.
    assert status.balancing is None
    assert status.balancing_cells is None
    assert status.balance_current is None
    assert status.alarms == ()


def test_example_d_settings() -> None:
    settings_ = decode_settings(EXAMPLE_D)
    assert settings_.rated_capacity == 105.0
    assert settings_.cell_reference_voltage == 3.2
    assert settings_.acquisition_boards == 1
    assert settings_.cells_per_board == (4,)
    assert settings_.temperature_sensors_per_board == (1,)
    assert settings_.battery_type is BatteryType.LIFEPO4
    assert settings_.sleep_time == 7200
    assert settings_.cell_overvoltage_warning == 3.5
    assert settings_.cell_overvoltage_alarm == 3.5
    assert settings_.cell_undervoltage_warning == 2.6
    assert settings_.cell_undervoltage_alarm == 2.6
    assert settings_.pack_overvoltage_warning == 14.0
    assert settings_.pack_overvoltage_alarm == 14.0
    assert settings_.pack_undervoltage_warning == 10.4
    assert settings_.pack_undervoltage_alarm == 10.4
    assert settings_.charge_overcurrent_warning == 10.0
    assert settings_.charge_overcurrent_alarm == 10.0
    assert settings_.discharge_overcurrent_warning == 16.0
    assert settings_.discharge_overcurrent_alarm == 16.0
    assert settings_.charge_overtemperature_warning == 45.0
    assert settings_.charge_undertemperature_alarm == 0.0
    assert settings_.discharge_overtemperature_alarm == 70.0
    assert settings_.discharge_undertemperature_warning == -1.0
    assert settings_.cell_delta_warning == 0.255
    assert settings_.balancing_start_voltage == 3.2
    assert settings_.balancing_start_delta == 0.02
    assert settings_.charge_mos is True
    assert settings_.discharge_mos is True
    assert settings_.soc_setting == 68.0
    assert settings_.mos_overtemperature == 47.0


def test_settings_as_dict_is_json_ready() -> None:
    data = decode_settings(EXAMPLE_D).as_dict()
    assert json.loads(json.dumps(data)) == data
    assert data["battery_type"] == "lifepo4"
    assert data["cells_per_board"] == [4]
    assert data["cell_delta_warning"] == 0.255


def test_p81_settings_are_not_read_with_the_d2_layout() -> None:
    # The D2 block under the p81 reply address: 41 registers, not the p81 block of 81.
    frame = with_crc(bytes([0x51]) + EXAMPLE_D[1:-2])
    with pytest.raises(DalyFrameError, match="p81 settings"):
        decode_settings(frame)


def _example_d_with(register: int, raw: int) -> bytes:
    """EXAMPLE_D with one register of the settings block (0x80-0xA8) replaced."""
    payload = parse_frame(EXAMPLE_D).payload
    registers = [int.from_bytes(payload[i : i + 2], "big") for i in range(0, len(payload), 2)]
    registers[register - 0x80] = raw
    return read_reply(0xD2, registers)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [(0, BatteryType.LIFEPO4), (1, BatteryType.LI_ION), (2, BatteryType.LTO), (9, None)],
)
def test_battery_types(raw: int, expected: BatteryType | None) -> None:
    assert decode_settings(_example_d_with(0x89, raw)).battery_type is expected


@pytest.mark.parametrize(
    ("register", "raw", "field", "expected"),
    [
        # An unset rated capacity reads 0 or 0xFFFF: neither is 0 or 6553.5 Ah.
        (0x80, 0xFFFF, "rated_capacity", None),
        (0x80, 0, "rated_capacity", None),
        (0x80, 9, "rated_capacity", None),
        (0x80, 10, "rated_capacity", 1.0),
        (0x80, 50000, "rated_capacity", 5000.0),
        (0x80, 50001, "rated_capacity", None),
        (0xA7, 1500, "soc_setting", None),
        (0xA7, 1001, "soc_setting", None),
        (0xA7, 1000, "soc_setting", 100.0),
        (0xA7, 0, "soc_setting", 0.0),
        # Limits that no pack can have come from an unset or garbled register too.
        (0x81, 0xFFFF, "cell_reference_voltage", None),
        (0x8B, 0, "cell_overvoltage_warning", None),
        (0x8F, 0xFFFF, "pack_overvoltage_warning", None),
        (0x93, 0, "charge_overcurrent_warning", None),
        (0x97, 0xFFFF, "charge_overtemperature_warning", None),
        (0x9F, 0xFFFF, "cell_delta_warning", None),
        (0xA3, 0xFFFF, "balancing_start_voltage", None),
        (0xA8, 0xFFFF, "mos_overtemperature", None),
        # Any sleep time is one the unit can hold, even one shorter than may be set.
        (0x8A, 30, "sleep_time", 30),
        (0x8A, 0xFFFF, "sleep_time", 0xFFFF),
    ],
)
def test_implausible_settings_decode_to_none(
    register: int, raw: int, field: str, expected: float | None, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, "custom_components.daly_bms.protocol")
    settings_ = decode_settings(_example_d_with(register, raw))
    assert getattr(settings_, field) == expected
    assert (f"implausible setting {field}" in caplog.text) is (expected is None)
    # The rest of the block still reads.
    assert settings_.battery_type is BatteryType.LIFEPO4
    assert settings_.cells_per_board == (4,)


def test_d2_80_registers_extended_block() -> None:
    registers = d2_registers(
        80,
        {0x3E: 0b1010, 0x3F: 0b1, 0x40: 30250, 0x42: 75, 0x43: 62, 0x34: 1, 0x29: 30123},
    )
    status = decode_status(read_reply(0xD2, registers))
    assert status.mos_temperature == 35.0
    assert status.board_temperature == 22.0
    assert status.balance_current == 0.25
    assert status.balancing is True
    assert status.balancing_cells == (2, 4, 17)
    assert status.current == 12.3
    assert status.power == pytest.approx(13.2 * 12.3)
    assert status.state is BatteryState.IDLE


@pytest.mark.parametrize("raw", [0x0000, 0xFFFF])
def test_absent_mos_temperature(raw: int) -> None:
    status = decode_status(read_reply(0xD2, d2_registers(80, {0x42: raw, 0x43: 0, 0x40: 0})))
    assert status.mos_temperature is None
    assert status.board_temperature is None
    assert status.balance_current is None
    assert status.balancing_cells == ()


def test_states_and_unknown_state() -> None:
    for raw, state in ((1, BatteryState.CHARGING), (2, BatteryState.DISCHARGING), (7, None)):
        status = decode_status(read_reply(0xD2, d2_registers(62, {0x2F: raw})))
        assert status.state is state


def test_missing_summary_registers_are_derived_from_cells() -> None:
    registers = d2_registers(62, {0x2B: 0, 0x2C: 0, 0x37: 0, 0x38: 0})
    status = decode_status(read_reply(0xD2, registers))
    assert status.cell_voltage_max == 3.31
    assert status.cell_voltage_min == 3.295
    assert status.cell_voltage_avg == 3.3025
    assert status.cell_voltage_delta == 0.015


def test_cell_count_register_missing_uses_non_zero_slots() -> None:
    status = decode_status(read_reply(0xD2, d2_registers(62, {0x31: 0})))
    assert status.cell_count == 4
    assert status.cell_voltages == (3.3, 3.31, 3.305, 3.295)


def test_no_cells_at_all() -> None:
    registers = d2_registers(62, {0x31: 0, 0x2B: 0, 0x2C: 0, 0x37: 0, 0x38: 0})
    registers[0:4] = [0, 0, 0, 0]
    status = decode_status(read_reply(0xD2, registers))
    assert status.cell_count is None
    assert status.cell_voltages == ()
    assert status.cell_voltage_min is None
    assert status.cell_voltage_avg is None
    assert status.cell_voltage_delta is None


def test_temperatures_keep_probe_positions_and_clamp_sensor_count() -> None:
    registers = d2_registers(62, {0x32: 200, 0x20: 0, 0x21: 30, 0x27: 90})
    registers[0x22:0x27] = [0, 0, 0, 0, 0]
    status = decode_status(read_reply(0xD2, registers))
    assert status.temperatures == (None, -10.0, None, None, None, None, None, 50.0)
    # The command line's list holds the probes that report.
    assert status.as_dict()["temperatures"] == [-10.0, 50.0]


def test_broken_leads_leave_only_their_own_values_unknown() -> None:
    registers = d2_registers(62, {0x31: 4, 0x32: 3, 0x20: 60, 0x21: 0xFFFF, 0x22: 62})
    registers[0:4] = [3300, 0xFFFF, 3310, 3305]
    # No min/max/average/delta of its own: they are derived from the cells that read.
    registers[0x2B] = registers[0x2C] = registers[0x37] = registers[0x38] = 0
    status = decode_status(read_reply(0xD2, registers))
    assert status.cell_voltages == (3.3, None, 3.31, 3.305)
    assert status.cell_voltage_min == 3.3
    assert status.cell_voltage_max == 3.31
    assert status.cell_voltage_avg == 3.305
    assert status.temperatures == (20.0, None, 22.0)
    assert status.as_dict()["cell_voltages"] == [3.3, None, 3.31, 3.305]


def test_alarm_bits_are_named() -> None:
    # Word 0x3A holds bits 63-48: bit 48 = cell overvoltage warning, bit 63 = discharge
    # under-temperature alarm. Word 0x3D holds bits 15-0: bit 2 = short circuit.
    registers = d2_registers(62, {0x3A: 0x8001, 0x3B: 0x0002, 0x3C: 0x0000, 0x3D: 0x4004})
    status = decode_status(read_reply(0xD2, registers))
    assert status.alarms == (
        "short_circuit_protection",
        "reserved_bit_14",
        "charge_overcurrent_alarm",
        "cell_overvoltage_warning",
        "discharge_undertemperature_alarm",
    )


def test_p81_alarm_bits_get_neutral_names() -> None:
    block2 = bytearray(EXAMPLE_P_BLOCK2[:-2])
    offset = 3 + 2 * (0x6D - 0x41)
    block2[offset : offset + 4] = bytes([0x80, 0x00, 0x00, 0x01])
    status = decode_status(EXAMPLE_P_BLOCK1, with_crc(bytes(block2)))
    assert status.alarms == ("p81_alarm_bit_0", "p81_alarm_bit_31")


def test_decode_accepts_checked_frames() -> None:
    status = decode_status(parse_frame(EXAMPLE_P_BLOCK1), parse_frame(EXAMPLE_P_BLOCK2))
    assert status == decode_status(EXAMPLE_P_BLOCK1, EXAMPLE_P_BLOCK2)
    assert decode_status(parse_frame(EXAMPLE_A)) == decode_status(bytearray(EXAMPLE_A))


@pytest.mark.parametrize(
    ("frame", "block2", "message"),
    [
        (EXAMPLE_A[:-1] + b"\x00", None, "bad CRC"),
        (EXAMPLE_D, None, "not a status reply"),
        (EXAMPLE_A, EXAMPLE_P_BLOCK2, "with a second frame"),
        (EXAMPLE_P_BLOCK1, None, "needs block 2"),
        (EXAMPLE_P_BLOCK2, EXAMPLE_P_BLOCK1, "block 1"),
        (EXAMPLE_P_BLOCK1, EXAMPLE_P_BLOCK1, "block 2"),
        (EXAMPLE_P_BLOCK1, EXAMPLE_A, "block 2"),
        (with_crc(bytes.fromhex("d2 06 00 00 00 3e")), None, "not a status reply"),
        (b"\x51\x03", None, "too short"),
    ],
)
def test_status_shape_errors(frame: bytes, block2: bytes | None, message: str) -> None:
    with pytest.raises(DalyFrameError, match=message):
        decode_status(frame, block2)


def test_settings_and_versions_reject_wrong_shape() -> None:
    with pytest.raises(DalyFrameError, match="settings"):
        decode_settings(EXAMPLE_A)
    with pytest.raises(DalyFrameError, match="version"):
        decode_device_info(EXAMPLE_D)


def _text_registers(text: bytes, size: int) -> list[int]:
    padded = text.ljust(size, b"\0")
    return [int.from_bytes(padded[i : i + 2], "big") for i in range(0, size, 2)]


def test_d2_device_info() -> None:
    registers = _text_registers(b"20220315-1.0.2\0\0" + b"DL-R24TH1A  \0\0\0\0", 64)
    info = decode_device_info(read_reply(0xD2, registers))
    assert info.dialect is Dialect.D2
    assert info.software_version == "20220315-1.0.2"
    assert info.hardware_version == "DL-R24TH1A"
    assert info.as_dict() == {
        "dialect": "d2",
        "software_version": "20220315-1.0.2",
        "hardware_version": "DL-R24TH1A",
        "serial_number": None,
        "production_date": None,
        "firmware_family": None,
    }


def test_p81_device_info_and_empty_strings() -> None:
    text = b"V2.3.1".ljust(14, b"\0") + b"\0" * 14
    info = decode_device_info(read_reply(0x51, _text_registers(text, 148)))
    assert info.dialect is Dialect.P81
    assert info.software_version == "V2.3.1"
    assert info.hardware_version is None


STATUS_KEYS = [
    "dialect", "cell_count", "cell_voltages", "cell_voltage_min", "cell_voltage_max",
    "cell_voltage_delta", "cell_voltage_avg", "temperatures", "mos_temperature",
    "board_temperature", "voltage", "current", "power", "soc", "remaining_capacity", "cycles",
    "state", "charge_mos", "discharge_mos", "balancing", "balancing_cells", "alarms",
]  # fmt: skip


def test_as_dict_keys() -> None:
    assert list(decode_status(EXAMPLE_A).as_dict()) == STATUS_KEYS
