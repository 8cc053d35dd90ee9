"""Fixtures for the integration tests: Home Assistant loads daly_bms from this repository.

`loaded_unit` is a config entry set up against a simulated unit behind the simulated proxy
(a `LoadedUnit`: `.radio`, `.entry`, `.unit`, `.faults`); parametrize it indirectly with
unit options (`{"dialect": "p81", "cells": 8}`, entry options under `"options"`), or call
`load_unit(**unit_options, options={...})` for a unit made in the middle of a test.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Generator, Mapping
from typing import Any
from unittest.mock import patch

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
import pytest

# Home Assistant finds custom integrations by importing the top-level `custom_components`
# package, and falls back to the test plugin's own (empty) one unless this repository's
# package is imported first. Only the package is imported here, not the integration.
import custom_components  # noqa: F401
from simulator.radio import RadioUnit

from .common import LoadedUnit, setup_entry
from .translation_guard import translation_guard

# A silent unit costs one timeout per resend; keep that short in tests so a sleeping unit
# is noticed in a fraction of a second instead of twenty.
TEST_REQUEST_TIMEOUT = 0.2


@pytest.fixture(autouse=True)
def _custom_integrations(enable_custom_integrations: None, no_connect_backoff: None) -> None:
    """Let Home Assistant load daly_bms; retry failed connections without sleeping."""


@pytest.fixture(autouse=True)
def _short_request_timeout() -> Generator[None]:
    """Give up on a silent unit after TEST_REQUEST_TIMEOUT seconds per request."""
    with patch("custom_components.daly_bms.link.REQUEST_TIMEOUT", TEST_REQUEST_TIMEOUT):
        yield


@pytest.fixture(autouse=True)
def _no_deprecation_reports(caplog: pytest.LogCaptureFixture) -> Generator[None]:
    """Fail a test in which Home Assistant reports deprecated use by this integration."""
    yield
    reports = [
        record.getMessage()
        for record in caplog.records
        if "daly_bms" in record.getMessage()
        and ("deprecated" in record.getMessage().lower() or "Detected that" in record.getMessage())
    ]
    assert reports == []


@pytest.fixture(autouse=True)
def _everything_shown_is_translated() -> Generator[None]:
    """Fail a test in which daly_bms shows a flow, error or issue strings.json has no text for."""
    with translation_guard() as problems:
        yield
    assert problems == []


@pytest.fixture
def load_unit(
    hass: HomeAssistant, add_simulated_unit: Callable[..., RadioUnit]
) -> Callable[..., Awaitable[LoadedUnit]]:
    """Return a coroutine function: a simulated unit with a loaded config entry for it.

    `await load_unit(cells=8, dialect="p81", options={"connection_mode": "per_poll"})`:
    unit options as for `add_simulated_unit`, entry options under `options`.
    """

    async def _load(*, options: Mapping[str, Any] | None = None, **unit_options: Any) -> LoadedUnit:
        radio = add_simulated_unit(**unit_options)
        entry = await setup_entry(hass, radio, **(options or {}))
        assert entry.state is ConfigEntryState.LOADED, entry.reason
        return LoadedUnit(radio, entry)

    return _load


@pytest.fixture
async def loaded_unit(
    request: pytest.FixtureRequest, load_unit: Callable[..., Awaitable[LoadedUnit]]
) -> LoadedUnit:
    """A config entry loaded against a simulated unit; indirect parameters are its options."""
    unit_options: dict[str, Any] = dict(getattr(request, "param", {}))
    return await load_unit(**unit_options)
