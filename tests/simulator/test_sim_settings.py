"""Writable settings of both dialects, seen from the wire: what a unit takes and reads back."""

from __future__ import annotations

import pytest

from simulator import ManualClock, SimulatedUnit

from .wire import (
    decode_d2_status,
    decode_p81_settings,
    decode_settings,
    frame,
    read_request,
    registers,
    write_many_request,
    write_request,
)

STATUS_80 = read_request(0x00, 0x50)
D2_SETTINGS = read_request(0x80, 41)
BALANCER = read_request(0xCF, 1)
P81_SETTINGS = read_request(0x100, 81, address=0x81)
P81_BLOCK_1 = read_request(0x00, 0x40, address=0x81)
P81_BLOCK_2 = read_request(0x41, 0x3E, address=0x81)


def make_unit(**options: object) -> SimulatedUnit:
    defaults: dict[str, object] = {
        "name": "DL-C0DA1B000041",
        "address": "C0:DA:1B:00:00:41",
        "clock": ManualClock(),
    }
    defaults.update(options)
    return SimulatedUnit(**defaults)  # type: ignore[arg-type]


def ask(unit: SimulatedUnit, request: bytes) -> bytes:
    reply = unit.handle_request(request)
    assert reply is not None, f"silence for {request.hex(' ')}"
    return reply


def d2_settings(unit: SimulatedUnit) -> dict[str, object]:
    return decode_settings(ask(unit, D2_SETTINGS))


def p81_settings(unit: SimulatedUnit) -> dict[str, object]:
    return decode_p81_settings(ask(unit, P81_SETTINGS))


def p81_block(unit: SimulatedUnit, request: bytes, first: int) -> dict[int, int]:
    return dict(enumerate(registers(ask(unit, request), 0x51), start=first))


def p81_mos(unit: SimulatedUnit) -> tuple[int, int]:
    block2 = p81_block(unit, P81_BLOCK_2, 0x41)
    return block2[0x52], block2[0x53]


def p81_live_soc(unit: SimulatedUnit) -> float:
    return p81_block(unit, P81_BLOCK_1, 0x00)[0x3A] / 10


def asleep(unit: SimulatedUnit) -> bool:
    return unit.asleep


def echoed(unit: SimulatedUnit, request: bytes, address: int = 0xD2) -> bool:
    """True when the unit acknowledges ``request`` the way the notes describe."""
    # A single write is echoed whole, a multiple write by its first six bytes; either
    # under the unit's reply address, with a CRC of its own.
    return unit.handle_request(request) == frame(address, *request[1:6])


# -- D2 ----------------------------------------------------------------------------------


def test_d2_rated_capacity_round_trips_and_drives_the_battery() -> None:
    unit = make_unit(capacity_ah=100.0, soc=50.0)
    assert echoed(unit, write_request(0x80, 2800))
    assert d2_settings(unit)["rated_capacity_ah"] == 280.0
    # SOC stays, so the remaining capacity scales with the new rating.
    assert decode_d2_status(ask(unit, STATUS_80))["remaining_ah"] == 140.0


def test_d2_sleep_time_round_trips_and_never_means_never() -> None:
    unit = make_unit()
    assert echoed(unit, write_request(0x8A, 120))
    assert d2_settings(unit)["sleep_time_s"] == 120
    unit.advance(130)
    assert asleep(unit)
    unit.wake()
    assert echoed(unit, write_request(0x8A, 0xFFFF))
    assert d2_settings(unit)["sleep_time_s"] == 0xFFFF
    unit.advance(86_400)
    assert not asleep(unit)


def test_d2_soc_write_moves_the_units_soc() -> None:
    unit = make_unit(soc=42.0)
    assert echoed(unit, write_request(0xA7, 1000))
    assert decode_d2_status(ask(unit, STATUS_80))["soc"] == 100.0
    assert d2_settings(unit)["soc"] == 100.0


def test_d2_balancer_switch_reads_back_at_its_register() -> None:
    unit = make_unit(cells=8)
    unit.battery.set_cell_soc(8, 30.0)
    unit.refresh()
    assert registers(ask(unit, BALANCER)) == [1]
    assert decode_d2_status(ask(unit, STATUS_80))["balancing"] is True
    assert echoed(unit, bytes.fromhex("D2 06 00 CF 00 00 AA 56"))
    assert registers(ask(unit, BALANCER)) == [0]
    assert decode_d2_status(ask(unit, STATUS_80))["balancing"] is False
    assert echoed(unit, bytes.fromhex("D2 06 00 CF 00 01 6B 96"))
    assert registers(ask(unit, BALANCER)) == [1]


