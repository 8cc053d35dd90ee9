"""CRC, request encoders, single-frame parsing and stream reassembly."""

from __future__ import annotations

import itertools

from hypothesis import given, settings, strategies as st
import pytest

from custom_components.daly_bms.protocol import (
    DalyFrameError,
    Frame,
    FrameAssembler,
    crc16_modbus,
    encode_read,
    encode_write_multiple,
    encode_write_single,
    parse_frame,
)
from custom_components.daly_bms.protocol.crc import crc_bytes, has_valid_crc
from custom_components.daly_bms.protocol.frames import MAX_FRAME_LENGTH

from .examples import (
    EXAMPLE_A,
    EXAMPLE_C,
    EXAMPLE_D,
    EXAMPLE_P_BLOCK1,
    EXAMPLE_P_BLOCK2,
    REQUESTS,
    hexbytes,
    read_reply,
    reference_crc,
    with_crc,
)

ECHO = hexbytes("D2 06 00 A5 00 01 4B 8A")
WRITE_MULTIPLE_REPLY = with_crc(bytes([0xD2, 0x10, 0x00, 0xA5, 0x00, 0x02]))


def test_crc_check_value() -> None:
    # The catalogue check value of CRC-16/MODBUS.
    assert crc16_modbus(b"123456789") == 0x4B37
    assert crc_bytes(b"123456789") == b"\x37\x4b"


@given(st.binary(max_size=600))
def test_crc_matches_bitwise_reference(data: bytes) -> None:
    assert crc16_modbus(data) == reference_crc(data)
    assert crc16_modbus(bytearray(data)) == reference_crc(data)
    assert crc16_modbus(memoryview(data)) == reference_crc(data)


def test_crc_of_long_input() -> None:
    data = bytes(range(256)) * 3 + b"\x01"
    assert crc16_modbus(data) == reference_crc(data)


def test_valid_crc_check() -> None:
    assert has_valid_crc(EXAMPLE_A)
    assert not has_valid_crc(EXAMPLE_A[:-1] + b"\x00")
    assert not has_valid_crc(b"\xff\xff")


@pytest.mark.parametrize(
    ("name", "address", "register", "count"),
    [
        ("status_62", 0xD2, 0x00, 62),
        ("status_80", 0xD2, 0x00, 80),
        ("extra_block", 0xD2, 0x3E, 9),
        ("settings", 0xD2, 0x80, 41),
        ("versions", 0xD2, 0xA9, 32),
        ("p81_block1", 0x81, 0x00, 64),
        ("p81_block2", 0x81, 0x41, 62),
    ],
)
def test_read_requests_match_notes(name: str, address: int, register: int, count: int) -> None:
    assert encode_read(address, register, count) == REQUESTS[name]


def test_write_single_matches_notes() -> None:
    assert encode_write_single(0xD2, 0xA5, 1) == ECHO


def test_write_multiple_has_no_byte_count() -> None:
    frame = encode_write_multiple(0xD2, 0xA5, [1, 0x0203])
    assert frame == with_crc(bytes([0xD2, 0x10, 0x00, 0xA5, 0x00, 0x02, 0, 1, 2, 3]))


@pytest.mark.parametrize(
    "call",
    [
        lambda: encode_read(0x100, 0, 1),
        lambda: encode_read(0xD2, 0x10000, 1),
        lambda: encode_read(0xD2, 0, 0),
        lambda: encode_read(0xD2, 0, 128),
        lambda: encode_write_single(0xD2, 0xA5, 0x10000),
        lambda: encode_write_single(0xD2, -1, 0),
        lambda: encode_write_single(-1, 0, 0),
        lambda: encode_write_multiple(0xD2, 0, []),
        lambda: encode_write_multiple(0xD2, 0, [0x10000]),
        lambda: encode_write_multiple(0xD2, 0x10000, [1]),
        lambda: encode_write_multiple(0x100, 0, [1]),
    ],
)
def test_encoders_reject_out_of_range(call: object) -> None:
    with pytest.raises(ValueError, match="outside"):
        call()  # type: ignore[operator]


def test_parse_read_reply() -> None:
    frame = parse_frame(EXAMPLE_D)
    assert (frame.address, frame.function, frame.register_count) == (0xD2, 0x03, 41)
    assert frame.payload == EXAMPLE_D[3:-2]
    assert frame.register is None
    assert frame.raw == EXAMPLE_D


