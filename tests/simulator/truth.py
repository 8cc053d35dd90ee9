"""The truth of a simulated unit as our protocol package must decode it, and wire helpers.

The simulator and the protocol package read the protocol notes independently (their own
frames, CRC, scales and alarm bit positions). The tests built on this module let one check
the other: a reply of a simulated unit, decoded by the protocol package, must equal the
battery's state at register resolution. Alarm names are written out here from the notes,
so a bit that either side puts in the wrong place shows up as a wrong name.
"""

from __future__ import annotations

from dataclasses import replace
import datetime

from custom_components.daly_bms.protocol import (
    BatteryState,
    BatteryType,
    DalyDeviceInfo,
    DalySettings,
    DalyStatus,
    Dialect,
    capabilities_of,
    d2_status_request,
    decode_status,
    encode_write_single,
    p81_status_requests,
    parse_frame,
)
from custom_components.daly_bms.protocol.plausibility import SETTING_BOUNDS
from simulator import ManualClock, SimulatedUnit

ADDRESS = "C0:DA:1B:00:00:31"
TEMPERATURE_OFFSET = 40
CURRENT_OFFSET = 30000

# Section 3.1 of the notes, bit by bit: what each alarm bit means, as the name a user sees.
NOTES_ALARM_BITS = {
    0: "current_module_fault",
    1: "pack_voltage_module_fault",
    2: "short_circuit_protection",
    3: "low_voltage_charge_inhibit",
    4: "mos_off_by_soft_switch",
    5: "charging_cabinet_offline",
    16: "charge_mos_overtemperature",
    17: "discharge_mos_overtemperature",
    18: "charge_mos_temperature_sensor_fault",
    19: "discharge_mos_temperature_sensor_fault",
    20: "charge_mos_adhesion",
    21: "discharge_mos_adhesion",
    22: "charge_mos_open_circuit",
    23: "discharge_mos_open_circuit",
    24: "afe_chip_fault",
    25: "cell_collection_offline",
    26: "temperature_sensor_fault",
    27: "eeprom_fault",
    28: "rtc_fault",
    29: "precharge_failure",
    30: "vehicle_communication_fault",
    31: "internal_communication_fault",
    32: "charge_overcurrent_warning",
    33: "charge_overcurrent_alarm",
    34: "discharge_overcurrent_warning",
    35: "discharge_overcurrent_alarm",
    36: "soc_high_warning",
    37: "soc_high_alarm",
    38: "soc_low_warning",
    39: "soc_low_alarm",
    40: "cell_delta_warning",
    41: "cell_delta_alarm",
    42: "temperature_difference_warning",
    43: "temperature_difference_alarm",
    48: "cell_overvoltage_warning",
    49: "cell_overvoltage_alarm",
    50: "cell_undervoltage_warning",
    51: "cell_undervoltage_alarm",
    52: "pack_overvoltage_warning",
    53: "pack_overvoltage_alarm",
    54: "pack_undervoltage_warning",
    55: "pack_undervoltage_alarm",
    56: "charge_overtemperature_warning",
    57: "charge_overtemperature_alarm",
    58: "charge_undertemperature_warning",
    59: "charge_undertemperature_alarm",
    60: "discharge_overtemperature_warning",
    61: "discharge_overtemperature_alarm",
    62: "discharge_undertemperature_warning",
    63: "discharge_undertemperature_alarm",
}
NOTES_BIT_OF = {name: bit for bit, name in NOTES_ALARM_BITS.items()}
BATTERY_TYPE_OF_REGISTER = {0: BatteryType.LIFEPO4, 1: BatteryType.LI_ION, 2: BatteryType.LTO}


def make_unit(**options: object) -> SimulatedUnit:
    defaults: dict[str, object] = {
        "name": "DL-C0DA1B000031",
        "address": ADDRESS,
        "clock": ManualClock(),
    }
    defaults.update(options)
    unit = SimulatedUnit(**defaults)  # type: ignore[arg-type]
    # Alarm and client tests hold idle units for a while; sleep has its own tests.
    unit.firmware.write_register(0x8A, 0xFFFF)
    return unit


