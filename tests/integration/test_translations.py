"""What hassfest does not check: that the code and its translations agree.

hassfest validates the shape of strings.json and icons.json and the format of their keys.
Only this repository can tell that the English translation is strings.json with its
references resolved, that every language has every string with the same placeholders, that
every entity a unit gets has its name and states, that every error and issue key the code
names has a text, and that no text is left that nothing uses. What flows, errors and issues
show while the other tests run is checked as it happens (translation_guard.py);
scripts/translations.py itself is tested in tests/test_translations_script.py.
"""

from __future__ import annotations

import ast
from collections.abc import Awaitable, Callable, Iterator
import importlib
import json
from pathlib import Path
import subprocess
import sys
from types import ModuleType
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
import pytest

from custom_components.daly_bms.protocol import ALARM_NAMES
from scripts import translations

from .bank_helpers import setup_bank
from .common import DOMAIN, LoadedUnit
from .translation_guard import placeholders

PACKAGE = Path(__file__).parents[2] / "custom_components" / DOMAIN
# Every language the integration promises to be complete in, besides English.
LANGUAGES = ("cs", "de", "es", "fr", "it", "nl", "pl", "pt", "uk")
# Flow helpers of Home Assistant that abort with a reason of their own.
HELPER_ABORTS = {
    "_abort_if_unique_id_configured": "already_configured",
    "async_set_unique_id": "already_in_progress",
    "_abort_if_unique_id_mismatch": "unique_id_mismatch",
    "async_update_reload_and_abort": "reconfigure_successful",
}
# The one factory of translated errors: unit_error(kind, key, name[, cause]).
ERROR_FACTORY = "unit_error"
# Calls whose translation key names a repair issue (any other names an error, a selector
# or an entity description).
ISSUE_CALLS = {"async_create_issue", "async_get_or_create"}


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


# ------------------------------------------------------------------------- the files


def test_english_translation_is_the_strings_file_with_references_resolved() -> None:
    """translations/en.json is what Home Assistant shows, and it resolves no reference itself."""
    source = _leaves(_load("strings.json"))
    english = _leaves(_load("translations/en.json"))
    assert list(english) == list(source)
    for path, text in source.items():
        if text.startswith("[%key:"):
            target = translations.reference_target(text)
            assert target is not None, path
            assert english[path] == source[".".join(target)], path
        else:
            assert english[path] == text, path
    assert not [path for path, text in english.items() if "[%" in text]


def test_alarm_names_are_written_once() -> None:
    """The alarm attributes of the Alarm and Problem entities name the Alarm sensor's states."""
    entity = _load("strings.json")["entity"]
    states = entity["sensor"]["alarm"]["state"]
    for attributes in (
        entity["sensor"]["alarm"]["state_attributes"],
        entity["binary_sensor"]["problem"]["state_attributes"],
    ):
        listed = attributes["active_alarms"]["state"]
        assert set(listed) == set(ALARM_NAMES) <= set(states)
        for name, text in listed.items():
            assert text == f"[%key:component::{DOMAIN}::entity::sensor::alarm::state::{name}%]"


def test_every_promised_language_is_shipped() -> None:
    """A language file that goes missing is noticed, not silently replaced by English."""
    shipped = {path.stem for path in (PACKAGE / "translations").glob("*.json")}
    assert shipped >= {"en", *LANGUAGES}


@pytest.mark.parametrize("language", LANGUAGES)
def test_language_has_every_string_with_the_same_placeholders(language: str) -> None:
    """No English leaks into the UI, no text is empty, and no placeholder goes missing.

    Home Assistant drops a translation whose placeholders differ from English, and the
    frontend shows a placeholder after an apostrophe as written (ICU quoting).
    """
    english = _leaves(_load("translations/en.json"))
    texts = _leaves(_load(f"translations/{language}.json"))
    assert set(texts) == set(english)
    for path, text in english.items():
        translated = texts[path]
        assert isinstance(translated, str), path
        assert translated.strip() == translated != "", path
        assert translations.placeholders(translated) == translations.placeholders(text), path
        assert not translations.QUOTED_BRACE.search(translated), path
        assert "[%" not in translated, path


