"""scripts/translations.py: resolves references, fills shared texts, reports what a language lacks.

Each test works on a copy of the integration's strings.json and translations, changed the way
a contributor would change them, and runs the script's command line on it.
"""

from __future__ import annotations

import json
from pathlib import Path
import shutil
import subprocess
import sys
from typing import Any

import pytest

from scripts import translations

PACKAGE = translations.PACKAGE
ALARM = ("entity", "sensor", "alarm")
PROBLEM_ALARMS = ("entity", "binary_sensor", "problem", "state_attributes", "active_alarms")


@pytest.fixture
def package(tmp_path: Path) -> Path:
    """A copy of the integration's texts to change."""
    copy = tmp_path / "daly_bms"
    (copy / "translations").mkdir(parents=True)
    shutil.copy(PACKAGE / "strings.json", copy / "strings.json")
    for path in (PACKAGE / "translations").glob("*.json"):
        shutil.copy(path, copy / "translations" / path.name)
    return copy


def _read(package: Path, name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((package / name).read_text(encoding="utf-8"))
    return loaded


def _write(package: Path, name: str, tree: dict[str, Any]) -> None:
    (package / name).write_text(json.dumps(tree, indent=2, ensure_ascii=False) + "\n", "utf-8")


def _run(package: Path, *command: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = translations.main([*command, "--package", str(package)])
    out, err = capsys.readouterr()
    return code, out + err


def test_the_repository_needs_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    """Every shipped language is complete and every file is what build writes."""
    code, out = _run(PACKAGE, capsys=capsys)
    assert code == 0, out
    assert "en: complete" in out


def test_runs_as_a_script_on_the_standard_library(package: Path) -> None:
    """The command line works without the test environment's packages."""
    done = subprocess.run(
        [sys.executable, "-S", "-I", str(Path(translations.__file__)), "--package", str(package)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "de: complete" in done.stdout


def test_reports_each_kind_of_gap_in_a_language(
    package: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Missing (with the English to translate), extra, placeholders, empty, apostrophes."""
    french = _read(package, "translations/fr.json")
    del french["config"]["abort"]["already_configured"]
    french["config"]["abort"]["gone_key"] = "Texte orphelin"
    french["exceptions"]["connection_lost"]["message"] = "Connexion perdue ({erreur})"
    french["config"]["step"]["unit"]["title"] = " "
    french["exceptions"]["timeout"]["message"] = "L'appareil n'{name} répond plus"
    _write(package, "translations/fr.json", french)

    code, out = _run(package, capsys=capsys)

    assert code == 1
    assert 'missing  config.abort.already_configured: "This unit is already set up."' in out
    assert "extra    config.abort.gone_key" in out
    assert "exceptions.connection_lost.message: ['erreur'], English has ['error', 'name']" in out
    assert "empty    config.step.unit.title" in out
    assert "exceptions.timeout.message: an apostrophe before a brace" in out
    assert "de: complete" in out


def test_an_unreadable_placeholder_is_reported(
    package: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A stray brace makes Home Assistant drop the text; the report says so."""
    czech = _read(package, "translations/cs.json")
    czech["exceptions"]["connection_lost"]["message"] = "Spojení s {name ztraceno ({error})"
    _write(package, "translations/cs.json", czech)

    code, out = _run(package, capsys=capsys)

    assert code == 1
    assert "exceptions.connection_lost.message: unreadable, English has ['error', 'name']" in out


def test_a_new_english_text_is_missing_everywhere_until_translated(
    package: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Adding to strings.json: build writes English, the report lists what to translate."""
    strings = _read(package, "strings.json")
    assert "grid_frequency" not in strings["entity"]["sensor"], "pick a key that is not real"
    strings["entity"]["sensor"]["grid_frequency"] = {"name": "Grid frequency"}
    _write(package, "strings.json", strings)

    code, out = _run(package, "build", capsys=capsys)

    assert code == 1
    assert _read(package, "translations/en.json")["entity"]["sensor"]["grid_frequency"] == {
        "name": "Grid frequency"
    }
    missing = [line for line in out.splitlines() if "grid_frequency" in line]
    assert len(missing) == len(translations.languages(package)) - 1
    assert all(line.endswith(': "Grid frequency"') for line in missing)

    for language in translations.languages(package)[1:]:
        texts = _read(package, f"translations/{language}.json")
        texts["entity"]["sensor"]["grid_frequency"] = {"name": f"{language} frequency"}
        _write(package, f"translations/{language}.json", texts)
    code, out = _run(package, "build", capsys=capsys)
    assert code == 0, out


def test_build_fills_shared_texts_from_each_language(
    package: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A translator changes an alarm name once; build carries it to every reference."""
    italian = _read(package, "translations/it.json")
    italian["entity"]["sensor"]["alarm"]["state"]["eeprom_fault"] = "EEPROM guasta"
    _write(package, "translations/it.json", italian)

    code, out = _run(package, capsys=capsys)
    assert code == 1
    assert "translations/it.json is not what build writes: run build" in out

    code, out = _run(package, "build", capsys=capsys)
    assert code == 0, out
    assert "written: it" in out
    italian = _read(package, "translations/it.json")
    problem = italian["entity"]["binary_sensor"]["problem"]["state_attributes"]
    assert problem["active_alarms"]["state"]["eeprom_fault"] == "EEPROM guasta"
    sensor = italian["entity"]["sensor"]["alarm"]["state_attributes"]
    assert sensor["active_alarms"]["state"]["eeprom_fault"] == "EEPROM guasta"


def test_build_resolves_english_and_orders_and_prunes_languages(
    package: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """en.json follows strings.json; a language loses texts strings.json dropped."""
    strings = _read(package, "strings.json")
    strings["entity"]["sensor"]["alarm"]["state"]["eeprom_fault"] = "Memory fault"
    del strings["config"]["abort"]["bank_reconfigure"]
    _write(package, "strings.json", strings)
    german = _read(package, "translations/de.json")
    german = {"exceptions": german.pop("exceptions"), **german}
    _write(package, "translations/de.json", german)

    code, out = _run(package, "build", capsys=capsys)

    assert code == 0, out
    english = _read(package, "translations/en.json")
    assert english["entity"]["binary_sensor"]["problem"]["state_attributes"]["active_alarms"][
        "state"
    ]["eeprom_fault"] == ("Memory fault")
    assert "[%" not in json.dumps(english)
    german = _read(package, "translations/de.json")
    assert list(german) == list(strings)
    assert "bank_reconfigure" not in german["config"]["abort"]
    code, out = _run(package, "build", capsys=capsys)
    assert "nothing to write" in out


@pytest.mark.parametrize(
    ("text", "complaint"),
    [
        (
            "[%key:component::daly_bms::entity::sensor::alarm::name%] limit",
            "a reference must be the whole text",
        ),
        ("[%key:common::state::on%]", "only keys of component::daly_bms can be referenced"),
        ("[%key:component::daly_bms%]", "only keys of component::daly_bms can be referenced"),
        (
            "[%key:component::daly_bms::entity::sensor::no_such::name%]",
            "refers to entity.sensor.no_such.name, which does not exist",
        ),
        (
            "[%key:component::daly_bms::entity::binary_sensor::problem::state_attributes"
            "::active_alarms::state::eeprom_fault%]",
            "refers to entity.binary_sensor.problem.state_attributes.active_alarms.state"
            ".eeprom_fault, itself a reference; refer to the text directly",
        ),
    ],
)
def test_references_hassfest_would_refuse_stop_the_build(
    package: Path, capsys: pytest.CaptureFixture[str], text: str, complaint: str
) -> None:
    """A reference that is part of a text, foreign, dangling or chained is an error."""
    strings = _read(package, "strings.json")
    strings["entity"]["sensor"]["cycles"]["name"] = text
    _write(package, "strings.json", strings)
    before = (package / "translations" / "en.json").read_text(encoding="utf-8")

    code, out = _run(package, "build", capsys=capsys)

    assert code == 1
    assert f"entity.sensor.cycles.name: {complaint}" in out
    assert (package / "translations" / "en.json").read_text(encoding="utf-8") == before


def test_a_broken_file_is_an_error_not_a_crash(
    package: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """JSON that does not parse, or is not an object, is named."""
    (package / "translations" / "pl.json").write_text("{", encoding="utf-8")
    code, out = _run(package, capsys=capsys)
    assert code == 1
    assert out.startswith("translations:")

    (package / "translations" / "pl.json").write_text("[]", encoding="utf-8")
    code, out = _run(package, capsys=capsys)
    assert code == 1
    assert "pl.json: not a JSON object" in out

    strings = _read(package, "strings.json")
    strings["entity"]["sensor"]["cycles"]["name"] = 3
    _write(package, "strings.json", strings)
    code, out = _run(package, capsys=capsys)
    assert code == 1
    assert "entity.sensor.cycles.name: not a text" in out
