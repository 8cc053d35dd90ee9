"""Fuzzing the reassembler and every decoder with random and mutated frames.

Whatever arrives, the protocol raises only its own errors, accepts no frame whose CRC is
wrong and decodes no value outside its plausibility table. The normal test run tries a
slice; `DALY_FUZZ_EXAMPLES=1000000` tries that many cases per test:

    DALY_FUZZ_EXAMPLES=1000000 nice -n 10 .venv/bin/python -m pytest tests/protocol/test_fuzz.py
"""

from __future__ import annotations

import contextlib
import os
from typing import Final

from hypothesis import HealthCheck, given, settings, strategies as st

from custom_components.daly_bms.protocol import (
    BOUNDS,
    DalyError,
    DalyStatus,
    FrameAssembler,
    UnitLimits,
    decode_device_info,
    decode_settings,
    decode_status,
)

from .examples import (
    COMMANDS,
    EXAMPLE_A,
    EXAMPLE_C,
    EXAMPLE_D,
    EXAMPLE_P_BLOCK1,
    EXAMPLE_P_BLOCK2,
    d2_registers,
    read_reply,
    reference_crc,
    with_crc,
)

EXAMPLES: Final = int(os.environ.get("DALY_FUZZ_EXAMPLES", "300"))
FUZZ: Final = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

REPLY_ADDRESSES: Final = (0xD2, 0x51)
WRITE_REPLY_LENGTH: Final = 8


def assert_plausible(status: DalyStatus, limits: UnitLimits | None = None) -> None:
    """Every value of `status` lies within the protocol's plausibility table."""
    for field, bound in BOUNDS.items():
        if field == "cell_voltage":
            values: tuple[float | None, ...] = status.cell_voltages
        elif field == "temperature":
            values = status.temperatures
        else:
            values = (getattr(status, field),)
        for value in values:
            assert value is None or bound.allows(value), (field, value)
    if limits is not None:
        remaining = status.remaining_capacity
        assert remaining is None or remaining <= limits.max_remaining_capacity()
        if limits.cell_count is not None and limits.cell_count <= len(status.cell_voltages):
            assert status.cell_count == limits.cell_count


# -- frames ---------------------------------------------------------------------------------

u16 = st.integers(0, 0xFFFF)
# Register values that real units send, sentinels and the edges of each encoding.
likely_u16 = st.sampled_from([0, 1, 0xFF, 0x00FF, 0x7530, 0x7FFF, 0x8000, 0xFFFE, 0xFFFF]) | u16


def _d2_status(registers: list[int], count: int) -> bytes:
    return read_reply(0xD2, registers[:count])


d2_status_frames = st.builds(
    _d2_status, st.lists(likely_u16, min_size=80, max_size=80), st.sampled_from([62, 80])
)
# Register files that look like a unit's, with a few registers replaced.
near_d2_status_frames = st.builds(
    lambda count, changes: read_reply(0xD2, d2_registers(count, dict(changes))),
    st.sampled_from([62, 80]),
    st.lists(st.tuples(st.integers(0, 61), likely_u16), max_size=6),
)
p81_block1_frames = st.builds(
    lambda regs: read_reply(0x51, regs), st.lists(likely_u16, min_size=64, max_size=64)
)
p81_block2_frames = st.builds(
    lambda regs: read_reply(0x51, regs), st.lists(likely_u16, min_size=62, max_size=62)
)
any_read_replies = st.builds(
    read_reply, st.sampled_from(REPLY_ADDRESSES), st.lists(u16, min_size=0, max_size=127)
)
write_replies = st.builds(
    lambda address, function, body: with_crc(bytes([address, function]) + body),
    st.sampled_from(REPLY_ADDRESSES),
    st.sampled_from([0x06, 0x10]),
    st.binary(min_size=4, max_size=4),
)
captured = st.sampled_from(
    [EXAMPLE_A, EXAMPLE_C, EXAMPLE_D, EXAMPLE_P_BLOCK1, EXAMPLE_P_BLOCK2, *COMMANDS.values()]
)
valid_frames = st.one_of(
    captured,
    d2_status_frames,
    near_d2_status_frames,
    p81_block1_frames,
    p81_block2_frames,
    any_read_replies,
    write_replies,
)


