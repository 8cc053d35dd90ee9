"""Switches of a bank: the charge and discharge MOSFETs of every pack at once.

On only while every pack reports its MOSFET on; switching goes through each pack's
verified MOS action, and an error names any pack that did not follow.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .bank import PackReading
from .bank_coordinator import BankCoordinator, BankData
from .entity import SwitchValueDescription
from .protocol import MosBank


def _packs_not_on(data: BankData, mos: MosBank) -> Mapping[str, Any]:
    """Name the packs whose MOSFET is off, and those whose state is not known."""
    off: list[str] = []
    unknown: list[str] = []
    for member in data.members:
        state = None if member.reading is None else _pack_state(member.reading, mos)
        if state is False:
            off.append(member.name)
        elif state is None:
            unknown.append(member.name)
    return {"packs_off": off, "packs_unknown": unknown}


def _pack_state(reading: PackReading, mos: MosBank) -> bool | None:
    return reading.charge_mos if mos is MosBank.CHARGE else reading.discharge_mos


def _bank_mos_switch(mos: MosBank) -> SwitchValueDescription[BankCoordinator, BankData]:
    async def switch(coordinator: BankCoordinator, on: bool, _label: str) -> None:
        await coordinator.async_set_mos(mos, on)

    def value(data: BankData) -> bool | None:
        return data.summary.charge_mos if mos is MosBank.CHARGE else data.summary.discharge_mos

    return SwitchValueDescription(
        key=f"{mos}_mos",
        translation_key=f"{mos}_mos",
        value_fn=value,
        attributes_fn=lambda data: _packs_not_on(data, mos),
        switch_fn=switch,
    )


BANK_SWITCHES: tuple[SwitchValueDescription[BankCoordinator, BankData], ...] = tuple(
    map(_bank_mos_switch, MosBank)
)
