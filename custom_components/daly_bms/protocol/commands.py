"""Request frames for each dialect and the write commands a unit accepts.

Only the switches confirmed on real units have plain names. Writes that were never
confirmed over BLE and can change or lose state carry an ``unconfirmed_`` prefix; nothing
in this package calls them.
"""

from __future__ import annotations

from typing import Final

from .frames import (
    D2_ADDRESS,
    P81_REPLY_ADDRESS,
    P81_REQUEST_ADDRESS,
    encode_read,
    encode_write_single,
)
from .models import Dialect
from .tables import D2_SETTINGS, D2_VERSIONS, P81_BLOCK1, P81_BLOCK2, P81_SETTINGS, P81_VERSIONS

REQUEST_ADDRESS: Final = {Dialect.D2: D2_ADDRESS, Dialect.P81: P81_REQUEST_ADDRESS}
REPLY_ADDRESS: Final = {Dialect.D2: D2_ADDRESS, Dialect.P81: P81_REPLY_ADDRESS}

D2_STATUS_REGISTERS: Final = 80
D2_STATUS_REGISTERS_SHORT: Final = 62

REGISTER_CHARGE_MOS: Final = 0xA5
REGISTER_DISCHARGE_MOS: Final = 0xA6
REGISTER_SOC: Final = 0xA7
REGISTER_BALANCER: Final = 0xCF
REGISTER_RESTART: Final = 0xF0
REGISTER_SHUTDOWN: Final = 0xF1
REGISTER_ZERO_CURRENT: Final = 0xF2
REGISTER_FACTORY_RESET: Final = 0xF3


def d2_status_request(registers: int = D2_STATUS_REGISTERS) -> bytes:
    """Read the D2 status block from register 0 (80 or 62 registers)."""
    if registers not in (D2_STATUS_REGISTERS, D2_STATUS_REGISTERS_SHORT):
        raise ValueError(f"D2 status is 62 or 80 registers, not {registers}")
    return encode_read(D2_ADDRESS, 0x00, registers)


def d2_mos_temperature_request() -> bytes:
    """Read only the D2 extra block 0x3E-0x46 (MOS temperature etc.)."""
    return encode_read(D2_ADDRESS, 0x3E, 9)


def p81_status_requests() -> tuple[bytes, bytes]:
    """Read p81 realtime block 1 and block 2."""
    return (
        encode_read(P81_REQUEST_ADDRESS, *P81_BLOCK1),
        encode_read(P81_REQUEST_ADDRESS, *P81_BLOCK2),
    )


def settings_request(dialect: Dialect) -> bytes:
    """Read the settings block (41 registers)."""
    layout = D2_SETTINGS if dialect is Dialect.D2 else P81_SETTINGS
    return encode_read(REQUEST_ADDRESS[dialect], layout.first_register, layout.registers)


def device_info_request(dialect: Dialect) -> bytes:
    """Read the software and hardware version strings."""
    layout = D2_VERSIONS if dialect is Dialect.D2 else P81_VERSIONS
    return encode_read(REQUEST_ADDRESS[dialect], layout.first_register, layout.registers)


def charge_mos_command(on: bool) -> bytes:
    """Switch the charge MOSFET (D2); the unit echoes the frame."""
    return encode_write_single(D2_ADDRESS, REGISTER_CHARGE_MOS, int(on))


def discharge_mos_command(on: bool) -> bytes:
    """Switch the discharge MOSFET (D2); the unit echoes the frame."""
    return encode_write_single(D2_ADDRESS, REGISTER_DISCHARGE_MOS, int(on))


def balancer_command(on: bool) -> bytes:
    """Switch the active balancer (D2 register 0xCF); the unit echoes the frame."""
    return encode_write_single(D2_ADDRESS, REGISTER_BALANCER, int(on))


def unconfirmed_set_soc_command(soc: float) -> bytes:
    """Set the state of charge in percent. Never confirmed on hardware."""
    if not 0.0 <= soc <= 100.0:
        raise ValueError(f"SOC {soc} outside 0..100 %")
    return encode_write_single(D2_ADDRESS, REGISTER_SOC, round(soc * 10))


def unconfirmed_restart_command() -> bytes:
    """Restart the BMS. Never confirmed on hardware."""
    return encode_write_single(D2_ADDRESS, REGISTER_RESTART, 1)


def unconfirmed_shutdown_command() -> bytes:
    """Shut the BMS down; it may need a charger to wake. Never confirmed on hardware."""
    return encode_write_single(D2_ADDRESS, REGISTER_SHUTDOWN, 1)


def unconfirmed_zero_current_command() -> bytes:
    """Calibrate the current reading to zero. Never confirmed on hardware."""
    return encode_write_single(D2_ADDRESS, REGISTER_ZERO_CURRENT, 1)


def unconfirmed_factory_reset_command() -> bytes:
    """Restore factory settings, losing the configuration. Never confirmed on hardware."""
    return encode_write_single(D2_ADDRESS, REGISTER_FACTORY_RESET, 1)
