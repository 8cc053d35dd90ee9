"""Command line: decode captured frames or read a unit.

    python -m custom_components.daly_bms.protocol decode HEX [HEX ...]
    python -m custom_components.daly_bms.protocol decode-settings HEX
    python -m custom_components.daly_bms.protocol decode-info HEX
    python -m custom_components.daly_bms.protocol read ADDRESS

``decode`` prints the status as one JSON object: from one D2 reply, p81 block 1 and block
2, or the A5 reply frames of one reading (in any order, one argument each or back to back).
``decode-settings`` prints the settings of any dialect (the same keys; null where the
dialect's map has no such register; ``sleep_time`` in seconds, 65535 = never),
``decode-info`` what a version reply says the unit is (software and hardware version,
serial number, production date). Hex may contain spaces, dots or colons. A frame with a bad
CRC or checksum or the wrong shape exits with status 2.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Sequence
import json
import re
import sys
from typing import Any, Final

from bleak import BleakClient
from bleak.exc import BleakError

from .client import DalyClient
from .const import DEFAULT_TIMEOUT
from .dialects import decode_device_info, decode_settings, decode_status
from .errors import DalyError, DalyFrameError
from .models import DalySettings, DalyStatus

EXIT_ERROR = 1
EXIT_BAD_FRAME = 2

_SEPARATORS = re.compile(r"[\s.:]+")

# Digits printed per field: the resolution of the register each value comes from. The
# decoder keeps full precision; only this output rounds.
_STATUS_DIGITS: Final = {
    "cell_voltages": 3,
    "cell_voltage_min": 3,
    "cell_voltage_max": 3,
    "cell_voltage_delta": 3,
    "cell_voltage_avg": 3,
    "temperatures": 1,
    "mos_temperature": 1,
    "board_temperature": 1,
    "voltage": 3,
    "current": 1,
    "power": 1,
    "soc": 1,
    "remaining_capacity": 1,
}
_SETTINGS_DIGITS: Final = {
    # p81 units keep it in mAh.
    "rated_capacity": 3,
    "cell_reference_voltage": 3,
    "balancing_start_voltage": 3,
    "balancing_start_delta": 3,
}


def parse_hex(text: str) -> bytes:
    """Turn ``"d2 03:7c.0c"``-style text into bytes (``0x`` prefixes allowed)."""
    tokens = [token for token in _SEPARATORS.split(text) if token]
    cleaned = "".join(token[2:] if token[:2].lower() == "0x" else token for token in tokens)
    try:
        return bytes.fromhex(cleaned)
    except ValueError:
        raise DalyFrameError(f"not hexadecimal: {text!r}") from None


def _rounded(value: Any, digits: int) -> Any:
    if isinstance(value, float):
        return round(value, digits)
    if isinstance(value, list):
        return [_rounded(item, digits) for item in value]
    return value


def status_json(status: DalyStatus) -> dict[str, Any]:
    """Return the status as the command line prints it, rounded to register resolution."""
    return {
        key: _rounded(value, _STATUS_DIGITS[key]) if key in _STATUS_DIGITS else value
        for key, value in status.as_dict().items()
    }


def settings_json(settings: DalySettings) -> dict[str, Any]:
    """Return the settings as the command line prints them, rounded to register resolution."""
    result: dict[str, Any] = {}
    for key, value in settings.as_dict().items():
        # Cell limits are millivolt registers, the rest tenths or whole units.
        digits = _SETTINGS_DIGITS.get(key, 3 if key.startswith("cell_") else 1)
        result[key] = _rounded(value, digits)
    return result


async def _read(address: str, reply_timeout: float) -> dict[str, Any]:
    async with BleakClient(address) as bleak_client:
        client = DalyClient(bleak_client, timeout=reply_timeout)
        try:
            await client.start()
            status = await client.read_status()
        finally:
            await client.stop()
    return status_json(status)


def _print_json(data: dict[str, Any]) -> None:
    print(json.dumps(data))


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m custom_components.daly_bms.protocol",
        description="Decode Daly BMS frames or read a unit over Bluetooth.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    decode = commands.add_parser("decode", help="decode a status reply")
    decode.add_argument(
        "frames",
        nargs="+",
        metavar="frame",
        help="status reply (p81: realtime block 1, then block 2; A5: every reply frame)",
    )
    settings = commands.add_parser("decode-settings", help="decode a settings reply")
    settings.add_argument("frame")
    info = commands.add_parser("decode-info", help="decode a version-string reply")
    info.add_argument("frame")
    read = commands.add_parser("read", help="connect to a unit and print its status")
    read.add_argument("address", help="Bluetooth address (or platform identifier)")
    read.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT)
    args = parser.parse_args(argv)

    if args.command == "read":
        try:
            _print_json(asyncio.run(_read(args.address, args.timeout)))
        except (DalyError, BleakError, OSError) as err:
            print(f"error: {err}", file=sys.stderr)
            return EXIT_ERROR
        return 0

    try:
        if args.command == "decode-settings":
            _print_json(settings_json(decode_settings(parse_hex(args.frame))))
        elif args.command == "decode-info":
            _print_json(decode_device_info(parse_hex(args.frame)).identity())
        else:
            first, *rest = [parse_hex(text) for text in args.frames]
            # Whatever follows the first frame is its dialect's second part.
            _print_json(status_json(decode_status(first, b"".join(rest) or None)))
    except DalyFrameError as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_BAD_FRAME
    return 0


if __name__ == "__main__":  # pragma: no cover - run through a subprocess in tests
    sys.exit(main())
