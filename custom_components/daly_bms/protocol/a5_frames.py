"""Frames of the legacy A5 protocol: ``A5 addr cmd 08 data[8] sum``, always 13 bytes.

The checksum is the low byte of the sum of the twelve bytes before it. Requests carry the
host address (0x80 over Bluetooth, 0x40 over RS485, and some Bluetooth modules accept only
0x40); every reply carries address 0x01.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from .errors import DalyFrameError
from .frames import Frame

START: Final = 0xA5
DATA_LENGTH: Final = 8
FRAME_LENGTH: Final = 13
REPLY_ADDRESS: Final = 0x01
HOST_ADDRESS_BLUETOOTH: Final = 0x80
HOST_ADDRESS_RS485: Final = 0x40
# The order a client tries them in: the documented Bluetooth address first.
HOST_ADDRESSES: Final = (HOST_ADDRESS_BLUETOOTH, HOST_ADDRESS_RS485)

_REPLY_HEADER: Final = bytes((START, REPLY_ADDRESS))
_INVALID_FRAME_NUMBER: Final = 0xFF
_EMPTY: Final = bytes(DATA_LENGTH)


def checksum(frame: bytes | bytearray | memoryview) -> int:
    """Return the checksum of a frame: the low byte of the sum of its first 12 bytes."""
    return sum(frame[: FRAME_LENGTH - 1]) & 0xFF


@dataclass(frozen=True, slots=True)
class A5Frame(Frame):
    """One complete 13-byte frame whose header and checksum have been checked.

    ``function`` holds the command byte, as it sits where the other dialects keep theirs.
    """

    @property
    def command(self) -> int:
        """The command the frame asks or answers."""
        return self.function

    @property
    def data(self) -> bytes:
        """The eight data bytes."""
        return self.raw[4:12]


def encode_a5(address: int, command: int, data: bytes | bytearray = _EMPTY) -> bytes:
    """Encode one frame; ``data`` is padded with zeros to eight bytes."""
    if not 0 <= address <= 0xFF or not 0 <= command <= 0xFF:
        raise ValueError(f"address 0x{address:X} or command 0x{command:X} is not a byte")
    if len(data) > DATA_LENGTH:
        raise ValueError(f"{len(data)} data bytes, at most {DATA_LENGTH} fit a frame")
    body = bytes((START, address, command, DATA_LENGTH)) + bytes(data).ljust(DATA_LENGTH, b"\0")
    return body + bytes((checksum(body),))


def _well_formed(frame: bytes | bytearray, start: int = 0) -> bool:
    return (
        frame[start] == START
        and frame[start + 3] == DATA_LENGTH
        and sum(frame[start : start + FRAME_LENGTH - 1]) & 0xFF == frame[start + FRAME_LENGTH - 1]
    )


def parse_a5_frame(raw: bytes | bytearray) -> A5Frame:
    """Check that ``raw`` is exactly one frame (request or reply) and return it."""
    if len(raw) != FRAME_LENGTH:
        raise DalyFrameError(f"an A5 frame is {FRAME_LENGTH} bytes, not {len(raw)}")
    if raw[0] != START or raw[3] != DATA_LENGTH:
        raise DalyFrameError(f"not an A5 frame header: {bytes(raw[:4]).hex(' ')}")
    if checksum(raw) != raw[-1]:
        raise DalyFrameError(f"bad checksum 0x{raw[-1]:02X}, expected 0x{checksum(raw):02X}")
    return A5Frame(raw[1], raw[2], bytes(raw))


class A5FrameAssembler:
    """Turn a stream of notification chunks into checked reply frames.

    Real Bluetooth modules deliver two frames in one notification, 200 + 8 byte
    notifications whose tail is garbage, and frames cut short with the next one
    following at once. So every ``A5 01`` is a candidate start; a candidate is taken when
    its header and checksum hold, otherwise the scan moves on to the next ``A5 01``. An
    eight-bit checksum passes one garbled candidate in 256, so a candidate that has a
    complete valid frame starting inside it is taken for a cut-short frame and dropped in
    favour of that one. Between calls at most one incomplete candidate (12 bytes) is kept.
    """

    __slots__ = ("_buffer",)

    def __init__(self) -> None:
        """Start with an empty buffer."""
        self._buffer = bytearray()

    def __len__(self) -> int:
        """Bytes held back waiting for the rest of a frame."""
        return len(self._buffer)

    def reset(self) -> None:
        """Forget any partial frame."""
        self._buffer.clear()

    def feed(self, chunk: bytes | bytearray) -> list[A5Frame]:
        """Add a chunk and return the frames it completed, oldest first."""
        buffer = self._buffer
        buffer += chunk
        size = len(buffer)
        frames: list[A5Frame] = []
        keep = size
        index = buffer.find(_REPLY_HEADER)
        while index >= 0:
            end = index + FRAME_LENGTH
            if end > size:
                keep = index
                break
            if _well_formed(buffer, index) and not self._cut_short(buffer, index, size):
                frames.append(A5Frame(REPLY_ADDRESS, buffer[index + 2], bytes(buffer[index:end])))
                index = buffer.find(_REPLY_HEADER, end)
            else:
                index = buffer.find(_REPLY_HEADER, index + 1)
        if keep == size and buffer[-1:] == b"\xa5":
            # The chunk ended on a start byte whose address byte is still on its way.
            keep = size - 1
        del buffer[:keep]
        return frames

    @staticmethod
    def _cut_short(buffer: bytearray, index: int, size: int) -> bool:
        inner = buffer.find(_REPLY_HEADER, index + 1, index + FRAME_LENGTH)
        while inner >= 0:
            if inner + FRAME_LENGTH <= size and _well_formed(buffer, inner):
                return True
            inner = buffer.find(_REPLY_HEADER, inner + 1, index + FRAME_LENGTH)
        return False


class NumberedReply:
    """Gathers the numbered frames of one multi-frame reply until the needed ones are in.

    Byte 0 of each frame's data is its number: from 1 on every unit seen, from 0 in the
    vendor's document, so a reply that holds a frame 0 is read from 0 (the caller remembers
    that for the unit). A reply may carry more frames than needed (room for 48 cells on a
    16-cell pack); those hold stale bytes and are ignored, as are frames marked invalid
    (0xFF). The first copy of a number wins: a garbled tail can repeat one with garbage.
    """

    __slots__ = ("_complete", "_frames", "command", "first_number", "needed")

    def __init__(self, command: int, needed: int, *, first_number: int = 1) -> None:
        """Wait for ``needed`` frames answering ``command``."""
        self.command = command
        self.needed = needed
        self.first_number = first_number
        self._frames: dict[int, bytes] = {}
        self._complete = False

    def add(self, frame: Frame) -> bool:
        """Take ``frame`` if it belongs here; return True once the reply is complete."""
        if frame.function == self.command and not self._complete:
            number = frame.raw[4]
            if number == 0:
                self.first_number = 0
            if number != _INVALID_FRAME_NUMBER:
                self._frames.setdefault(number, frame.raw[4:12])
        return self.complete

    @property
    def complete(self) -> bool:
        """Return whether every needed frame has arrived."""
        if self._complete:
            return True
        frames = self._frames
        if len(frames) < self.needed:
            return False
        first = self.first_number
        self._complete = all(number in frames for number in range(first, first + self.needed))
        return self._complete

    def payloads(self) -> tuple[bytes, ...]:
        """Return the data bytes of the needed frames, first cells or probes first."""
        if not self.complete:
            raise DalyFrameError(f"reply to 0x{self.command:02X} is missing frames")
        first = self.first_number
        return tuple(self._frames[number] for number in range(first, first + self.needed))