@pytest.mark.parametrize(
    ("register", "value"),
    [(0x80, 2800), (0x8A, 0xFFFF), (0xA7, 1000), (0xCF, 0), (0xA5, 0), (0xA6, 0)],
)
def test_d2_unit_that_ignores_writes_echoes_and_keeps_its_values(register: int, value: int) -> None:
    unit = make_unit(ignores_writes=True, soc=42.0)
    before = (ask(unit, D2_SETTINGS), ask(unit, BALANCER), ask(unit, STATUS_80))
    assert echoed(unit, write_request(register, value))
    assert (ask(unit, D2_SETTINGS), ask(unit, BALANCER), ask(unit, STATUS_80)) == before


def test_d2_unit_can_ignore_some_registers_only() -> None:
    unit = make_unit(ignores_writes={0x8A})
    assert echoed(unit, write_request(0x8A, 0xFFFF))
    assert d2_settings(unit)["sleep_time_s"] == 3600
    assert echoed(unit, write_request(0x80, 500))
    assert d2_settings(unit)["rated_capacity_ah"] == 50.0
    # A write of several registers is ignored only when every one of them is.
    assert echoed(unit, write_many_request(0x8A, [60, 3500]))
    assert d2_settings(unit)["sleep_time_s"] == 60


# -- p81 ---------------------------------------------------------------------------------


def make_p81(**options: object) -> SimulatedUnit:
    return make_unit(dialect="p81", name="JHB-C0DA1B000042", **options)


def test_p81_settings_block_follows_the_notes_map() -> None:
    unit = make_p81(cells=16, capacity_ah=314.0, temperature_sensors=4, soc=55.5)
    reply = ask(unit, P81_SETTINGS)
    assert reply[:3] == bytes((0x51, 0x03, 162))
    s = decode_p81_settings(reply)
    assert s == {
        "board": 1,
        "cell_count": 16,
        "sensor_count": 4,
        "rated_capacity_mah": 314_000,  # the 16S unit of the notes
        "sleep_raw": 360,  # 3600 s in 10 s units
        "soc_setting": 55.5,
        "charge_mos": 1,
        "discharge_mos": 1,
        "clock": [24, 1, 1, 0, 0, 0],
        "password": "123456",
    }
    # Any part of the block answers, like the D2 blocks.
    assert registers(ask(unit, read_request(0x109, 2, address=0x81)), 0x51) == [4, 0xCA90]


def test_p81_rated_capacity_is_32_bit_milliamp_hours() -> None:
    unit = make_p81(capacity_ah=100.0, soc=50.0)
    assert echoed(unit, write_many_request(0x109, [0x0002, 0xBF20], address=0x81), 0x51)
    assert p81_settings(unit)["rated_capacity_mah"] == 180_000
    assert unit.settings.limits.rated_capacity_ah == 180.0
    assert p81_block(unit, P81_BLOCK_2, 0x41)[0x4B] == 900  # 90.0 Ah at 50 %
    # One word at a time changes that half only.
    assert echoed(unit, write_request(0x10A, 0x49F0, address=0x81), 0x51)
    assert p81_settings(unit)["rated_capacity_mah"] == 0x249F0  # 150 Ah
    assert echoed(unit, write_request(0x109, 0, address=0x81), 0x51)
    assert p81_settings(unit)["rated_capacity_mah"] == 0x49F0


def test_p81_sleep_time_counts_ten_second_steps() -> None:
    unit = make_p81()
    assert echoed(unit, write_request(0x115, 12, address=0x81), 0x51)
    assert p81_settings(unit)["sleep_raw"] == 12
    unit.advance(110)
    assert not asleep(unit)
    unit.advance(20)
    assert asleep(unit)
    unit.wake()
    assert echoed(unit, write_request(0x115, 0xFFFF, address=0x81), 0x51)
    unit.advance(86_400)
    assert not asleep(unit)
    assert p81_settings(unit)["sleep_raw"] == 0xFFFF


