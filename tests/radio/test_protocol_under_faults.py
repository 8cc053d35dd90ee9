"""The protocol client over a faulty link returns the truth or raises DalyError, never a lie.

The battery keeps discharging between reads, so a stale or misassembled frame would show up
as values that match no moment of the battery's history. A late answer that arrives while a
newer request of the same shape is outstanding is indistinguishable from its answer (Modbus
frames carry no sequence number), so a reading may equal an earlier moment's truth; it may
never equal no moment at all.
"""

from __future__ import annotations

from collections.abc import Callable
import contextlib
from dataclasses import dataclass

from bleak import BleakClient
from bleak.exc import BleakError
import bleak_retry_connector
from homeassistant.components import bluetooth
from homeassistant.core import HomeAssistant
import pytest

from custom_components.daly_bms.protocol import (
    DalyClient,
    DalyError,
    DalyStatus,
    d2_status_request,
    decode_status,
)
from simproxy import SimulatedBluetoothProxy
from simulator.clock import ManualClock
from simulator.faults import FaultInjector, FaultKind
from simulator.radio import RadioRegistry, RadioUnit
from simulator.unit import SimulatedUnit
from tests.radio.helpers import plain_bleak_client

ROUNDS = 24
SECONDS_PER_ROUND = 60.0
LOAD_A = -40.0
# Short enough to keep the test quick, far above the simulator's own answer time.
CLIENT_TIMEOUT = 0.05
LATE_SECONDS = 3 * CLIENT_TIMEOUT
CONNECT_SECONDS = CLIENT_TIMEOUT
# What a backend raises when letting go of a link fails; the link is given up on anyway.
DISCONNECT_ERRORS = (BleakError, OSError, EOFError)
# A glitch or an impossible reading is what the unit really reports (a broken probe, a
# counter at its sentinel), not a fault of the link: "the truth or an error" does not apply.
CONTENT_FAULTS = (FaultKind.GLITCH, FaultKind.IMPOSSIBLE)
LINK_FAULTS = [kind for kind in FaultKind if kind not in CONTENT_FAULTS]
# Faults that need a new connection to show.
CONNECTION_FAULTS = (
    FaultKind.REFUSE,
    FaultKind.CONNECT_ERROR,
    FaultKind.SLOW_CONNECT,
    FaultKind.DISCONNECT_ERROR,
)

type Fingerprint = tuple[object, ...]


def truth(unit: SimulatedUnit) -> Fingerprint:
    """The battery's state in register resolution."""
    unit.catch_up()
    battery = unit.battery
    return (
        tuple(round(v * 1000) for v in battery.cell_voltages),
        tuple(round(t) for t in battery.temperatures),
        round(battery.pack_voltage * 10),
        round(battery.current * 10),
        round(battery.soc * 10),
        round(battery.remaining_ah * 10),
        battery.cycles,
        battery.charge_mos,
        battery.discharge_mos,
    )


def healthy_statuses(unit: SimulatedUnit) -> list[DalyStatus]:
    """What an undisturbed link would decode now, for both status read lengths."""
    statuses = []
    for registers in (0x50, 0x3E):
        frame = unit.handle_request(d2_status_request(registers))
        assert frame is not None
        statuses.append(decode_status(frame))
    return statuses


def reading(status: DalyStatus) -> Fingerprint:
    """A decoded status in the same resolution as `truth`."""
    assert status.voltage is not None
    assert status.current is not None
    assert status.soc is not None
    assert status.remaining_capacity is not None
    return (
        tuple(round(v * 1000) for v in status.cell_voltages),
        tuple(round(t) for t in status.temperatures),
        round(status.voltage * 10),
        round(status.current * 10),
        round(status.soc * 10),
        round(status.remaining_capacity * 10),
        status.cycles,
        status.charge_mos,
        status.discharge_mos,
    )


class Session:
    """A bleak link plus a started DalyClient, rebuilt after the link fails."""

    def __init__(self, client: BleakClient) -> None:
        self.client = client
        self.daly: DalyClient | None = None

    async def ensure(self) -> DalyClient | None:
        """Connect and start the protocol if needed; None when that failed this round."""
        if self.daly is not None and self.client.is_connected:
            return self.daly
        self.daly = None
        try:
            if not self.client.is_connected:
                # Let go of what is left of the old link first, as an application does.
                with contextlib.suppress(*DISCONNECT_ERRORS):
                    await self.client.disconnect()
                await self.client.connect()
            daly = DalyClient(self.client, timeout=CLIENT_TIMEOUT, retries=1)
            await daly.start()
        except (BleakError, OSError, DalyError):
            return None
        self.daly = daly
        return daly

    async def close(self) -> None:
        if self.daly is not None:
            await self.daly.stop()
        with contextlib.suppress(*DISCONNECT_ERRORS):
            await self.client.disconnect()


