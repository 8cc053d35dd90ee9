"""Readings of a simulated unit, decoded by the integration's own protocol package."""

from __future__ import annotations

from custom_components.daly_bms.protocol import DalyStatus, decode_status
from simulator import SimulatedUnit

# Requests as the protocol notes list them (CRC included).
D2_STATUS = bytes.fromhex("D2 03 00 00 00 3E D7 B9")
P81_BLOCK1 = bytes.fromhex("81 03 00 00 00 40 5B FA")
P81_BLOCK2 = bytes.fromhex("81 03 00 41 00 3E 8B CE")
P81_ENERGY_COUNTER = 0x59


def read(unit: SimulatedUnit) -> DalyStatus:
    """One D2 status reading."""
    reply = unit.handle_request(D2_STATUS)
    assert reply is not None
    return decode_status(reply)


def read_p81(unit: SimulatedUnit, *, energy_counter: int | None = None) -> DalyStatus:
    """One p81 status reading; `energy_counter` replaces what register 0x59 reports."""
    forced = None if energy_counter is None else {P81_ENERGY_COUNTER: energy_counter}
    block1 = unit.handle_request(P81_BLOCK1)
    block2 = unit.handle_request(P81_BLOCK2, forced_registers=forced)
    assert block1 is not None
    assert block2 is not None
    return decode_status(block1, block2)
