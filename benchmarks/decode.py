"""Decode speed of one 24-cell D2 status frame: this package against aiobmsble's Daly plugin.

Both sides get the reply as bleak hands it over (a bytearray) and do the same job: check
header, length and CRC of the 129-byte frame, then turn it into cell voltages,
temperatures, pack voltage, current, SOC, capacity, cycles, MOS and balancer flags and the
alarm word.

aiobmsble 0.31.0 side: the path its ``_async_update`` takes for each reply, minus the
Bluetooth round trip: ``_notification_handler`` (header, length and CRC check), then
``_decode_data`` over the plugin's field table, ``_temp_values`` and ``_cell_voltages``.
Our side also derives power and stored energy (read from the status, where they are
computed on access) and checks every value against the plausibility table; aiobmsble
derives in a separate ``_add_missing_values`` pass, which the headline ratio leaves out
(in aiobmsble's favour) and which is printed on its own line for reference. A second pair of
lines shows both sides without the CRC check.

The A5 line: one whole reading of a 16-cell unit in the legacy A5 protocol (the seven
replies, 22 frames of 13 bytes, the cell reply with room for 48 cells as real units send
it) fed through the reassembler in the notifications a module delivers, each checksum
checked, then decoded and derived like the D2 frame. No peer decodes A5, so its ratio is
to our own D2 frame in the same run.

Run: .venv/bin/python benchmarks/decode.py  (needs aiobmsble, see requirements.txt)
"""

from __future__ import annotations

from collections.abc import Callable
import logging
from pathlib import Path
import sys
import time
from typing import Any

FRAME_A = bytes.fromhex(
    "D2 03 7C 0C DC 0C DB 0C DC 0C DC 0C DC 0C DC 0C DE 0C DC 0C DC 0C DC 0C DC 0C DC 0C DC"
    " 0C DC 0C DE 0C DC 0C DC 0C DC 0C DC 0C DC 0C DC 0C DE 0C DC 0C DC 00 00 00 00 00 00"
    " 00 00 00 00 00 00 00 00 00 00 00 38 00 36 00 38 00 38 00 00 00 00 00 00 00 00 03 16"
    " 75 30 01 4D 0C DE 0C DB 00 38 00 36 00 00 04 15 00 18 00 04 00 00 00 00 00 01 00 01"
    " 0C DC 00 03 00 00 00 00 00 00 00 00 00 00 49 67"
)

type Bench = Callable[[], Any]


def _ours() -> tuple[Bench, Bench]:
    # Runs as a plain script, so the repository root is not on the path by itself.
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from custom_components.daly_bms.protocol import decode_status, parse_frame

    wire = bytearray(FRAME_A)
    checked = parse_frame(FRAME_A)

    def with_derived(status: Any) -> Any:
        # Power and stored energy are properties: reading them is part of the work.
        return status, status.power, status.stored_energy

    return (lambda: with_derived(decode_status(wire))), (
        lambda: with_derived(decode_status(checked))
    )


def _a5_frame(command: int, data: list[int]) -> bytes:
    body = bytes([0xA5, 0x01, command, 0x08, *data, *([0] * (8 - len(data)))])
    return body + bytes([sum(body) & 0xFF])


def _a5_reading() -> list[bytes]:
    """The notifications of one 16-cell A5 reading, as a Bluetooth module delivers them."""
    cells = [3300 + 3 * cell for cell in range(16)] + [3333] * 32  # stale past cell 16
    cell_frames = b"".join(
        _a5_frame(
            0x95,
            [number + 1, *b"".join(mv.to_bytes(2) for mv in cells[3 * number : 3 * number + 3])],
        )
        for number in range(16)
    )
    return [
        _a5_frame(0x94, [16, 4, 0, 1, 0, 0, 87, 0]),
        _a5_frame(0x90, [0x02, 0x12, 0, 0, 0x75, 0x85, 0x03, 0x60]),
        _a5_frame(0x93, [2, 1, 1, 0x2A, 0x00, 0x04, 0x23, 0x60]),
        cell_frames[:200],  # 200 + 8 bytes, as the module cuts a long reply
        cell_frames[200:],
        _a5_frame(0x96, [1, 60, 61, 61, 62, 0, 0, 0]),
        _a5_frame(0x97, [0b0000_0100, 0, 0, 0, 0, 0]),
        _a5_frame(0x98, []),
    ]


def _ours_a5() -> Bench:
    from custom_components.daly_bms.protocol import A5
    from custom_components.daly_bms.protocol.a5_frames import A5FrameAssembler

    notifications = [bytearray(chunk) for chunk in _a5_reading()]
    decode = A5.decode_frames

    def reading() -> Any:
        assembler = A5FrameAssembler()
        status = decode(frame for chunk in notifications for frame in assembler.feed(chunk))
        return status, status.power, status.stored_energy

    return reading


