"""Writes, silence and the p81 dialect, seen from the wire."""

from __future__ import annotations

import pytest

from simulator import ManualClock, SimulatedUnit

from .wire import (
    ascii_text,
    crc,
    decode_d2_status,
    decode_settings,
    frame,
    read_request,
    registers,
    write_many_request,
    write_request,
)

STATUS_62 = read_request(0x00, 0x3E)
STATUS_80 = read_request(0x00, 0x50)
SETTINGS = read_request(0x80, 41)
P81_BLOCK_1 = bytes.fromhex("81 03 00 00 00 40 5B FA")
P81_BLOCK_2 = bytes.fromhex("81 03 00 41 00 3E 8B CE")


def make_unit(**options: object) -> SimulatedUnit:
    defaults: dict[str, object] = {
        "name": "DL-401710015C9B",
        "address": "40:17:10:01:5C:9B",
        "clock": ManualClock(),
    }
    defaults.update(options)
    return SimulatedUnit(**defaults)  # type: ignore[arg-type]


def status(unit: SimulatedUnit) -> dict[str, object]:
    reply = unit.handle_request(STATUS_80)
    assert reply is not None
    return decode_d2_status(reply)


# -- writes --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("request_hex", "register"),
    [
        ("D2 06 00 A5 00 00 8A 4A", 0xA5),
        ("D2 06 00 A6 00 00 7A 4A", 0xA6),
        ("D2 06 00 CF 00 00 AA 56", 0xCF),
    ],
)
def test_documented_switch_frames_are_echoed(request_hex: str, register: int) -> None:
    unit = make_unit()
    request = bytes.fromhex(request_hex)
    assert unit.handle_request(request) == request
    assert unit.firmware.read_register(register) == 0


def test_charge_mos_off_blocks_charging_and_on_restores_it() -> None:
    unit = make_unit()
    unit.set_current(20.0)
    assert unit.handle_request(bytes.fromhex("D2 06 00 A5 00 00 8A 4A")) is not None
    s = status(unit)
    assert s["charge_mos"] is False
    assert s["current"] == 0.0
    assert unit.battery.current == 0.0
    unit.set_current(-20.0)  # discharge still flows through a closed discharge MOS
    assert status(unit)["current"] == -20.0
    unit.set_current(20.0)
    assert unit.handle_request(bytes.fromhex("D2 06 00 A5 00 01 4B 8A")) is not None
    s = status(unit)
    assert s["charge_mos"] is True
    assert s["current"] == 20.0


def test_discharge_mos_off_blocks_discharging_only() -> None:
    unit = make_unit()
    unit.set_current(-15.0)
    unit.handle_request(bytes.fromhex("D2 06 00 A6 00 00 7A 4A"))
    s = status(unit)
    assert s["discharge_mos"] is False
    assert s["current"] == 0.0
    assert s["state"] == 0
    unit.set_current(15.0)
    assert status(unit)["current"] == 15.0
    unit.advance(600)
    assert unit.battery.current == 15.0
    unit.handle_request(bytes.fromhex("D2 06 00 A6 00 01 BB 8A"))
    unit.set_current(-15.0)
    assert status(unit)["current"] == -15.0


def test_soc_write_sets_the_counter() -> None:
    unit = make_unit(soc=60.0)
    request = write_request(0xA7, 555)
    assert unit.handle_request(request) == request
    assert unit.battery.soc == 55.5
    assert status(unit)["soc"] == 55.5
    assert status(unit)["remaining_ah"] == 55.5
    assert unit.handle_request(write_request(0xA7, 1001)) is None
    assert unit.battery.soc == 55.5


def test_sleep_time_and_threshold_writes_are_applied() -> None:
    unit = make_unit()
    for register, value in [(0x8A, 60), (0x8C, 3500), (0xA3, 3400), (0xA4, 25)]:
        request = write_request(register, value)
        assert unit.handle_request(request) == request
    s = decode_settings(unit.handle_request(SETTINGS) or b"")
    assert s["sleep_time_s"] == 60
    assert s["cell_ov"][1] == 3.5
    assert s["balance_start_v"] == 3.4
    assert s["balance_start_delta_v"] == 0.025


def test_lowered_overvoltage_alarm_trips_at_once() -> None:
    unit = make_unit()
    assert status(unit)["charge_mos"] is True
    unit.handle_request(write_request(0x8B, 3000))
    unit.handle_request(write_request(0x8C, 3100))
    s = status(unit)
    assert s["charge_mos"] is False
    assert s["discharge_mos"] is True