@st.composite
def mutated(draw: st.DrawFn, frames: st.SearchStrategy[bytes] = valid_frames) -> bytes:
    """A valid frame with damage of the kinds seen on real links."""
    frame = bytearray(draw(frames))
    kind = draw(st.sampled_from(["flip", "bits", "cut", "insert", "delete", "length"]))
    if kind == "flip" and frame:
        index = draw(st.integers(0, len(frame) - 1))
        frame[index] ^= draw(st.integers(1, 255))
    elif kind == "bits":
        for _ in range(draw(st.integers(1, 8))):
            if frame:
                index = draw(st.integers(0, len(frame) - 1))
                frame[index] ^= 1 << draw(st.integers(0, 7))
    elif kind == "cut":
        frame = frame[: draw(st.integers(0, len(frame)))]
    elif kind == "insert":
        index = draw(st.integers(0, len(frame)))
        frame[index:index] = draw(st.binary(min_size=1, max_size=4))
    elif kind == "delete" and frame:
        index = draw(st.integers(0, len(frame) - 1))
        del frame[index]
    elif len(frame) > 2:
        # A corrupted length byte, as one real capture showed (0x18 for a 0x38 frame).
        frame[2] = draw(st.integers(0, 255))
    return bytes(frame)


any_input = st.one_of(st.binary(max_size=300), valid_frames, mutated())
# ASCII text from the radio module without the two bytes a reply starts with.
module_text = st.binary(max_size=40).map(
    lambda raw: bytes(byte & 0x7F for byte in raw).replace(b"Q", b"q")
)


def _crc_was_valid(*frames: bytes | None) -> None:
    # Only frames whose CRC is right can have been decoded.
    for frame in frames:
        assert frame is None or reference_crc(frame) == 0, frame.hex(" ")


# -- the reassembler --------------------------------------------------------------------------


def _check_frames(frames: list[object]) -> None:
    for frame in frames:
        raw: bytes = frame.raw  # type: ignore[attr-defined]
        assert reference_crc(raw) == 0, raw.hex(" ")
        assert raw[0] in REPLY_ADDRESSES
        expected = raw[2] + 5 if raw[1] == 0x03 else WRITE_REPLY_LENGTH
        assert len(raw) == expected


@FUZZ
@given(
    st.lists(st.one_of(valid_frames, mutated(), module_text, st.binary(max_size=60)), max_size=8),
    st.data(),
)
def test_reassembler_accepts_only_frames_with_a_valid_crc(
    pieces: list[bytes], data: st.DataObject
) -> None:
    stream = b"".join(pieces)
    assembler = FrameAssembler()
    frames = []
    position = 0
    while position < len(stream):
        size = data.draw(st.integers(1, 200))
        frames.extend(assembler.feed(stream[position : position + size]))
        position += size
    _check_frames(frames)
    # Between calls it never keeps more than one incomplete frame.
    assert len(assembler) <= 3 + 2 * 127 + 2


@FUZZ
@given(st.lists(st.one_of(valid_frames, module_text), max_size=8))
def test_reassembler_finds_every_frame_between_module_text(pieces: list[bytes]) -> None:
    frames = FrameAssembler().feed(b"".join(pieces))
    _check_frames(frames)
    expected = [piece for piece in pieces if piece and piece[0] in REPLY_ADDRESSES]
    assert [frame.raw for frame in frames] == expected


# -- the decoders -----------------------------------------------------------------------------


@FUZZ
@given(any_input, st.none() | any_input)
def test_status_decoder(first: bytes, second: bytes | None) -> None:
    with contextlib.suppress(DalyError):
        status = decode_status(first, second)
        _crc_was_valid(first, second)
        assert_plausible(status)


@FUZZ
@given(st.one_of(d2_status_frames, near_d2_status_frames, mutated(d2_status_frames)))
def test_d2_status_decoder(frame: bytes) -> None:
    with contextlib.suppress(DalyError):
        status = decode_status(frame)
        _crc_was_valid(frame)
        assert_plausible(status)
        assert status.cell_count is None or 1 <= status.cell_count <= 32


@FUZZ
@given(
    st.one_of(p81_block1_frames, mutated(p81_block1_frames)),
    st.one_of(p81_block2_frames, mutated(p81_block2_frames)),
)
def test_p81_status_decoder(block1: bytes, block2: bytes) -> None:
    with contextlib.suppress(DalyError):
        status = decode_status(block1, block2)
        _crc_was_valid(block1, block2)
        assert_plausible(status)
        assert status.cell_count is None or 1 <= status.cell_count <= 48


@FUZZ
@given(
    st.one_of(d2_status_frames, near_d2_status_frames),
    st.none() | st.floats(0.0, 6000.0),
    st.none() | st.integers(1, 60),
)
def test_status_decoder_against_the_unit_settings(
    frame: bytes, rated: float | None, cells: int | None
) -> None:
    limits = UnitLimits(rated_capacity=rated, cell_count=cells)
    status = decode_status(frame, limits=limits)
    assert_plausible(status, limits)


@FUZZ
@given(any_input)
def test_settings_and_version_decoders(frame: bytes) -> None:
    for decode in (decode_settings, decode_device_info):
        with contextlib.suppress(DalyError):
            decode(frame)
            _crc_was_valid(frame)
