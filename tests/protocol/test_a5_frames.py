"""A5 framing: the 13-byte frame, its checksum, and reassembly of what real modules send."""

from __future__ import annotations

import random

from hypothesis import given, strategies as st
import pytest

from custom_components.daly_bms.protocol.a5_frames import (
    HOST_ADDRESSES,
    A5Frame,
    A5FrameAssembler,
    checksum,
    encode_a5,
    parse_a5_frame,
)
from custom_components.daly_bms.protocol.errors import DalyFrameError

from .a5_examples import (
    CAPTURE_16S_CELLS,
    CAPTURE_BLUETOOTH_REPLIES,
    CAPTURE_BLUETOOTH_REQUEST,
    CAPTURE_CUT_SHORT,
    a5,
    cell_frame,
    hexbytes,
    reply,
)


def test_request_frame_layout() -> None:
    # A5, host address, command, length 8, eight data bytes, the low byte of the sum.
    frame = encode_a5(0x80, 0x90)
    assert frame == hexbytes("a5 80 90 08 00 00 00 00 00 00 00 00 bd")
    assert len(frame) == 13
    assert frame == a5(0x80, 0x90)


@given(
    st.integers(0, 255),
    st.integers(0, 255),
    st.binary(min_size=0, max_size=8),
)
def test_checksum_is_the_low_byte_of_the_sum(address: int, command: int, data: bytes) -> None:
    frame = encode_a5(address, command, data)
    assert frame == a5(address, command, list(data))
    assert checksum(frame) == frame[12] == sum(frame[:12]) % 256
    parsed = parse_a5_frame(frame)
    assert parsed == A5Frame(address, command, frame)
    assert (parsed.address, parsed.command, parsed.data) == (address, command, data.ljust(8, b"\0"))


def test_captured_frames_parse() -> None:
    frame = parse_a5_frame(CAPTURE_16S_CELLS[0])
    # Replies come from address 0x01.
    assert frame.address == 0x01
    assert frame.command == 0x95
    assert frame.data == hexbytes("01 0c 89 0c 86 0c 89 d3")
    assert frame.raw == CAPTURE_16S_CELLS[0]


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (CAPTURE_16S_CELLS[0][:-1] + b"\x00", "bad checksum"),
        (CAPTURE_16S_CELLS[0][:-1], "13 bytes"),
        (CAPTURE_16S_CELLS[0] + b"\x00", "13 bytes"),
        (b"\xa6" + CAPTURE_16S_CELLS[0][1:], "header"),
        (CAPTURE_16S_CELLS[0][:3] + b"\x07" + CAPTURE_16S_CELLS[0][4:], "header"),
    ],
)
def test_malformed_frames_are_refused(raw: bytes, message: str) -> None:
    with pytest.raises(DalyFrameError, match=message):
        parse_a5_frame(raw)


def test_encoder_refuses_what_does_not_fit() -> None:
    with pytest.raises(ValueError, match="at most 8"):
        encode_a5(0x80, 0x90, bytes(9))
    with pytest.raises(ValueError, match="not a byte"):
        encode_a5(0x100, 0x90)


def test_host_addresses_bluetooth_first_then_rs485() -> None:
    assert HOST_ADDRESSES == (0x80, 0x40)


def test_a_captured_bluetooth_exchange() -> None:
    # Over Bluetooth the request carries host address 0x80; replies come from 0x01, here
    # one frame per notification.
    assert encode_a5(0x80, 0x95) == CAPTURE_BLUETOOTH_REQUEST
    assembler = A5FrameAssembler()
    got = frames_of(assembler, *CAPTURE_BLUETOOTH_REPLIES)
    assert got == CAPTURE_BLUETOOTH_REPLIES
    cells = [int.from_bytes(raw[i : i + 2]) for raw in got for i in (5, 7, 9)]
    assert cells[:4] == [3336, 3344, 3339, 3339]


def frames_of(assembler: A5FrameAssembler, *chunks: bytes) -> list[bytes]:
    return [frame.raw for chunk in chunks for frame in assembler.feed(chunk)]


def test_two_frames_in_one_notification() -> None:
    both = CAPTURE_16S_CELLS[0] + CAPTURE_16S_CELLS[1]
    assert frames_of(A5FrameAssembler(), both) == CAPTURE_16S_CELLS[:2]


def test_frame_split_over_notifications() -> None:
    assembler = A5FrameAssembler()
    frame = CAPTURE_16S_CELLS[2]
    assert frames_of(assembler, frame[:1]) == []
    assert len(assembler) == 1
    assert frames_of(assembler, frame[1:7]) == []
    assert frames_of(assembler, frame[7:]) == [frame]
    assert len(assembler) == 0


