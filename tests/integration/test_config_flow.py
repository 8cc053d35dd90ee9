"""The config flow: discovery, the pick list, every error, options and reconfigure."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from homeassistant.components import bluetooth
from homeassistant.config_entries import SOURCE_BLUETOOTH, ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers.device_registry import format_mac

from simproxy import SimulatedBluetoothProxy
from simulator.faults import FaultKind
from simulator.foreign import ForeignDevice
from simulator.radio import RadioUnit
from tests.ha_bluetooth import SlotHolders

from .common import (
    DOMAIN,
    confirm_found,
    mock_entry,
    setup_entry,
    start_unit_flow,
    unit_device,
    writes,
)

FFF0 = "0000fff0-0000-1000-8000-00805f9b34fb"
ATTEMPTS = 3  # connection attempts the integration makes per try


def _service_info(hass: HomeAssistant, radio: RadioUnit) -> bluetooth.BluetoothServiceInfoBleak:
    info = bluetooth.async_last_service_info(hass, radio.address, connectable=True)
    assert info is not None
    return info


async def _discovery_flow(hass: HomeAssistant, radio: RadioUnit) -> dict:
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_BLUETOOTH}, data=_service_info(hass, radio)
    )
    return dict(result)


async def test_discovery_confirm_creates_entry(
    hass: HomeAssistant, add_simulated_unit: Callable[..., RadioUnit]
) -> None:
    """An advertisement starts a flow; confirming checks the unit and creates the entry."""
    radio = add_simulated_unit(name="DL-40D63C3223A2")
    await hass.async_block_till_done(wait_background_tasks=True)

    [flow] = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert flow["step_id"] == "bluetooth_confirm"
    assert flow["context"]["title_placeholders"] == {"name": "DL-40D63C3223A2"}
    shown = await hass.config_entries.flow.async_configure(flow["flow_id"])
    assert shown["type"] is FlowResultType.FORM
    assert shown["description_placeholders"] == {
        "name": "DL-40D63C3223A2",
        "model": "Daly Smart BMS",
    }

    result = await hass.config_entries.flow.async_configure(flow["flow_id"], {})
    result = await confirm_found(hass, result)
    await hass.async_block_till_done(wait_background_tasks=True)

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "DL-40D63C3223A2"
    assert result["data"] == {
        "address": radio.address,
        "name": "DL-40D63C3223A2",
        "dialect": "d2",
    }
    assert result["result"].unique_id == format_mac(radio.address)
    assert result["result"].state is ConfigEntryState.LOADED
    assert writes(radio) == []


async def test_discovery_shows_100balance_model(
    hass: HomeAssistant, add_simulated_unit: Callable[..., RadioUnit]
) -> None:
    """A JHB- unit is presented as a 100balance unit before any connection."""
    radio = add_simulated_unit(name="JHB-50181201A494")
    result = await _discovery_flow(hass, radio)
    assert result["description_placeholders"]["model"] == "100balance Balance BMS"
    assert radio.requests == []


async def test_100balance_unit_renamed_in_the_app_stays_100balance(
    hass: HomeAssistant,
    simulated_proxy: SimulatedBluetoothProxy,
    add_simulated_unit: Callable[..., RadioUnit],
) -> None:
    """A JHB unit given a name of its own still says JHB in its maker data: the flow and
    the device registry both call it a 100balance unit."""
    radio = add_simulated_unit(name="JHB-50181201A494", dialect="p81", advertise=False)
    radio.unit.name = "Shed battery bank"
    simulated_proxy.async_advertise(radio)
    await hass.async_block_till_done(wait_background_tasks=True)

    [flow] = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    shown = await hass.config_entries.flow.async_configure(flow["flow_id"])
    assert shown["description_placeholders"] == {
        "name": "Shed battery bank",
        "model": "100balance Balance BMS",
    }
    result = await hass.config_entries.flow.async_configure(flow["flow_id"], {})
    result = await confirm_found(hass, result, "p81")
    await hass.async_block_till_done(wait_background_tasks=True)
    device = unit_device(hass, result["result"], radio)
    assert device.manufacturer == "100balance"
    assert device.model == "Balance BMS 16S"


async def test_discovery_of_configured_unit_aborts(
    hass: HomeAssistant, add_simulated_unit: Callable[..., RadioUnit]
) -> None:
    """The same unit cannot be added twice."""
    radio = add_simulated_unit()
    mock_entry(radio).add_to_hass(hass)
    result = await _discovery_flow(hass, radio)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


async def test_confirm_when_unit_refuses_then_accepts(
    hass: HomeAssistant, add_simulated_unit: Callable[..., RadioUnit]
) -> None:
    """Another central holding the unit gives cannot_connect; a retry succeeds."""
    radio = add_simulated_unit()
    flow = await _discovery_flow(hass, radio)
    radio.faults.inject(FaultKind.REFUSE, times=ATTEMPTS)

    result = await hass.config_entries.flow.async_configure(flow["flow_id"], {})
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "cannot_connect"}

    result = await hass.config_entries.flow.async_configure(flow["flow_id"], {})
    result = await confirm_found(hass, result)
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_confirm_when_unit_sleeps(
    hass: HomeAssistant, add_simulated_unit: Callable[..., RadioUnit]
) -> None:
    """A sleeping Daly accepts the connection but stays silent: cannot_connect, not not_daly."""
    radio = add_simulated_unit()
    radio.unit.force_sleep()
    flow = await _discovery_flow(hass, radio)

    result = await hass.config_entries.flow.async_configure(flow["flow_id"], {})
    assert result["errors"] == {"base": "cannot_connect"}
    assert not radio.connected

    radio.unit.wake()
    result = await hass.config_entries.flow.async_configure(flow["flow_id"], {})
    result = await confirm_found(hass, result)
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_confirm_silent_non_daly_device(
    hass: HomeAssistant, simulated_proxy: SimulatedBluetoothProxy
) -> None:
    """A device found only by its FFF0 service that never answers is not a Daly.

    Renamed units and older modules may advertise FFF0 alone, so it is offered; the
    connection check decides.
    """
    device = ForeignDevice(name="BT-Thermo", address="C0:FF:EE:00:00:01", service_uuids=[FFF0])
    radio = simulated_proxy.add_unit(device)
    simulated_proxy.async_advertise(radio)
    await hass.async_block_till_done(wait_background_tasks=True)

    [flow] = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert flow["step_id"] == "bluetooth_confirm"
    result = await hass.config_entries.flow.async_configure(flow["flow_id"], {})
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "not_daly"}
    assert writes(radio) == []


async def test_confirm_when_no_proxy_slot_is_free(
    hass: HomeAssistant,
    add_simulated_unit: Callable[..., RadioUnit],
    fill_proxy: Callable[[], Awaitable[SlotHolders]],
) -> None:
    """With every proxy slot in use the flow says so instead of a generic failure."""
    radio = add_simulated_unit()
    flow = await _discovery_flow(hass, radio)
    others = await fill_proxy()

    result = await hass.config_entries.flow.async_configure(flow["flow_id"], {})
    assert result["errors"] == {"base": "no_connection_slot"}

    await others.release()
    result = await hass.config_entries.flow.async_configure(flow["flow_id"], {})
    result = await confirm_found(hass, result)
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_confirm_when_unit_went_out_of_range(
    hass: HomeAssistant, add_simulated_unit: Callable[..., RadioUnit]
) -> None:
    """A unit that no longer answers connection requests is reported as unreachable."""
    radio = add_simulated_unit()
    flow = await _discovery_flow(hass, radio)
    radio.vanish()
    result = await hass.config_entries.flow.async_configure(flow["flow_id"], {})
    assert result["errors"] == {"base": "no_connection_slot"}


async def test_user_step_lists_units_not_yet_configured(
    hass: HomeAssistant, add_simulated_unit: Callable[..., RadioUnit]
) -> None:
    """The pick list holds discovered Daly units without an entry; picking one adds it."""
    configured = add_simulated_unit(name="DL-AAAAAAAAAAAA")
    mock_entry(configured).add_to_hass(hass)
    wanted = add_simulated_unit(name="JHB-50181201A494")
    renamed = add_simulated_unit(name="BT270-2")

    result = await start_unit_flow(hass)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "unit"
    choices = result["data_schema"].schema["address"].container
    assert set(choices) == {wanted.address, renamed.address}
    assert choices[wanted.address] == f"JHB-50181201A494 ({wanted.address})"

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"address": wanted.address}
    )
    result = await confirm_found(hass, result)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "JHB-50181201A494"
    assert result["result"].unique_id == format_mac(wanted.address)


async def test_user_step_error_shows_the_list_again(
    hass: HomeAssistant, add_simulated_unit: Callable[..., RadioUnit]
) -> None:
    """A failed check keeps the user on the pick list with the reason."""
    radio = add_simulated_unit()
    radio.faults.inject(FaultKind.REFUSE, times=ATTEMPTS)
    result = await start_unit_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"address": radio.address}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "unit"
    assert result["errors"] == {"base": "cannot_connect"}


async def test_user_step_without_units_aborts(
    hass: HomeAssistant, simulated_proxy: SimulatedBluetoothProxy
) -> None:
    """Nothing to offer: the flow ends with an explanation."""
    result = await start_unit_flow(hass)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "no_devices_found"


async def test_options_change_poll_interval_and_connection_mode(
    hass: HomeAssistant, add_simulated_unit: Callable[..., RadioUnit]
) -> None:
    """Options are offered with their defaults and take effect on the automatic reload."""
    radio = add_simulated_unit()
    entry = await setup_entry(hass, radio)
    assert entry.runtime_data.poll_interval == 10

    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["type"] is FlowResultType.FORM
    schema = result["data_schema"].schema
    defaults = {str(key): key.description["suggested_value"] for key in schema}
    assert defaults == {
        "poll_interval": 10,
        "connection_mode": "persistent",
        "invert_current": False,
    }
    # The dialog names the unit it configures.
    assert entry.title
    assert result["description_placeholders"] == {"name": entry.title}

    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {"poll_interval": 30, "connection_mode": "per_poll", "invert_current": False},
    )
    await hass.async_block_till_done(wait_background_tasks=True)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert entry.options == {
        "poll_interval": 30,
        "connection_mode": "per_poll",
        "invert_current": False,
    }
    coordinator = entry.runtime_data
    assert coordinator.poll_interval == 30
    assert coordinator.connection_mode == "per_poll"
    assert not radio.connected


async def test_reconfigure_loaded_entry_keeps_options(
    hass: HomeAssistant, add_simulated_unit: Callable[..., RadioUnit]
) -> None:
    """Re-checking a running unit goes over its own link and keeps the options."""
    radio = add_simulated_unit()
    entry = await setup_entry(hass, radio, poll_interval=20, connection_mode="persistent")
    result = await entry.start_reconfigure_flow(hass)
    assert result["type"] is FlowResultType.FORM
    assert result["description_placeholders"] == {"name": entry.title}

    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    await hass.async_block_till_done(wait_background_tasks=True)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert entry.options == {"poll_interval": 20, "connection_mode": "persistent"}
    assert entry.state is ConfigEntryState.LOADED
    assert writes(radio) == []


async def test_reconfigure_takes_the_new_advertised_name(
    hass: HomeAssistant,
    simulated_proxy: SimulatedBluetoothProxy,
    add_simulated_unit: Callable[..., RadioUnit],
) -> None:
    """A unit renamed in the phone app gets its new name as the entry title."""
    radio = add_simulated_unit(name="DL-40D63C3223A2")
    entry = await setup_entry(hass, radio)
    assert await hass.config_entries.async_unload(entry.entry_id)
    # Home Assistant keeps the longer of two names it hears, so the new one is longer.
    radio.unit.name = "Shed battery bank 1"
    simulated_proxy.async_advertise(radio)

    result = await entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    await hass.async_block_till_done(wait_background_tasks=True)
    assert result["reason"] == "reconfigure_successful"
    assert entry.title == "Shed battery bank 1"
    assert entry.data["name"] == "Shed battery bank 1"
    assert entry.state is ConfigEntryState.LOADED


async def test_reconfigure_asks_only_about_the_entrys_own_unit(
    hass: HomeAssistant, add_simulated_unit: Callable[..., RadioUnit]
) -> None:
    """Reconfigure is a confirmation for this entry's unit: no list of other units."""
    radio = add_simulated_unit()
    other = add_simulated_unit()
    entry = await setup_entry(hass, radio)
    result = await entry.start_reconfigure_flow(hass)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "reconfigure"
    assert not result["data_schema"] or not result["data_schema"].schema

    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    await hass.async_block_till_done(wait_background_tasks=True)
    assert result["reason"] == "reconfigure_successful"
    assert entry.unique_id == format_mac(radio.address)
    assert entry.data["address"] == radio.address
    assert other.requests == []


