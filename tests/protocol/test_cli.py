"""The command line: decode captured frames, read a unit."""

from __future__ import annotations

from collections.abc import Callable
import json
from pathlib import Path
import subprocess
import sys
import threading
from typing import Any

import bleak
import pytest

from custom_components.daly_bms.protocol import (
    D2,
    BatteryState,
    DalyStatus,
    __main__ as cli,
    parse_frame,
)
from simulator.radio import RadioRegistry
from simulator.unit import SimulatedUnit

from .examples import (
    EXAMPLE_A,
    EXAMPLE_C,
    EXAMPLE_D,
    EXAMPLE_P_BLOCK1,
    EXAMPLE_P_BLOCK2,
    with_crc,
)
from .simlink import make_unit
from .test_decode import STATUS_KEYS

REPO = Path(__file__).resolve().parents[2]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def run_read(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    # `read` calls asyncio.run(), which would close the test thread's event loop setup;
    # a joined worker thread keeps it to itself.
    result: list[int] = []
    worker = threading.Thread(target=lambda: result.append(cli.main(list(argv))))
    worker.start()
    worker.join()
    out, err = capsys.readouterr()
    return result[0], out, err


def test_decode_example_a(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "decode", EXAMPLE_A.hex(" "))
    assert (code, err) == (0, "")
    assert out.count("\n") == 1
    data = json.loads(out)
    assert list(data) == STATUS_KEYS
    assert data["dialect"] == "d2"
    assert data["cell_count"] == 24
    assert data["voltage"] == 79.0
    assert data["soc"] == 33.3
    assert data["state"] == "idle"
    assert data["temperatures"] == [16.0, 14.0, 16.0, 16.0]
    assert data["mos_temperature"] is None
    assert data["balancing_cells"] is None
    assert data["alarms"] == []


@pytest.mark.parametrize("separator", [" ", ".", ":", "", ": ", "\n", " . "])
def test_decode_accepts_separators(capsys: pytest.CaptureFixture[str], separator: str) -> None:
    code, out, _ = run(capsys, "decode", separator.join(f"{byte:02X}" for byte in EXAMPLE_C))
    assert code == 0
    assert json.loads(out)["cell_voltage_delta"] == 0.204


def test_decode_p81_two_frames(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "decode", EXAMPLE_P_BLOCK1.hex(":"), EXAMPLE_P_BLOCK2.hex("."))
    assert code == 0
    data = json.loads(out)
    assert data["dialect"] == "p81"
    assert data["current"] == -8.9
    assert data["power"] == -471.7
    assert data["mos_temperature"] == 24.0
    assert data["state"] == "discharging"


@pytest.mark.parametrize(
    "argv",
    [
        ["decode", (EXAMPLE_A[:-1] + b"\x00").hex(" ")],
        ["decode", EXAMPLE_D.hex()],
        ["decode", EXAMPLE_P_BLOCK1.hex()],
        ["decode", EXAMPLE_A.hex(), EXAMPLE_A.hex()],
        ["decode", "d2 03 zz"],
        ["decode", "d2 0"],
        ["decode-settings", EXAMPLE_A.hex()],
    ],
)
def test_bad_frames_exit_2(capsys: pytest.CaptureFixture[str], argv: list[str]) -> None:
    code, out, err = run(capsys, *argv)
    assert code == 2
    assert out == ""
    assert err.startswith("error: ")
    assert err.count("\n") == 1


def test_decode_accepts_0x_prefixes(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "decode", " ".join(f"0x{byte:02x}" for byte in EXAMPLE_A))
    assert code == 0
    assert json.loads(out)["soc"] == 33.3


def test_decode_settings(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "decode-settings", "0x" + EXAMPLE_D.hex())
    assert code == 0
    assert json.loads(out)["sleep_time"] == 7200


def test_decode_settings_prints_null_for_an_unset_capacity_and_soc(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Rated capacity 0xFFFF (6553.5 Ah) and SOC 1500 (150 %): registers nobody set.
    block = bytearray(parse_frame(EXAMPLE_D).payload)
    block[0:2] = (0xFFFF).to_bytes(2, "big")
    block[2 * (0xA7 - 0x80) : 2 * (0xA7 - 0x80) + 2] = (1500).to_bytes(2, "big")
    code, out, _ = run(capsys, "decode-settings", with_crc(b"\xd2\x03\x52" + block).hex())
    assert code == 0
    printed = json.loads(out)
    assert (printed["rated_capacity"], printed["soc_setting"]) == (None, None)
    assert printed["sleep_time"] == 7200


def _simulated_bleak_client(unit: SimulatedUnit) -> Callable[..., bleak.BleakClient]:
    """What `BleakClient(address)` gives the command line: a link to `unit`, on the air."""
    registry = RadioRegistry()
    registry.add(unit)

    def connect(address: str, **kwargs: Any) -> bleak.BleakClient:
        assert address == unit.address
        return bleak.BleakClient(address, backend=registry.peripheral_class(), **kwargs)

    return connect


def test_read(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    unit = make_unit(cells=4)
    monkeypatch.setattr(cli, "BleakClient", _simulated_bleak_client(unit))
    code, out, err = run_read(capsys, "read", unit.address, "--timeout", "0.5")
    assert (code, err) == (0, "")
    data = json.loads(out)
    assert list(data) == STATUS_KEYS
    assert data["cell_voltages"] == [round(volts, 3) for volts in unit.battery.cell_voltages]


def test_read_failure(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    unit = make_unit()
    unit.force_sleep()
    monkeypatch.setattr(cli, "BleakClient", _simulated_bleak_client(unit))
    code, out, err = run_read(capsys, "read", unit.address, "--timeout", "0.01")
    assert code == 1
    assert out == ""
    assert "neither D2 nor p81" in err


def test_output_is_rounded_to_register_resolution() -> None:
    status = DalyStatus(
        capabilities=D2.capabilities,
        cell_count=2,
        cell_voltages=(3.30049, 3.2999),
        cell_voltage_min=3.2999,
        cell_voltage_max=3.30049,
        cell_voltage_delta=0.00059,
        cell_voltage_avg=3.300195,
        temperatures=(21.04,),
        mos_temperature=None,
        board_temperature=30.06,
        voltage=6.60049,
        current=-1.04,
        soc=50.04,
        remaining_capacity=10.04,
        cycles=3,
        state=BatteryState.DISCHARGING,
        charge_mos=True,
        discharge_mos=False,
        balancing=True,
        balancing_cells=(1,),
        balance_current=0.05,
        alarms=("cell_overvoltage_warning",),
    )
    data = cli.status_json(status)
    assert json.loads(json.dumps(data)) == data
    assert data["cell_voltages"] == [3.3, 3.3]
    assert data["cell_voltage_delta"] == 0.001
    assert data["temperatures"] == [21.0]
    assert data["mos_temperature"] is None
    assert data["current"] == -1.0
    assert data["power"] == -6.9
    assert data["state"] == "discharging"
    assert data["balancing_cells"] == [1]
    assert data["alarms"] == ["cell_overvoltage_warning"]
    # The status itself keeps full precision: only the printed form rounds.
    assert status.power == 6.60049 * -1.04
    assert status.as_dict()["cell_voltages"] == [3.30049, 3.2999]


def test_module_entry_point() -> None:
    # The real `python -m` path, exit status included.
    command = [sys.executable, "-m", "custom_components.daly_bms.protocol", "decode"]
    good = subprocess.run(
        [*command, EXAMPLE_A.hex(" ")], cwd=REPO, capture_output=True, text=True, check=False
    )
    assert good.returncode == 0, good.stderr
    assert json.loads(good.stdout)["cell_count"] == 24
    bad = subprocess.run(
        [*command, "d2 03 00 00 00"], cwd=REPO, capture_output=True, text=True, check=False
    )
    assert bad.returncode == 2
    assert bad.stdout == ""
    assert bad.stderr.strip().splitlines() == ["error: bad CRC"]
