"""Every name, state, error and message a user can see is translated, in both languages.

Home Assistant's hassfest is not shipped with the homeassistant package, so the rules of
its translations and icons validators that can bite this integration are checked here,
together with what hassfest cannot see: that every key the code uses has a string.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
import importlib.util
import json
from pathlib import Path
import re
from types import ModuleType
from typing import Any

import pytest

PACKAGE = Path(__file__).parents[2] / "custom_components" / "daly_bms"
LANGUAGES = ["strings.json", "translations/en.json", "translations/de.json"]

# hassfest's translation_key_validator: entity, state, attribute and option keys.
TRANSLATION_KEY = re.compile(r"^(?!.+[_-]{2})(?![_-])[a-z0-9-_]+(?<![_-])$")
SNAKE_CASE = re.compile(r"[a-z0-9]+(?:_[a-z0-9]+)*")
PLACEHOLDER = re.compile(r"{(\w+)}")
HTML_TAG = re.compile(r"<[a-zA-Z/][^>]*>")
# hassfest's RE_URL: links go in description placeholders, not in translations.
URL = re.compile(
    r"(((ftp|ftps|scp|http|https|mqtt|mqtts|socket|socks5):\/\/|www\.)"
    r"[a-z0-9]+([\-\.]{1}[a-z0-9]+)*\.[a-z]{2,5}(:[0-9]{1,5})?(\/.*)?)",
    re.IGNORECASE,
)

# What hassfest's strings schema allows where this integration has strings.
TOP_LEVEL = {"title", "config", "options", "selector", "entity", "exceptions", "issues", "device"}
FLOW_SECTION = {"flow_title", "step", "error", "abort", "progress", "create_entry"}
FLOW_STEP = {"title", "description", "data", "data_description", "menu_options", "submit"}
ENTITY = {"name", "state", "state_attributes"}
STATE_ATTRIBUTE = {"name", "state"}

# Abort reasons that ConfigFlow helpers raise on their own. From 2026.10 Home Assistant
# translates some of them centrally (already_in_progress, reconfigure_successful) and then
# ignores the local string; 2026.2 looks every one up in strings.json, so they all stay.
HELPER_ABORTS = {
    "_abort_if_unique_id_configured": "already_configured",
    "_abort_if_unique_id_mismatch": "unique_id_mismatch",
    "async_update_reload_and_abort": "reconfigure_successful",
}
EXCEPTION_CLASSES = {
    "HomeAssistantError",
    "ServiceValidationError",
    "UpdateFailed",
    "ConfigEntryNotReady",
    "ConfigEntryError",
    "ConfigEntryAuthFailed",
}


def _load(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((PACKAGE / name).read_text(encoding="utf-8"))
    return loaded


def _leaves(tree: dict[str, Any], prefix: str = "") -> dict[str, str]:
    leaves: dict[str, str] = {}
    for key, item in tree.items():
        path = f"{prefix}.{key}" if prefix else key
        if isinstance(item, dict):
            leaves.update(_leaves(item, path))
        else:
            leaves[path] = item
    return leaves


def _keys(tree: dict[str, Any], prefix: str = "") -> Iterator[tuple[str, str]]:
    for key, item in tree.items():
        yield prefix, key
        if isinstance(item, dict):
            yield from _keys(item, f"{prefix}.{key}" if prefix else key)


def _placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text))


def _descriptions() -> dict[str, list[Any]]:
    """Every entity description the platforms can create, per platform."""
    from custom_components.daly_bms import binary_sensor, sensor_descriptions as sensor, switch

    return {
        "sensor": [
            *sensor.PACK_SENSORS,
            *sensor.SETTINGS_SENSORS,
            # Made per cell and per probe once the unit has been read.
            sensor._cell_sensor(0),
            sensor._temperature_sensor(0),
        ],
        "binary_sensor": list(binary_sensor.BINARY_SENSORS),
        "switch": list(switch.SWITCHES),
    }


# --------------------------------------------------------------------- the files


def test_english_translation_is_the_strings_file() -> None:
    """translations/en.json is what Home Assistant shows; it must equal strings.json."""
    assert _load("translations/en.json") == _load("strings.json")


def test_german_covers_every_string_with_the_same_placeholders() -> None:
    """No English leaks into the German UI, and no placeholder goes missing."""
    english = _leaves(_load("strings.json"))
    german = _leaves(_load("translations/de.json"))
    assert set(german) == set(english)
    for path, text in english.items():
        assert _placeholders(german[path]) == _placeholders(text), path


@pytest.mark.parametrize("language", LANGUAGES)
def test_strings_have_the_shape_hassfest_accepts(language: str) -> None:
    """Sections, steps and entity entries hold only what Home Assistant reads."""
    strings = _load(language)
    assert set(strings) <= TOP_LEVEL
    for section in ("config", "options"):
        flow = strings.get(section, {})
        assert set(flow) <= FLOW_SECTION, section
        for step_id, step in flow.get("step", {}).items():
            assert set(step) <= FLOW_STEP, f"{section}.step.{step_id}"
            # hassfest: "data_description key ... is not in data".
            assert set(step.get("data_description", {})) <= set(step.get("data", {})), step_id
    for platform, entries in strings.get("entity", {}).items():
        for key, entry in entries.items():
            assert set(entry) <= ENTITY, f"entity.{platform}.{key}"
            for attribute, attribute_entry in entry.get("state_attributes", {}).items():
                assert set(attribute_entry) <= STATE_ATTRIBUTE, f"{platform}.{key}.{attribute}"
    for key, exception in strings.get("exceptions", {}).items():
        assert set(exception) == {"message"}, f"exceptions.{key}"
    for key, issue in strings.get("issues", {}).items():
        # hassfest: a title, and either a description or a fix flow.
        assert "title" in issue, f"issues.{key}"
        assert len({"description", "fix_flow"} & set(issue)) == 1, f"issues.{key}"
        assert set(issue) <= {"title", "description", "fix_flow"}, f"issues.{key}"
    for key, selector in strings.get("selector", {}).items():
        assert set(selector) == {"options"}, f"selector.{key}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_string_is_one_hassfest_accepts(language: str) -> None:
    """No empty strings, stray spaces, HTML, URLs, quoted placeholders or references."""
    for path, text in _leaves(_load(language)).items():
        assert isinstance(text, str), path
        assert text, f"{path} is empty"
        assert text == text.strip(), f"{path} has leading or trailing spaces"
        assert not HTML_TAG.search(text), f"{path} contains HTML"
        assert not URL.search(text), f"{path} contains a URL"
        assert not re.search(r"'{\w+}'", text), f"{path} quotes a placeholder"
        assert all(name.isidentifier() for name in re.findall(r"{([^}]*)}", text)), path
        if re.fullmatch(r"entity\.\w+\.\w+\.(state|state_attributes)\..+", path):
            # Home Assistant fills no placeholders in states and attribute names.
            assert "{" not in text, f"{path}: placeholders are not supported here"
        # [%key:...%] references are resolved for core integrations only.
        assert "[%key:" not in text, f"{path} references another string"


def test_every_key_is_lowercase_snake_case() -> None:
    """Keys are slugs; state and option keys also pass hassfest's translation key rule."""
    for parent, key in _keys(_load("strings.json")):
        assert SNAKE_CASE.fullmatch(key), f"{parent}.{key}"
        assert TRANSLATION_KEY.match(key), f"{parent}.{key}"