async def test_reconfigure_reports_a_unit_that_does_not_answer(
    hass: HomeAssistant, add_simulated_unit: Callable[..., RadioUnit]
) -> None:
    """Re-checking a unit that is not running and refuses shows the reason."""
    radio = add_simulated_unit()
    entry = await setup_entry(hass, radio)
    assert await hass.config_entries.async_unload(entry.entry_id)
    radio.faults.inject(FaultKind.REFUSE, times=ATTEMPTS)

    result = await entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "cannot_connect"}


async def test_reconfigure_a_running_unit_that_sleeps(
    hass: HomeAssistant, add_simulated_unit: Callable[..., RadioUnit]
) -> None:
    """A running entry whose unit fell asleep cannot be confirmed."""
    radio = add_simulated_unit()
    entry = await setup_entry(hass, radio)
    radio.unit.force_sleep()

    result = await entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert result["errors"] == {"base": "cannot_connect"}


# A thermometer seen near batteries: it offers the FFF0 service and sends its readings as maker
# data under company id 0x0102, which Daly units use too (the id is not a SIG assignment).
THERMOMETER_DATA = {0x0102: bytes.fromhex("00 00 c0 ff ee 00 00 03 e8 0b 01 6e 02 3c")}


async def test_discovery_of_a_renamed_daly_is_shown(
    hass: HomeAssistant, add_simulated_unit: Callable[..., RadioUnit]
) -> None:
    """A unit renamed in the app still ends its maker data with DL: it is offered."""
    radio = add_simulated_unit(name="BT270-2")
    assert radio.unit.manufacturer_data[0x0302].endswith(b"DL")
    await hass.async_block_till_done(wait_background_tasks=True)

    [flow] = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert flow["step_id"] == "bluetooth_confirm"
    assert flow["context"]["title_placeholders"] == {"name": "BT270-2"}


