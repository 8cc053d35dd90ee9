"""Fixtures for the integration tests: Home Assistant loads daly_bms from this repository."""

from __future__ import annotations

from collections.abc import Generator
from unittest.mock import patch

import pytest

# Home Assistant finds custom integrations by importing the top-level `custom_components`
# package, and falls back to the test plugin's own (empty) one unless this repository's
# package is imported first. Only the package is imported here, not the integration.
import custom_components  # noqa: F401

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
