"""The simulator speaks A5: each reply read here by hand, straight from the protocol notes."""

from __future__ import annotations

from datetime import datetime

import pytest

from simulator import ManualClock, SimulatedUnit
from simulator.a5 import A5Quirks
from simulator.protection import AlarmBit

ADDRESS = "C0:DA:1B:00:00:A5"


def make_unit(cells: int = 16, quirks: A5Quirks | None = None, **options: object) -> SimulatedUnit:
    unit = SimulatedUnit(
        name="Akku-2",
        address=ADDRESS,
        clock=ManualClock(),
        dialect="a5",
        cells=cells,
        a5_quirks=quirks,
        **options,  # type: ignore[arg-type]
    )
    unit.firmware.write_register(0x8A, 0xFFFF)
    return unit


def request(command: int, host: int = 0x80, data: bytes = b"") -> bytes:
    body = bytes([0xA5, host, command, 8]) + data.ljust(8, b"\0")
    return body + bytes([sum(body) % 256])


def frames(answer: bytes | None) -> list[bytes]:
    """Cut an answer into 13-byte frames, checking each."""
    assert answer is not None
    assert len(answer) % 13 == 0
    result = [answer[i : i + 13] for i in range(0, len(answer), 13)]
    for frame in result:
        assert frame[:2] == b"\xa5\x01"
        assert frame[3] == 8
        assert sum(frame[:12]) % 256 == frame[12]
    return result


def data(unit: SimulatedUnit, command: int, host: int = 0x80) -> bytes:
    (frame,) = frames(unit.handle_request(request(command, host)))
    assert frame[2] == command
    return frame[4:12]


def word(raw: bytes, at: int) -> int:
    return raw[at] * 256 + raw[at + 1]


def test_pack_reply_current_counts_discharge_above_the_offset() -> None:
    unit = make_unit()
    unit.set_current(-12.3)
    pack = data(unit, 0x90)
    assert word(pack, 0) == round(unit.battery.pack_voltage * 10)
    assert word(pack, 4) == 30000 + 123
    assert word(pack, 6) == round(unit.battery.soc * 10)
    unit.set_current(8.0)
    assert word(data(unit, 0x90), 4) == 30000 - 80


def test_mos_reply_remaining_capacity_in_milliamp_hours() -> None:
    unit = make_unit(capacity_ah=280.0, soc=97.0)
    unit.set_current(-5.0)
    first = data(unit, 0x93)
    assert first[0] == 2  # discharging
    assert (first[1], first[2]) == (1, 1)
    assert int.from_bytes(first[4:8]) == round(unit.battery.remaining_ah * 1000)
    assert int.from_bytes(first[4:8]) > 0xFFFF
    # Byte 3 counts up with every reply.
    assert data(unit, 0x93)[3] == (first[3] + 1) % 256


def test_status_reply() -> None:
    unit = make_unit(cells=13, temperature_sensors=3, cycles=77)
    unit.set_current(3.0)
    status = data(unit, 0x94)
    assert list(status[:5]) == [13, 3, 1, 0, 0]
    assert word(status, 5) == 77


