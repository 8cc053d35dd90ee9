"""A5 readings: what each reply means, gathered into one DalyStatus."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
import random

import pytest

from custom_components.daly_bms.protocol import (
    BatteryState,
    DalyFrameError,
    DalyNotSupportedError,
    DalyStatus,
    Dialect,
    MosBank,
    decode_settings,
    decode_status,
)
from custom_components.daly_bms.protocol.a5 import A5, A5Dialect
from custom_components.daly_bms.protocol.a5_frames import NumberedReply, parse_a5_frame
from custom_components.daly_bms.protocol.a5_reading import ALARMS, gather_reading
from custom_components.daly_bms.protocol.d2_alarms import ALARMS as D2_ALARMS

from .a5_examples import (
    CAPTURE_14S_MILLIVOLTS,
    CAPTURE_16_FRAMES_DATA,
    CAPTURE_16S_CELLS,
    CAPTURE_16S_MILLIVOLTS,
    CAPTURE_CUT_SHORT,
    a5,
    cell_frame,
    hexbytes,
    reply,
    u16,
    u32,
)


def probe_frames(raws: Sequence[int], first: int = 1, filler: int = 0) -> list[bytes]:
    """0x96 frames of seven probes each, unused slots holding ``filler``."""
    frames = []
    for index in range(0, max(len(raws), 1), 7):
        chunk = list(raws[index : index + 7])
        chunk += [filler] * (7 - len(chunk))
        frames.append(reply(0x96, [first + index // 7, *chunk]))
    return frames


def cell_frames(millivolts: Sequence[int], first: int = 1, filler: int = 0) -> list[bytes]:
    frames = []
    for index in range(0, len(millivolts), 3):
        chunk = list(millivolts[index : index + 3])
        chunk += [filler] * (3 - len(chunk))
        frames.append(cell_frame(first + index // 3, chunk))
    return frames


def reading(
    *,
    millivolts: Sequence[int] = (3300, 3310, 3305, 3295),
    probes: Sequence[int] = (65, 66),
    pack: Sequence[int] = (*u16(132), 0, 0, *u16(30000), *u16(500)),
    mos: Sequence[int] = (0, 1, 1, 7, *u32(50000)),
    status: Sequence[int] | None = None,
    balancing: Sequence[int] = (),
    faults: Sequence[int] = (),
    cells: list[bytes] | None = None,
) -> list[bytes]:
    """Every reply of one reading of a plausible 4-cell unit, overridable piece by piece."""
    if status is None:
        status = (len(millivolts), len(probes), 0, 0, 0, *u16(12), 0)
    return [
        reply(0x94, status),
        reply(0x90, pack),
        reply(0x93, mos),
        *(cell_frames(millivolts) if cells is None else cells),
        *(probe_frames(probes) if probes else []),
        reply(0x97, balancing),
        reply(0x98, faults),
    ]


def decode(frames: Sequence[bytes]) -> DalyStatus:
    """Decode the frames of one reading the way the command line gets them, back to back."""
    return decode_status(b"".join(frames))


def test_plain_reading() -> None:
    status = decode(reading())
    assert status.dialect is Dialect.A5
    assert status.cell_count == 4
    assert status.cell_voltages == (3.3, 3.31, 3.305, 3.295)
    assert status.cell_voltage_max == 3.31
    assert status.cell_voltage_min == 3.295
    assert status.cell_voltage_delta == 0.015
    assert status.temperatures == (25.0, 26.0)
    assert status.voltage == 13.2
    assert status.current == 0.0
    assert status.power == 0.0
    assert status.soc == 50.0
    assert status.state is BatteryState.IDLE
    assert status.charge_mos is True
    assert status.discharge_mos is True
    assert status.cycles == 12
    assert status.remaining_capacity == 50.0
    assert status.balancing is False
    assert status.balancing_cells == ()
    assert status.alarms == ()
    # Not in the A5 protocol at all.
    assert status.mos_temperature is None
    assert status.board_temperature is None
    assert status.balance_current is None


def test_frames_in_any_order() -> None:
    frames = reading()
    expected = decode(frames)
    rng = random.Random(3)
    for _ in range(50):
        rng.shuffle(frames)
        assert decode(frames) == expected


def test_pack_reply_of_a_real_unit() -> None:
    # 0x90: pack voltage in 0.1 V, acquired voltage, current (raw - 30000) / 10, SOC 0.1 %.
    pack = parse_a5_frame(CAPTURE_CUT_SHORT[-13:])
    status = decode(reading(pack=list(pack.data)))
    assert status.voltage == 54.0
    assert status.soc == 64.6
    # Raw 30294: above the offset, which A5 uses for discharge.
    assert status.current == -29.4


def test_current_sign_is_the_opposite_of_d2() -> None:
    # A real 16S dump: state 2 (discharging) with raw current 30021, i.e. discharging at
    # 2.1 A; the integration's convention is positive = charging.
    pack = (*u16(532), 0, 0, *u16(30021), *u16(864))
    status = decode(reading(pack=pack, mos=(2, 1, 1, 0, *u32(0))))
    assert status.state is BatteryState.DISCHARGING
    assert status.current == -2.1
    assert status.power is not None
    assert status.power < 0
    charging = (*u16(532), 0, 0, *u16(29850), *u16(864))
    status = decode(reading(pack=charging, mos=(1, 1, 1, 0, *u32(0))))
    assert status.state is BatteryState.CHARGING
    assert status.current == 15.0


def test_remaining_capacity_is_32_bit_milliamp_hours() -> None:
    status = decode(reading(mos=(0, 0, 1, 200, *u32(271_200))))
    assert status.remaining_capacity == 271.2
    assert status.charge_mos is False
    assert status.discharge_mos is True


def test_status_reply_counts_and_cycles() -> None:
    # 0x94: cell count, probe count, charger, load, DI/DO bits, cycles (bytes 5-6).
    status = decode(reading(status=(4, 2, 1, 0, 0xAA, *u16(1234), 0)))
    assert status.cell_count == 4
    assert len(status.temperatures) == 2
    assert status.cycles == 1234


def test_cells_of_a_real_16_cell_unit() -> None:
    frames = reading(
        millivolts=CAPTURE_16S_MILLIVOLTS, cells=CAPTURE_16S_CELLS, probes=(60, 61, 62, 63)
    )
    status = decode(frames)
    assert status.cell_count == 16
    assert status.cell_voltages == tuple(mv / 1000 for mv in CAPTURE_16S_MILLIVOLTS)


def test_sixteen_frames_for_fewer_cells_take_only_the_cell_count() -> None:
    # A 14-cell unit answered 0x95 with 16 frames (room for 48 cells).
    cells = [reply(0x95, list(data)) for data in CAPTURE_16_FRAMES_DATA]
    frames = reading(millivolts=CAPTURE_14S_MILLIVOLTS, cells=cells)
    status = decode(frames)
    assert status.cell_count == 14
    assert status.cell_voltages == tuple(mv / 1000 for mv in CAPTURE_14S_MILLIVOLTS)


def test_stale_bytes_past_the_last_cell_and_probe_are_ignored() -> None:
    millivolts = [3301, 3302, 3303, 3304, 3305]
    # Slot 6 and every slot of frames 3-16 hold old, plausible values.
    cells = cell_frames(millivolts, filler=3333)
    cells += [cell_frame(number, [3333, 3334, 3335], 0xD3) for number in range(3, 17)]
    probes = probe_frames([61, 62], filler=70)
    frames = [
        reply(0x94, [5, 2, 0, 0, 0, 0, 3, 0]),
        reply(0x90, [*u16(165), 0, 0, *u16(30000), *u16(800)]),
        reply(0x93, [0, 1, 1, 0, *u32(80000)]),
        *cells,
        *probes,
        # Bits of cells 6-48 set by stale memory; cell 2 really balancing.
        reply(0x97, [0b1110_0010, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]),
        reply(0x98, []),
    ]
    status = decode(frames)
    assert status.cell_voltages == (3.301, 3.302, 3.303, 3.304, 3.305)
    assert status.cell_voltage_max == 3.305
    assert status.temperatures == (21.0, 22.0)
    assert status.balancing_cells == (2,)
    assert status.balancing is True


def test_temperatures_seven_per_frame() -> None:
    raws = list(range(50, 66))  # 16 probes: 10 .. 25 deg C, three frames
    frames = reading(probes=raws)
    status = decode(frames)
    assert status.temperatures == tuple(float(raw - 40) for raw in raws)


def test_balancing_bitmap_bit_zero_is_cell_one() -> None:
    millivolts = [3300] * 24
    frames = reading(millivolts=millivolts, balancing=[0b0000_0001, 0, 0b1000_0000])
    status = decode(frames)
    assert status.balancing_cells == (1, 24)
    assert status.balancing is True


FAULT_NAMES = [
    (0, 0, "cell_overvoltage_warning"),
    (0, 1, "cell_overvoltage_alarm"),
    (0, 3, "cell_undervoltage_alarm"),
    (0, 4, "pack_overvoltage_warning"),
    (0, 7, "pack_undervoltage_alarm"),
    (1, 0, "charge_overtemperature_warning"),
    (1, 3, "charge_undertemperature_alarm"),
    (1, 5, "discharge_overtemperature_alarm"),
    (1, 7, "discharge_undertemperature_alarm"),
    (2, 0, "charge_overcurrent_warning"),
    (2, 3, "discharge_overcurrent_alarm"),
    (2, 4, "soc_high_warning"),
    (2, 7, "soc_low_alarm"),
    (3, 0, "cell_delta_warning"),
    (3, 3, "temperature_difference_alarm"),
    (3, 4, "reserved_bit_44"),
    (4, 0, "charge_mos_overtemperature"),
    (4, 5, "discharge_mos_adhesion"),
    (4, 7, "discharge_mos_open_circuit"),
    (5, 0, "afe_chip_fault"),
    (5, 1, "cell_collection_offline"),
    (5, 2, "temperature_sensor_fault"),
    (5, 3, "eeprom_fault"),
    (5, 4, "rtc_fault"),
    (5, 5, "precharge_failure"),
    (5, 7, "internal_communication_fault"),
    (6, 0, "current_module_fault"),
    (6, 1, "pack_voltage_module_fault"),
    (6, 2, "short_circuit_protection"),
    (6, 3, "low_voltage_charge_inhibit"),
    (6, 4, "reserved_bit_4"),
    (6, 7, "reserved_bit_7"),
]


@pytest.mark.parametrize(("byte", "bit", "name"), FAULT_NAMES)
def test_fault_bits_as_alarm_names(byte: int, bit: int, name: str) -> None:
    faults = [0] * 8
    faults[byte] = 1 << bit
    status = decode(reading(faults=faults))
    assert status.alarms == (name,)


def test_fault_code_byte_is_not_a_set_of_bits() -> None:
    status = decode(reading(faults=[0, 0, 0, 0, 0, 0, 0, 0x2B]))
    assert status.alarms == ()


def test_alarm_table_matches_d2_where_the_document_names_the_same_flag() -> None:
    differs = [bit for bit, alarm in enumerate(ALARMS) if alarm != D2_ALARMS[bit]]
    assert differs == [4, 5]
    assert A5.alarms == ALARMS


def test_cell_extremes_reply_is_used_when_given() -> None:
    frames = [*reading(), reply(0x91, [*u16(3312), 2, *u16(3290), 4, 0, 0])]
    frames.append(reply(0x92, [66, 2, 65, 1]))
    status = decode(frames)
    assert status.cell_voltage_max == 3.312
    assert status.cell_voltage_min == 3.29


def test_impossible_values_are_unknown() -> None:
    millivolts = [3300, 0xFFFF, 3305, 3295]
    pack = (*u16(0xFFFF), 0, 0, *u16(30000), *u16(1200))
    status = decode(reading(millivolts=millivolts, pack=pack))
    assert status.cell_voltages == (3.3, None, 3.305, 3.295)
    assert status.voltage is None
    assert status.soc is None


def test_impossible_counts_give_no_cells_rather_than_wrong_ones() -> None:
    frames = reading(status=(200, 99, 0, 0, 0, 0, 0, 0), cells=[], probes=())
    status = decode(frames)
    assert status.cell_voltages == ()
    assert status.cell_count is None
    assert status.temperatures == ()


def test_frames_numbered_from_zero() -> None:
    millivolts = [3300, 3301, 3302, 3303]
    frames = reading(millivolts=millivolts, cells=cell_frames(millivolts, first=0))
    status = decode(frames)
    assert status.cell_voltages == (3.3, 3.301, 3.302, 3.303)


def test_numbered_reply_completion() -> None:
    collector = NumberedReply(0x95, 2)
    assert not collector.add(parse_a5_frame(reply(0x90)))
    assert not collector.add(parse_a5_frame(cell_frame(0xFF, [1, 2, 3])))
    assert not collector.add(parse_a5_frame(cell_frame(2, [3304, 3305, 3306])))
    with pytest.raises(DalyFrameError, match="missing frames"):
        collector.payloads()
    first = cell_frame(1, [3301, 3302, 3303])
    assert collector.add(parse_a5_frame(first))
    # A later frame with a number already taken is garbage, not a correction.
    assert collector.add(parse_a5_frame(cell_frame(1, [9999, 9999, 9999])))
    assert collector.payloads()[0] == parse_a5_frame(first).data


@pytest.mark.parametrize(
    ("frames", "message"),
    [
        (reading()[1:], "0x94"),
        ([f for f in reading() if f[2] != 0x98], "0x98"),
        ([f for f in reading() if f[2] != 0x95], "missing frames"),
        ([*reading(), reply(0x90, [1])], "two different replies to 0x90"),
        ([*reading(), reply(0x50)], "0x50 is not part of a status reading"),
        ([*reading(), a5(0x80, 0x90)], "not a reply"),
        ([*reading(), reading()[0][:-1] + b"\x00"], "bad checksum"),
    ],
)
def test_incomplete_or_inconsistent_readings_are_refused(frames: list[bytes], message: str) -> None:
    with pytest.raises(DalyFrameError, match=message):
        decode(frames)


def test_a_repeated_identical_reply_is_fine() -> None:
    frames = [parse_a5_frame(raw) for raw in reading()]
    assert gather_reading([*frames, frames[1]]) == gather_reading(frames)


def test_settings_reply() -> None:
    # 0x50: rated capacity (mAh, 32 bits) and nominal cell voltage (mV, 32 bits).
    settings = decode_settings(reply(0x50, [*u32(314_000), *u32(3200)]))
    assert settings.rated_capacity == 314.0
    assert settings.cell_reference_voltage == 3.2
    assert settings.sleep_time is None
    assert settings.battery_type is None
    assert settings.charge_mos is None
    empty = decode_settings(reply(0x50, [0] * 8))
    assert empty.rated_capacity is None
    assert empty.cell_reference_voltage is None
    unset = decode_settings(reply(0x50, [*u32(0xFFFFFFFF), *u32(3200)]))
    assert unset.rated_capacity is None
    assert unset.cell_reference_voltage == 3.2
    with pytest.raises(DalyFrameError, match="not a reply to 0x50"):
        decode_settings(reply(0x90))


def test_mos_commands() -> None:
    # 0xD9 switches the discharge MOS, 0xDA the charge MOS; data byte 0 is 1 or 0.
    assert A5.mos_command(MosBank.DISCHARGE, True) == a5(0x80, 0xD9, [1])
    assert A5Dialect(0x40).mos_command(MosBank.CHARGE, False) == a5(0x40, 0xDA, [0])
    assert A5.mos_command(MosBank.CHARGE, True) == hexbytes(
        "a5 80 da 08 01 00 00 00 00 00 00 00 08"
    )


def test_set_soc_command_carries_the_clock() -> None:
    now = datetime(2026, 3, 14, 15, 9, 26)
    frame = A5.soc_command(864, now)
    assert frame == a5(0x80, 0x21, [26, 3, 14, 15, 9, 26, *u16(864)])
    with pytest.raises(ValueError, match="outside"):
        A5.soc_command(1001, now)
    with pytest.raises(ValueError, match="year"):
        A5.soc_command(500, datetime(1999, 1, 1))
    # As a row of the settings table: the value in tenths of a percent, the clock now.
    setting = A5.capabilities.setting("soc_setting")
    assert setting is not None
    written = A5.setting_command(setting, setting.raw(42.5))
    assert written[:4] == bytes([0xA5, 0x80, 0x21, 0x08])
    assert list(written[10:12]) == u16(425)
    assert A5.capabilities.numbers() == (setting,)


def test_a5_capabilities() -> None:
    capabilities = A5.capabilities
    assert capabilities.dialect is Dialect.A5
    assert all(capabilities.can_switch(bank) for bank in MosBank)
    assert not capabilities.balancer_switch
    for field in ("cell_voltages", "temperatures", "remaining_capacity", "balancing_cells"):
        assert capabilities.carries(field)
    for field in ("mos_temperature", "board_temperature", "balance_current"):
        assert not capabilities.carries(field)
    assert capabilities.settings == frozenset(
        {"rated_capacity", "cell_reference_voltage", "soc_setting"}
    )
    # The SOC is the one setting A5 writes; it is confirmed by reading the SOC back.
    assert capabilities.writable_settings == frozenset({"soc_setting"})


def test_registry_routes_a5_frames() -> None:
    assert A5.replies_with(0xA5)
    assert not A5.replies_with(0xD2)
    status = decode_status(reading()[0], b"".join(reading()[1:]))
    assert status.dialect is Dialect.A5
    frames = [parse_a5_frame(raw) for raw in reading()]
    assert A5.decode_status(frames[0], b"".join(f.raw for f in frames[1:])) == status
    matcher = A5.reply_matcher(a5(0x80, 0x93))
    assert matcher(frames[2])
    assert not matcher(frames[1])


@pytest.mark.parametrize("stream", [b"", reading()[0][:12], reading()[0] + b"\x00"])
def test_frames_given_back_to_back_must_be_whole(stream: bytes) -> None:
    with pytest.raises(DalyFrameError, match="13 bytes each"):
        A5.decode_status(stream)


def test_no_version_strings() -> None:
    with pytest.raises(DalyNotSupportedError, match="version"):
        A5.device_info_request()
    with pytest.raises(DalyNotSupportedError, match="version"):
        A5.decode_device_info(reply(0x90))