def test_write_multiple_is_applied_and_acknowledged() -> None:
    unit = make_unit()
    request = write_many_request(0xA3, [3300, 30])
    reply = unit.handle_request(request)
    assert reply == frame(0xD2, 0x10, 0x00, 0xA3, 0x00, 0x02)
    s = decode_settings(unit.handle_request(SETTINGS) or b"")
    assert s["balance_start_v"] == 3.3
    assert s["balance_start_delta_v"] == 0.03


def test_write_multiple_is_all_or_nothing() -> None:
    unit = make_unit()
    # 0xA6 accepts only 0/1; the whole request is refused, 0xA5 is left alone.
    assert unit.handle_request(write_many_request(0xA5, [0, 7])) is None
    assert unit.firmware.read_register(0xA5) == 1


@pytest.mark.parametrize("register", [0x0C, 0x0D])
def test_registers_0c_0d_echo_but_switch_nothing(register: int) -> None:
    unit = make_unit()
    unit.set_current(5.0)
    before = unit.handle_request(STATUS_80)
    request = write_request(register, 0)
    assert unit.handle_request(request) == request
    assert unit.handle_request(STATUS_80) == before
    assert unit.battery.charge_mos
    assert unit.battery.discharge_mos


def test_firmware_write_register_api() -> None:
    unit = make_unit()
    assert unit.firmware.write_register(0x8A, 60)
    assert unit.firmware.read_register(0x8A) == 60
    assert not unit.firmware.write_register(0x00, 1)
    assert not unit.firmware.write_register(0x8A, 0x10000)
    assert not unit.settings.write(0x00, 1)
    assert unit.firmware.read_register(0x200) is None


# -- silence ---------------------------------------------------------------------------


def _with_bad_crc(request: bytes) -> bytes:
    return request[:-1] + bytes([request[-1] ^ 0x01])


@pytest.mark.parametrize(
    "request_bytes",
    [
        pytest.param(b"", id="empty"),
        pytest.param(STATUS_62[:-1], id="short"),
        pytest.param(STATUS_62 + b"\x00", id="trailing byte"),
        pytest.param(_with_bad_crc(STATUS_62), id="bad crc"),
        pytest.param(read_request(0x00, 0x3E, address=0xD3), id="wrong address"),
        pytest.param(read_request(0x00, 0x40, address=0x81), id="p81 request"),
        pytest.param(frame(0xD2, 0x04, 0, 0, 0, 1), id="unknown function"),
        pytest.param(frame(0xD2, 0x06, 0, 0xA5, 0, 0, 0), id="write with an extra byte"),
        pytest.param(read_request(0x00, 0), id="count 0"),
        pytest.param(read_request(0x00, 128), id="count too big"),
        pytest.param(read_request(0x50, 1), id="beyond status"),
        pytest.param(read_request(0x00, 0x51), id="status overlapping unknown"),
        pytest.param(read_request(0x7F, 2), id="gap before settings"),
        pytest.param(read_request(0xD0, 1), id="unknown high register"),
        pytest.param(read_request(0xC0, 0x10), id="past the balancer switch"),
        pytest.param(write_request(0x00, 1), id="write cell register"),
        pytest.param(write_request(0x29, 30000), id="write current"),
        pytest.param(write_request(0xA9, 0x4142), id="write version"),
        pytest.param(write_request(0xA5, 2), id="mos value 2"),
        pytest.param(write_request(0xCF, 5), id="balancer value 5"),
        pytest.param(write_request(0xF3, 1), id="factory reset"),
        pytest.param(write_many_request(0x8A, [60])[:-3] + b"\x00\x00\x00", id="bad multi"),
        pytest.param(frame(0xD2, 0x10, 0, 0x8A, 0, 2, 0, 60), id="multi short of data"),
    ],
)
def test_silence(request_bytes: bytes) -> None:
    unit = make_unit()
    before = unit.handle_request(SETTINGS)
    assert unit.handle_request(request_bytes) is None
    assert unit.handle_request(SETTINGS) == before


def test_test_decoder_crc_agrees_with_documented_request() -> None:
    assert crc(bytes.fromhex("D2 03 00 00 00 3E")) == 0xB9D7


# -- p81 -------------------------------------------------------------------------------


