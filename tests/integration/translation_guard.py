"""Every text a test makes daly_bms show exists in English, with its placeholders filled.

Home Assistant falls back to a bare key (or leaves `{name}` in the text) when a string is
missing, and hassfest cannot see which keys the code uses. So while a test runs, every flow
result, translated error and repair issue of this integration is checked as it is made.
"""

from __future__ import annotations

from collections.abc import Generator, Mapping
from contextlib import contextmanager
import json
from pathlib import Path
import re
from typing import Any
from unittest.mock import patch

from homeassistant.config_entries import ConfigFlow
from homeassistant.data_entry_flow import FlowHandler, FlowManager, FlowResult, FlowResultType
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.issue_registry import IssueEntry, IssueRegistry

from .common import DOMAIN

# What Home Assistant shows: strings.json with its references resolved.
STRINGS = Path(__file__).parents[2] / "custom_components" / DOMAIN / "translations" / "en.json"
PLACEHOLDER = re.compile(r"{(\w+)}")


def placeholders(text: str) -> set[str]:
    """Return the placeholder names in `text`."""
    return set(PLACEHOLDER.findall(text))


def _unfilled(where: str, texts: list[str], given: Mapping[str, Any] | None) -> list[str]:
    names = set().union(*map(placeholders, texts)) - set(given or {})
    return [f"{where}: {{{name}}} unfilled" for name in sorted(names)]


def flow_problems(
    strings: dict[str, Any], flow: FlowHandler[Any, Any, Any], result: FlowResult[Any, Any]
) -> list[str]:
    """What `result` shows with no text in strings.json, or with a placeholder left unfilled."""
    section = "config" if isinstance(flow, ConfigFlow) else "options"
    texts: dict[str, Any] = strings.get(section, {})
    where = f"{section} flow, step {result.get('step_id')}"
    problems: list[str] = []
    if section == "config" and (title := flow.context.get("title_placeholders")) is not None:
        problems += _unfilled("flow_title", [texts.get("flow_title", "")], title)
    if result["type"] is FlowResultType.ABORT:
        if result["reason"] not in texts.get("abort", {}):
            problems.append(f"{section} flow: abort {result['reason']} has no text")
        return problems
    if result["type"] is not FlowResultType.FORM:
        return problems
    step = texts.get("step", {}).get(result["step_id"])
    if step is None:
        return [*problems, f"{where}: no text for the step"]
    schema = result.get("data_schema")
    fields = {str(key) for key in schema.schema} if schema is not None else set()
    if set(step.get("data", {})) != fields:
        problems.append(f"{where}: fields {sorted(fields)}, texts {sorted(step.get('data', {}))}")
    shown = [step.get("title", ""), step.get("description", "")]
    problems += _unfilled(where, shown, result.get("description_placeholders"))
    errors = texts.get("error", {})
    problems += [
        f"{where}: error {error} has no text"
        for error in (result.get("errors") or {}).values()
        if error not in errors
    ]
    return problems


def error_problems(strings: dict[str, Any], key: str, given: Mapping[str, Any] | None) -> list[str]:
    """What a translated error with `key` would show untranslated."""
    message = strings.get("exceptions", {}).get(key, {}).get("message")
    if message is None:
        return [f"error {key} has no text"]
    return _unfilled(f"error {key}", [message], given)


def issue_problems(strings: dict[str, Any], key: str, given: Mapping[str, Any] | None) -> list[str]:
    """What a repair issue with `key` would show untranslated."""
    issue = strings.get("issues", {}).get(key)
    if issue is None:
        return [f"issue {key} has no text"]
    return _unfilled(f"issue {key}", [issue["title"], issue.get("description", "")], given)


@contextmanager
def translation_guard() -> Generator[list[str]]:
    """Collect, while the block runs, everything daly_bms shows without a text."""
    strings: dict[str, Any] = json.loads(STRINGS.read_text(encoding="utf-8"))
    problems: list[str] = []
    handle_step = FlowManager._async_handle_step
    error_init = HomeAssistantError.__init__
    get_or_create = IssueRegistry.async_get_or_create

    async def _handle_step(
        manager: FlowManager[Any, Any, Any],
        flow: FlowHandler[Any, Any, Any],
        step_id: str,
        user_input: Any,
    ) -> FlowResult[Any, Any]:
        result: FlowResult[Any, Any] = await handle_step(manager, flow, step_id, user_input)
        if type(flow).__module__.startswith(f"custom_components.{DOMAIN}"):
            problems.extend(flow_problems(strings, flow, result))
        return result

    def _error_init(error: HomeAssistantError, *args: Any, **kwargs: Any) -> None:
        error_init(error, *args, **kwargs)
        if error.translation_domain == DOMAIN and error.translation_key:
            problems.extend(
                error_problems(strings, error.translation_key, error.translation_placeholders)
            )

    def _get_or_create(
        registry: IssueRegistry, domain: str, issue_id: str, **kwargs: Any
    ) -> IssueEntry:
        if domain == DOMAIN:
            problems.extend(
                issue_problems(
                    strings, kwargs["translation_key"], kwargs.get("translation_placeholders")
                )
            )
        return get_or_create(registry, domain, issue_id, **kwargs)

    with (
        patch.object(FlowManager, "_async_handle_step", _handle_step),
        patch.object(HomeAssistantError, "__init__", _error_init),
        patch.object(IssueRegistry, "async_get_or_create", _get_or_create),
    ):
        yield problems