# ------------------------------------------------------------------------ entities


def test_every_entity_key_alarm_and_state_is_translated() -> None:
    """Each translation key the platforms use has a name; enum sensors have all states."""
    from custom_components.daly_bms.alarms import ALARM_OPTIONS
    from custom_components.daly_bms.protocol import ALARM_NAMES

    entities = _load("strings.json")["entity"]
    for platform, descriptions in _descriptions().items():
        used = set()
        for description in descriptions:
            if description.translation_key is None:
                continue
            used.add(description.translation_key)
            entry = entities[platform][description.translation_key]
            placeholders = set(description.translation_placeholders or {})
            assert _placeholders(entry["name"]) <= placeholders, description.key
            options = getattr(description, "options", None) or []
            assert set(options) == set(entry.get("state", options)), description.key
        # A string no entity uses is a sign of a missing translation key in the code.
        assert set(entities[platform]) == used, platform
    assert set(entities["sensor"]["alarm"]["state"]) == set(ALARM_OPTIONS)
    for platform, key in (("sensor", "alarm"), ("binary_sensor", "problem")):
        listed = entities[platform][key]["state_attributes"]["active_alarms"]["state"]
        assert set(listed) == set(ALARM_NAMES)


def _mdi_names() -> set[str] | None:
    spec = importlib.util.find_spec("hass_frontend")
    if spec is None or spec.origin is None:
        return None
    icon_list = Path(spec.origin).parent / "static" / "mdi" / "iconList.json"
    if not icon_list.is_file():
        return None
    return {icon["name"] for icon in json.loads(icon_list.read_text(encoding="utf-8"))}