def test_p81_block_1_layout() -> None:
    unit = make_unit(name="JHB-50181201A494", address="50:18:12:01:A4:94", dialect="p81")
    unit.set_current(-8.9)
    reply = unit.handle_request(P81_BLOCK_1)
    assert reply is not None
    assert reply[:3] == bytes((0x51, 0x03, 0x80))
    assert len(reply) == 133
    r = registers(reply, 0x51)
    truth = unit.battery
    cells = [round(v * 1000) for v in truth.cell_voltages]
    assert r[0:16] == cells
    assert r[16:0x30] == [0] * 32
    assert r[0x30:0x34] == [round(t) + 40 for t in truth.temperatures]
    assert r[0x34:0x38] == [0] * 4
    assert r[0x38] == round(truth.pack_voltage * 10)
    assert (r[0x39] - 30000) / 10 == -8.9
    assert r[0x3A] == round(truth.soc * 10)
    assert r[0x3C] == 16
    assert r[0x3D] == 4
    assert r[0x3E] == max(cells)
    assert cells[r[0x3F] - 1] == max(cells)
    heartbeat = r[0x3B]
    assert registers(unit.handle_request(P81_BLOCK_1) or b"", 0x51)[0x3B] == heartbeat + 1


def test_p81_block_2_layout() -> None:
    unit = make_unit(dialect="p81", cycles=7)
    unit.set_current(-8.9)
    reply = unit.handle_request(P81_BLOCK_2)
    assert reply is not None
    assert len(reply) == 129
    r = registers(reply, 0x51)

    def at(register: int) -> int:
        return r[register - 0x41]

    truth = unit.battery
    temps = [round(t) + 40 for t in truth.temperatures]
    assert at(0x43) == max(temps)
    assert temps[at(0x44) - 1] == max(temps)
    assert at(0x45) == min(temps)
    assert temps[at(0x46) - 1] == min(temps)
    assert at(0x48) == 2
    assert at(0x4B) == round(truth.remaining_ah * 10)
    assert at(0x4C) == 7
    assert (at(0x52), at(0x53)) == (1, 1)
    cells = [round(v * 1000) for v in truth.cell_voltages]
    assert at(0x57) == round(sum(cells) / len(cells))
    assert at(0x58) == round(abs(truth.pack_voltage * truth.current))
    assert at(0x5A) == round(truth.mos_temperature) + 40
    assert at(0x5B) == round(truth.board_temperature) + 40


def test_p81_versions_and_mos_write() -> None:
    unit = make_unit(dialect="p81", software_version="ESS-2.1", hardware_version="BMS-P81")
    versions = unit.handle_request(read_request(0x178, 74, address=0x81))
    assert versions is not None
    assert len(versions) == 5 + 148
    # 14-byte fields: software at byte 0, hardware at byte 14.
    assert ascii_text(registers(versions, 0x51)[0:7]) == "ESS-2.1"
    assert ascii_text(registers(versions, 0x51)[7:14]) == "BMS-P81"
    assert registers(versions, 0x51)[14:] == [0] * 60
    request = write_request(0x121, 0, address=0x81)
    reply = unit.handle_request(request)
    assert reply == frame(0x51, 0x06, 0x01, 0x21, 0x00, 0x00)
    assert unit.battery.charge_mos is False


def test_a_unit_speaks_one_dialect() -> None:
    d2 = make_unit()
    p81 = make_unit(dialect="p81")
    assert p81.handle_request(STATUS_62) is None
    assert p81.handle_request(write_request(0xA5, 0)) is None
    assert d2.handle_request(P81_BLOCK_1) is None
    assert d2.handle_request(P81_BLOCK_2) is None
    assert p81.handle_request(P81_BLOCK_1) is not None
    assert d2.handle_request(STATUS_62) is not None


# -- firmware that keeps things to itself --------------------------------------------


@pytest.mark.parametrize(
    ("dialect", "settings", "versions", "mos_off", "status"),
    [
        ("d2", SETTINGS, read_request(0xA9, 32), write_request(0xA5, 0), STATUS_80),
        (
            "p81",
            read_request(0x100, 81, address=0x81),
            read_request(0x178, 74, address=0x81),
            write_request(0x121, 0, address=0x81),
            P81_BLOCK_1,
        ),
    ],
)
@pytest.mark.parametrize(("reports_versions", "reports_settings"), [(False, True), (True, False)])
def test_firmware_can_keep_versions_or_settings_to_itself(
    dialect: str,
    settings: bytes,
    versions: bytes,
    mos_off: bytes,
    status: bytes,
    reports_versions: bool,
    reports_settings: bool,
) -> None:
    unit = make_unit(
        dialect=dialect, reports_versions=reports_versions, reports_settings=reports_settings
    )
    assert (unit.handle_request(versions) is not None) is reports_versions
    assert (unit.handle_request(settings) is not None) is reports_settings
    assert unit.firmware.read_register(0xA9 if not reports_versions else 0x80) is None
    assert unit.handle_request(status) is not None
    # Writes still land: the MOS switches off and the write is echoed.
    assert unit.handle_request(mos_off) is not None
    assert unit.battery.charge_mos is False