# -- the truth, in register resolution ------------------------------------------------------


def _millivolts(volts: float) -> int:
    return round(volts * 1000)


def is_p81(unit: SimulatedUnit) -> bool:
    return unit.dialect.value == Dialect.P81.value


def truth_alarms(unit: SimulatedUnit) -> tuple[str, ...]:
    """Alarm names the unit's alarm word means, lowest bit first.

    p81 carries only the voltage, current and temperature half of the word (the simulator's
    choice, the notes give no p81 layout) and the protocol names those bits neutrally, bit 0
    being the least significant bit of register 0x6E.
    """
    bits = unit.battery.alarm_bits
    set_bits = [bit for bit in range(64) if bits >> bit & 1]
    if is_p81(unit):
        return tuple(f"p81_alarm_bit_{bit - 32}" for bit in set_bits if bit >= 32)
    return tuple(NOTES_ALARM_BITS.get(bit, f"reserved_bit_{bit}") for bit in set_bits)


def truth_status(unit: SimulatedUnit, registers: int = 80) -> DalyStatus:
    """The status a correct decoder reports for the unit right now.

    ``registers`` is the D2 read length (62 or 80); p81 always reads both blocks.
    """
    battery = unit.battery
    p81 = is_p81(unit)
    extended = p81 or registers == 80
    cells = [_millivolts(v) for v in battery.cell_voltages]
    voltage = round(battery.pack_voltage * 10) / 10
    current = round(battery.current * 10) / 10
    if current > 0:
        state = BatteryState.CHARGING
    elif current < 0:
        state = BatteryState.DISCHARGING
    else:
        state = BatteryState.IDLE
    mos_sensor = unit.bms.has_mos_sensor
    d2_80 = not p81 and registers == 80
    return DalyStatus(
        capabilities=capabilities_of(Dialect.P81 if p81 else Dialect.D2),
        cell_count=battery.cell_count,
        cell_voltages=tuple(mv / 1000 for mv in cells),
        cell_voltage_min=min(cells) / 1000,
        cell_voltage_max=max(cells) / 1000,
        cell_voltage_delta=(max(cells) - min(cells)) / 1000,
        # The BMS averages the millivolts it reports.
        cell_voltage_avg=round(sum(cells) / len(cells)) / 1000,
        temperatures=tuple(float(round(t)) for t in battery.temperatures),
        mos_temperature=(
            float(round(battery.mos_temperature)) if extended and mos_sensor else None
        ),
        board_temperature=float(round(battery.board_temperature)) if extended else None,
        voltage=voltage,
        current=current,
        soc=round(battery.soc * 10) / 10,
        remaining_capacity=round(battery.remaining_ah * 10) / 10,
        cycles=battery.cycles,
        state=state,
        charge_mos=battery.charge_mos,
        discharge_mos=battery.discharge_mos,
        # p81 balancing registers are unconfirmed; the protocol reports none of them.
        balancing=None if p81 else battery.balancing,
        balancing_cells=tuple(battery.balancing_cells) if d2_80 else None,
        balance_current=round(battery.balance_current * 1000) / 1000 if d2_80 else None,
        alarms=truth_alarms(unit),
        # p81 only: the discharged energy, as the simulator keeps it in register 0x59.
        energy_counter=round(battery.discharged_wh) & 0xFFFF if p81 else None,
    )


def believed(field: str, value: float | None) -> float | None:
    """`value` as a decoder may publish the setting `field`: None outside what a unit holds."""
    bound = SETTING_BOUNDS.get(field)
    if value is None or bound is None or bound.allows(value):
        return value
    return None


def _believed_settings(settings: DalySettings) -> DalySettings:
    return replace(
        settings,
        **{
            field: believed(field, getattr(settings, field))
            for field in SETTING_BOUNDS
            if getattr(settings, field) is not None
        },
    )


