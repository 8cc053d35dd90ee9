"""The command line: decode captured frames, read a unit."""

from __future__ import annotations

import json
from pathlib import Path
import subprocess
import sys
import threading
from typing import Any, ClassVar

import pytest

from custom_components.daly_bms.protocol import __main__ as cli

from .examples import EXAMPLE_A, EXAMPLE_C, EXAMPLE_D, EXAMPLE_P_BLOCK1, EXAMPLE_P_BLOCK2
from .fakes import FakeLink, FakeUnit
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


class _ConnectedLink(FakeLink):
    """FakeLink that also connects like ``BleakClient(address)`` used as a context."""

    addresses: ClassVar[list[str]] = []

    def __init__(self, address: str, **kwargs: Any) -> None:
        self.addresses.append(address)
        super().__init__(FakeUnit("d2"))

    async def __aenter__(self) -> _ConnectedLink:
        return self

    async def __aexit__(self, *exc: object) -> None:
        return None


def test_read(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli, "BleakClient", _ConnectedLink)
    code, out, err = run_read(capsys, "read", "AA:BB:CC:DD:EE:FF", "--timeout", "0.5")
    assert (code, err) == (0, "")
    data = json.loads(out)
    assert list(data) == STATUS_KEYS
    assert data["cell_voltages"] == [3.3, 3.31, 3.305, 3.295]
    assert _ConnectedLink.addresses[-1] == "AA:BB:CC:DD:EE:FF"


def test_read_failure(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    class SilentLink(_ConnectedLink):
        def __init__(self, address: str, **kwargs: Any) -> None:
            super().__init__(address)
            self.unit.silent = True

    monkeypatch.setattr(cli, "BleakClient", SilentLink)
    code, out, err = run_read(capsys, "read", "AA:BB:CC:DD:EE:FF", "--timeout", "0.01")
    assert code == 1
    assert out == ""
    assert "neither D2 nor p81" in err


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
