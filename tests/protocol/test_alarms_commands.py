"""Alarm names and severities, and the command/request encoders."""

from __future__ import annotations

import ast
from pathlib import Path
import re

import pytest

from custom_components.daly_bms.protocol import (
    ALARM_NAMES,
    D2,
    P81,
    AlarmSeverity,
    Dialect,
    MosBank,
    alarm_severity,
    d2,
    d2_status_request,
    device_info_request,
    most_severe,
    needs_attention,
    p81_status_requests,
    settings_request,
)
from custom_components.daly_bms.protocol.decode import alarm_names

from .examples import COMMANDS, REQUESTS, with_crc

D2_ALARM_BITS = tuple(alarm.name for alarm in D2.alarms)
P81_ALARM_BITS = tuple(alarm.name for alarm in P81.alarms)


def test_every_d2_bit_has_a_unique_snake_case_name() -> None:
    assert len(D2_ALARM_BITS) == 64
    # D2's 64, p81's 32, and the two bits A5 leaves reserved where D2 names states.
    assert len(set(ALARM_NAMES)) == len(ALARM_NAMES) == 98
    assert all(re.fullmatch(r"[a-z][a-z0-9_]*", name) for name in ALARM_NAMES)


@pytest.mark.parametrize(
    ("bit", "name"),
    [
        (0, "current_module_fault"),
        (2, "short_circuit_protection"),
        (5, "charging_cabinet_offline"),
        (6, "reserved_bit_6"),
        (15, "reserved_bit_15"),
        (16, "charge_mos_overtemperature"),
        (21, "discharge_mos_adhesion"),
        (23, "discharge_mos_open_circuit"),
        (24, "afe_chip_fault"),
        (31, "internal_communication_fault"),
        (32, "charge_overcurrent_warning"),
        (35, "discharge_overcurrent_alarm"),
        (36, "soc_high_warning"),
        (39, "soc_low_alarm"),
        (40, "cell_delta_warning"),
        (43, "temperature_difference_alarm"),
        (44, "reserved_bit_44"),
        (47, "reserved_bit_47"),
        (48, "cell_overvoltage_warning"),
        (49, "cell_overvoltage_alarm"),
        (51, "cell_undervoltage_alarm"),
        (52, "pack_overvoltage_warning"),
        (55, "pack_undervoltage_alarm"),
        (56, "charge_overtemperature_warning"),
        (59, "charge_undertemperature_alarm"),
        (60, "discharge_overtemperature_warning"),
        (63, "discharge_undertemperature_alarm"),
    ],
)
def test_d2_bit_positions(bit: int, name: str) -> None:
    assert D2_ALARM_BITS[bit] == name
    assert alarm_names(1 << bit, D2_ALARM_BITS) == (name,)


def test_alarm_names_of_nothing() -> None:
    assert alarm_names(0, D2_ALARM_BITS) == ()
    assert alarm_names(0b101, P81_ALARM_BITS) == ("p81_alarm_bit_0", "p81_alarm_bit_2")


@pytest.mark.parametrize("bank", list(MosBank))
@pytest.mark.parametrize("on", [True, False])
def test_mos_commands_match_notes(bank: MosBank, on: bool) -> None:
    assert D2.mos_command(bank, on) == COMMANDS[(bank.value, on)]


@pytest.mark.parametrize("on", [True, False])
def test_balancer_command_matches_notes(on: bool) -> None:
    balancer = D2.capabilities.setting("balancer")
    assert balancer is not None
    assert D2.setting_command(balancer, balancer.raw(on)) == COMMANDS[("balancer", on)]


@pytest.mark.parametrize(
    ("key", "value", "frame"),
    [
        # Settings writes as the notes give them: a write-single to the block's register.
        ("rated_capacity", 105.0, "d2 06 00 80 04 1a"),
        ("sleep_time", 7200, "d2 06 00 8a 1c 20"),
        ("sleep_time", 65535, "d2 06 00 8a ff ff"),
        ("soc_setting", 68.0, "d2 06 00 a7 02 a8"),
    ],
)
def test_d2_settings_writes(key: str, value: float, frame: str) -> None:
    setting = D2.capabilities.setting(key)
    assert setting is not None
    assert D2.setting_command(setting, setting.raw(value)) == with_crc(bytes.fromhex(frame))


@pytest.mark.parametrize(
    ("key", "value", "frame"),
    [
        # 180000 mAh, high word first, in one write of two registers.
        ("rated_capacity", 180.0, "81 10 01 09 00 02 00 02 bf 20"),
        ("sleep_time", 3600, "81 06 01 15 01 68"),
        ("sleep_time", 65535, "81 06 01 15 ff ff"),
        ("soc_setting", 100.0, "81 06 01 16 03 e8"),
    ],
)
def test_p81_settings_writes(key: str, value: float, frame: str) -> None:
    setting = P81.capabilities.setting(key)
    assert setting is not None
    assert P81.setting_command(setting, setting.raw(value)) == with_crc(bytes.fromhex(frame))


@pytest.mark.parametrize("bank", list(MosBank))
@pytest.mark.parametrize("on", [True, False])
def test_p81_mos_commands(bank: MosBank, on: bool) -> None:
    register = 0x21 if bank is MosBank.CHARGE else 0x22
    expected = with_crc(bytes((0x81, 0x06, 0x01, register, 0x00, int(on))))
    assert P81.mos_command(bank, on) == expected
    # The PC-tool capture of the notes.
    assert P81.mos_command(MosBank.CHARGE, True) == bytes.fromhex("81 06 01 21 00 01 06 3c")


