"""Fuzzing the reassembler and every decoder with random and mutated frames.

Whatever arrives, the protocol raises only its own errors, accepts no frame whose CRC is
wrong and decodes no value outside its plausibility table. The normal test run tries a
slice; `DALY_FUZZ_EXAMPLES` sets how many cases the whole module tries, shared among its
tests (each case is one frame or more):

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
    Frame,
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
    reference_crc,
)

FUZZ_TESTS: Final = 7
EXAMPLES: Final = max(1, int(os.environ.get("DALY_FUZZ_EXAMPLES", "2100")) // FUZZ_TESTS)
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


# -- an independent CRC, fast enough for a million frames -------------------------------------

# Each byte's effect, worked out by the bitwise reference: reference_crc starts from 0xFFFF,
# so feeding one byte b to a zero register is reference_crc(b) with the start undone.
_START: Final = reference_crc(b"")
_BYTE_EFFECT: Final = tuple(
    reference_crc(bytes([byte ^ 0xFF])) ^ (_START >> 8) for byte in range(256)
)


def crc(data: bytes) -> int:
    """CRC-16/MODBUS from the table of single-byte effects."""
    value = 0xFFFF
    for byte in data:
        value = (value >> 8) ^ _BYTE_EFFECT[(value ^ byte) & 0xFF]
    return value


def sealed(body: bytes) -> bytes:
    """Append the CRC, low byte first."""
    return body + crc(body).to_bytes(2, "little")


def read_reply(address: int, data: bytes) -> bytes:
    return sealed(bytes([address, 0x03, len(data)]) + data)


# -- frames ---------------------------------------------------------------------------------

# Register values real units send as sentinels, and the edges of each encoding.
_SPECIAL: Final = (0x0000, 0x0001, 0x00FF, 0x7530, 0x7FFF, 0x8000, 0xFFFE, 0xFFFF)


@st.composite
def registers(draw: st.DrawFn, count: int) -> bytes:
    """`count` random registers, a few of them set to a special value."""
    data = bytearray(draw(st.binary(min_size=2 * count, max_size=2 * count)))
    for index, special in draw(
        st.lists(st.tuples(st.integers(0, count - 1), st.sampled_from(_SPECIAL)), max_size=6)
    ):
        data[2 * index : 2 * index + 2] = special.to_bytes(2, "big")
    return bytes(data)


d2_status_frames = st.sampled_from([62, 80]).flatmap(
    lambda count: registers(count).map(lambda data: read_reply(0xD2, data))
)
# Register files that look like a unit's, with a few registers replaced.
near_d2_status_frames = st.builds(
    lambda count, changes: read_reply(
        0xD2,
        b"".join(value.to_bytes(2, "big") for value in d2_registers(count, dict(changes))),
    ),
    st.sampled_from([62, 80]),
    st.lists(st.tuples(st.integers(0, 61), st.integers(0, 0xFFFF)), max_size=6),
)
p81_block1_frames = registers(64).map(lambda data: read_reply(0x51, data))
p81_block2_frames = registers(62).map(lambda data: read_reply(0x51, data))
any_read_replies = st.builds(
    read_reply,
    st.sampled_from(REPLY_ADDRESSES),
    st.integers(0, 127).flatmap(lambda count: st.binary(min_size=2 * count, max_size=2 * count)),
)
write_replies = st.builds(
    lambda address, function, body: sealed(bytes([address, function]) + body),
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
    if kind == "flip":
        index = draw(st.integers(0, len(frame) - 1))
        frame[index] ^= draw(st.integers(1, 255))
    elif kind == "bits":
        for index, bit in draw(
            st.lists(st.tuples(st.integers(0, len(frame) - 1), st.integers(0, 7)), min_size=1)
        ):
            frame[index] ^= 1 << bit
    elif kind == "cut":
        frame = frame[: draw(st.integers(0, len(frame) - 1))]
    elif kind == "insert":
        index = draw(st.integers(0, len(frame)))
        frame[index:index] = draw(st.binary(min_size=1, max_size=4))
    elif kind == "delete":
        del frame[draw(st.integers(0, len(frame) - 1))]
    else:
        # A corrupted length byte, as one real capture showed (0x18 for a 0x38 frame).
        frame[2] = draw(st.integers(0, 255))
    return bytes(frame)


any_input = st.one_of(st.binary(max_size=300), valid_frames, mutated())
# ASCII text from the radio module, without the two bytes a reply starts with.
module_text = st.binary(max_size=40).map(
    lambda raw: bytes(byte & 0x7F for byte in raw).replace(b"Q", b"q")
)


def _crc_was_valid(*frames: bytes | None) -> None:
    # Only frames whose CRC is right can have been decoded.
    for frame in frames:
        assert frame is None or crc(frame) == 0, frame.hex(" ")


# -- the reassembler --------------------------------------------------------------------------


def _check_frames(frames: list[Frame]) -> None:
    for frame in frames:
        raw = frame.raw
        assert crc(raw) == 0, raw.hex(" ")
        assert raw[0] in REPLY_ADDRESSES
        assert len(raw) == (raw[2] + 5 if raw[1] == 0x03 else WRITE_REPLY_LENGTH)


@FUZZ
@given(
    st.lists(st.one_of(valid_frames, mutated(), module_text, st.binary(max_size=60)), max_size=8),
    st.lists(st.integers(1, 200), min_size=1, max_size=12),
)
def test_reassembler_accepts_only_frames_with_a_valid_crc(
    pieces: list[bytes], chunk_sizes: list[int]
) -> None:
    stream = b"".join(pieces)
    assembler = FrameAssembler()
    frames: list[Frame] = []
    position = 0
    for size in chunk_sizes:
        frames.extend(assembler.feed(stream[position : position + size]))
        position += size
        # Between calls it never keeps more than one incomplete frame.
        assert len(assembler) <= 3 + 2 * 127 + 2
    frames.extend(assembler.feed(stream[position:]))
    _check_frames(frames)


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
    assert_plausible(decode_status(frame, limits=limits), limits)


@FUZZ
@given(any_input)
def test_settings_and_version_decoders(frame: bytes) -> None:
    for decode in (decode_settings, decode_device_info):
        with contextlib.suppress(DalyError):
            decode(frame)
            _crc_was_valid(frame)


def test_the_fuzz_crc_is_the_reference() -> None:
    for data in (b"", b"123456789", EXAMPLE_A[:-2], bytes(range(256))):
        assert crc(data) == reference_crc(data)
    assert crc(EXAMPLE_A) == 0
