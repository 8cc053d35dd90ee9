"""Sleep after the sleep time with no current; wake when current flows."""

from __future__ import annotations

from simulator import ManualClock, ScheduleProfile, SimulatedUnit

from .wire import read_request, write_request

STATUS_62 = read_request(0x00, 0x3E)


def make_unit(**options: object) -> SimulatedUnit:
    defaults: dict[str, object] = {
        "name": "DL-C0DA1B000003",
        "address": "C0:DA:1B:00:00:03",
        "clock": ManualClock(),
    }
    defaults.update(options)
    return SimulatedUnit(**defaults)  # type: ignore[arg-type]


def answers(unit: SimulatedUnit) -> bool:
    return unit.handle_request(STATUS_62) is not None


def test_idle_unit_sleeps_after_the_default_hour() -> None:
    unit = make_unit()
    unit.advance(3590)
    assert answers(unit)
    unit.advance(20)
    assert unit.asleep
    assert not answers(unit)
    # Writes are ignored as well: the unit hears nothing.
    assert unit.handle_request(write_request(0xA5, 0)) is None
    assert unit.battery.charge_mos


def test_polling_does_not_keep_an_idle_unit_awake() -> None:
    unit = make_unit()
    for _ in range(59):
        unit.advance(60)
        assert answers(unit)
    unit.advance(120)
    assert not answers(unit)


def test_written_sleep_time_applies() -> None:
    unit = make_unit()
    request = write_request(0x8A, 60)
    assert unit.handle_request(request) == request
    unit.advance(50)
    assert answers(unit)
    unit.advance(20)
    assert not answers(unit)


def test_current_from_the_profile_wakes_the_unit() -> None:
    unit = make_unit(profile=ScheduleProfile([(0.0, 0.0), (7200.0, 5.0), (9000.0, 0.0)]))
    unit.advance(3700)
    assert not answers(unit)
    unit.advance(3600)
    assert answers(unit)
    assert unit.battery.current == 5.0
    unit.advance(1700 + 3580)  # the current stopped at 9000 s
    assert answers(unit)
    unit.advance(20)
    assert not answers(unit)


def test_current_set_directly_wakes_the_unit() -> None:
    unit = make_unit()
    unit.advance(4000)
    assert unit.asleep
    unit.set_current(-3.0)
    assert answers(unit)


def test_current_through_an_open_mos_does_not_count() -> None:
    unit = make_unit()
    unit.handle_request(write_request(0xA6, 0))
    unit.set_current(-10.0)  # a load on a pack whose discharge MOS is off draws nothing
    unit.advance(3700)
    assert not answers(unit)


def test_sleep_time_65535_never_sleeps() -> None:
    unit = make_unit()
    unit.firmware.write_register(0x8A, 0xFFFF)
    unit.advance(20 * 3600)
    assert answers(unit)


def test_force_sleep_and_wake() -> None:
    unit = make_unit()
    unit.force_sleep()
    assert not answers(unit)
    unit.wake()
    assert answers(unit)
    unit.advance(3500)
    assert answers(unit)  # wake() restarted the sleep timer


def test_forced_sleep_holds_through_a_steady_current_until_it_starts_again() -> None:
    unit = make_unit()
    unit.set_current(-2.0)
    unit.force_sleep()
    unit.advance(600)
    assert not answers(unit)
    unit.set_current(0.0)
    unit.advance(10)
    assert not answers(unit)
    unit.set_current(4.0)
    assert answers(unit)


def test_physics_runs_while_asleep() -> None:
    unit = make_unit(profile=ScheduleProfile([(0.0, 0.0), (4000.0, 10.0)]))
    soc = unit.battery.soc
    unit.advance(3700)
    assert unit.asleep
    unit.advance(3600)
    assert unit.battery.soc > soc
