"""The dashboard builder: every entity the integration creates finds its card."""

from __future__ import annotations

from typing import Any

from demo.dashboard import Battery, build_dashboard, history_hours, is_placed

SETTINGS = (
    ("number", "rated_capacity"),
    ("number", "soc_setting"),
    ("number", "sleep_time"),
    ("switch", "never_sleep"),
    ("switch", "balancer"),
)


def _full_battery(cells: int = 16, *, switches: bool = True) -> Battery:
    entities: dict[tuple[str, str], str] = {
        ("sensor", key): f"sensor.pack_{key}"
        for key in (
            "soc",
            "power",
            "voltage",
            "current",
            "state",
            "remaining_capacity",
            "cycles",
            "energy_charged",
            "energy_discharged",
            "time_to_full",
            "time_to_empty",
            "cell_voltage_min",
            "cell_voltage_max",
            "cell_voltage_delta",
            "alarm",
            "mos_temperature",
        )
    }
    for number in range(1, cells + 1):
        entities[("sensor", f"cell_voltage_{number}")] = f"sensor.pack_cell_{number}"
    for number in (1, 2):
        entities[("sensor", f"temperature_{number}")] = f"sensor.pack_temperature_{number}"
    entities[("binary_sensor", "balancing")] = "binary_sensor.pack_balancing"
    mos_domain = "switch" if switches else "binary_sensor"
    for key in ("charge_mos", "discharge_mos"):
        entities[(mos_domain, key)] = f"{mos_domain}.pack_{key}"
    for domain, key in SETTINGS:
        entities[(domain, key)] = f"{domain}.pack_{key}"
    return Battery(name="DL-40D63C3223A2", entities=entities)


def _cards(config: dict[str, Any], section: int = 0) -> dict[str, dict[str, Any]]:
    cards = config["views"][0]["sections"][section]["cards"]
    return {card.get("title") or card.get("name") or card["type"]: card for card in cards}


def _row_ids(card: dict[str, Any]) -> list[str]:
    return [row["entity"] if isinstance(row, dict) else row for row in card["entities"]]


def test_each_battery_gets_a_section_with_its_entities() -> None:
    config = build_dashboard([_full_battery()], speed=60, auto_confirm=True)
    cards = _cards(config)

    assert cards["heading"]["heading"] == "DL-40D63C3223A2"
    assert cards["State of charge"]["entity"] == "sensor.pack_soc"
    assert cards["Power"]["entity"] == "sensor.pack_power"
    # No average sensor in this set: the row is simply left out.
    assert _row_ids(cards["Cells"]) == [
        "sensor.pack_cell_voltage_min",
        "sensor.pack_cell_voltage_max",
        "sensor.pack_cell_voltage_delta",
    ]
    assert _row_ids(cards["Temperatures"]) == [
        "sensor.pack_temperature_1",
        "sensor.pack_temperature_2",
        "sensor.pack_mos_temperature",
    ]
    assert _row_ids(cards["MOS switches"]) == [
        "switch.pack_charge_mos",
        "switch.pack_discharge_mos",
    ]
    assert "More" not in cards


def test_energy_counters_and_runtime_have_a_card() -> None:
    cards = _cards(build_dashboard([_full_battery()], speed=60, auto_confirm=True))

    assert _row_ids(cards["Energy"]) == [
        "sensor.pack_energy_charged",
        "sensor.pack_energy_discharged",
        "sensor.pack_time_to_full",
        "sensor.pack_time_to_empty",
    ]


def test_no_card_switches_both_mosfets_with_one_tap() -> None:
    """An entities card with a title shows a header toggle for all its switches unless told."""
    config = build_dashboard([_bank(), _full_battery()], speed=60, auto_confirm=True)
    entities_cards = [
        card
        for section in config["views"][0]["sections"]
        for card in section["cards"]
        if card["type"] == "entities"
    ]
    switches = [card for card in entities_cards if any("switch." in r for r in _row_ids(card))]
    assert {card["title"] for card in switches} == {"MOS switches", "Settings", "Paralleling"}
    assert all(card["show_header_toggle"] is False for card in entities_cards)


def test_the_settings_a_user_may_change_have_a_card() -> None:
    cards = _cards(build_dashboard([_full_battery()], speed=60, auto_confirm=True))

    assert _row_ids(cards["Settings"]) == [
        "number.pack_rated_capacity",
        "number.pack_soc_setting",
        "number.pack_sleep_time",
        "switch.pack_never_sleep",
        "switch.pack_balancer",
    ]
    assert [row["name"] for row in cards["Settings"]["entities"]] == [
        "Rated capacity",
        "State of charge calibration",
        "Sleep time",
        "Never sleep",
        "Balancer",
    ]
    for domain, key in SETTINGS:
        assert is_placed(domain, key), key


def test_a_unit_with_only_the_soc_to_set_gets_a_settings_card_of_one_row() -> None:
    battery = Battery(
        name="Shed battery",
        entities={
            ("sensor", "soc"): "sensor.shed_soc",
            ("number", "soc_setting"): "number.shed_soc_setting",
        },
    )
    cards = _cards(build_dashboard([battery], speed=60, auto_confirm=True))

    assert _row_ids(cards["Settings"]) == ["number.shed_soc_setting"]