@pytest.mark.parametrize("language", ["strings.json", "translations/de.json"])
def test_every_icon_belongs_to_a_translated_entity(language: str) -> None:
    """icons.json refers only to translation keys that exist."""
    entities = _load(language)["entity"]
    for platform, keys in _load("icons.json")["entity"].items():
        assert set(keys) <= set(entities[platform]), platform


def test_icons_are_ones_hassfest_accepts() -> None:
    """Material Design icons that exist, for states the entity can have."""
    icons = _load("icons.json")
    assert set(icons) == {"entity"}
    mdi = _mdi_names()
    states = {
        platform: {
            description.translation_key: set(getattr(description, "options", None) or [])
            for description in descriptions
        }
        for platform, descriptions in _descriptions().items()
    }
    for platform, entries in icons["entity"].items():
        for key, entry in entries.items():
            assert set(entry) <= {"default", "state"}, f"{platform}.{key}"
            allowed = states[platform][key] or {"on", "off"}
            assert set(entry.get("state", {})) <= allowed, f"{platform}.{key}"
            # hassfest: a state icon equal to the default "can be removed".
            assert entry["default"] not in entry.get("state", {}).values(), f"{platform}.{key}"
            for icon in [entry["default"], *entry.get("state", {}).values()]:
                assert icon.startswith("mdi:"), icon
                assert mdi is None or icon.removeprefix("mdi:") in mdi, icon


# ------------------------------------------------- config flow and exceptions (AST)


def _module(name: str) -> tuple[ModuleType, ast.Module]:
    import importlib

    module = importlib.import_module(f"custom_components.daly_bms.{name}")
    return module, ast.parse((PACKAGE / f"{name}.py").read_text(encoding="utf-8"))


def _call_name(call: ast.Call) -> str:
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def _keyword(call: ast.Call, name: str) -> ast.expr | None:
    return next((kw.value for kw in call.keywords if kw.arg == name), None)


def _failure_keys() -> set[str]:
    """The translation keys errors.failure_key can return."""
    errors, tree = _module("errors")
    function = next(node for node in ast.walk(tree) if getattr(node, "name", None) == "failure_key")
    return {
        getattr(errors, node.value.id)
        for node in ast.walk(function)
        if isinstance(node, ast.Return) and isinstance(node.value, ast.Name)
    }


