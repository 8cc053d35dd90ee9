"""The batteries of the demo: two house packs in parallel (a bank), a camper battery, and
an older unit in the shed that speaks the legacy A5 protocol."""

from __future__ import annotations

from dataclasses import dataclass

from simulator import (
    A5Quirks,
    Chemistry,
    Clock,
    SimulatedUnit,
    SolarDayProfile,
    VersionStrings,
    daly_name,
    jhb_name,
)

# Version strings in the layouts real units use; each brand its own.
DALY_VERSIONS = VersionStrings(
    software="11_240123_K00T",
    software_reversed=True,
    hardware="H2.0_103R_309F9F",
    production_date="20240229",
)
HUNDRED_BALANCE_VERSIONS = VersionStrings(
    software="10_230607_B00T", hardware="H1.2_102E_30XF", production_date="20230607"
)

# Locally administered addresses (second hex digit 2, 6, A or E), so they can never
# collide with a real unit near the machine running the demo.
DALY_ADDRESS = "C2:D6:3C:32:23:A2"
SECOND_DALY_ADDRESS = "C6:D6:3C:32:23:B4"
HUNDRED_BALANCE_ADDRESS = "D2:18:12:01:A4:94"
SHED_ADDRESS = "CA:16:09:01:4F:05"
# Older units are often renamed in the app; this one answers A5 through its Bluetooth module.
SHED_NAME = "Shed battery"
# The two house packs are connected in parallel; the demo shows them as one bank.
BANK_NAME = "House bank"
BANK_ADDRESSES = (DALY_ADDRESS, SECOND_DALY_ADDRESS)


@dataclass(frozen=True, slots=True)
class DemoUnit:
    """One simulated battery and the radio options the proxy should give it."""

    unit: SimulatedUnit
    rssi: int
    latency: float


def build_units(clock: Clock) -> list[DemoUnit]:
    """Return the demo's batteries, all running on `clock`.

    Two 16-cell 280 Ah LiFePO4 home packs with Daly BMSs, in parallel on the same solar
    day (starting mid-morning as the sun comes up) a few percent of charge apart, and an
    8-cell 100 Ah LiFePO4 camper battery with a 100balance BMS, starting in the evening:
    at any moment the house bank is usually charging while the camper discharges. The shed
    holds a 4-cell 200 Ah LiFePO4 pack with an older Daly BMS that speaks A5, with the
    habits of real modules (16 frames of cells with stale bytes past the fourth cell).
    """
    house, house_two = (
        SimulatedUnit(
            name=daly_name(address),
            address=address,
            cells=16,
            chemistry=Chemistry.LIFEPO4,
            capacity_ah=280.0,
            dialect="d2",
            profile=SolarDayProfile.for_capacity(280.0, start_hour=10.0),
            clock=clock,
            seed=seed,
            soc=soc,
            ambient_c=21.0,
            cycles=cycles,
            versions=DALY_VERSIONS,
        )
        for address, seed, soc, cycles in (
            (DALY_ADDRESS, 16, 55.0, 87),
            (SECOND_DALY_ADDRESS, 17, 51.0, 85),
        )
    )
    camper = SimulatedUnit(
        name=jhb_name(HUNDRED_BALANCE_ADDRESS),
        address=HUNDRED_BALANCE_ADDRESS,
        cells=8,
        chemistry=Chemistry.LIFEPO4,
        capacity_ah=100.0,
        dialect="d2",
        profile=SolarDayProfile.for_capacity(100.0, start_hour=19.0),
        clock=clock,
        seed=8,
        soc=78.0,
        ambient_c=17.0,
        cycles=212,
        versions=HUNDRED_BALANCE_VERSIONS,
    )
    shed = SimulatedUnit(
        name=SHED_NAME,
        address=SHED_ADDRESS,
        cells=4,
        chemistry=Chemistry.LIFEPO4,
        capacity_ah=200.0,
        dialect="a5",
        a5_quirks=A5Quirks(full_cell_reply=True, stale_slots=True),
        profile=SolarDayProfile.for_capacity(200.0, start_hour=14.0),
        clock=clock,
        seed=4,
        soc=64.0,
        ambient_c=12.0,
        cycles=431,
    )
    return [
        DemoUnit(house, rssi=-58, latency=0.03),
        DemoUnit(house_two, rssi=-61, latency=0.03),
        DemoUnit(camper, rssi=-71, latency=0.05),
        DemoUnit(shed, rssi=-77, latency=0.06),
    ]
