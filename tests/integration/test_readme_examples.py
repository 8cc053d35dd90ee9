"""The entity ids in the README's automation examples are the ones a unit really gets."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
import re

from homeassistant.core import HomeAssistant

from simulator.radio import RadioUnit

from .common import setup_entry

README = Path(__file__).parents[2] / "README.md"


async def test_readme_entity_ids_exist(
    hass: HomeAssistant, add_simulated_unit: Callable[..., RadioUnit]
) -> None:
    """Set up the unit the README names and find every one of its entity ids."""
    text = README.read_text(encoding="utf-8")
    examples = set(re.findall(r"\b(?:sensor|binary_sensor|switch)\.dl_40d63c3223a2_\w+", text))
    assert len(examples) >= 3
    radio = add_simulated_unit(address="40:D6:3C:32:23:A2", name="DL-40D63C3223A2")
    await setup_entry(hass, radio)
    missing = sorted(entity for entity in examples if hass.states.get(entity) is None)
    assert missing == [], f"README names entities a unit does not get: {missing}"