def _texts(
    node: ast.expr | None, module: ModuleType, local: dict[str, ast.expr] | None = None
) -> set[str] | None:
    """The strings `node` can evaluate to; None when that cannot be told statically.

    `local` maps names assigned once in the enclosing function to their value.
    """
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}
    if isinstance(node, ast.Name) and isinstance(getattr(module, node.id, None), str):
        return {getattr(module, node.id)}
    if isinstance(node, ast.Name) and local and node.id in local:
        return _texts(local[node.id], module)
    if isinstance(node, ast.IfExp):
        body, orelse = _texts(node.body, module, local), _texts(node.orelse, module, local)
        return None if body is None or orelse is None else body | orelse
    if isinstance(node, ast.Call) and _call_name(node) == "failure_key":
        return _failure_keys()
    return None


def _dict_keys(node: ast.expr | None) -> set[str] | None:
    if not isinstance(node, ast.Dict):
        return None
    return {
        key.value
        for key in node.keys
        if isinstance(key, ast.Constant) and isinstance(key.value, str)
    }


def _calls_with_locals(tree: ast.Module) -> Iterator[tuple[ast.Call, dict[str, ast.expr]]]:
    """Every call in a function, with the single-name assignments of that function."""
    for function in ast.walk(tree):
        if not isinstance(function, ast.AsyncFunctionDef | ast.FunctionDef):
            continue
        local = {
            node.targets[0].id: node.value
            for node in ast.walk(function)
            if isinstance(node, ast.Assign)
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
        }
        for call in ast.walk(function):
            if isinstance(call, ast.Call):
                yield call, local


def test_every_exception_key_and_placeholder_is_translated() -> None:
    """Each translated error the code raises has a message with placeholders it fills.

    Errors are made by one factory, errors.unit_error(kind, key, name[, cause]): it fills
    {name}, and {error} when given a cause. A key is a constant of errors.py or the key a
    LinkFailure carries (one errors.failure_key returned).
    """
    from custom_components.daly_bms.errors import EXCEPTION_KEYS

    messages = {key: entry["message"] for key, entry in _load("strings.json")["exceptions"].items()}
    assert set(messages) == EXCEPTION_KEYS
    raised: set[str] = set()
    for path in sorted(PACKAGE.glob("*.py")):
        module, tree = _module(path.stem)
        for call, local in _calls_with_locals(tree):
            name = _call_name(call)
            if name in EXCEPTION_CLASSES:
                # Only the factory names a key; elsewhere a key is passed on from an earlier
                # error (ConfigEntryNotReady in setup).
                node = _keyword(call, "translation_key")
                assert node is None or isinstance(node, ast.Attribute), ast.unparse(call)
                continue
            if name != "unit_error":
                continue
            key_node = call.args[1]
            if isinstance(key_node, ast.Attribute) and key_node.attr == "key":
                keys = _failure_keys()
            else:
                keys = _texts(key_node, module, local)
            assert keys is not None, ast.unparse(call)
            raised |= keys
            provided = {"name", "error"} if len(call.args) > 3 else {"name"}
            for key in keys:
                assert _placeholders(messages[key]) <= provided, f"{path.name}: {key}"
    assert raised == set(messages)


def test_every_repair_issue_key_and_placeholder_is_translated() -> None:
    """Each repair issue the code raises has a title and text with placeholders it fills."""
    issues = _load("strings.json").get("issues", {})
    raised: set[str] = set()
    for path in sorted(PACKAGE.glob("*.py")):
        module, tree = _module(path.stem)
        for call, local in _calls_with_locals(tree):
            if _call_name(call) != "async_create_issue":
                continue
            keys = _texts(_keyword(call, "translation_key"), module, local)
            assert keys is not None, ast.unparse(call)
            raised |= keys
            provided = _dict_keys(_keyword(call, "translation_placeholders")) or set()
            for key in keys:
                issue = issues[key]
                for text in (issue["title"], issue.get("description", "")):
                    assert _placeholders(text) <= provided, f"{path.name}: {key}"
    assert raised == set(issues)