def truth_p81_settings(unit: SimulatedUnit) -> DalySettings:
    """What the p81 map carries, from the simulated unit; every other setting unknown."""
    settings = unit.settings
    sleep = settings.sleep_time_s
    p81_block = unit.firmware.p81_settings
    soc_raw = p81_block.read(0x116)
    assert soc_raw is not None
    values: dict[str, object] = dict.fromkeys(DalySettings.__dataclass_fields__)
    values.update(
        rated_capacity=settings.rated_capacity_mah / 1000,
        # 10 s steps; 65535 means never, as in D2.
        sleep_time=sleep if sleep == 0xFFFF else sleep // 10 * 10,
        soc_setting=soc_raw / 10,
        charge_mos=settings.limits.charge_mos,
        discharge_mos=settings.limits.discharge_mos,
        cells_per_board=(unit.battery.cell_count,),
        temperature_sensors_per_board=(unit.battery.temperature_sensors,),
    )
    return _believed_settings(DalySettings(**values))  # type: ignore[arg-type]


def truth_settings(unit: SimulatedUnit, *, balancer_read: bool = False) -> DalySettings:
    """The settings block read from the simulator's registers with the notes' scales.

    `balancer_read`: the D2 balancer switch was read back too (the client reads it).
    """
    if is_p81(unit):
        return truth_p81_settings(unit)

    def register(number: int) -> int:
        value = unit.settings.read(number)
        assert value is not None
        return value

    def volts(number: int, per_volt: int) -> float:
        return register(number) / per_volt

    def celsius(number: int) -> float:
        return float(register(number) - TEMPERATURE_OFFSET)

    def amps(number: int) -> float:
        # Limits are reported as magnitudes: units store discharge limits either side of 30000.
        return abs(register(number) - CURRENT_OFFSET) / 10

    boards = register(0x82)
    fitted = min(boards, 3)  # three slots each for cells and sensors per board
    settings = DalySettings(
        rated_capacity=register(0x80) / 10,
        cell_reference_voltage=volts(0x81, 1000),
        battery_type=BATTERY_TYPE_OF_REGISTER.get(register(0x89)),
        sleep_time=register(0x8A),
        cell_overvoltage_warning=volts(0x8B, 1000),
        cell_overvoltage_alarm=volts(0x8C, 1000),
        cell_undervoltage_warning=volts(0x8D, 1000),
        cell_undervoltage_alarm=volts(0x8E, 1000),
        pack_overvoltage_warning=volts(0x8F, 10),
        pack_overvoltage_alarm=volts(0x90, 10),
        pack_undervoltage_warning=volts(0x91, 10),
        pack_undervoltage_alarm=volts(0x92, 10),
        charge_overcurrent_warning=amps(0x93),
        charge_overcurrent_alarm=amps(0x94),
        discharge_overcurrent_warning=amps(0x95),
        discharge_overcurrent_alarm=amps(0x96),
        charge_overtemperature_warning=celsius(0x97),
        charge_overtemperature_alarm=celsius(0x98),
        charge_undertemperature_warning=celsius(0x99),
        charge_undertemperature_alarm=celsius(0x9A),
        discharge_overtemperature_warning=celsius(0x9B),
        discharge_overtemperature_alarm=celsius(0x9C),
        discharge_undertemperature_warning=celsius(0x9D),
        discharge_undertemperature_alarm=celsius(0x9E),
        cell_delta_warning=volts(0x9F, 1000),
        cell_delta_alarm=volts(0xA0, 1000),
        balancing_start_voltage=volts(0xA3, 1000),
        balancing_start_delta=volts(0xA4, 1000),
        charge_mos=register(0xA5) != 0,
        discharge_mos=register(0xA6) != 0,
        mos_overtemperature=celsius(0xA8),
        # Register 0xA7 reads back the live SOC counter.
        soc_setting=round(unit.battery.soc * 10) / 10,
        acquisition_boards=boards,
        cells_per_board=tuple(register(0x83 + i) for i in range(fitted)),
        temperature_sensors_per_board=tuple(register(0x86 + i) for i in range(fitted)),
        balancer=register(0xCF) == 1 if balancer_read else None,
    )
    return _believed_settings(settings)


