"""Every name, state, error and message a user can see is translated, in both languages."""

from __future__ import annotations

import json
from pathlib import Path
import re
from typing import Any

import pytest

PACKAGE = Path(__file__).parents[2] / "custom_components" / "daly_bms"


def _load(name: str) -> dict[str, Any]:
    return json.loads((PACKAGE / name).read_text(encoding="utf-8"))


def _leaves(tree: dict[str, Any], prefix: str = "") -> dict[str, str]:
    leaves: dict[str, str] = {}
    for key, item in tree.items():
        path = f"{prefix}.{key}" if prefix else key
        if isinstance(item, dict):
            leaves.update(_leaves(item, path))
        else:
            leaves[path] = item
    return leaves


def test_english_translation_is_the_strings_file() -> None:
    """translations/en.json is what Home Assistant shows; it must equal strings.json."""
    assert _load("translations/en.json") == _load("strings.json")


def test_german_covers_every_string_with_the_same_placeholders() -> None:
    """No English leaks into the German UI, and no placeholder goes missing."""
    english = _leaves(_load("strings.json"))
    german = _leaves(_load("translations/de.json"))
    assert set(german) == set(english)
    for path, text in english.items():
        assert set(re.findall(r"{(\w+)}", german[path])) == set(re.findall(r"{(\w+)}", text)), path


def test_every_entity_key_alarm_and_state_is_translated() -> None:
    """Each translation key the platforms use has a name; enum sensors have all states."""
    from custom_components.daly_bms import binary_sensor, sensor_descriptions as sensor, switch
    from custom_components.daly_bms.alarms import ALARM_OPTIONS
    from custom_components.daly_bms.protocol import ALARM_NAMES

    entities = _load("strings.json")["entity"]
    used = {
        "sensor": [*sensor.PACK_SENSORS, *sensor.SETTINGS_SENSORS],
        "binary_sensor": list(binary_sensor.BINARY_SENSORS),
        "switch": list(switch.SWITCHES),
    }
    for platform, descriptions in used.items():
        for description in descriptions:
            if description.translation_key is None:
                continue
            assert entities[platform][description.translation_key]["name"]
            options = getattr(description, "options", None) or []
            states = entities[platform][description.translation_key].get("state", {})
            assert set(options) <= set(states), description.key
    assert set(entities["sensor"]["alarm"]["state"]) == set(ALARM_OPTIONS)
    for platform, key in (("sensor", "alarm"), ("binary_sensor", "problem")):
        listed = entities[platform][key]["state_attributes"]["active_alarms"]["state"]
        assert set(listed) == set(ALARM_NAMES)


@pytest.mark.parametrize("language", ["strings.json", "translations/de.json"])
def test_every_icon_belongs_to_a_translated_entity(language: str) -> None:
    """icons.json refers only to translation keys that exist."""
    entities = _load(language)["entity"]
    for platform, keys in _load("icons.json")["entity"].items():
        assert set(keys) <= set(entities[platform]), platform
