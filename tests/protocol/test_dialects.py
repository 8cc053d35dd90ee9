"""The dialect registry and what each dialect says it can do."""

from __future__ import annotations

import pytest

from custom_components.daly_bms.protocol import (
    D2,
    DIALECTS,
    P81,
    DalyFrameError,
    DalyNotSupportedError,
    Dialect,
    Frame,
    MosBank,
    capabilities_of,
    decode_device_info,
    decode_settings,
    decode_status,
    dialect_spec,
)

from .examples import EXAMPLE_A, EXAMPLE_P_BLOCK1, EXAMPLE_P_BLOCK2, read_reply


def test_every_dialect_is_registered_once_in_the_order_units_are_asked() -> None:
    assert [spec.dialect for spec in DIALECTS] == [Dialect.D2, Dialect.P81, Dialect.A5]
    assert {spec.dialect for spec in DIALECTS} == set(Dialect)
    for spec in DIALECTS:
        assert dialect_spec(spec.dialect) is spec
        assert capabilities_of(spec.dialect) is spec.capabilities
        assert spec.capabilities.dialect is spec.dialect


def test_d2_switches_and_confirms_both_banks_and_carries_the_extended_block() -> None:
    capabilities = D2.capabilities
    assert all(capabilities.can_switch(bank) for bank in MosBank)
    assert capabilities.balancer_switch
    for field in ("mos_temperature", "balance_current", "balancing_cells", "balancing"):
        assert capabilities.carries(field)
    assert "rated_capacity" in capabilities.settings
    assert capabilities.writable_settings == {
        "rated_capacity",
        "sleep_time",
        "soc_setting",
        "balancer",
    }
    assert [setting.key for setting in capabilities.numbers()] == [
        "rated_capacity",
        "sleep_time",
        "soc_setting",
    ]


def test_p81_switches_its_mos_sets_what_its_map_has_and_leaves_the_rest_out() -> None:
    capabilities = P81.capabilities
    assert all(capabilities.can_switch(bank) for bank in MosBank)
    assert not capabilities.balancer_switch
    assert capabilities.writable_settings == {"rated_capacity", "sleep_time", "soc_setting"}
    # Only what the p81 map carries is a setting of this dialect.
    assert capabilities.settings == {
        "rated_capacity",
        "sleep_time",
        "soc_setting",
        "charge_mos",
        "discharge_mos",
        "cells_per_board",
        "temperature_sensors_per_board",
    }
    for field in ("balancing", "balance_current", "balancing_cells"):
        assert not capabilities.carries(field)
    for field in ("cell_voltages", "mos_temperature", "cycles", "power", "stored_energy"):
        assert capabilities.carries(field)
    # Asking for a write the dialect lacks fails before anything could be sent.
    balancer = D2.capabilities.setting("balancer")
    assert balancer is not None
    assert capabilities.setting("balancer") is None
    with pytest.raises(DalyNotSupportedError, match="p81"):
        P81.setting_command(balancer, 1)


def test_a_reading_says_what_its_dialect_can_do() -> None:
    status = decode_status(EXAMPLE_A)
    assert status.capabilities is D2.capabilities
    assert status.dialect is Dialect.D2
    assert status.mos(MosBank.CHARGE) is status.charge_mos is True
    p81 = decode_status(EXAMPLE_P_BLOCK1, EXAMPLE_P_BLOCK2)
    assert p81.capabilities is P81.capabilities
    # Every field a dialect fills is one it says it carries.
    for reading in (status, p81):
        for field in ("cell_count", "voltage", "current", "soc", "cycles", "charge_mos"):
            assert reading.capabilities.carries(field)


@pytest.mark.parametrize(
    ("frame", "message"),
    [
        (b"", "too short"),
        (bytes.fromhex("81 03 00 00 00 40 5b fa"), "unexpected address 0x81"),
        (Frame(0x01, 0x03, read_reply(0x01, [1])), "address 0x01"),
    ],
)
def test_frames_of_no_dialect(frame: bytes | Frame, message: str) -> None:
    for decode in (decode_status, decode_settings, decode_device_info):
        with pytest.raises(DalyFrameError, match=message):
            decode(frame)