def assert_settings_drive_the_simulator(settings: DalySettings, unit: SimulatedUnit) -> None:
    """The decoded limits are the ones the simulated BMS protects and balances with.

    A p81 unit's map carries no limits: there only capacity, sleep time and MOS count.
    """
    limits = unit.settings.limits
    assert settings.rated_capacity == believed("rated_capacity", limits.rated_capacity_ah)
    assert (settings.charge_mos, settings.discharge_mos) == (
        limits.charge_mos,
        limits.discharge_mos,
    )
    if is_p81(unit):
        sleep = limits.sleep_time_s
        assert settings.sleep_time == (sleep if sleep == 0xFFFF else sleep // 10 * 10)
        return
    pairs = {
        "cell_overvoltage": limits.cell_overvoltage,
        "cell_undervoltage": limits.cell_undervoltage,
        "pack_overvoltage": limits.pack_overvoltage,
        "pack_undervoltage": limits.pack_undervoltage,
        "charge_overcurrent": limits.charge_overcurrent,
        "discharge_overcurrent": limits.discharge_overcurrent,
        "charge_overtemperature": limits.charge_overtemperature,
        "charge_undertemperature": limits.charge_undertemperature,
        "discharge_overtemperature": limits.discharge_overtemperature,
        "discharge_undertemperature": limits.discharge_undertemperature,
        "cell_delta": limits.cell_delta,
    }
    for stem, pair in pairs.items():
        decoded = (getattr(settings, f"{stem}_warning"), getattr(settings, f"{stem}_alarm"))
        expected = (believed(f"{stem}_warning", pair[0]), believed(f"{stem}_alarm", pair[1]))
        assert decoded == expected, stem
    assert settings.sleep_time == limits.sleep_time_s
    assert settings.balancing_start_voltage == believed(
        "balancing_start_voltage", limits.balance_start_v
    )
    assert settings.balancing_start_delta == believed(
        "balancing_start_delta", limits.balance_start_delta_v
    )
    assert settings.mos_overtemperature == believed(
        "mos_overtemperature", limits.mos_overtemperature
    )


def truth_device_info(unit: SimulatedUnit) -> DalyDeviceInfo:
    versions = unit.firmware.versions
    date = versions.production_date
    return DalyDeviceInfo(
        capabilities=capabilities_of(Dialect.P81 if is_p81(unit) else Dialect.D2),
        software_version=versions.software or None,
        hardware_version=versions.hardware or None,
        # Family and serial number live in the p81 block only.
        firmware_family=(versions.family or None) if is_p81(unit) else None,
        serial_number=(versions.serial_number or None) if is_p81(unit) else None,
        production_date=(
            datetime.date(int(date[:4]), int(date[4:6]), int(date[6:])) if date else None
        ),
    )


# -- the wire, through the protocol package -------------------------------------------------


def ask(unit: SimulatedUnit, request: bytes) -> bytes:
    reply = unit.handle_request(request)
    assert reply is not None, f"silence for {request.hex(' ')}"
    return reply


def decoded_statuses(unit: SimulatedUnit) -> dict[int, DalyStatus]:
    """Every status read the unit's dialect has, decoded by the protocol package."""
    if is_p81(unit):
        block1, block2 = p81_status_requests()
        return {80: decode_status(ask(unit, block1), ask(unit, block2))}
    return {n: decode_status(ask(unit, d2_status_request(n))) for n in (80, 62)}


def assert_status_is_truth(unit: SimulatedUnit) -> list[DalyStatus]:
    statuses = decoded_statuses(unit)
    for registers, status in statuses.items():
        truth = truth_status(unit, registers)
        assert status == truth, f"{unit.dialect} {registers} registers"
        # Power is not sent with its sign: it comes from voltage and current.
        assert truth.voltage is not None
        assert truth.current is not None
        assert status.power == truth.voltage * truth.current
    return list(statuses.values())


def write(unit: SimulatedUnit, register: int, value: int) -> None:
    """Set a setting by its D2 address, over the wire with the protocol's encoder.

    A p81 unit's settings block carries no limits the notes can vouch for and no balancer
    switch, so there the setting is put into the unit's firmware directly.
    """
    if is_p81(unit):
        assert unit.firmware.write_register(register, value)
        return
    request = encode_write_single(0xD2, register, value)
    assert parse_frame(ask(unit, request)).payload == request[2:6]