@pytest.mark.parametrize("cells", [4, 13, 16, 24])
def test_cell_frames_three_cells_each_numbered_from_one(cells: int) -> None:
    unit = make_unit(cells=cells)
    replies = frames(unit.handle_request(request(0x95)))
    assert len(replies) == -(-cells // 3)
    assert [frame[4] for frame in replies] == list(range(1, len(replies) + 1))
    voltages = [word(frame, 5 + 2 * slot) for frame in replies for slot in range(3)]
    assert voltages[:cells] == [round(v * 1000) for v in unit.battery.cell_voltages]
    assert set(voltages[cells:]) <= {0}


def test_full_cell_reply_with_stale_slots() -> None:
    unit = make_unit(cells=16, quirks=A5Quirks(full_cell_reply=True, stale_slots=True))
    replies = frames(unit.handle_request(request(0x95)))
    assert len(replies) == 16
    voltages = [word(frame, 5 + 2 * slot) for frame in replies for slot in range(3)]
    truth = [round(v * 1000) for v in unit.battery.cell_voltages]
    assert voltages[:16] == truth
    # The slots past cell 16 hold plausible cell voltages that are not this pack's.
    assert all(2500 < mv < 4300 for mv in voltages[16:])
    assert {frame[11] for frame in replies} == {0xD3}


def test_frames_numbered_from_zero_as_the_document_says() -> None:
    unit = make_unit(cells=7, quirks=A5Quirks(first_frame_number=0))
    assert [frame[4] for frame in frames(unit.handle_request(request(0x95)))] == [0, 1, 2]
    assert [frame[4] for frame in frames(unit.handle_request(request(0x96)))] == [0]


def test_probe_frames_seven_each() -> None:
    unit = make_unit(cells=16, temperature_sensors=8, ambient_c=-5.0)
    replies = frames(unit.handle_request(request(0x96)))
    assert [frame[4] for frame in replies] == [1, 2]
    raws = [byte for frame in replies for byte in frame[5:12]]
    assert raws[:8] == [round(t) + 40 for t in unit.battery.temperatures]
    assert raws[8:] == [0] * 6
    stale = make_unit(temperature_sensors=2, quirks=A5Quirks(stale_slots=True))
    (frame,) = frames(stale.handle_request(request(0x96)))
    assert all(raw > 40 for raw in frame[7:12])


def test_balancing_bitmap() -> None:
    unit = make_unit(cells=16)
    unit.battery.cell_socs[2] = 99.0
    unit.battery.cell_socs[11] = 40.0
    unit.battery.update_voltages()
    unit.refresh()
    bitmap = int.from_bytes(data(unit, 0x97), "little")
    assert bitmap == sum(1 << (cell - 1) for cell in unit.battery.balancing_cells)
    assert bitmap


@pytest.mark.parametrize(
    ("bit", "byte", "mask"),
    [
        (AlarmBit.CELL_OVERVOLTAGE_ALARM, 0, 0x02),
        (AlarmBit.CHARGE_OVERTEMPERATURE_WARNING, 1, 0x01),
        (AlarmBit.DISCHARGE_OVERCURRENT_ALARM, 2, 0x08),
        (AlarmBit.CELL_DELTA_WARNING, 3, 0x01),
        (AlarmBit.DISCHARGE_MOS_OVERTEMPERATURE, 4, 0x02),
        (AlarmBit.SHORT_CIRCUIT, 6, 0x04),
    ],
)
def test_fault_bytes(bit: int, byte: int, mask: int) -> None:
    unit = make_unit()
    unit.set_extra_alarm_bits(1 << bit)
    faults = data(unit, 0x98)
    assert faults[byte] & mask
    expected = bytearray(8)
    expected[byte] = mask
    assert faults == bytes(expected)


def test_fault_byte_6_keeps_its_reserved_bits_clear() -> None:
    unit = make_unit()
    unit.set_extra_alarm_bits(0b11_1111 | 1 << 30)
    faults = data(unit, 0x98)
    assert faults[6] == 0x0F
    assert faults[5] == 0x40
    assert faults[7] == 0


def test_reserved_fault_bits_and_fault_code_when_asked() -> None:
    unit = make_unit(quirks=A5Quirks(reserved_faults=0b1010, fault_code=0x2B))
    unit.set_extra_alarm_bits(1 << 1)
    faults = data(unit, 0x98)
    assert faults[6] == 0b1010_0010
    assert faults[7] == 0x2B


def test_rated_capacity_and_cell_voltage() -> None:
    rated = data(make_unit(capacity_ah=314.0), 0x50)
    assert int.from_bytes(rated[0:4]) == 314_000
    assert int.from_bytes(rated[4:8]) == 3200


@pytest.mark.parametrize(("command", "field"), [(0xD9, "discharge_mos"), (0xDA, "charge_mos")])
def test_mos_writes(command: int, field: str) -> None:
    unit = make_unit()
    ack = data_after(unit, request(command, data=b"\x00"))
    assert ack == (command, 0)
    assert getattr(unit.battery, field) is False
    assert data(unit, 0x93)[1 if command == 0xDA else 2] == 0
    assert data_after(unit, request(command, data=b"\x01")) == (command, 1)
    assert getattr(unit.battery, field) is True
    assert unit.handle_request(request(command, data=b"\x02")) is None


def data_after(unit: SimulatedUnit, raw: bytes) -> tuple[int, int]:
    (frame,) = frames(unit.handle_request(raw))
    return frame[2], frame[4]


def test_set_soc_sets_the_clock_too() -> None:
    unit = make_unit()
    raw = request(0x21, data=bytes([26, 5, 1, 12, 30, 0]) + (875).to_bytes(2))
    assert data_after(unit, raw) == (0x21, 1)
    assert word(data(unit, 0x90), 6) == 875
    assert unit.firmware.a5 is not None
    assert unit.firmware.a5.clock == datetime(2026, 5, 1, 12, 30)
    assert unit.handle_request(request(0x21, data=bytes([26, 5, 1, 0, 0, 0, 0x03, 0xE9]))) is None
    assert unit.handle_request(request(0x21, data=bytes([26, 13, 1, 0, 0, 0, 0, 1]))) is None


def test_writes_without_acknowledgement_still_act() -> None:
    unit = make_unit(quirks=A5Quirks(acknowledges_writes=False))
    assert unit.handle_request(request(0xDA, data=b"\x00")) is None
    assert unit.battery.charge_mos is False


def test_host_addresses() -> None:
    both = make_unit()
    assert both.handle_request(request(0x90, host=0x80)) is not None
    assert both.handle_request(request(0x90, host=0x40)) is not None
    only = make_unit(quirks=A5Quirks(host_addresses=frozenset({0x40})))
    assert only.handle_request(request(0x90, host=0x80)) is None
    assert only.handle_request(request(0x90, host=0x40)) is not None


def test_silence_for_what_the_firmware_does_not_act_on() -> None:
    unit = make_unit()
    bad_sum = request(0x90)[:-1] + b"\x00"
    assert unit.handle_request(bad_sum) is None
    assert unit.handle_request(request(0x90)[:-1]) is None
    assert unit.handle_request(request(0x42)) is None
    # A D2 request means nothing to an A5 unit.
    assert unit.handle_request(bytes.fromhex("D2 03 00 00 00 3E D7 B9")) is None


def test_garbled_tail_of_a_long_reply() -> None:
    quirks = A5Quirks(full_cell_reply=True, garbled_tail=True, seed=2)
    unit = make_unit(cells=16, quirks=quirks)
    answer = unit.handle_request(request(0x95))
    assert answer is not None
    assert len(answer) == 208
    clean = make_unit(cells=16, quirks=A5Quirks(full_cell_reply=True))
    expected = clean.handle_request(request(0x95))
    assert expected is not None
    assert answer[:160] == expected[:160]
    assert answer[200:] == expected[200:]
    assert answer[160:200] != expected[160:200]
    # A short reply is never garbled.
    assert frames(unit.handle_request(request(0x90)))


def test_frames_cut_short() -> None:
    unit = make_unit(cells=16, quirks=A5Quirks(cut_frames=1.0))
    answer = unit.handle_request(request(0x95))
    assert answer is not None
    # Every frame but the last lost its last four bytes; each next one follows at once.
    assert len(answer) == 5 * 9 + 13
    assert answer.count(b"\xa5\x01\x95\x08") == 6


def test_extremes_replies() -> None:
    unit = make_unit(cells=8, temperature_sensors=3)
    unit.battery.cell_socs[5] = 95.0
    unit.battery.cell_socs[2] = 20.0
    unit.battery.update_voltages()
    cells = [round(v * 1000) for v in unit.battery.cell_voltages]
    extremes = data(unit, 0x91)
    assert (word(extremes, 0), extremes[2]) == (max(cells), cells.index(max(cells)) + 1)
    assert (word(extremes, 3), extremes[5]) == (min(cells), cells.index(min(cells)) + 1)
    unit.battery.temperatures = [18.2, 31.0, 12.6]
    assert list(data(unit, 0x92)[:4]) == [71, 2, 53, 3]