def test_p81_soc_setting_sets_the_soc_and_then_lags_it() -> None:
    unit = make_p81(soc=40.0, capacity_ah=100.0)
    assert echoed(unit, write_request(0x116, 1000, address=0x81), 0x51)
    assert p81_live_soc(unit) == 100.0
    assert p81_settings(unit)["soc_setting"] == 100.0
    unit.set_current(-50.0)
    unit.advance(72)  # 1 Ah out of 100
    assert p81_live_soc(unit) == 99.0
    assert p81_settings(unit)["soc_setting"] == 100.0
    unit.advance(300)
    assert p81_settings(unit)["soc_setting"] == p81_live_soc(unit) == 94.8


@pytest.mark.parametrize(("register", "index", "current"), [(0x121, 0, 20.0), (0x122, 1, -20.0)])
def test_p81_mos_control_switches_the_mos(register: int, index: int, current: float) -> None:
    unit = make_p81()
    unit.set_current(current)
    assert echoed(unit, write_request(register, 0, address=0x81), 0x51)
    assert p81_mos(unit)[index] == 0
    assert p81_mos(unit)[1 - index] == 1
    assert unit.battery.current == 0.0
    assert p81_settings(unit)["charge_mos" if index == 0 else "discharge_mos"] == 0
    assert echoed(unit, write_request(register, 1, address=0x81), 0x51)
    assert p81_mos(unit) == (1, 1)
    assert unit.battery.current == current
    # The PC-tool capture of the notes, byte for byte.
    assert unit.handle_request(bytes.fromhex("81 06 01 21 00 01 06 3C")) is not None


def test_p81_unit_that_ignores_a_mos_write_keeps_the_mos() -> None:
    unit = make_p81(ignores_writes={0x121})
    assert echoed(unit, write_request(0x121, 0, address=0x81), 0x51)
    assert p81_mos(unit) == (1, 1)
    assert echoed(unit, write_request(0x122, 0, address=0x81), 0x51)
    assert p81_mos(unit) == (1, 0)


def test_p81_clock_is_set_by_one_write_and_runs() -> None:
    unit = make_p81()
    request = write_many_request(0x123, [0x1906, 0x0F0C, 0x1E3B], address=0x81)
    assert echoed(unit, request, 0x51)
    assert p81_settings(unit)["clock"] == [25, 6, 15, 12, 30, 59]
    unit.advance(1)
    assert p81_settings(unit)["clock"] == [25, 6, 15, 12, 31, 0]
    # 31 June does not exist: refused, the clock keeps running as it was.
    assert unit.handle_request(write_request(0x123, 0x1906, address=0x81)) is not None
    assert unit.handle_request(write_request(0x124, 0x1F0C, address=0x81)) is None
    assert p81_settings(unit)["clock"] == [25, 6, 15, 12, 31, 0]


@pytest.mark.parametrize(
    ("register", "value"),
    [
        pytest.param(0x100, 2, id="board number"),
        pytest.param(0x101, 8, id="cell count"),
        pytest.param(0x106, 1, id="sensor count"),
        pytest.param(0x116, 1001, id="soc above 100 %"),
        pytest.param(0x121, 2, id="mos value 2"),
        pytest.param(0x126, 0x3030, id="password"),
        pytest.param(0x130, 3500, id="unmapped threshold"),
        pytest.param(0x150, 1, id="last register of the block"),
        pytest.param(0x0CF, 0, id="D2 balancer address"),
        pytest.param(0x0A5, 0, id="D2 charge MOS address"),
    ],
)
def test_p81_refuses_writes_outside_the_known_map(register: int, value: int) -> None:
    unit = make_p81()
    before = (ask(unit, P81_SETTINGS), p81_mos(unit))
    assert unit.handle_request(write_request(register, value, address=0x81)) is None
    assert (ask(unit, P81_SETTINGS), p81_mos(unit)) == before


@pytest.mark.parametrize(
    ("start", "count"), [(0xCF, 1), (0xA4, 10), (0x80, 41)], ids=["0xCF", "alarms", "D2 settings"]
)
def test_p81_answers_between_realtime_and_settings_with_all_bits_set(
    start: int, count: int
) -> None:
    unit = make_p81()
    assert registers(ask(unit, read_request(start, count, address=0x81)), 0x51) == [0xFFFF] * count


def test_p81_unmapped_registers_stay_put_whatever_the_limits() -> None:
    unit = make_p81()
    before = registers(ask(unit, P81_SETTINGS), 0x51)
    assert unit.firmware.write_register(0x8C, 3333)  # a D2 limit, set from outside
    after = registers(ask(unit, P81_SETTINGS), 0x51)
    assert after == before
    assert unit.settings.limits.cell_overvoltage[1] == 3.333
