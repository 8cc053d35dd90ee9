"""Command line: decode captured frames or read a unit.

    python -m custom_components.daly_bms.protocol decode HEX [HEX2]
    python -m custom_components.daly_bms.protocol decode-settings HEX
    python -m custom_components.daly_bms.protocol read ADDRESS

``decode`` prints the status as one JSON object (HEX2 = p81 block 2). Hex may contain
spaces, dots or colons. A frame with a bad CRC or the wrong shape exits with status 2.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Sequence
import json
import re
import sys
from typing import Any

from bleak import BleakClient
from bleak.exc import BleakError

from .client import DEFAULT_TIMEOUT, DalyClient
from .decode import decode_settings, decode_status
from .errors import DalyError, DalyFrameError

EXIT_ERROR = 1
EXIT_BAD_FRAME = 2

_SEPARATORS = re.compile(r"[\s.:]+")


def parse_hex(text: str) -> bytes:
    """Turn ``"d2 03:7c.0c"``-style text into bytes (``0x`` prefixes allowed)."""
    tokens = [token for token in _SEPARATORS.split(text) if token]
    cleaned = "".join(token[2:] if token[:2].lower() == "0x" else token for token in tokens)
    try:
        return bytes.fromhex(cleaned)
    except ValueError:
        raise DalyFrameError(f"not hexadecimal: {text!r}") from None


async def _read(address: str, reply_timeout: float) -> dict[str, Any]:
    async with BleakClient(address) as bleak_client:
        client = DalyClient(bleak_client, timeout=reply_timeout)
        try:
            await client.start()
            status = await client.read_status()
        finally:
            await client.stop()
    return status.as_dict()


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
    decode.add_argument("frame", help="status reply (p81: realtime block 1)")
    decode.add_argument("block2", nargs="?", help="p81 realtime block 2")
    settings = commands.add_parser("decode-settings", help="decode a settings reply")
    settings.add_argument("frame")
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
        frame = parse_hex(args.frame)
        if args.command == "decode-settings":
            _print_json(decode_settings(frame).as_dict())
        else:
            block2 = None if args.block2 is None else parse_hex(args.block2)
            _print_json(decode_status(frame, block2).as_dict())
    except DalyFrameError as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_BAD_FRAME
    return 0


if __name__ == "__main__":  # pragma: no cover - run through a subprocess in tests
    sys.exit(main())