def test_parse_write_replies() -> None:
    echo = parse_frame(ECHO)
    assert (echo.function, echo.register, echo.payload) == (0x06, 0xA5, b"\x00\xa5\x00\x01")
    multiple = parse_frame(WRITE_MULTIPLE_REPLY)
    assert (multiple.function, multiple.register, multiple.register_count) == (0x10, 0xA5, 2)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\xd2\x03\x00\x00", "too short"),
        (with_crc(b"\x01\x03\x00"), "address"),
        (with_crc(b"\xd2\x04\x00"), "function"),
        (with_crc(b"\xd2\x03\x01\x00"), "odd read length"),
        (EXAMPLE_A[:-3] + EXAMPLE_A[-2:], "header says"),
        (ECHO + b"\x00", "header says"),
        (EXAMPLE_A[:-1] + bytes([EXAMPLE_A[-1] ^ 1]), "bad CRC"),
    ],
)
def test_parse_rejects(data: bytes, message: str) -> None:
    with pytest.raises(DalyFrameError, match=message):
        parse_frame(data)


def test_assembler_whole_frame() -> None:
    assembler = FrameAssembler()
    assert assembler.feed(EXAMPLE_A) == [Frame(0xD2, 0x03, EXAMPLE_A)]
    assert len(assembler) == 0


def test_assembler_split_frame() -> None:
    assembler = FrameAssembler()
    assert assembler.feed(EXAMPLE_A[:20]) == []
    assert assembler.feed(EXAMPLE_A[20:100]) == []
    assert [f.raw for f in assembler.feed(EXAMPLE_A[100:])] == [EXAMPLE_A]


def test_assembler_split_inside_header() -> None:
    assembler = FrameAssembler()
    assert assembler.feed(EXAMPLE_A[:1]) == []
    assert assembler.feed(EXAMPLE_A[1:2]) == []
    assert assembler.feed(EXAMPLE_A[2:3]) == []
    assert [f.raw for f in assembler.feed(EXAMPLE_A[3:])] == [EXAMPLE_A]


def test_assembler_several_frames_in_one_chunk() -> None:
    chunk = EXAMPLE_P_BLOCK1 + EXAMPLE_P_BLOCK2 + ECHO + WRITE_MULTIPLE_REPLY
    frames = FrameAssembler().feed(chunk)
    assert [f.raw for f in frames] == [
        EXAMPLE_P_BLOCK1,
        EXAMPLE_P_BLOCK2,
        ECHO,
        WRITE_MULTIPLE_REPLY,
    ]


def test_assembler_skips_ascii_from_the_radio_module() -> None:
    assembler = FrameAssembler()
    frames = assembler.feed(b"AT+NAME=DL-40D63C3223A2\r\nOK\r\n" + EXAMPLE_C + b"+QUIT\r\n")
    assert [f.raw for f in frames] == [EXAMPLE_C]
    assert len(assembler) == 0


def test_assembler_resyncs_after_bad_crc() -> None:
    corrupt = bytearray(ECHO)
    corrupt[5] ^= 0xFF
    frames = FrameAssembler().feed(bytes(corrupt) + EXAMPLE_A)
    assert [f.raw for f in frames] == [EXAMPLE_A]


def test_assembler_truncated_frame_then_good_one() -> None:
    assembler = FrameAssembler()
    assert assembler.feed(EXAMPLE_A[:60]) == []
    assert [f.raw for f in assembler.feed(EXAMPLE_D)] == [EXAMPLE_D]
    # The abandoned head is gone: a later frame comes through alone.
    assert [f.raw for f in assembler.feed(ECHO)] == [ECHO]


def test_assembler_truncated_long_header_does_not_hold_back_short_frame() -> None:
    # A header announcing 254 bytes, then a complete short frame: waiting for the long
    # frame would swallow the short one.
    assembler = FrameAssembler()
    assert [f.raw for f in assembler.feed(b"\xd2\x03\xfe" + ECHO)] == [ECHO]


@pytest.mark.parametrize(
    "noise",
    [
        b"\xd2\x03\x01\x00\x00\x00",  # odd read length cannot be a reply
        b"\xd2\x03\xfe\xd2\x03\xfe",  # two unfinished headers in a row
        b"\x51\x07\x00",  # unknown function
    ],
)
def test_assembler_false_starts_before_a_frame(noise: bytes) -> None:
    assembler = FrameAssembler()
    assert assembler.feed(noise) == []
    assert assembler.feed(b"\xd2") == []
    assert [f.raw for f in assembler.feed(EXAMPLE_A[1:])] == [EXAMPLE_A]