async def test_discovery_of_a_device_with_foreign_maker_data_is_never_shown(
    hass: HomeAssistant,
    simulated_proxy: SimulatedBluetoothProxy,
    add_simulated_unit: Callable[..., RadioUnit],
) -> None:
    """FFF0 plus maker data of another shape under a Daly company id: not a Daly.

    Home Assistant's matchers start a flow for it, which ends before the user sees it, and
    the pick list leaves it out; nothing connects to it.
    """
    device = ForeignDevice(
        name="T-Sensor 21",
        address="C0:FF:EE:00:00:03",
        service_uuids=[FFF0],
        manufacturer_data=THERMOMETER_DATA,
    )
    radio = simulated_proxy.add_unit(device)
    simulated_proxy.async_advertise(radio)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert hass.config_entries.flow.async_progress_by_handler(DOMAIN) == []

    result = await _discovery_flow(hass, radio)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "not_daly"

    daly = add_simulated_unit(name="BT270-2")
    result = await start_unit_flow(hass)
    assert set(result["data_schema"].schema["address"].container) == {daly.address}
    assert radio.requests == []


async def test_confirm_device_without_daly_characteristics(
    hass: HomeAssistant, simulated_proxy: SimulatedBluetoothProxy
) -> None:
    """A device with another GATT layout is not a Daly, whatever it advertises."""
    from simulator.gatt import GattLayout, uuid16

    device = ForeignDevice(name="BT-Lamp", address="C0:FF:EE:00:00:02", service_uuids=[FFF0])
    layout = GattLayout(uuid16(0xFFE0), uuid16(0xFFE1), uuid16(0xFFE2))
    radio = simulated_proxy.add_unit(device, gatt=(layout,))
    simulated_proxy.async_advertise(radio)
    result = await _discovery_flow(hass, radio)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert result["errors"] == {"base": "not_daly"}
    assert radio.requests == []


