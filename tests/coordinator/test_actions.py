"""The messages of a refused setting: every value as a number with the setting's unit."""

from __future__ import annotations

from homeassistant.exceptions import HomeAssistantError, ServiceValidationError

from custom_components.daly_bms.actions import setting_error
from custom_components.daly_bms.const import DOMAIN
from custom_components.daly_bms.protocol import Setting, SettingKind

CAPACITY = Setting(
    key="rated_capacity",
    kind=SettingKind.NUMBER,
    register=0x80,
    scale=0.1,
    step=0.1,
    minimum=1.0,
    maximum=5000.0,
    unit="Ah",
)
SLEEP = Setting(key="sleep_time", kind=SettingKind.NUMBER, register=0x8A, maximum=65534.0)


def test_out_of_range_names_the_value_and_the_range_with_the_unit() -> None:
    error = setting_error(
        ServiceValidationError,
        "setting_out_of_range",
        "Shed battery",
        "Rated capacity",
        CAPACITY,
        value=6553.5,
        minimum=CAPACITY.minimum,
        maximum=CAPACITY.maximum,
    )
    assert isinstance(error, ServiceValidationError)
    assert error.translation_domain == DOMAIN
    assert error.translation_key == "setting_out_of_range"
    assert error.translation_placeholders == {
        "name": "Shed battery",
        "setting": "Rated capacity",
        "value": "6553.5 Ah",
        "minimum": "1 Ah",
        "maximum": "5000 Ah",
    }


def test_a_value_the_unit_did_not_report_and_a_setting_without_unit() -> None:
    error = setting_error(
        HomeAssistantError,
        "setting_not_followed",
        "Shed battery",
        "Sleep time",
        SLEEP,
        value=7200.0,
        actual=None,
    )
    assert type(error) is HomeAssistantError
    assert error.translation_placeholders == {
        "name": "Shed battery",
        "setting": "Sleep time",
        "value": "7200",
        "actual": "?",
    }
