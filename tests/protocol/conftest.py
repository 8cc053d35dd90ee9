"""Fixtures for protocol tests: simulated units on a plain bleak link."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Callable
from typing import Any

import pytest

from simulator.unit import SimulatedUnit

from .simlink import SimLink, make_unit


@pytest.fixture
async def sim_link() -> AsyncGenerator[Callable[..., SimLink]]:
    """Return a factory: `sim_link(unit=None, **radio_options)` gives a SimLink, not connected."""
    links: list[SimLink] = []

    def _make(unit: SimulatedUnit | None = None, **options: Any) -> SimLink:
        link = SimLink(unit if unit is not None else make_unit(), **options)
        links.append(link)
        return link

    yield _make
    for link in links:
        link.registry.disconnect_all()
