"""The demo's battery dashboard, built from Home Assistant's own card types.

The dashboard is generated from what the entity registry holds, not from entity ids
written in advance: each entity is found by the key its unique id ends with
(``<address>_<key>``), so renamed entities, translated names or a different set of cells
and sensors still give a complete page. Entities the builder does not know are listed
at the end of their battery's section instead of being lost.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
import re
from typing import Any

DASHBOARD_URL_PATH = "daly-batteries"
DASHBOARD_TITLE = "Batteries"
DASHBOARD_ICON = "mdi:home-battery"
BANK_ICON = "mdi:battery-sync"

Card = dict[str, Any]
# (entity domain, key from the unique id) -> entity id
EntityIndex = Mapping[tuple[str, str], str]

_NUMBERED = re.compile(r"^(?P<base>[a-z_]+?)_(?P<number>\d+)$")
NUMBERED_BASES = frozenset({"cell_voltage", "temperature"})


@dataclass(frozen=True, slots=True)
class Battery:
    """One configured unit or bank: its device name and its enabled entities by key."""

    name: str
    entities: EntityIndex
    extra: tuple[str, ...] = field(default=())
    bank: bool = False  # a bank of packs in parallel rather than one unit


def numbered(entities: EntityIndex, domain: str, base: str) -> list[tuple[int, str]]:
    """Return (number, entity id) of keys like ``cell_voltage_7``, in number order."""
    found = []
    for (entity_domain, key), entity_id in entities.items():
        match = _NUMBERED.match(key)
        if entity_domain == domain and match is not None and match["base"] == base:
            found.append((int(match["number"]), entity_id))
    return sorted(found)


def history_hours(speed: float) -> float:
    """Hours of history that show about two simulated days at `speed`."""
    return round(min(48.0, max(0.1, 48.0 / speed)), 2)


def _row(entity_id: str, name: str) -> Card:
    return {"entity": entity_id, "name": name}


def _rows(entities: EntityIndex, wanted: list[tuple[str, str, str]]) -> list[Card]:
    return [
        _row(entity_id, name)
        for domain, key, name in wanted
        if (entity_id := entities.get((domain, key))) is not None
    ]


def _full(card: Card) -> Card:
    return {**card, "grid_options": {"columns": "full"}}


def _entities_card(title: str, rows: list[Card] | list[str]) -> Card:
    # No header toggle: one tap on it would flip every switch of the card at once, both
    # MOSFETs of a pack included.
    return _full(
        {"type": "entities", "title": title, "show_header_toggle": False, "entities": rows}
    )


def _half(card: Card) -> Card:
    return {**card, "grid_options": {"columns": 6}}


def _soc_and_power_cards(battery: Battery, hours: float) -> list[Card]:
    entities = battery.entities
    cards: list[Card] = []
    if soc := entities.get(("sensor", "soc")):
        cards.append(
            _half(
                {
                    "type": "gauge",
                    "entity": soc,
                    "name": "State of charge",
                    "min": 0,
                    "max": 100,
                    "needle": True,
                    "severity": {"green": 50, "yellow": 20, "red": 0},
                }
            )
        )
    if power := entities.get(("sensor", "power")):
        # A gauge would need a range per battery size; a line graph needs none.
        cards.append(
            _half(
                {
                    "type": "sensor",
                    "entity": power,
                    "name": "Power",
                    "graph": "line",
                    "hours_to_show": hours,
                }
            )
        )
    return cards


def _pack_cards(battery: Battery) -> list[Card]:
    pack = _rows(
        battery.entities,
        [
            ("sensor", "voltage", "Voltage"),
            ("sensor", "current", "Current"),
            ("sensor", "state", "State"),
            ("sensor", "remaining_capacity", "Remaining"),
            ("sensor", "stored_energy", "Stored energy"),
            ("sensor", "cycles", "Cycles"),
        ],
    )
    cards = []
    if pack:
        cards.append(_full({"type": "glance", "title": "Pack", "columns": 3, "entities": pack}))
    energy = _rows(
        battery.entities,
        [
            ("sensor", "energy_charged", "Charged"),
            ("sensor", "energy_discharged", "Discharged"),
            ("sensor", "time_to_full", "Full in"),
            ("sensor", "time_to_empty", "Empty in"),
        ],
    )
    if energy:
        cards.append(_full({"type": "glance", "title": "Energy", "columns": 4, "entities": energy}))
    return cards


def _history_cards(battery: Battery, hours: float) -> list[Card]:
    entities = battery.entities
    cards: list[Card] = []
    graphed = _rows(entities, [("sensor", "soc", "State of charge"), ("sensor", "power", "Power")])
    if graphed:
        cards.append(
            _full(
                {
                    "type": "history-graph",
                    "title": "State of charge and power",
                    "hours_to_show": hours,
                    "entities": graphed,
                }
            )
        )
    return cards


def _detail_cards(battery: Battery) -> list[Card]:
    entities = battery.entities
    cards: list[Card] = []
    summary = _rows(
        entities,
        [
            ("sensor", "cell_voltage_min", "Lowest"),
            ("sensor", "cell_voltage_avg", "Average"),
            ("sensor", "cell_voltage_max", "Highest"),
            ("sensor", "cell_voltage_delta", "Difference"),
        ],
    )
    cells = [
        _row(entity_id, f"Cell {number}")
        for number, entity_id in numbered(entities, "sensor", "cell_voltage")
    ]
    for title, rows in (("Cells", summary), ("Cell voltages", cells)):
        if rows:
            cards.append(
                _full(
                    {
                        "type": "glance",
                        "title": title,
                        "columns": 4,
                        "show_icon": False,
                        "entities": rows,
                    }
                )
            )
    temperatures = [
        _row(entity_id, f"Sensor {number}")
        for number, entity_id in numbered(entities, "sensor", "temperature")
    ] + _rows(
        entities,
        [("sensor", "mos_temperature", "MOS"), ("sensor", "board_temperature", "Board")],
    )
    if temperatures:
        cards.append(
            _full(
                {"type": "glance", "title": "Temperatures", "columns": 4, "entities": temperatures}
            )
        )
    health = _rows(
        entities,
        [
            ("binary_sensor", "balancing", "Balancing"),
            ("sensor", "balance_current", "Balance current"),
            ("binary_sensor", "problem", "Problem"),
            ("sensor", "alarm", "Alarms"),
        ],
    )
    if health:
        cards.append(_entities_card("Balancing and alarms", health))
    # Units whose firmware cannot switch the MOSFETs get read-only binary sensors instead.
    mos = _rows(
        entities,
        [("switch", "charge_mos", "Charge MOS"), ("switch", "discharge_mos", "Discharge MOS")],
    ) or _rows(
        entities,
        [
            ("binary_sensor", "charge_mos", "Charge MOS"),
            ("binary_sensor", "discharge_mos", "Discharge MOS"),
        ],
    )
    if mos:
        cards.append(_entities_card("MOS switches", mos))
    settings = _rows(
        entities,
        [
            ("number", "rated_capacity", "Rated capacity"),
            ("number", "soc_setting", "State of charge calibration"),
            ("number", "sleep_time", "Sleep time"),
            ("switch", "never_sleep", "Never sleep"),
            ("switch", "balancer", "Balancer"),
        ],
    )
    if settings:
        cards.append(_entities_card("Settings", settings))
    if battery.extra:
        cards.append(_entities_card("More", list(battery.extra)))
    return cards


def _attribute_row(entity_id: str, attribute: str, name: str) -> Card:
    return {"type": "attribute", "entity": entity_id, "attribute": attribute, "name": name}


def _with_pack(entities: EntityIndex, domain: str, key: str, name: str, pack: str) -> list[Card]:
    """A bank value and, under it, the pack it comes from (an attribute of the entity)."""
    if (entity_id := entities.get((domain, key))) is None:
        return []
    return [_row(entity_id, name), _attribute_row(entity_id, "pack", pack)]


def _bank_cards(battery: Battery) -> list[Card]:
    entities = battery.entities
    cards: list[Card] = []
    totals = _rows(
        entities,
        [
            ("sensor", "current", "Current"),
            ("sensor", "remaining_capacity", "Remaining"),
            ("sensor", "stored_energy", "Stored energy"),
            ("sensor", "packs_available", "Packs"),
            ("sensor", "energy_charged", "Charged"),
            ("sensor", "energy_discharged", "Discharged"),
        ],
    )
    if totals:
        cards.append(_full({"type": "glance", "title": "Bank", "columns": 3, "entities": totals}))
    paralleling = _rows(entities, [("binary_sensor", "ready_to_parallel", "Ready to parallel")])
    if ready := entities.get(("binary_sensor", "ready_to_parallel")):
        paralleling += [
            _attribute_row(ready, "highest_pack", "Highest pack"),
            _attribute_row(ready, "lowest_pack", "Lowest pack"),
        ]
    paralleling += _rows(
        entities,
        [
            ("sensor", "pack_voltage_spread", "Pack voltage spread"),
            ("switch", "discharge_mos", "Discharge MOS, every pack"),
            ("switch", "charge_mos", "Charge MOS, every pack"),
        ],
    )
    if paralleling:
        cards.append(_entities_card("Paralleling", paralleling))
    cells = _with_pack(
        entities, "sensor", "cell_voltage_min", "Lowest cell", "In pack"
    ) + _with_pack(entities, "sensor", "cell_voltage_max", "Highest cell", "In pack")
    if cells:
        cards.append(_entities_card("Cells of the bank", cells))
    alarms = _rows(entities, [("binary_sensor", "problem", "Problem")]) + _with_pack(
        entities, "sensor", "alarm", "Alarm", "In pack"
    )
    if alarms:
        cards.append(_entities_card("Alarms", alarms))
    if battery.extra:
        cards.append(_entities_card("More", list(battery.extra)))
    return cards


def battery_section(battery: Battery, *, hours: float) -> Card:
    """Return one grid section showing everything about `battery` (a unit or a bank)."""
    heading: Card = {
        "type": "heading",
        "heading": battery.name,
        "heading_style": "title",
        "icon": BANK_ICON if battery.bank else DASHBOARD_ICON,
    }
    if battery.bank:
        details = _bank_cards(battery)
    else:
        details = [*_pack_cards(battery), *_detail_cards(battery)]
    return {
        "type": "grid",
        "cards": [
            heading,
            *_soc_and_power_cards(battery, hours),
            *details,
            *_history_cards(battery, hours),
        ],
    }


_PLACED_SENSORS = (
    "soc",
    "power",
    "voltage",
    "current",
    "state",
    "remaining_capacity",
    "stored_energy",
    "energy_charged",
    "energy_discharged",
    "time_to_full",
    "time_to_empty",
    "cycles",
    "mos_temperature",
    "board_temperature",
    "balance_current",
    "cell_voltage_min",
    "cell_voltage_avg",
    "cell_voltage_max",
    "cell_voltage_delta",
    "alarm",
    "packs_available",
    "pack_voltage_spread",
)
_PLACED_OTHERS = (
    # Said already by the state sensor ("Charging"), so it gets no row of its own.
    ("binary_sensor", "charging"),
    ("binary_sensor", "balancing"),
    ("binary_sensor", "problem"),
    ("binary_sensor", "ready_to_parallel"),
    ("binary_sensor", "charge_mos"),
    ("binary_sensor", "discharge_mos"),
    ("switch", "charge_mos"),
    ("switch", "discharge_mos"),
    ("number", "rated_capacity"),
    ("number", "soc_setting"),
    ("number", "sleep_time"),
    ("switch", "never_sleep"),
    ("switch", "balancer"),
)


def is_placed(domain: str, key: str) -> bool:
    """Tell whether an entity with this key gets a place of its own on the dashboard."""
    if (domain == "sensor" and key in _PLACED_SENSORS) or (domain, key) in _PLACED_OTHERS:
        return True
    match = _NUMBERED.match(key)
    return domain == "sensor" and match is not None and match["base"] in NUMBERED_BASES


def build_dashboard(batteries: list[Battery], *, speed: float, auto_confirm: bool) -> Card:
    """Return the Lovelace config of the whole dashboard."""
    view: Card = {
        "title": DASHBOARD_TITLE,
        "path": "batteries",
        "icon": DASHBOARD_ICON,
        "type": "sections",
        "max_columns": 2,
    }
    if batteries:
        hours = history_hours(speed)
        view["sections"] = [battery_section(battery, hours=hours) for battery in batteries]
    else:
        view["sections"] = [{"type": "grid", "cards": [_full(waiting_card(auto_confirm))]}]
    return {"title": DASHBOARD_TITLE, "views": [view]}


def waiting_card(auto_confirm: bool) -> Card:
    """Return the card shown until the first battery is set up."""
    if auto_confirm:
        next_step = "They are being added automatically; this page fills in as soon as they are."
    else:
        next_step = (
            "Open **Settings → Devices & services**: each one waits under *Discovered*. "
            "Press **Add** to confirm it; this page fills in once a battery is added."
        )
    return {
        "type": "markdown",
        "title": "Looking for batteries",
        "content": (
            "A simulated Bluetooth proxy is advertising four simulated Daly BMS units "
            "(two `DL-` packs of one bank, a `JHB-` and an older A5 unit renamed "
            f"*Shed battery*). {next_step}"
        ),
    }