async def test_unit_without_a_name_is_titled_by_its_address(
    hass: HomeAssistant, simulated_proxy: SimulatedBluetoothProxy, sim_clock: object
) -> None:
    """A unit that advertises no name is still recognised by its maker data."""
    from simulator.unit import SimulatedUnit

    unit = SimulatedUnit(name="", address="40:17:10:01:5C:9B", clock=sim_clock)
    radio = simulated_proxy.add_unit(unit)
    simulated_proxy.async_advertise(radio)
    result = await _discovery_flow(hass, radio)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    result = await confirm_found(hass, result)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "40:17:10:01:5C:9B"


async def test_reconfigure_a_stopped_entry_whose_unit_is_gone(
    hass: HomeAssistant,
    simulated_proxy: SimulatedBluetoothProxy,
    add_simulated_unit: Callable[..., RadioUnit],
) -> None:
    """Nothing hears the unit any more: the form says there is no path to it."""
    from .common import advance

    radio = add_simulated_unit()
    entry = await setup_entry(hass, radio)
    assert await hass.config_entries.async_unload(entry.entry_id)
    simulated_proxy.async_stop()
    await advance(hass, 301)  # Home Assistant forgets what it no longer hears

    result = await entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert result["errors"] == {"base": "no_connection_slot"}


async def test_unit_that_keeps_its_versions_to_itself_can_be_added(
    hass: HomeAssistant, add_simulated_unit: Callable[..., RadioUnit]
) -> None:
    """Versions are read when offered; firmware that ignores the read is still a Daly."""
    radio = add_simulated_unit(
        name="DL-0102030405AB",
        address="01:02:03:04:05:AB",
        reports_versions=False,
        reports_settings=False,
    )
    result = await _discovery_flow(hass, radio)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    result = await confirm_found(hass, result)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert any(request[2:4] == b"\x00\xa9" for request in radio.requests)