def test_cells_are_listed_in_number_order() -> None:
    cards = _cards(build_dashboard([_full_battery(16)], speed=60, auto_confirm=True))
    cells = cards["Cell voltages"]["entities"]

    assert [row["name"] for row in cells] == [f"Cell {number}" for number in range(1, 17)]
    assert cells[9]["entity"] == "sensor.pack_cell_10"


def test_missing_entities_leave_their_cards_out() -> None:
    battery = Battery(name="JHB-50181201A494", entities={("sensor", "soc"): "sensor.soc"})
    cards = _cards(build_dashboard([battery], speed=60, auto_confirm=True))

    assert set(cards) == {"heading", "State of charge", "State of charge and power"}


def test_read_only_mos_states_stand_in_for_switches() -> None:
    cards = _cards(build_dashboard([_full_battery(switches=False)], speed=60, auto_confirm=True))

    assert _row_ids(cards["MOS switches"]) == [
        "binary_sensor.pack_charge_mos",
        "binary_sensor.pack_discharge_mos",
    ]


def test_entities_without_a_place_are_listed_not_lost() -> None:
    battery = Battery(
        name="DL-40D63C3223A2",
        entities={("sensor", "soc"): "sensor.soc"},
        extra=("sensor.pack_signal_strength",),
    )
    cards = _cards(build_dashboard([battery], speed=60, auto_confirm=True))

    assert cards["More"]["entities"] == ["sensor.pack_signal_strength"]


def test_two_batteries_side_by_side() -> None:
    config = build_dashboard([_full_battery(16), _full_battery(8)], speed=60, auto_confirm=True)
    view = config["views"][0]

    assert view["type"] == "sections"
    assert len(view["sections"]) == 2
    assert len(_cards(config, 1)["Cell voltages"]["entities"]) == 8


def test_before_any_battery_the_page_says_what_happens_next() -> None:
    automatic = _cards(build_dashboard([], speed=60, auto_confirm=True))
    manual = _cards(build_dashboard([], speed=60, auto_confirm=False))

    assert "automatically" in automatic["Looking for batteries"]["content"]
    assert "Discovered" in manual["Looking for batteries"]["content"]


def test_keys_with_a_card_of_their_own() -> None:
    assert is_placed("sensor", "cell_voltage_24")
    assert is_placed("sensor", "temperature_3")
    assert is_placed("switch", "charge_mos")
    assert not is_placed("sensor", "rssi")
    assert not is_placed("switch", "cell_voltage_1")


def test_history_covers_about_two_simulated_days() -> None:
    assert history_hours(1) == 48
    assert history_hours(60) == 0.8
    assert history_hours(1_000_000) == 0.1


def _bank() -> Battery:
    keys = {
        "sensor": (
            "soc",
            "power",
            "current",
            "remaining_capacity",
            "stored_energy",
            "packs_available",
            "pack_voltage_spread",
            "energy_charged",
            "energy_discharged",
            "cell_voltage_min",
            "cell_voltage_max",
            "alarm",
        ),
        "binary_sensor": ("ready_to_parallel", "problem"),
        "switch": ("charge_mos", "discharge_mos"),
    }
    entities = {
        (domain, key): f"{domain}.house_bank_{key}"
        for domain, names in keys.items()
        for key in names
    }
    return Battery(name="House bank", entities=entities, bank=True)


def test_a_bank_gets_its_totals_paralleling_and_the_packs_that_hold_extremes() -> None:
    cards = _cards(build_dashboard([_bank()], speed=60, auto_confirm=True))

    assert cards["heading"]["icon"] == "mdi:battery-sync"
    assert cards["State of charge"]["entity"] == "sensor.house_bank_soc"
    assert _row_ids(cards["Bank"]) == [
        "sensor.house_bank_current",
        "sensor.house_bank_remaining_capacity",
        "sensor.house_bank_stored_energy",
        "sensor.house_bank_packs_available",
        "sensor.house_bank_energy_charged",
        "sensor.house_bank_energy_discharged",
    ]
    paralleling = cards["Paralleling"]["entities"]
    assert paralleling[0] == {
        "entity": "binary_sensor.house_bank_ready_to_parallel",
        "name": "Ready to parallel",
    }
    assert [row.get("attribute") for row in paralleling[1:3]] == ["highest_pack", "lowest_pack"]
    assert _row_ids(cards["Paralleling"])[3:] == [
        "sensor.house_bank_pack_voltage_spread",
        "switch.house_bank_discharge_mos",
        "switch.house_bank_charge_mos",
    ]
    cells = cards["Cells of the bank"]["entities"]
    assert cells[1] == {
        "type": "attribute",
        "entity": "sensor.house_bank_cell_voltage_min",
        "attribute": "pack",
        "name": "In pack",
    }
    assert _row_ids(cards["Alarms"]) == [
        "binary_sensor.house_bank_problem",
        "sensor.house_bank_alarm",
        "sensor.house_bank_alarm",
    ]
    # A bank has no pack voltage, cells or temperatures of its own.
    assert not {"Pack", "Cell voltages", "Temperatures", "MOS switches"} & set(cards)
    for domain, key in _bank().entities:
        assert is_placed(domain, key), key