def test_every_language_is_what_the_translations_script_writes() -> None:
    """Shared texts are filled in and files ordered: `scripts/translations.py` finds nothing."""
    script = Path(translations.__file__)
    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    reported = dict(line.split(": ") for line in done.stdout.splitlines())
    assert reported == dict.fromkeys(reported, "complete")
    assert set(reported) >= {"en", *LANGUAGES}


# -------------------------------------------------------------------------- entities


async def test_every_entity_has_its_name_and_states(
    hass: HomeAssistant,
    loaded_unit: LoadedUnit,
    load_unit: Callable[..., Awaitable[LoadedUnit]],
) -> None:
    """Entities of a D2 and a p81 unit and of a bank of both use exactly the entity strings."""
    strings = _load("strings.json")["entity"]
    units = [loaded_unit, await load_unit(dialect="p81", name="JHB-C0DA1B000002")]
    bank = await setup_bank(hass, *(loaded.radio.address for loaded in units))
    registry = er.async_get(hass)
    used: dict[str, set[str]] = {platform: set() for platform in strings}
    for config_entry_id in [*(loaded.entry.entry_id for loaded in units), bank.entry_id]:
        entries = er.async_entries_for_config_entry(registry, config_entry_id)
        assert entries
        for entry in entries:
            # The name as Home Assistant made it: every placeholder was filled.
            assert entry.original_name, entry.entity_id
            assert "{" not in entry.original_name, entry.entity_id
            if entry.translation_key is None:
                continue  # named after its device class by Home Assistant
            assert entry.translation_key in strings[entry.domain], entry.entity_id
            texts = strings[entry.domain][entry.translation_key]
            used[entry.domain].add(entry.translation_key)
            options = (entry.capabilities or {}).get("options")
            if options is not None or "state" in texts:
                assert set(options or ()) == set(texts.get("state", {})), entry.entity_id
    # A text no entity uses is a sign of a translation key missing in the code.
    assert {platform: set(keys) for platform, keys in strings.items()} == used
    for platform, keys in strings.items():
        for key, texts in keys.items():
            if "active_alarms" in texts.get("state_attributes", {}):
                listed = texts["state_attributes"]["active_alarms"]["state"]
                assert set(listed) == set(ALARM_NAMES), f"{platform}.{key}"


def test_icons_belong_to_translated_entities_and_their_states() -> None:
    """icons.json names only entities that exist, and only states they can have."""
    strings = _load("strings.json")["entity"]
    for platform, entries in _load("icons.json")["entity"].items():
        for key, icons in entries.items():
            assert key in strings[platform], f"{platform}.{key}"
            states = set(strings[platform][key].get("state", {})) or {"on", "off"}
            assert set(icons.get("state", {})) <= states, f"{platform}.{key}"


# ----------------------------------------------------------------------- the code


def _modules() -> Iterator[tuple[ModuleType, ast.Module]]:
    """Every module of the integration with its syntax tree."""
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE).with_suffix("")
        name = ".".join(part for part in relative.parts if part != "__init__")
        module = importlib.import_module(
            f"custom_components.{DOMAIN}" + (f".{name}" if name else "")
        )
        yield module, ast.parse(path.read_text(encoding="utf-8"))


def _call_name(call: ast.Call) -> str:
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def _keyword(call: ast.Call, name: str) -> ast.expr | None:
    return next((kw.value for kw in call.keywords if kw.arg == name), None)


