"""Decoders on arbitrary input: only the protocol's own errors, never a crash."""

from __future__ import annotations

import contextlib
import json

from hypothesis import given, settings, strategies as st

from custom_components.daly_bms.protocol import (
    DalyError,
    decode_device_info,
    decode_settings,
    decode_status,
)

from .examples import read_reply, with_crc
from .test_fuzz import assert_plausible


@settings(max_examples=500, deadline=None)
@given(st.binary(max_size=300), st.none() | st.binary(max_size=300))
def test_random_bytes_only_raise_protocol_errors(first: bytes, second: bytes | None) -> None:
    _decode_everything(first, second)


def _decode_everything(first: bytes, second: bytes | None) -> None:
    for call in (
        lambda: decode_status(first, second),
        lambda: decode_settings(first),
        lambda: decode_device_info(first),
    ):
        with contextlib.suppress(DalyError):
            call()


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from([62, 80]),
    st.lists(st.integers(0, 0xFFFF), min_size=80, max_size=80),
)
def test_any_register_values_decode(count: int, registers: list[int]) -> None:
    status = decode_status(read_reply(0xD2, registers[:count]))
    assert status.cell_count is None or 1 <= status.cell_count <= 32
    assert len(status.cell_voltages) == (status.cell_count or 0)
    assert len(status.temperatures) <= 8
    assert_plausible(status)
    assert json.dumps(status.as_dict())


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.integers(0, 5000), min_size=32, max_size=32),
    st.lists(st.integers(0, 0xFFFF), min_size=48, max_size=48),
)
def test_impossible_scalars_become_none(cells: list[int], rest: list[int]) -> None:
    registers = cells + rest
    registers[0x31] = 16  # cell count
    registers[0x32] = 4  # temperature probes
    registers[0x20:0x24] = [60, 61, 62, 63]
    status = decode_status(read_reply(0xD2, registers))
    assert_plausible(status)
    soc = registers[0x2A] / 10
    assert status.soc == (soc if soc <= 100 else None)


# Frames that pass the CRC and mostly look like replies, so decoding gets past the checks.
plausible_frames = st.builds(
    lambda address, function, data, lie: with_crc(
        bytes([address, function, (len(data) + lie) % 256]) + data
    ),
    st.sampled_from([0xD2, 0x51, 0x81]),
    st.sampled_from([0x03, 0x06, 0x10]),
    st.sampled_from([82, 124, 128, 148, 160, 64]).flatmap(
        lambda size: st.binary(min_size=size, max_size=size)
    )
    | st.binary(max_size=260),
    st.sampled_from([0, 0, 0, 1, -2]),
)


@settings(max_examples=500, deadline=None)
@given(plausible_frames, st.none() | plausible_frames)
def test_random_frames_with_valid_crc_only_raise_protocol_errors(
    first: bytes, second: bytes | None
) -> None:
    _decode_everything(first, second)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.integers(0, 0xFFFF), min_size=64, max_size=64),
    st.lists(st.integers(0, 0xFFFF), min_size=62, max_size=62),
)
def test_any_p81_register_values_decode(block1: list[int], block2: list[int]) -> None:
    status = decode_status(read_reply(0x51, block1), read_reply(0x51, block2))
    assert_plausible(status)
    assert status.cell_count is None or 1 <= status.cell_count <= 48
    assert set(status.alarms) <= {f"p81_alarm_bit_{bit}" for bit in range(32)}