def _flow_classes() -> dict[str, ast.ClassDef]:
    """The config and options flow classes of config_flow.py, by strings.json section."""
    _, tree = _module("config_flow")
    flows: dict[str, ast.ClassDef] = {}
    for node in tree.body:
        if isinstance(node, ast.ClassDef):
            bases = {ast.unparse(base) for base in node.bases}
            if any("OptionsFlow" in base for base in bases):
                flows["options"] = node
            elif any("ConfigFlow" in base for base in bases):
                flows["config"] = node
    assert set(flows) == {"config", "options"}
    return flows


def _form_fields(function: ast.AST, module: ModuleType) -> set[str]:
    fields: set[str] = set()
    for call in ast.walk(function):
        if isinstance(call, ast.Call) and _call_name(call) in ("Required", "Optional"):
            fields |= _texts(call.args[0], module) or set()
    return fields


def test_config_and_options_flow_strings_cover_the_code() -> None:
    """Every step, field, placeholder, error and abort the flows show has a string."""
    config_flow, tree = _module("config_flow")
    strings = _load("strings.json")
    for section, flow in _flow_classes().items():
        steps = strings[section]["step"]
        shown: set[str] = set()
        aborts: set[str] = set()
        for function in flow.body:
            if not isinstance(function, ast.AsyncFunctionDef | ast.FunctionDef):
                continue
            for call in ast.walk(function):
                if not isinstance(call, ast.Call):
                    continue
                name = _call_name(call)
                if name == "async_show_form":
                    step_ids = _texts(_keyword(call, "step_id"), config_flow)
                    assert step_ids is not None, ast.unparse(call)
                    (step_id,) = step_ids
                    step = steps[step_id]
                    shown.add(step_id)
                    fields = _form_fields(function, config_flow)
                    assert set(step.get("data", {})) == fields, step_id
                    provided = _dict_keys(_keyword(call, "description_placeholders")) or set()
                    for text in (step.get("title", ""), step.get("description", "")):
                        assert _placeholders(text) <= provided, step_id
                elif name == "async_abort":
                    aborts |= _texts(_keyword(call, "reason"), config_flow) or set()
                elif name in HELPER_ABORTS:
                    reason = _texts(_keyword(call, "reason"), config_flow)
                    aborts |= reason or {HELPER_ABORTS[name]}
                elif name == "async_set_unique_id":
                    # It aborts with already_in_progress unless told not to.
                    on_progress = _keyword(call, "raise_on_progress")
                    if not (isinstance(on_progress, ast.Constant) and not on_progress.value):
                        aborts.add("already_in_progress")
        assert set(steps) == shown, section
        assert set(strings[section].get("abort", {})) == aborts, section

    # Form errors: what the checks that fill errors["base"] can return.
    errors: set[str] = set()
    for check in ast.walk(tree):
        if isinstance(check, ast.AsyncFunctionDef | ast.FunctionDef) and (
            check.returns is not None and ast.unparse(check.returns) == "str | None"
        ):
            for node in ast.walk(check):
                if isinstance(node, ast.Return):
                    errors |= _texts(node.value, config_flow) or set()
    assert errors == set(strings["config"]["error"])

    # The discovery title: flow_title's placeholders come from title_placeholders.
    title_placeholders: set[str] = set()
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Assign)
            and isinstance(node.targets[0], ast.Subscript)
            and ast.unparse(node.targets[0].slice) == "'title_placeholders'"
        ):
            title_placeholders |= _dict_keys(node.value) or set()
    assert _placeholders(strings["config"]["flow_title"]) <= title_placeholders


def test_selector_options_are_translated() -> None:
    """The connection mode list shows a translated label for every mode."""
    from custom_components.daly_bms.const import CONF_CONNECTION_MODE, ConnectionMode

    options = _load("strings.json")["selector"][CONF_CONNECTION_MODE]["options"]
    assert set(options) == {mode.value for mode in ConnectionMode}
