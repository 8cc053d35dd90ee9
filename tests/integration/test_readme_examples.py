"""The entity ids the README names (Energy dashboard, blueprints) are the ones a unit gets.

They are the ids of the demo's first house pack, so that a reader of the README finds them
in the demo as well.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
import re

from homeassistant.core import HomeAssistant

from demo.units import DALY_ADDRESS
from simulator import daly_name
from simulator.radio import RadioUnit

from .common import setup_entry

README = Path(__file__).parents[2] / "README.md"


async def test_readme_entity_ids_exist(
    hass: HomeAssistant, add_simulated_unit: Callable[..., RadioUnit]
) -> None:
    """Set up the demo's unit the README names and find every one of its entity ids."""
    name = daly_name(DALY_ADDRESS)
    prefix = name.lower().replace("-", "_")
    text = README.read_text(encoding="utf-8")
    examples = set(re.findall(rf"\b(?:sensor|binary_sensor|switch)\.{prefix}_\w+", text))
    assert len(examples) >= 8
    radio = add_simulated_unit(address=DALY_ADDRESS, name=name)
    await setup_entry(hass, radio)
    missing = sorted(entity for entity in examples if hass.states.get(entity) is None)
    assert missing == [], f"README names entities a unit does not get: {missing}"
