"""The settings a unit told last: asked for now and then, kept through a read the unit does
not answer, and the sleep time that Never sleep gives back, against a simulated unit."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping

import pytest

from custom_components.daly_bms.const import DEFAULT_SLEEP_TIME, SETTINGS_EVERY_POLLS
from custom_components.daly_bms.protocol import NEVER_SLEEP, DalyClient, MosBank
from custom_components.daly_bms.unit_settings import UnitSettings
from simulator.unit import SimulatedUnit
from tests.protocol.simlink import SimLink, UnitWrapper, make_unit

# A D2 unit's settings block starts at register 0x80; its status at 0x00.
SETTINGS_BLOCK = b"\x00\x80"


class CountsSettingsReads(UnitWrapper):
    """Counts reads of the settings block, and answers none of them while `silent`."""

    def __init__(self, unit: SimulatedUnit) -> None:
        super().__init__(unit)
        self.reads = 0
        self.silent = False

    def handle_request(
        self, request: bytes, *, forced_registers: Mapping[int, int] | None = None
    ) -> bytes | None:
        if request[1] == 0x03 and request[2:4] == SETTINGS_BLOCK:
            self.reads += 1
            if self.silent:
                return None
        return self.unit.handle_request(request, forced_registers=forced_registers)


@pytest.fixture
def unit() -> SimulatedUnit:
    return make_unit()


@pytest.fixture
def model(unit: SimulatedUnit) -> CountsSettingsReads:
    return CountsSettingsReads(unit)


@pytest.fixture
async def client(unit: SimulatedUnit, model: CountsSettingsReads) -> AsyncIterator[DalyClient]:
    link = SimLink(unit, model=model)
    yield await link.started_client()
    link.registry.disconnect_all()


async def test_nothing_known_before_the_first_read() -> None:
    settings = UnitSettings()
    assert settings.current is None
    assert settings.sleep_time_to_restore == DEFAULT_SLEEP_TIME
    # Nothing to record a MOS write in: nothing is made up.
    settings.mos_written(MosBank.CHARGE, False)
    assert settings.current is None


async def test_read_on_the_first_reading_then_every_tenth(
    unit: SimulatedUnit, model: CountsSettingsReads, client: DalyClient
) -> None:
    settings = UnitSettings()
    await settings.async_read_when_due(client)
    assert model.reads == 1
    assert settings.current is not None
    assert settings.current.sleep_time == NEVER_SLEEP

    # Changed in the phone app: seen at the next read that is due, not before.
    unit.settings.sleep_time_s = 7200
    for _ in range(SETTINGS_EVERY_POLLS - 1):
        await settings.async_read_when_due(client)
    assert model.reads == 1
    assert settings.current.sleep_time == NEVER_SLEEP
    await settings.async_read_when_due(client)
    assert model.reads == 2
    assert settings.current.sleep_time == 7200


async def test_a_read_made_due_comes_with_the_next_reading(
    model: CountsSettingsReads, client: DalyClient
) -> None:
    settings = UnitSettings()
    await settings.async_read(client)
    await settings.async_read_when_due(client)
    assert model.reads == 1
    settings.due_next_reading()
    await settings.async_read_when_due(client)
    assert model.reads == 2
    # And the count starts over from that read.
    await settings.async_read_when_due(client)
    assert model.reads == 2


async def test_a_unit_that_does_not_tell_keeps_what_it_told(
    unit: SimulatedUnit, model: CountsSettingsReads, client: DalyClient
) -> None:
    settings = UnitSettings()
    await settings.async_read(client)
    told = settings.current
    assert told is not None

    unit.settings.sleep_time_s = 7200
    model.silent = True
    await settings.async_read(client)
    asked = model.reads
    assert asked > 1  # asked (and asked again: the client resends after silence)
    assert settings.current is told
    # A read that went unanswered still counts: the unit is not asked at every reading.
    await settings.async_read_when_due(client)
    assert model.reads == asked


async def test_never_sleep_gives_back_the_last_sleep_time_seen(
    unit: SimulatedUnit, client: DalyClient
) -> None:
    settings = UnitSettings()
    await settings.async_read(client)
    # The unit never slept while it was watched: the factory hour.
    assert settings.sleep_time_to_restore == DEFAULT_SLEEP_TIME

    unit.settings.sleep_time_s = 7200
    await settings.async_read(client)
    assert settings.sleep_time_to_restore == 7200

    unit.settings.sleep_time_s = 0xFFFF  # the simulator's "never"
    await settings.async_read(client)
    assert settings.current is not None
    assert settings.current.sleep_time == NEVER_SLEEP
    assert settings.sleep_time_to_restore == 7200


@pytest.mark.parametrize("bank", list(MosBank))
async def test_a_mos_write_shows_in_the_switch_register(bank: MosBank, client: DalyClient) -> None:
    settings = UnitSettings()
    await settings.async_read(client)
    before = settings.current
    assert before is not None
    assert before.charge_mos is True
    assert before.discharge_mos is True

    settings.mos_written(bank, False)
    after = settings.current
    assert after is not None
    assert after.charge_mos is (bank is not MosBank.CHARGE)
    assert after.discharge_mos is (bank is not MosBank.DISCHARGE)
    assert after.sleep_time == before.sleep_time