def test_request_helpers_match_notes() -> None:
    assert d2_status_request() == REQUESTS["status_80"]
    assert d2_status_request(62) == REQUESTS["status_62"]
    assert d2.mos_temperature_request() == REQUESTS["extra_block"]
    assert settings_request(Dialect.D2) == REQUESTS["settings"]
    assert device_info_request(Dialect.D2) == REQUESTS["versions"]
    assert p81_status_requests() == (REQUESTS["p81_block1"], REQUESTS["p81_block2"])
    # p81 reads its own settings block, 81 registers from 0x100, and the versions at 0x178.
    assert settings_request(Dialect.P81) == with_crc(bytes.fromhex("81 03 01 00 00 51"))
    assert device_info_request(Dialect.P81) == with_crc(bytes.fromhex("81 03 01 78 00 4a"))


def test_status_request_sizes() -> None:
    with pytest.raises(ValueError, match="62 or 80"):
        d2_status_request(64)


def test_unconfirmed_commands() -> None:
    assert d2.unconfirmed_restart_command() == with_crc(bytes.fromhex("d2 06 00 f0 00 01"))
    assert d2.unconfirmed_shutdown_command() == with_crc(bytes.fromhex("d2 06 00 f1 00 01"))
    assert d2.unconfirmed_zero_current_command() == with_crc(bytes.fromhex("d2 06 00 f2 00 01"))
    assert d2.unconfirmed_factory_reset_command() == with_crc(bytes.fromhex("d2 06 00 f3 00 01"))


def test_unconfirmed_commands_are_not_reexported() -> None:
    import custom_components.daly_bms.protocol as package

    assert not [name for name in dir(package) if name.startswith("unconfirmed")]


def test_nothing_in_the_integration_calls_an_unconfirmed_command() -> None:
    # The risky writes (restart, shutdown, zero current, factory reset) may only be
    # reached by someone calling them on purpose: no module of the shipped integration, the
    # protocol package included, names them or their registers outside their own definitions.
    integration = Path(d2.__file__).parents[1]
    risky_registers = {
        "REGISTER_RESTART",
        "REGISTER_SHUTDOWN",
        "REGISTER_ZERO_CURRENT",
        "REGISTER_FACTORY_RESET",
    }
    trees = {
        path: ast.parse(path.read_text(encoding="utf-8"))
        for path in sorted(integration.rglob("*.py"))
    }
    unconfirmed = {
        node.name: node
        for node in trees[Path(d2.__file__)].body
        if isinstance(node, ast.FunctionDef) and node.name.startswith("unconfirmed_")
    }
    assert len(unconfirmed) == 4
    inside = {id(inner) for node in unconfirmed.values() for inner in ast.walk(node)}
    offenders = []
    for path, tree in trees.items():
        for node in ast.walk(tree):
            if isinstance(node, ast.Name):
                if isinstance(node.ctx, ast.Store):
                    continue  # where a register constant is defined, not used
                name = node.id
            elif isinstance(node, ast.Attribute):
                name = node.attr
            elif isinstance(node, ast.alias):
                name = node.name
            else:
                continue
            risky = name in unconfirmed or name in risky_registers
            if risky and id(node) not in inside:
                offenders.append(f"{path.relative_to(integration)}:{node.lineno}: {name}")
    assert offenders == []


# -- severity: what the alarm sensor and the problem sensor rank by -------------------


@pytest.mark.parametrize(
    ("name", "severity"),
    [
        ("short_circuit_protection", AlarmSeverity.PROTECTION),
        ("afe_chip_fault", AlarmSeverity.PROTECTION),
        ("cell_overvoltage_alarm", AlarmSeverity.PROTECTION),
        ("discharge_mos_adhesion", AlarmSeverity.PROTECTION),
        ("cell_overvoltage_warning", AlarmSeverity.WARNING),
        ("soc_low_warning", AlarmSeverity.WARNING),
        ("reserved_bit_44", AlarmSeverity.WARNING),
        ("p81_alarm_bit_3", AlarmSeverity.WARNING),
        ("mos_off_by_soft_switch", AlarmSeverity.INFORMATIONAL),
        ("charging_cabinet_offline", AlarmSeverity.INFORMATIONAL),
        ("vehicle_communication_fault", AlarmSeverity.INFORMATIONAL),
    ],
)
def test_alarm_severity(name: str, severity: AlarmSeverity) -> None:
    assert alarm_severity(name) is severity


def test_every_alarm_has_the_severity_its_name_says() -> None:
    for name in ALARM_NAMES:
        if name.endswith("_warning") or name.startswith(("reserved_bit_", "p81_alarm_bit_")):
            assert alarm_severity(name) is AlarmSeverity.WARNING, name
        elif name.endswith("_alarm"):
            assert alarm_severity(name) is AlarmSeverity.PROTECTION, name


def test_most_severe_and_needs_attention() -> None:
    assert most_severe([]) is None
    assert not needs_attention([])
    # A MOS switched off on purpose is listed, but is no problem.
    assert most_severe(["mos_off_by_soft_switch"]) == "mos_off_by_soft_switch"
    assert not needs_attention(["mos_off_by_soft_switch", "charging_cabinet_offline"])
    assert needs_attention(["mos_off_by_soft_switch", "reserved_bit_7"])
    # Protection first, then warnings; the lowest bit first among equals.
    active = ["mos_off_by_soft_switch", "cell_delta_warning", "pack_undervoltage_alarm"]
    assert most_severe(active) == "pack_undervoltage_alarm"
    assert most_severe(["soc_low_warning", "cell_delta_warning"]) == "soc_low_warning"
    # A name no table knows (a newer firmware) ranks as a warning.
    assert alarm_severity("something_new") is AlarmSeverity.WARNING