def test_assembler_ignores_other_addresses() -> None:
    frame = read_reply(0x01, [1, 2])
    assert FrameAssembler().feed(frame) == []
    assert FrameAssembler(addresses={0x01}).feed(frame) == [Frame(0x01, 0x03, frame)]


def test_assembler_reset_forgets_partial_frame() -> None:
    assembler = FrameAssembler()
    assembler.feed(EXAMPLE_A[:50])
    assembler.reset()
    assert assembler.feed(EXAMPLE_A[50:]) == []


def test_assembler_buffer_stays_bounded() -> None:
    assembler = FrameAssembler()
    for _ in range(50):
        assembler.feed(b"\xd2\x03\xfe" + bytes(range(256)))
        assert len(assembler) <= MAX_FRAME_LENGTH
    # Still in sync afterwards.
    assembler.feed(bytes(MAX_FRAME_LENGTH))
    assert [f.raw for f in assembler.feed(EXAMPLE_A)] == [EXAMPLE_A]


def test_assembler_never_yields_the_printed_example_c() -> None:
    # Its extra byte breaks the CRC; it must not come out as a frame.
    from .examples import EXAMPLE_C_AS_PRINTED

    assert FrameAssembler().feed(EXAMPLE_C_AS_PRINTED) == []


register_values = st.lists(st.integers(0, 0xFFFF), min_size=0, max_size=127)
valid_frames = st.one_of(
    st.builds(read_reply, st.sampled_from([0xD2, 0x51]), register_values),
    st.builds(
        lambda address, function, body: with_crc(bytes([address, function]) + body),
        st.sampled_from([0xD2, 0x51]),
        st.sampled_from([0x06, 0x10]),
        st.binary(min_size=4, max_size=4),
    ),
)
# Junk that cannot start a frame: text as the radio module sends it, and binary noise
# without the two reply addresses.
junk = st.one_of(
    st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x50), max_size=40).map(
        str.encode
    ),
    st.binary(max_size=40).map(lambda b: bytes(x for x in b if x not in (0xD2, 0x51))),
)


@settings(max_examples=300, deadline=None)
@given(
    items=st.lists(st.tuples(junk, valid_frames), min_size=1, max_size=6),
    trailing=junk,
    cuts=st.lists(st.integers(min_value=0, max_value=2000), max_size=20),
)
def test_any_chunking_yields_exactly_the_frames(
    items: list[tuple[bytes, bytes]], trailing: bytes, cuts: list[int]
) -> None:
    stream = b"".join(j + f for j, f in items) + trailing
    points = sorted({0, len(stream), *(c % (len(stream) + 1) for c in cuts)})
    assembler = FrameAssembler()
    out: list[bytes] = []
    for start, end in itertools.pairwise(points):
        out.extend(frame.raw for frame in assembler.feed(stream[start:end]))
    assert out == [f for _, f in items]


@settings(max_examples=1000, deadline=None)
@given(
    frames=st.lists(valid_frames, min_size=1, max_size=4),
    noise=st.lists(st.binary(max_size=30), min_size=1, max_size=5),
)
def test_frames_survive_arbitrary_noise_between_them(
    frames: list[bytes], noise: list[bytes]
) -> None:
    # Noise may contain reply addresses and even half headers; each frame still arrives
    # in its own chunk after the noise, so a header in the noise must not swallow it.
    assembler = FrameAssembler()
    out: list[bytes] = []
    for index, frame in enumerate(frames):
        assembler.feed(noise[index % len(noise)])
        out.extend(f.raw for f in assembler.feed(frame))
    assert out == frames


@settings(max_examples=500, deadline=None)
@given(st.lists(st.binary(max_size=300), max_size=8))
def test_random_bytes_never_raise_and_never_yield_bad_frames(chunks: list[bytes]) -> None:
    assembler = FrameAssembler()
    for chunk in chunks:
        for frame in assembler.feed(chunk):
            assert reference_crc(frame.raw) == 0
            assert parse_frame(frame.raw) == frame
        assert len(assembler) <= MAX_FRAME_LENGTH
