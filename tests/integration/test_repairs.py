"""A unit kept away for a day raises a repair issue that says what to do, and withdraws it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Generator
from datetime import datetime, timedelta
from unittest.mock import patch

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from homeassistant.util import dt as dt_util
import pytest

from simulator.radio import RadioUnit
from tests.ha_bluetooth import SlotHolders

from .common import DOMAIN, advance, setup_entry, state

A_DAY_AND_MORE = timedelta(hours=25)


class Calendar:
    """The wall clock the integration judges "for a day" by; moves only when told."""

    def __init__(self) -> None:
        """Start now."""
        self.now = dt_util.utcnow()

    def __call__(self) -> datetime:
        """Return the current time."""
        return self.now

    def tick(self, delta: timedelta) -> None:
        """Let `delta` pass."""
        self.now += delta


@pytest.fixture
def calendar() -> Generator[Calendar]:
    """A day can pass without waiting one (the event loop's clock is left alone)."""
    clock = Calendar()
    with patch("custom_components.daly_bms.health.utcnow", clock):
        yield clock


def _issues(hass: HomeAssistant) -> list[ir.IssueEntry]:
    return [issue for issue in ir.async_get(hass).issues.values() if issue.domain == DOMAIN]


async def test_unit_out_of_reach_for_a_day_raises_an_issue_until_it_answers(
    hass: HomeAssistant,
    add_simulated_unit: Callable[..., RadioUnit],
    calendar: Calendar,
) -> None:
    """Out of reach (phone app, no free slot, out of range): the user is told, once."""
    radio = add_simulated_unit(name="DL-40D63C3223A2")
    entry = await setup_entry(hass, radio)
    radio.vanish()
    await advance(hass, 11)
    assert _issues(hass) == []  # unavailable, but not yet worth a repair

    calendar.tick(A_DAY_AND_MORE)
    await advance(hass, 301)
    [issue] = _issues(hass)
    assert issue.issue_id == f"unit_unreachable_{entry.entry_id}"
    assert issue.translation_key == "unit_unreachable"
    assert issue.translation_placeholders == {"name": "DL-40D63C3223A2", "hours": "24"}
    assert issue.severity is ir.IssueSeverity.WARNING
    assert not issue.is_fixable
    await advance(hass, 301)
    assert len(_issues(hass)) == 1

    radio.reappear()
    await advance(hass, 301)
    assert _issues(hass) == []


async def test_unit_away_since_home_assistant_started_raises_the_issue_too(
    hass: HomeAssistant,
    add_simulated_unit: Callable[..., RadioUnit],
    calendar: Calendar,
) -> None:
    """Never reached since the start: its setup is retried, and each retry counts the day
    from the first try, not from its own."""
    radio = add_simulated_unit()
    radio.vanish()
    entry = await setup_entry(hass, radio)
    assert entry.state is ConfigEntryState.SETUP_RETRY
    await advance(hass, 301)
    assert _issues(hass) == []
    calendar.tick(A_DAY_AND_MORE)
    await advance(hass, 601)
    assert entry.state is ConfigEntryState.SETUP_RETRY
    [issue] = _issues(hass)
    assert issue.issue_id == f"unit_unreachable_{entry.entry_id}"

    radio.reappear()
    await advance(hass, 1201)
    assert entry.state is ConfigEntryState.LOADED
    assert _issues(hass) == []


async def test_a_sleeping_unit_raises_no_issue(
    hass: HomeAssistant,
    add_simulated_unit: Callable[..., RadioUnit],
    calendar: Calendar,
) -> None:
    """A unit reached but asleep for days is a battery at rest, nothing for the user to fix."""
    radio = add_simulated_unit()
    await setup_entry(hass, radio)
    radio.unit.force_sleep()
    await advance(hass, 11)
    calendar.tick(A_DAY_AND_MORE)
    for _ in range(3):
        await advance(hass, 301)
    assert radio.connected
    assert _issues(hass) == []


async def test_issue_ends_with_the_entry(
    hass: HomeAssistant,
    add_simulated_unit: Callable[..., RadioUnit],
    calendar: Calendar,
) -> None:
    """Disabling or removing the entry takes its issue with it."""
    radio = add_simulated_unit()
    entry = await setup_entry(hass, radio)
    radio.vanish()
    await advance(hass, 11)
    calendar.tick(A_DAY_AND_MORE)
    await advance(hass, 301)
    assert len(_issues(hass)) == 1

    assert await hass.config_entries.async_unload(entry.entry_id)
    assert _issues(hass) == []


async def test_no_free_proxy_slot_for_a_day(
    hass: HomeAssistant,
    add_simulated_unit: Callable[..., RadioUnit],
    fill_proxy: Callable[[], Awaitable[SlotHolders]],
    calendar: Calendar,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Other devices hold every proxy slot: unavailable with that reason, then the issue."""
    radio = add_simulated_unit()
    await setup_entry(hass, radio, connection_mode="per_poll")
    others = await fill_proxy()
    await advance(hass, 11)
    assert state(hass, "sensor", radio, "soc").state == STATE_UNAVAILABLE
    [lost] = [r.getMessage() for r in caplog.records if "is unavailable" in r.getMessage()]
    assert "connection slots taken" in lost

    calendar.tick(A_DAY_AND_MORE)
    await advance(hass, 301)
    # The proxy's own issue (with its numbers) came with the second refusal, this one later.
    assert {issue.translation_key for issue in _issues(hass)} == {
        "no_connection_slot",
        "unit_unreachable",
    }

    await others.release()
    await advance(hass, 301)
    assert state(hass, "sensor", radio, "soc").state != STATE_UNAVAILABLE
    assert _issues(hass) == []