class _Keys:
    """Resolves the strings an expression can evaluate to, where that can be told."""

    def __init__(self, modules: list[tuple[ModuleType, ast.Module]]) -> None:
        self.functions: dict[str, list[tuple[ModuleType, ast.AST]]] = {}
        for module, tree in modules:
            for node in ast.walk(tree):
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                    self.functions.setdefault(node.name, []).append((module, node))

    def texts(
        self, node: ast.expr | None, module: ModuleType, local: dict[str, ast.expr]
    ) -> set[str] | None:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return {node.value}
        if isinstance(node, ast.Name) and node.id in local:
            return self.texts(local[node.id], module, {})
        if isinstance(node, ast.Name) and isinstance(value := getattr(module, node.id, None), str):
            return {value}
        if isinstance(node, ast.IfExp):
            body = self.texts(node.body, module, local)
            orelse = self.texts(node.orelse, module, local)
            return None if body is None or orelse is None else body | orelse
        if isinstance(node, ast.Call) and (defs := self.functions.get(_call_name(node))):
            # A function of the integration that names the key: whatever it returns.
            found: set[str] = set()
            for owner, function in defs:
                for ret in ast.walk(function):
                    if isinstance(ret, ast.Return):
                        found |= self.texts(ret.value, owner, _locals(function)) or set()
            return found or None
        return None


def _locals(function: ast.AST) -> dict[str, ast.expr]:
    """Names assigned once in `function`, with their value."""
    return {
        node.targets[0].id: node.value
        for node in ast.walk(function)
        if isinstance(node, ast.Assign)
        and len(node.targets) == 1
        and isinstance(node.targets[0], ast.Name)
    }


def test_every_error_and_issue_key_the_code_names_has_a_text() -> None:
    """A translation key passed to an error or a repair issue has a text that fills in."""
    strings = _load("translations/en.json")
    modules = list(_modules())
    keys = _Keys(modules)
    named = 0
    for module, tree in modules:
        for function in ast.walk(tree):
            if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            local = _locals(function)
            for call in ast.walk(function):
                if not isinstance(call, ast.Call) or _call_name(call).endswith("Description"):
                    continue  # entity descriptions: checked on real entities above
                factory = _call_name(call) == ERROR_FACTORY
                key_node = call.args[1] if factory else _keyword(call, "translation_key")
                found = keys.texts(key_node, module, local)
                if found is None:
                    continue
                named += 1
                if _call_name(call).endswith("SelectorConfig"):
                    assert found <= set(strings["selector"]), f"{module.__name__}: {found}"
                    continue
                issue = _call_name(call) in ISSUE_CALLS
                given = _keyword(call, "translation_placeholders")
                filled = (
                    {k.value for k in given.keys if isinstance(k, ast.Constant)}
                    if isinstance(given, ast.Dict)
                    else None
                )
                if factory:
                    # unit_error(kind, key, name[, cause]) fills {name}, and {error} from a cause.
                    filled = {"name", "error"} if len(call.args) > 3 else {"name"}
                for key in found:
                    if issue:
                        texts = [strings["issues"][key]["title"]]
                        texts.append(strings["issues"][key].get("description", ""))
                    else:
                        assert key in strings["exceptions"], f"{module.__name__}: {key}"
                        texts = [strings["exceptions"][key]["message"]]
                    if filled is not None:
                        for text in texts:
                            assert placeholders(text) <= filled, f"{module.__name__}: {key}"
    assert named > 0


def test_every_text_is_used_by_the_code() -> None:
    """Each error, issue, flow step, error, abort and selector option is named in the code."""
    strings = _load("strings.json")
    literals: set[str] = set()
    attributes: set[str] = set()
    for _module, tree in _modules():
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                literals.add(node.value)
            elif isinstance(node, ast.Attribute):
                attributes.add(node.attr)
            elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                literals.add(node.name.removeprefix("async_step_"))
    literals |= {reason for helper, reason in HELPER_ABORTS.items() if helper in attributes}
    texts = {
        "exceptions": set(strings["exceptions"]),
        "issues": set(strings.get("issues", {})),
        **{
            f"{flow}.{part}": set(strings[flow].get(part, {}))
            for flow in ("config", "options")
            for part in ("step", "error", "abort")
        },
        **{
            f"selector.{name}": {name, *selector["options"]}
            for name, selector in strings.get("selector", {}).items()
        },
    }
    unused = {section: sorted(keys - literals) for section, keys in texts.items()}
    assert {section: keys for section, keys in unused.items() if keys} == {}
