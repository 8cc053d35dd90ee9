"""The legacy A5 protocol as an older Daly unit (or its Bluetooth module) speaks it.

Frames are ``A5 addr cmd 08 data[8] sum``: 13 bytes, the last the low byte of the sum of
the others. The unit answers from address 0x01 to requests from the host address (0x80
over Bluetooth, 0x40 over RS485). Everything is built here from the battery's truth, with
its own encoder, so the integration's A5 decoder is checked against an independent one.

What real units and modules were seen doing is switchable per unit (`A5Quirks`): a unit
that answers host address 0x40 only, a 0x95 reply with room for 48 cells on a smaller
pack, stale bytes in the slots past the last cell or probe, a 200-byte notification whose
tail is garbage, and frames cut short with the next frame following at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
import random

from .bms import Bms
from .registers import mv, state_of, temperature_raw
from .settings import CURRENT_OFFSET, REG_CHARGE_MOS, REG_DISCHARGE_MOS

START = 0xA5
LENGTH = 8
FRAME_SIZE = 13
REPLY_ADDRESS = 0x01
BLUETOOTH_HOST = 0x80
RS485_HOST = 0x40

SET_SOC = 0x21
RATED = 0x50
PACK = 0x90
CELL_EXTREMES = 0x91
TEMPERATURE_EXTREMES = 0x92
MOS = 0x93
STATUS = 0x94
CELL_VOLTAGES = 0x95
TEMPERATURES = 0x96
BALANCING = 0x97
FAULTS = 0x98
DISCHARGE_MOS = 0xD9
CHARGE_MOS = 0xDA

CELLS_PER_FRAME = 3
PROBES_PER_FRAME = 7
# Room the firmware reserves: 16 frames of cells, 3 frames of probes.
CELL_FRAMES_MAX = 16
PROBE_FRAMES_MAX = 3
# Where a module cuts its first notification of a long reply and starts to garble.
NOTIFICATION_LIMIT = 200
GARBLED_FROM = 160

# A5 fault byte -> first bit of the same flags in the 64-bit alarm word the battery
# keeps (D2's layout). Byte 6 has only its low four bits defined; byte 7 is a code.
_FAULT_BYTE_BITS = (48, 56, 32, 40, 16, 24, 0)
_BYTE6_DEFINED = 0x0F


def frame(address: int, command: int, data: bytes = b"") -> bytes:
    """One frame with its checksum; data is padded to eight bytes."""
    body = bytes((START, address, command, LENGTH)) + data.ljust(LENGTH, b"\0")
    return body + bytes((sum(body) & 0xFF,))


def frame_ok(raw: bytes) -> bool:
    """True for a well-formed 13-byte frame with a matching checksum."""
    return (
        len(raw) == FRAME_SIZE
        and raw[0] == START
        and raw[3] == LENGTH
        and sum(raw[:12]) & 0xFF == raw[12]
    )


@dataclass(slots=True)
class A5Quirks:
    """Ways real A5 units and their Bluetooth modules deviate from the plain protocol.

    ``garbled_tail`` garbles bytes 160-199 of a reply longer than 200 bytes, as a module
    that sends 200 + 8 byte notifications does (register the unit with an MTU of 203 to
    get the 200-byte notification itself). ``cut_frames`` is the chance that a frame of a
    multi-frame reply loses its last four bytes, the next frame following at once.
    """

    host_addresses: frozenset[int] = frozenset({BLUETOOTH_HOST, RS485_HOST})
    full_cell_reply: bool = False  # 16 frames of cells whatever the cell count
    first_frame_number: int = 1  # the vendor's document says 0, real units 1
    stale_slots: bool = False  # slots past the last cell / probe hold old values
    garbled_tail: bool = False
    cut_frames: float = 0.0
    acknowledges_writes: bool = True
    reserved_faults: int = 0  # bits 4-7 of fault byte 6, which the document leaves reserved
    fault_code: int = 0  # fault byte 7, a code rather than bits
    seed: int = 0
    rng: random.Random = field(init=False, repr=False)

    def __post_init__(self) -> None:
        """Seed the generator that decides garbage and cuts."""
        self.rng = random.Random(self.seed)


class A5Firmware:
    """Answers A5 request frames from a BMS's battery and settings."""

    def __init__(self, bms: Bms, quirks: A5Quirks | None = None) -> None:
        """Answer for ``bms`` with ``quirks`` (none by default)."""
        self.bms = bms
        self.quirks = quirks if quirks is not None else A5Quirks()
        self.life = 0
        self.clock: datetime | None = None
        # What the slots past the last cell held before: a plausible cell voltage each.
        self._stale = [3300 + 7 * i for i in range(CELL_FRAMES_MAX * CELLS_PER_FRAME)]

    def handle_request(self, raw: bytes) -> bytes | None:
        """The reply bytes to ``raw`` (one or more frames), or None for silence."""
        if not frame_ok(raw) or raw[1] not in self.quirks.host_addresses:
            return None
        command, data = raw[2], raw[4:12]
        frames = self._answer(command, data)
        if frames is None:
            return None
        return self._deliver(frames)

    def _answer(self, command: int, data: bytes) -> list[bytes] | None:
        battery = self.bms.battery
        if command == PACK:
            return [self._reply(PACK, self._pack())]
        if command == CELL_EXTREMES:
            return [self._reply(CELL_EXTREMES, self._cell_extremes())]
        if command == TEMPERATURE_EXTREMES:
            return [self._reply(TEMPERATURE_EXTREMES, self._temperature_extremes())]
        if command == MOS:
            self.life = (self.life + 1) & 0xFF
            remaining_mah = round(battery.remaining_ah * 1000)
            mos = bytes((state_of(battery), battery.charge_mos, battery.discharge_mos, self.life))
            return [self._reply(MOS, mos + remaining_mah.to_bytes(4, "big"))]
        if command == STATUS:
            return [self._reply(STATUS, self._status())]
        if command == CELL_VOLTAGES:
            return self._cell_frames()
        if command == TEMPERATURES:
            return self._probe_frames()
        if command == BALANCING:
            bitmap = sum(1 << (cell - 1) for cell in battery.balancing_cells)
            return [self._reply(BALANCING, bitmap.to_bytes(8, "little"))]
        if command == FAULTS:
            return [self._reply(FAULTS, self._faults())]
        if command == RATED:
            settings = self.bms.settings
            capacity_mah = (settings.read(0x80) or 0) * 100
            cell_mv = settings.read(0x81) or 0
            rated = capacity_mah.to_bytes(4, "big") + cell_mv.to_bytes(4, "big")
            return [self._reply(RATED, rated)]
        if command in (CHARGE_MOS, DISCHARGE_MOS):
            return self._switch(command, data[0])
        if command == SET_SOC:
            return self._set_soc(data)
        return None

    def _reply(self, command: int, data: bytes) -> bytes:
        return frame(REPLY_ADDRESS, command, data)

    # -- reads -------------------------------------------------------------------
    def _pack(self) -> bytes:
        battery = self.bms.battery
        decivolts = round(battery.pack_voltage * 10)
        # Discharge counts above the offset on A5, the other way round from D2.
        current = max(0, min(0xFFFF, CURRENT_OFFSET - round(battery.current * 10)))
        soc = round(battery.soc * 10)
        return b"".join(value.to_bytes(2, "big") for value in (decivolts, 0, current, soc))

    def _cell_extremes(self) -> bytes:
        cells = [mv(v) for v in self.bms.battery.cell_voltages]
        high, low = max(cells), min(cells)
        return (
            high.to_bytes(2, "big")
            + bytes((cells.index(high) + 1,))
            + low.to_bytes(2, "big")
            + bytes((cells.index(low) + 1,))
        )

    def _temperature_extremes(self) -> bytes:
        probes = [temperature_raw(t) for t in self.bms.battery.temperatures]
        high, low = max(probes), min(probes)
        return bytes((high, probes.index(high) + 1, low, probes.index(low) + 1))

    def _status(self) -> bytes:
        battery = self.bms.battery
        state = state_of(battery)
        return bytes(
            (battery.cell_count, battery.temperature_sensors, state == 1, state == 2, 0)
        ) + min(battery.cycles, 0xFFFF).to_bytes(2, "big")

    def _cell_frames(self) -> list[bytes]:
        cells = [mv(v) for v in self.bms.battery.cell_voltages]
        count = (
            CELL_FRAMES_MAX if self.quirks.full_cell_reply else -(-len(cells) // CELLS_PER_FRAME)
        )
        unused = count * CELLS_PER_FRAME - len(cells)
        filler = self._stale[len(cells) : len(cells) + unused]
        slots = cells + (filler if self.quirks.stale_slots else [0] * unused)
        frames = []
        for index in range(count):
            values = slots[index * CELLS_PER_FRAME : (index + 1) * CELLS_PER_FRAME]
            data = bytes((index + self.quirks.first_frame_number,))
            data += b"".join(value.to_bytes(2, "big") for value in values)
            data += bytes((self._reserved(),))
            frames.append(self._reply(CELL_VOLTAGES, data))
        if self.quirks.stale_slots:
            # What this reply leaves behind is what the next one shows in unused slots.
            self._stale[: len(cells)] = cells
        return frames

    def _probe_frames(self) -> list[bytes]:
        probes = [temperature_raw(t) for t in self.bms.battery.temperatures]
        count = -(-len(probes) // PROBES_PER_FRAME)
        unused = count * PROBES_PER_FRAME - len(probes)
        # Stale probe slots read like a room-warm probe (20-39 deg C).
        stale = [60 + (7 * index) % 20 for index in range(unused)]
        slots = probes + (stale if self.quirks.stale_slots else [0] * unused)
        return [
            self._reply(
                TEMPERATURES,
                bytes((index + self.quirks.first_frame_number,))
                + bytes(slots[index * PROBES_PER_FRAME : (index + 1) * PROBES_PER_FRAME]),
            )
            for index in range(count)
        ]

    def _reserved(self) -> int:
        # The reserved byte of a real cell frame held 0xD3 in every frame of a capture.
        return 0xD3 if self.quirks.stale_slots else 0

    def _faults(self) -> bytes:
        bits = self.bms.battery.alarm_bits
        faults = [(bits >> first) & 0xFF for first in _FAULT_BYTE_BITS]
        faults[6] = faults[6] & _BYTE6_DEFINED | self.quirks.reserved_faults << 4 & 0xF0
        return bytes(faults) + bytes((self.quirks.fault_code,))

    # -- writes ------------------------------------------------------------------
    def _switch(self, command: int, value: int) -> list[bytes] | None:
        if value not in (0, 1):
            return None
        register = REG_CHARGE_MOS if command == CHARGE_MOS else REG_DISCHARGE_MOS
        self.bms.settings.write(register, value)
        self.bms.refresh()
        return self._acknowledge(command, bytes((value,)))

    def _set_soc(self, data: bytes) -> list[bytes] | None:
        year, month, day, hour, minute, second = data[:6]
        soc = int.from_bytes(data[6:8], "big")
        if soc > 1000:
            return None
        try:
            self.clock = datetime(2000 + year, month, day, hour, minute, second)
        except ValueError:
            return None
        self.bms.battery.set_soc(soc / 10)
        self.bms.refresh()
        return self._acknowledge(SET_SOC, b"\x01")

    def _acknowledge(self, command: int, data: bytes) -> list[bytes]:
        return [self._reply(command, data)] if self.quirks.acknowledges_writes else []

    # -- the module between the BMS and the air --------------------------------------
    def _deliver(self, frames: list[bytes]) -> bytes | None:
        quirks = self.quirks
        if quirks.cut_frames and len(frames) > 1:
            frames = [
                raw[:-4]
                if index < len(frames) - 1 and quirks.rng.random() < quirks.cut_frames
                else raw
                for index, raw in enumerate(frames)
            ]
        stream = bytearray(b"".join(frames))
        if quirks.garbled_tail and len(stream) > NOTIFICATION_LIMIT:
            for index in range(GARBLED_FROM, NOTIFICATION_LIMIT):
                stream[index] = quirks.rng.randrange(256)
        return bytes(stream) if stream else None