@dataclass
class Tally:
    """How the rounds went, as the client saw them."""

    good: int = 0
    errors: int = 0
    no_link: int = 0


async def _run(radio: RadioUnit, client: BleakClient, disturb: Callable[[int], None]) -> Tally:
    """Read ROUNDS times while the battery discharges; count what the client saw."""
    unit = radio.unit
    assert isinstance(unit, SimulatedUnit)
    unit.set_load(LOAD_A)
    history: list[Fingerprint] = []
    healthy: list[DalyStatus] = []
    session = Session(client)
    tally = Tally()
    for round_number in range(ROUNDS):
        unit.advance(SECONDS_PER_ROUND)
        history.append(truth(unit))
        healthy.extend(healthy_statuses(unit))
        disturb(round_number)
        daly = await session.ensure()
        if daly is None:
            tally.no_link += 1
            continue
        try:
            status = await daly.read_status()
        except DalyError:
            tally.errors += 1
            continue
        # Against the battery itself, and field by field against an undisturbed frame.
        assert reading(status) in history, f"round {round_number}: a value no moment had"
        assert status in healthy, f"round {round_number}: a status no moment had"
        tally.good += 1
    await session.close()
    assert len(set(history)) > ROUNDS // 2, "the battery should change between reads"
    return tally


def _disturbance(kind: FaultKind, radio: RadioUnit, client: BleakClient) -> Callable[[int], None]:
    faults = radio.faults

    def disturb(round_number: int) -> None:
        if round_number % 2:
            return  # every other round is healthy, so recovery is exercised too
        if kind is FaultKind.VANISH:
            if round_number % 4 == 0:
                radio.vanish()
            else:
                radio.reappear()
        elif kind in CONNECTION_FAULTS:
            radio.drop_link()  # a new connection is needed, and the fault meets it
            faults.inject(kind)
        else:
            faults.inject(kind)

    return disturb


@pytest.fixture
def unit() -> SimulatedUnit:
    return SimulatedUnit(name="DL-C0DA1B000001", address="C0:DA:1B:00:00:01", clock=ManualClock())


@pytest.mark.parametrize("kind", LINK_FAULTS)
async def test_truth_or_error_under_each_fault(unit: SimulatedUnit, kind: FaultKind) -> None:
    registry = RadioRegistry()
    faults = FaultInjector(seed=11, late_seconds=LATE_SECONDS, connect_seconds=CONNECT_SECONDS)
    radio = registry.add(unit, mtu=40, faults=faults)
    client = plain_bleak_client(unit.address, registry.peripheral_class())
    tally = await _run(radio, client, _disturbance(kind, radio, client))
    # The fault must really have happened, or the run proves nothing. Going out of range
    # is a lasting state rather than a counted event: it shows as rounds without a link.
    if kind is FaultKind.VANISH:
        assert tally.no_link > 0
    else:
        assert faults.fired[kind] > 0, f"{kind} never happened"
    assert tally.good >= ROUNDS // 4, f"the client should recover from {kind}"


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_truth_or_error_under_random_faults(unit: SimulatedUnit, seed: int) -> None:
    registry = RadioRegistry()
    probabilities = dict.fromkeys(LINK_FAULTS, 0.08)
    faults = FaultInjector(
        seed=seed,
        probabilities=probabilities,
        late_seconds=LATE_SECONDS,
        connect_seconds=CONNECT_SECONDS,
    )
    radio = registry.add(unit, mtu=60, faults=faults)
    client = plain_bleak_client(unit.address, registry.peripheral_class())
    tally = await _run(radio, client, lambda _round: None)
    assert sum(faults.fired.values()) > 0
    assert tally.good > 0


async def test_protocol_through_home_assistants_stack(
    hass: HomeAssistant,
    simulated_proxy: SimulatedBluetoothProxy,
    add_simulated_unit: Callable[..., RadioUnit],
) -> None:
    faults = FaultInjector(seed=5, late_seconds=LATE_SECONDS)
    radio = add_simulated_unit(mtu=23, faults=faults, cells=16)
    device = bluetooth.async_ble_device_from_address(hass, radio.address, connectable=True)
    assert device is not None
    client = await bleak_retry_connector.establish_connection(
        bleak_retry_connector.BleakClientWithServiceCache, device, radio.unit.name
    )
    daly = DalyClient(client, timeout=CLIENT_TIMEOUT, retries=2)
    await daly.start()
    assert isinstance(radio.unit, SimulatedUnit)
    for kind in (FaultKind.JUNK, FaultKind.SPLIT, FaultKind.FLIP, FaultKind.DROP):
        faults.inject(kind)
        status = await daly.read_status()
        assert reading(status) == truth(radio.unit), kind
    await daly.stop()
    await client.disconnect()
