"""Version strings laid out the way real units of each dialect store them."""

from __future__ import annotations

import pytest

from simulator import HardwareOffset, ManualClock, SimulatedUnit, VersionStrings

from .wire import read_request, registers, text_at

D2_VERSIONS = read_request(0xA9, 32)
P81_VERSIONS = read_request(0x178, 74, address=0x81)


def make_unit(versions: VersionStrings, dialect: str = "d2") -> SimulatedUnit:
    return SimulatedUnit(
        name="DL-C0DA1B000051",
        address="C0:DA:1B:00:00:51",
        clock=ManualClock(),
        dialect=dialect,
        versions=versions,
    )


def block(unit: SimulatedUnit) -> list[int]:
    p81 = unit.dialect.value == "p81"
    reply = unit.handle_request(P81_VERSIONS if p81 else D2_VERSIONS)
    assert reply is not None
    return registers(reply, 0x51 if p81 else 0xD2)


def raw(regs: list[int]) -> bytes:
    return b"".join(value.to_bytes(2, "big") for value in regs)


def test_d2_newer_unit_runs_the_hardware_string_into_its_production_date() -> None:
    unit = make_unit(
        VersionStrings(
            software="11_240123_K00T", hardware="H2.0_103R_309F9F", production_date="20240229"
        )
    )
    data = raw(block(unit))
    assert len(data) == 64
    assert data[:16] == b"11_240123_K00T\0\0"
    # 16 characters fill the field: no NUL between the string and the date.
    assert data[16:40] == b"H2.0_103R_309F9F20240229"
    assert data[40:] == bytes(24)


def test_d2_older_unit_keeps_its_hardware_string_at_byte_32() -> None:
    unit = make_unit(
        VersionStrings(software="401012", hardware="BMS", hardware_offset=HardwareOffset.OLDER)
    )
    regs = block(unit)
    assert text_at(regs, 0, 16) == "401012"
    assert raw(regs)[16:32] == bytes(16)
    assert text_at(regs, 32, 16) == "BMS"


@pytest.mark.parametrize("dialect", ["d2", "p81"])
def test_software_string_stored_reversed(dialect: str) -> None:
    unit = make_unit(VersionStrings(software="11_240123_K00T", software_reversed=True), dialect)
    assert text_at(block(unit), 0, 14) == "T00K_321042_11"
    # What the unit means is still the string the right way round.
    assert unit.firmware.software_version == "11_240123_K00T"


def test_p81_fields_of_fourteen_bytes_and_the_production_date() -> None:
    versions = VersionStrings(
        software="12_260120_K00T",
        hardware="H2.1_103E_30XF",
        family="DL_HKMS_3.2.E",
        serial_number="221LD091400444",
        production_date="20221104",
    )
    regs = block(make_unit(versions, "p81"))
    data = raw(regs)
    assert len(data) == 148
    assert data[:56] == b"12_260120_K00TH2.1_103E_30XFDL_HKMS_3.2.E\x00221LD091400444"
    assert data[56:70] == bytes(14)
    assert data[70:78] == b"20221104"
    assert data[78:] == bytes(70)


def test_p81_short_fields_are_nul_padded() -> None:
    versions = VersionStrings(software="ESS41_0323", hardware="ESS-DL-BMS", family="ESS41_0323")
    regs = block(make_unit(versions, "p81"))
    assert [text_at(regs, offset, 14) for offset in (0, 14, 28, 42)] == [
        "ESS41_0323",
        "ESS-DL-BMS",
        "ESS41_0323",
        "",
    ]
    assert text_at(regs, 70, 8) == ""


@pytest.mark.parametrize(
    ("dialect", "versions"),
    [
        ("d2", VersionStrings(software="S" * 16, hardware="H" * 16)),
        ("p81", VersionStrings(software="S" * 14, hardware="H" * 14, serial_number="1" * 14)),
    ],
)
def test_strings_that_fill_their_fields_are_accepted(
    dialect: str, versions: VersionStrings
) -> None:
    assert block(make_unit(versions, dialect))


@pytest.mark.parametrize(
    ("dialect", "options"),
    [
        ("d2", {"software": "S" * 17}),
        ("d2", {"hardware": "H" * 17}),
        ("p81", {"software": "S" * 15}),
        ("p81", {"hardware": "H" * 15}),
        ("d2", {"serial_number": "1" * 15}),
        ("d2", {"family": "F" * 15}),
        ("d2", {"software": "Ä"}),
        ("d2", {"production_date": "2024-02-29"}),
        ("d2", {"production_date": "20240229", "hardware_offset": HardwareOffset.OLDER}),
    ],
)
def test_strings_no_real_unit_could_hold_are_refused(
    dialect: str, options: dict[str, object]
) -> None:
    with pytest.raises(ValueError, match=r"must|fit|older"):
        make_unit(VersionStrings(**options), dialect)  # type: ignore[arg-type]


def test_versions_and_plain_strings_do_not_mix() -> None:
    with pytest.raises(ValueError, match="either"):
        SimulatedUnit(
            name="DL-C0DA1B000051",
            address="C0:DA:1B:00:00:51",
            versions=VersionStrings(software="A"),
            software_version="B",
        )
