"""Version strings in the layouts real units use: offsets, reversed software, dates."""

from __future__ import annotations

from datetime import date
import json

import pytest

from custom_components.daly_bms.protocol import __main__ as cli
from custom_components.daly_bms.protocol.versions import (
    VersionStrings,
    decode_d2,
    decode_p81,
    production_date,
    software,
    text,
)

from .examples import EXAMPLE_A, EXAMPLE_D, read_reply


def d2_payload(*fields: tuple[int, bytes]) -> bytes:
    raw = bytearray(64)
    for offset, data in fields:
        raw[offset : offset + len(data)] = data
    return bytes(raw)


def p81_payload(*fields: tuple[int, bytes]) -> bytes:
    raw = bytearray(148)
    for offset, data in fields:
        raw[offset : offset + len(data)] = data
    return bytes(raw)


@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        # The notes' example: version 11, built 2024-01-23, stored back to front.
        (b"T00K_321042_11", "11_240123_K00T"),
        (b"11_240123_K00T", "11_240123_K00T"),
        (b"T00K_021062_21", "12_260120_K00T"),
        # Strings of other shapes are left as they are.
        (b"DLY-K00T-2.4.1", "DLY-K00T-2.4.1"),
        (b"401012", "401012"),
        (b"ESS41_0323", "ESS41_0323"),
        (b"V2.3.1", "V2.3.1"),
        # Reversed it would read 11_249923_K00T: no such build date, so it is not turned.
        (b"T00K_329942_11", "T00K_329942_11"),
        # A version and date both ways round, with no code: nothing says which way is right.
        (b"11_240123_12", "11_240123_12"),
    ],
)
def test_software_is_shown_the_right_way_round(stored: bytes, shown: str) -> None:
    assert software(stored + b"\0\0") == shown


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b"BMS\0\0\0", "BMS"),
        (b"\0BMS", None),
        (bytes(16), None),
        (b"  ", None),
        (b"BMS\xff", None),  # not ASCII: a garbled field
        (b"B\x01MS", None),  # a control character
        (b"R24TH1A \0", "R24TH1A"),
    ],
)
def test_text_fields(raw: bytes, expected: str | None) -> None:
    assert text(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b"20240229", date(2024, 2, 29)),
        (b"20230229", None),  # no 29 February in 2023
        (b"2024022", None),
        (b"2024-2-9", None),
        (bytes(8), None),
        (b"\xff" * 8, None),
    ],
)
def test_production_dates(raw: bytes, expected: date | None) -> None:
    assert production_date(raw) == expected


def test_d2_newer_layout_with_a_production_date() -> None:
    payload = d2_payload((0, b"T00K_321042_11"), (16, b"H2.0_103R_309F9F"), (32, b"20240229"))
    assert decode_d2(payload) == VersionStrings(
        software="11_240123_K00T",
        hardware="H2.0_103R_309F9F",
        production_date=date(2024, 2, 29),
    )


@pytest.mark.parametrize(
    ("software_raw", "hardware_raw"), [(b"401012", b"BMS"), (b"204012", b"SH39F003")]
)
def test_d2_older_layout_keeps_hardware_at_byte_32(
    software_raw: bytes, hardware_raw: bytes
) -> None:
    payload = d2_payload((0, software_raw), (32, hardware_raw))
    assert decode_d2(payload) == VersionStrings(
        software=software_raw.decode(), hardware=hardware_raw.decode()
    )


def test_d2_newer_layout_without_a_date_reads_none_there() -> None:
    payload = d2_payload((0, b"20220315-1.0.2"), (16, b"DL-R24TH1A"))
    info = decode_d2(payload)
    assert (info.software, info.hardware, info.production_date) == (
        "20220315-1.0.2",
        "DL-R24TH1A",
        None,
    )


def test_d2_empty_block() -> None:
    assert decode_d2(bytes(64)) == VersionStrings(software=None, hardware=None)


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        (
            (
                (0, b"12_260120_K00T"),
                (14, b"H2.1_103E_30XF"),
                (28, b"DL_HKMS_3.2.E"),
                (42, b"221LD091400444"),
                (70, b"20221104"),
            ),
            VersionStrings(
                software="12_260120_K00T",
                hardware="H2.1_103E_30XF",
                firmware_family="DL_HKMS_3.2.E",
                serial_number="221LD091400444",
                production_date=date(2022, 11, 4),
            ),
        ),
        (
            ((0, b"ESS41_0323"), (14, b"ESS-DL-BMS"), (28, b"ESS41_0323")),
            VersionStrings(
                software="ESS41_0323", hardware="ESS-DL-BMS", firmware_family="ESS41_0323"
            ),
        ),
        (
            ((0, b"T00K_021062_21"),),
            VersionStrings(software="12_260120_K00T", hardware=None),
        ),
    ],
)
def test_p81_fields(fields: tuple[tuple[int, bytes], ...], expected: VersionStrings) -> None:
    assert decode_p81(p81_payload(*fields)) == expected


# -- the command line --------------------------------------------------------------------


def reply(address: int, payload: bytes) -> bytes:
    registers = [int.from_bytes(payload[i : i + 2], "big") for i in range(0, len(payload), 2)]
    return read_reply(address, registers)


@pytest.mark.parametrize(
    ("frame", "expected"),
    [
        (
            reply(
                0xD2,
                d2_payload((0, b"T00K_321042_11"), (16, b"H2.0_103R_309F9F"), (32, b"20240229")),
            ),
            {
                "software_version": "11_240123_K00T",
                "hardware_version": "H2.0_103R_309F9F",
                "serial_number": None,
                "production_date": "2024-02-29",
            },
        ),
        (
            reply(0xD2, d2_payload((0, b"204012"), (32, b"SH39F003"))),
            {
                "software_version": "204012",
                "hardware_version": "SH39F003",
                "serial_number": None,
                "production_date": None,
            },
        ),
        (
            reply(
                0x51,
                p81_payload(
                    (0, b"12_260120_K00T"),
                    (14, b"ESS-DL-BMS"),
                    (28, b"ESS41_0323"),
                    (42, b"221LD091400444"),
                    (70, b"20221104"),
                ),
            ),
            {
                "software_version": "12_260120_K00T",
                "hardware_version": "ESS-DL-BMS",
                "serial_number": "221LD091400444",
                "production_date": "2022-11-04",
            },
        ),
    ],
)
def test_cli_decode_info(
    capsys: pytest.CaptureFixture[str], frame: bytes, expected: dict[str, str | None]
) -> None:
    assert cli.main(["decode-info", frame.hex(" ")]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    assert out.count("\n") == 1
    assert json.loads(out) == expected
    assert list(json.loads(out)) == list(expected)


@pytest.mark.parametrize("frame", [EXAMPLE_A, EXAMPLE_D, EXAMPLE_A[:-1] + b"\0"])
def test_cli_decode_info_refuses_other_frames(
    capsys: pytest.CaptureFixture[str], frame: bytes
) -> None:
    assert cli.main(["decode-info", frame.hex()]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith("error:")
