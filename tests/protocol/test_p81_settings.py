"""The p81 settings block decoded by its own map: what real units carry, and nothing else."""

from __future__ import annotations

import json

import pytest

from custom_components.daly_bms.protocol import DalySettings, decode_settings, encode_read
from custom_components.daly_bms.protocol.__main__ import main

from .examples import EXAMPLE_D, read_reply

P81_FIELDS = {
    "rated_capacity",
    "sleep_time",
    "soc_setting",
    "charge_mos",
    "discharge_mos",
    "cells_per_board",
    "temperature_sensors_per_board",
}


def p81_block(values: dict[int, int]) -> bytes:
    """A p81 settings reply (81 registers from 0x100); unnamed registers hold limit-like values."""
    # What sits past the mapped registers is not known; D2-looking values there must not
    # be taken for D2 settings.
    registers = [3650 if 0x100 + i >= 0x130 else 0 for i in range(81)]
    for register, value in values.items():
        registers[register - 0x100] = value
    return read_reply(0x51, registers)


# The two real units of the notes: a 4S 100balance unit and a 16S ESS unit.
HUNDRED_BALANCE_4S = {
    0x100: 1,
    0x101: 4,
    0x106: 2,
    0x109: 180_000 >> 16,
    0x10A: 180_000 & 0xFFFF,
    0x115: 360,
    0x116: 864,
    0x121: 1,
    0x122: 1,
    0x123: 0x1A06,
    0x124: 0x0214,
    0x125: 0x0221,
    0x126: 0x3132,
    0x127: 0x3334,
    0x128: 0x3536,
}
ESS_16S = {
    **HUNDRED_BALANCE_4S,
    0x101: 16,
    0x106: 4,
    0x109: 314_000 >> 16,
    0x10A: 314_000 & 0xFFFF,
    0x115: 0xFFFF,
}


def test_real_4s_unit() -> None:
    settings = decode_settings(p81_block(HUNDRED_BALANCE_4S))
    assert settings.rated_capacity == 180.0
    assert settings.sleep_time == 3600
    assert settings.soc_setting == 86.4
    assert (settings.charge_mos, settings.discharge_mos) == (True, True)
    assert settings.cells_per_board == (4,)
    assert settings.temperature_sensors_per_board == (2,)
    assert settings.cell_count == 4


def test_real_16s_unit_that_never_sleeps() -> None:
    settings = decode_settings(p81_block(ESS_16S))
    assert settings.rated_capacity == 314.0
    assert settings.sleep_time == 65535
    assert settings.cell_count == 16


def test_only_what_the_map_carries_is_published() -> None:
    settings = decode_settings(p81_block(HUNDRED_BALANCE_4S)).as_dict()
    assert {key for key, value in settings.items() if value is not None} == P81_FIELDS
    assert set(settings) == set(DalySettings.__dataclass_fields__)


@pytest.mark.parametrize(
    ("values", "field", "expected"),
    [
        ({0x109: 0xFFFF, 0x10A: 0xFFFF}, "rated_capacity", None),
        ({0x109: 1, 0x10A: 0x86A0}, "rated_capacity", 100.0),
        # 0.1 Ah, 0 Ah or 268435.455 Ah are unset or garbled registers, not capacities.
        ({0x109: 0, 0x10A: 100}, "rated_capacity", None),
        ({0x109: 0, 0x10A: 0}, "rated_capacity", None),
        ({0x109: 0x0FFF, 0x10A: 0xFFFF}, "rated_capacity", None),
        ({0x109: 0, 0x10A: 1000}, "rated_capacity", 1.0),
        ({0x109: 5_000_000 >> 16, 0x10A: 5_000_000 & 0xFFFF}, "rated_capacity", 5000.0),
        ({0x109: 5_000_001 >> 16, 0x10A: 5_000_001 & 0xFFFF}, "rated_capacity", None),
        ({0x116: 1000}, "soc_setting", 100.0),
        ({0x115: 6}, "sleep_time", 60),
        ({0x115: 0}, "sleep_time", 0),
        ({0x116: 1001}, "soc_setting", None),
        ({0x116: 0xFFFF}, "soc_setting", None),
        ({0x121: 0}, "charge_mos", False),
        ({0x121: 2}, "charge_mos", None),
        ({0x122: 0xFFFF}, "discharge_mos", None),
    ],
)
def test_register_values(values: dict[int, int], field: str, expected: object) -> None:
    settings = decode_settings(p81_block({**HUNDRED_BALANCE_4S, **values}))
    assert getattr(settings, field) == expected


def test_cli_decodes_a_p81_block_with_the_d2_keys(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["decode-settings", p81_block(ESS_16S).hex(" ")]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert main(["decode-settings", EXAMPLE_D.hex()]) == 0
    printed_d2 = json.loads(capsys.readouterr().out)
    assert set(printed) == set(printed_d2)
    assert printed["rated_capacity"] == 314.0
    assert printed["sleep_time"] == 65535
    assert printed_d2["sleep_time"] == 7200
    assert printed["cell_overvoltage_alarm"] is None
    assert printed["battery_type"] is None
    assert printed["cells_per_board"] == [16]


def test_p81_settings_request() -> None:
    # The phone app's read: 81 registers from 0x100.
    assert encode_read(0x81, 0x100, 81)[:6] == bytes.fromhex("81 03 01 00 00 51")