def _aiobmsble() -> tuple[Bench, Bench, Bench]:
    from aiobmsble.basebms import BaseBMS  # type: ignore[import-untyped]
    from aiobmsble.bms.daly_bms import BMS  # type: ignore[import-untyped]
    from bleak.backends.device import BLEDevice

    logging.getLogger(BMS.__module__).setLevel(logging.WARNING)
    # The BlueZ backend wants a D-Bus path; no connection is ever made.
    details = {"path": "/org/bluez/hci0/dev_AA_BB_CC_DD_EE_FF", "props": {}}
    bms = BMS(BLEDevice("AA:BB:CC:DD:EE:FF", "DL-AABBCCDDEEFF", details))
    proto = BMS._PROTOS[bms._proto]
    fields = proto.fields
    length = proto.cmds[0].length
    temp_start = proto.max_cells * 2 + BMS._HEAD_LEN
    wire = bytearray(FRAME_A)

    def values(msg: bytes) -> dict[str, Any]:
        result: dict[str, Any] = dict(BMS._decode_data(fields, {length: msg}, start=BMS._HEAD_LEN))
        result["temp_values"] = BMS._temp_values(
            msg, values=result.get("temp_sensors", 0), start=temp_start, offset=40
        )
        result["cell_voltages"] = BMS._cell_voltages(
            msg, cells=result.get("cell_count", 0), start=BMS._HEAD_LEN
        )
        return result

    def decode() -> dict[str, Any]:
        bms._msg = b""
        bms._notification_handler(None, wire)
        if not bms._msg:
            raise RuntimeError("aiobmsble rejected the frame")
        bms._msg_event.clear()
        return values(bms._msg)

    def decode_with_derived() -> dict[str, Any]:
        result = decode()
        BaseBMS._add_missing_values(result)
        return result

    return decode, decode_with_derived, (lambda: values(FRAME_A))


def _batch_size(function: Bench) -> int:
    count = 1
    while True:
        start = time.perf_counter()
        for _ in range(count):
            function()
        if time.perf_counter() - start > 0.02:
            return count
        count *= 2


def _per_frame_us(benches: dict[str, Bench], seconds: float = 6.0) -> dict[str, float]:
    """Best batch time per call, in microseconds.

    Batches of all contenders alternate, so a burst of load from elsewhere on the machine
    hits every contender rather than whichever happened to be running.
    """
    sizes = {name: _batch_size(function) for name, function in benches.items()}
    best = dict.fromkeys(benches, float("inf"))
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        for name, function in benches.items():
            count = sizes[name]
            start = time.perf_counter()
            for _ in range(count):
                function()
            best[name] = min(best[name], (time.perf_counter() - start) / count)
    return {name: value * 1e6 for name, value in best.items()}


def main() -> None:
    """Time both decoders and print the ratio last."""
    ours, ours_no_crc = _ours()
    ours_a5 = _ours_a5()
    a5_status = ours_a5()[0]
    if len(a5_status.cell_voltages) != 16 or a5_status.current != -8.5:
        raise SystemExit("the A5 reading did not decode as built")
    theirs, theirs_derived, theirs_no_crc = _aiobmsble()
    status = ours()[0]
    peer = theirs()
    if [round(v, 3) for v in peer["cell_voltages"]] != list(status.cell_voltages):
        raise SystemExit("the decoders disagree on the cell voltages")
    if (peer["voltage"], peer["current"], peer["battery_level"]) != (
        status.voltage,
        status.current,
        status.soc,
    ):
        raise SystemExit("the decoders disagree on voltage, current or SOC")

    us = _per_frame_us(
        {
            "ours": ours,
            "theirs": theirs,
            "theirs_derived": theirs_derived,
            "ours_no_crc": ours_no_crc,
            "theirs_no_crc": theirs_no_crc,
            "ours_a5": ours_a5,
        }
    )
    ours_us, theirs_us, derived_us = us["ours"], us["theirs"], us["theirs_derived"]
    ours_no_crc_us, theirs_no_crc_us = us["ours_no_crc"], us["theirs_no_crc"]
    print(f"frame: D2 status, 62 registers, 24 cells, {len(FRAME_A)} bytes; best of batches")
    print(f"daly_bms  CRC + decode + derived      {ours_us:8.2f} us/frame")
    print(f"aiobmsble CRC + decode                {theirs_us:8.2f} us/frame")
    print(f"aiobmsble CRC + decode + derived      {derived_us:8.2f} us/frame")
    print(f"daly_bms  decode + derived, no CRC    {ours_no_crc_us:8.2f} us/frame")
    print(f"aiobmsble decode, no CRC              {theirs_no_crc_us:8.2f} us/frame")
    a5_us = us["ours_a5"]
    print("daly_bms  A5 reading (22 frames, reassembled, checksums, decode + derived)")
    print(f"          16 cells                    {a5_us:8.2f} us/reading")
    print(f"a5_reading_vs_d2_frame: {a5_us / ours_us:.2f}")
    print(f"no-CRC ratio: {theirs_no_crc_us / ours_no_crc_us:.2f}")
    print(f"speedup_vs_aiobmsble: {theirs_us / ours_us:.2f}")


if __name__ == "__main__":
    main()