def test_frame_cut_short_with_the_next_following_at_once() -> None:
    # Resync on the next A5 01: frame 5 is lost, every other frame arrives intact.
    frames = A5FrameAssembler().feed(CAPTURE_CUT_SHORT)
    assert [(frame.command, frame.data[0]) for frame in frames] == [
        (0x95, 1),
        (0x95, 2),
        (0x95, 3),
        (0x95, 4),
        (0x95, 6),
        (0x90, 2),
    ]


def test_cut_short_frame_whose_checksum_passes_by_chance_is_not_taken() -> None:
    # Frame 5 cut after its seventh byte; the six bytes of frame 6 that complete it make
    # its checksum come out right by accident. The complete frame inside it wins.
    following = cell_frame(6, [3200, 3201, 3202])
    for cut in range(5, 12):
        head = cell_frame(5, [3300, 3301, 3302])[:cut]
        candidate = head + following[: 13 - cut]
        if sum(candidate[:12]) % 256 == candidate[12]:
            break
    else:  # pragma: no cover - the search above is deterministic
        head = forge_cut_frame(following)
    frames = A5FrameAssembler().feed(head + following)
    assert [frame.raw for frame in frames] == [following]


def forge_cut_frame(following: bytes) -> bytes:
    """A frame head that, completed by ``following``, has a valid checksum."""
    for value in range(256):
        head = bytes([0xA5, 0x01, 0x95, 0x08, 0x05, 0x0D, value])
        candidate = head + following[:6]
        if sum(candidate[:12]) % 256 == candidate[12]:
            return head
    raise AssertionError("no head found")


def test_two_hundred_plus_eight_with_a_garbled_tail() -> None:
    # A 16-frame 0x95 reply as a module delivers it: 200 bytes whose last 40 are garbage,
    # then the remaining 8. Every frame before the garbage arrives; none after it.
    frames = [cell_frame(number, [3300 + number, 3301, 3302], 0xD3) for number in range(1, 17)]
    stream = b"".join(frames)
    rng = random.Random(5)
    for _ in range(50):
        garbled = bytearray(stream[:200])
        garbled[160:200] = bytes(rng.randrange(256) for _ in range(40))
        if b"\xa5\x01" in garbled[150:]:
            continue
        got = frames_of(A5FrameAssembler(), bytes(garbled), stream[200:])
        # Frames 1-12 end before byte 160; frame 13 and the rest are cut or garbled.
        assert got == frames[:12]


def test_module_text_and_request_echoes_are_skipped() -> None:
    request = a5(0x80, 0x90)
    answer = reply(0x90, [0x02, 0x1C, 0, 0, 0x75, 0x30, 0x01, 0xF4])
    chunk = b"AT+OK\r\n" + request + b"HLK-B40\r\n" + answer
    assert frames_of(A5FrameAssembler(), chunk) == [answer]


def test_a_trailing_start_byte_is_kept_for_the_next_chunk() -> None:
    assembler = A5FrameAssembler()
    frame = CAPTURE_16S_CELLS[0]
    assert frames_of(assembler, b"\x00\x00" + frame[:1]) == []
    assert len(assembler) == 1
    assert frames_of(assembler, frame[1:]) == [frame]


def test_reset_forgets_a_partial_frame() -> None:
    assembler = A5FrameAssembler()
    assembler.feed(CAPTURE_16S_CELLS[0][:8])
    assembler.reset()
    assert len(assembler) == 0
    assert frames_of(assembler, CAPTURE_16S_CELLS[0][8:]) == []


@given(st.lists(st.binary(max_size=40), max_size=30))
def test_any_bytes_yield_only_valid_frames_and_a_bounded_buffer(chunks: list[bytes]) -> None:
    assembler = A5FrameAssembler()
    for chunk in chunks:
        for frame in assembler.feed(chunk):
            assert frame.address == 0x01
            assert parse_a5_frame(frame.raw) == frame
        assert len(assembler) < 13


@given(st.data())
def test_any_chunking_of_a_reply_stream_gives_every_frame(data: st.DataObject) -> None:
    frames = [cell_frame(number, [3000 + number, 3100, 3200]) for number in range(1, 17)]
    stream = b"".join(frames)
    cuts = sorted(data.draw(st.lists(st.integers(0, len(stream)), max_size=20)))
    chunks = [stream[a:b] for a, b in zip([0, *cuts], [*cuts, len(stream)], strict=True)]
    assert frames_of(A5FrameAssembler(), *chunks) == frames


def test_candidate_with_several_inner_starts() -> None:
    # Inside a valid frame sit two A5 01 pairs; neither starts a valid frame, so the
    # frame itself is taken.
    frame = reply(0x93, [0, 1, 1, 0xA5, 0x01, 0xA5, 0x01, 0x00])
    got = frames_of(A5FrameAssembler(), frame + CAPTURE_16S_CELLS[0])
    assert got == [frame, CAPTURE_16S_CELLS[0]]
