"""A CI-sized slice of benchmarks/scale.py: the properties its figures stand for, no timings.

Five units behind one 3-slot proxy, two of them staying connected, so the other three take
turns for the one slot left, for three simulated minutes; then start-up with four awake
units, and with one asleep. The benchmark runs in its own process (it drives Home
Assistant on an event loop of its own, whose clock skips idle time).
"""

from __future__ import annotations

import json
from pathlib import Path
import subprocess
import sys
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
INTERVAL_S = 10


@pytest.fixture(scope="module")
def smoke() -> dict[str, Any]:
    """Run the benchmark's smoke slice once and return what it measured."""
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "scale.py"), "--smoke"],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def test_every_unit_is_read_every_interval_though_three_share_one_slot(
    smoke: dict[str, Any],
) -> None:
    """No reading fails and none is missed, though three units have one slot between them."""
    fleet = smoke["fleet"]
    assert fleet["failed"] == 0
    assert fleet["no_slot_failures"] == 0
    assert fleet["unavailable_units"] == []
    assert fleet["readings"] >= fleet["expected"] - fleet["units"]
    assert fleet["per_unit_min"] >= fleet["expected"] / fleet["units"] - 1
    assert fleet["longest_gap_s"] <= 2 * INTERVAL_S
    assert fleet["not_loaded"] == 0


def test_readings_that_change_nothing_write_no_state(smoke: dict[str, Any]) -> None:
    """Unchanged values are not written again."""
    assert smoke["fleet"]["readings"] > 0
    assert smoke["fleet"]["state_writes"] == 0


def test_start_up_loads_awake_units_and_lets_a_sleeping_one_give_way(
    smoke: dict[str, Any],
) -> None:
    """Four awake units all show values; a sleeping one is left to the background retry."""
    startup, asleep = smoke["startup"], smoke["asleep"]
    assert startup["loaded"] == 4
    assert len(startup["first_values_s"]) == 4
    assert startup["not_ready_reasons"] == []
    assert asleep["loaded"] == 0
    assert asleep["not_ready_reasons"] == ["startup_timeout"]
