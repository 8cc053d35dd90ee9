"""Judging what Home Assistant shows against the simulator's truth, one observation at a time.

An observation reads every entity of the unit and the notifications the unit sent since the
last one. The entities fed by status readings must all agree with ONE reading whose answer
reached the client in that time (or with the reading they agreed with before, when nothing
changed): a value is wrong when it lies further from that reading's truth than the wire's
resolution, or when it is a number where the truth has none. Unknown and unavailable are
never wrong; they are counted.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
import math
from typing import Any, Final

from homeassistant.components.sensor.const import UNIT_CONVERTERS
from homeassistant.const import STATE_UNAVAILABLE, STATE_UNKNOWN
from homeassistant.core import HomeAssistant, State
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.device_registry import format_mac

from benchmarks.soak_derived import DerivedChecks
from benchmarks.soak_truth import (
    Expected,
    RecordingRadio,
    SettingsTruth,
    Truth,
    expected_setting,
    expected_status,
)

_NOT_SHOWN: Final = (STATE_UNAVAILABLE, STATE_UNKNOWN)
# Float noise allowed on top of a resolution (a unit conversion, a division).
_SLACK: Final = 1e-9


@dataclass(frozen=True, slots=True)
class WrongValue:
    """A state no reading the unit gave can explain."""

    poll: int
    entity_id: str
    shown: str
    expected: str
    faults: tuple[str, ...]


def _describe(expected: Expected) -> str:
    if expected.value is None:
        return "unknown (the unit has no such value)"
    if isinstance(expected.value, float):
        return f"{expected.value:.4f} +/- {expected.tolerance:g} {expected.unit or ''}".rstrip()
    return f"{expected.value!r} {dict(expected.attributes) or ''}".rstrip()


def _show(state: State, expected: Expected) -> str:
    attributes = {name: state.attributes.get(name) for name in expected.attributes}
    unit = state.attributes.get("unit_of_measurement") or ""
    return f"{state.state} {unit}{' ' if attributes else ''}{attributes or ''}".rstrip()


def _scaled(expected: Expected, state: State) -> tuple[float, float] | None:
    """Return the expected value and tolerance in the unit the state is shown in."""
    assert isinstance(expected.value, (int, float))
    shown_unit = state.attributes.get("unit_of_measurement")
    if shown_unit == expected.unit:
        return float(expected.value), expected.tolerance
    converter = UNIT_CONVERTERS.get(state.attributes.get("device_class"))
    if converter is None:
        return None
    convert = converter.converter_factory(expected.unit, shown_unit)
    return convert(float(expected.value)), abs(convert(expected.tolerance) - convert(0.0))


def agrees(state: State, expected: Expected) -> bool:
    """Return True unless `state` shows something the truth rules out."""
    if state.state in _NOT_SHOWN:
        return True
    if expected.value is None:
        return False
    for name, value in expected.attributes.items():
        # An attribute the reading did not carry (None) is unknown, like a state.
        if (shown := state.attributes.get(name)) is not None and shown != value:
            return False
    if isinstance(expected.value, bool):
        return state.state == ("on" if expected.value else "off")
    if isinstance(expected.value, str):
        return state.state == expected.value
    try:
        shown = float(state.state)
    except ValueError:
        return False
    scaled = _scaled(expected, state)
    if scaled is None or not math.isfinite(shown):
        return False
    value, tolerance = scaled
    return abs(shown - value) <= tolerance * (1 + _SLACK) + _SLACK


@dataclass
class _Group:
    """Entities fed by one kind of reading, and the reading they last agreed with."""

    expected: Callable[[str, Any], Expected | None]
    entities: dict[str, str]
    current: Truth | None = None

    def judge(
        self, states: dict[str, State], arrived: Sequence[Truth]
    ) -> tuple[list[tuple[str, Expected]], Truth | None]:
        """Return the entities no single reading explains, judged by the closest reading."""
        candidates = [*reversed(arrived), *([self.current] if self.current else [])]
        best: list[tuple[str, Expected]] | None = None
        best_truth: Truth | None = None
        for truth in candidates:
            misses = []
            for entity_id, key in self.entities.items():
                expected = self.expected(key, truth)
                if expected is not None and not agrees(states[entity_id], expected):
                    misses.append((entity_id, expected))
            if best is None or len(misses) < len(best):
                best, best_truth = misses, truth
            if not misses:
                break
        if best_truth is None:
            # No reading at all: nothing may be shown yet.
            shown = [
                (entity_id, Expected(None))
                for entity_id in self.entities
                if states[entity_id].state not in _NOT_SHOWN
            ]
            return shown, None
        self.current = best_truth
        return best or [], best_truth

    @property
    def current_settings(self) -> SettingsTruth | None:
        """Return the settings reading the settings entities last agreed with."""
        return self.current if isinstance(self.current, SettingsTruth) else None

    def has_nothing(self, entity_id: str) -> bool:
        """Return True when the last reading has no value at all for `entity_id`."""
        key = self.entities.get(entity_id)
        if key is None or self.current is None:
            return False
        expected = self.expected(key, self.current)
        return expected is not None and expected.value is None


class Judge:
    """Compares every entity of one unit with the truth of the readings behind it."""

    def __init__(self, hass: HomeAssistant, entry_id: str, radio: RecordingRadio) -> None:
        """Watch the entities of the config entry `entry_id` for the unit on `radio`."""
        self._hass = hass
        self._entry_id = entry_id
        self._radio = radio
        # Everything the unit sent since it went on the air: the readings of the setup too.
        self._seen_notifications = 0
        self._status = _Group(expected_status, {})
        self._settings = _Group(expected_setting, {})
        self._rssi: dict[str, str] = {}
        self._derived = DerivedChecks()
        self.unchecked: list[str] = []
        self.unavailable: Counter[str] = Counter()
        self.unknown: Counter[str] = Counter()
        self.wrong: list[WrongValue] = []
        self.states_compared = 0

    def track_entities(self) -> None:
        """Sort the entry's entities by the kind of reading that feeds them."""
        prefix = f"{format_mac(self._radio.address)}_"
        entries = er.async_entries_for_config_entry(er.async_get(self._hass), self._entry_id)
        # Any reading tells which keys its kind feeds; the setup has taken one of each.
        sample_status = next((kept[-1] for kept in self._radio.status.values()), None)
        sample_settings = next((kept[-1] for kept in self._radio.settings.values()), None)
        for entry in entries:
            key = entry.unique_id.removeprefix(prefix)
            if key == "rssi":
                self._rssi[entry.entity_id] = key
            elif self._derived.track(entry.entity_id, key):
                pass
            elif sample_status is not None and expected_status(key, sample_status) is not None:
                self._status.entities[entry.entity_id] = key
            elif sample_settings is not None and expected_setting(key, sample_settings):
                self._settings.entities[entry.entity_id] = key
            else:
                self.unchecked.append(entry.entity_id)

    @property
    def entity_ids(self) -> list[str]:
        """Return every entity that is judged."""
        return [
            *self._status.entities,
            *self._settings.entities,
            *self._rssi,
            *self._derived.entities,
        ]

    def observe(self, poll: int, *, polls: int, faults: tuple[str, ...]) -> bool:
        """Judge every entity now; returns True when every status value is shown.

        `polls`: how many polls ended since the last observation (unavailability is counted
        per poll); `faults`: the faults that fired since then, named in any wrong value.
        """
        notifications = self._radio.notifications
        stream = b"".join(notifications[self._seen_notifications :])
        self._seen_notifications = len(notifications)
        status, settings = self._radio.readings_in(stream)
        states: dict[str, State] = {}
        for entity_id in self.entity_ids:
            state = self._hass.states.get(entity_id)
            states[entity_id] = state or State(entity_id, STATE_UNAVAILABLE)
        misses, reading = self._status.judge(states, status)
        setting_misses, _ = self._settings.judge(states, settings)
        misses += setting_misses
        rssi = Expected(float(self._radio.rssi), 0, "dBm")
        misses += [
            (entity_id, rssi) for entity_id in self._rssi if not agrees(states[entity_id], rssi)
        ]
        found = [
            (entity_id, _show(states[entity_id], expected), _describe(expected))
            for entity_id, expected in misses
        ]
        self._derived.arrived(status)
        found += [
            (entity_id, _show(states[entity_id], Expected(None)), allowed)
            for entity_id, allowed in self._derived.judge(states, self._settings.current_settings)
        ]
        self.wrong += [WrongValue(poll, *wrong, faults) for wrong in found]
        healthy = reading is not None
        for entity_id, state in states.items():
            self.states_compared += 1
            if state.state == STATE_UNAVAILABLE:
                self.unavailable[entity_id] += polls
            elif state.state == STATE_UNKNOWN:
                if self._status.has_nothing(entity_id) or self._settings.has_nothing(entity_id):
                    continue  # the unit has no such value: unknown is right
                self.unknown[entity_id] += polls
            else:
                continue
            if entity_id in self._status.entities:
                healthy = False
        return healthy

    def energy_counted(self) -> dict[str, tuple[float, float]]:
        """Return, per energy counter, the Wh it showed last and what went through since."""
        return self._derived.energy_counted()

    def switch_contradicts(self, key: str, actual: bool) -> str | None:
        """Return what the switch `key` shows if that contradicts the unit's `actual` state."""
        entity_id = self.switch_entity(key)
        state = self._hass.states.get(entity_id)
        shown = STATE_UNAVAILABLE if state is None else state.state
        if shown in ("on", "off") and (shown == "on") != actual:
            return shown
        return None

    def switch_entity(self, key: str) -> str:
        """Return the entity id of the switch `key` (charge_mos, discharge_mos)."""
        found = er.async_get(self._hass).async_get_entity_id(
            "switch", "daly_bms", f"{format_mac(self._radio.address)}_{key}"
        )
        assert found is not None, f"no switch {key}"
        return found
