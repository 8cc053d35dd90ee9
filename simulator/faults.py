"""Radio faults of a simulated Daly unit: what real links were seen doing, on demand.

Every fault is something a client can notice on its side of the link: bytes that never
arrive, arrive corrupted, arrive late or twice, arrive glued together or cut apart, text that
is not a frame, a frame whose CRC is right but whose values cannot be, a link that drops, a
connection that is refused, a unit that stays silent for a while or is gone.
A fault fires either on command (`inject(kind, times=n)`: the next n occasions) or by chance
(`set_probability(kind, p)`), drawn from a seeded generator so a failing run can be replayed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
import errno
import random

from .frames import READ, parse_request

DEFAULT_JUNK = b"AT+OK\r\n"
DEFAULT_LATE_SECONDS = 5.0
DEFAULT_CONNECT_SECONDS = 2.0
DEFAULT_SILENCE_REQUESTS = 3


def link_setup_failed() -> OSError:
    """Return the error a Bluetooth stack raises when it cannot set up the link."""
    return OSError(errno.ENODEV, "No such device")


class FaultKind(StrEnum):
    """The ways a link to a unit can misbehave."""

    DROP = "drop"  # one notification of a response never arrives
    SPLIT = "split"  # a response arrives in more notifications than the MTU requires
    MERGE = "merge"  # a response is held back and arrives glued to the next one
    FLIP = "flip"  # one byte of a response is corrupted in the air
    LATE = "late"  # a response arrives after `late_seconds` (past a client's timeout)
    DISCONNECT = "disconnect"  # the link drops half-way through a response
    JUNK = "junk"  # the BLE module pushes ASCII text before a response
    REFUSE = "refuse"  # a connection attempt fails: another central holds the unit
    ASLEEP = "asleep"  # a request is ignored, as by a sleeping BMS (nothing is applied)
    VANISH = "vanish"  # the unit is out of range: no advertisement, no connection
    CONNECT_ERROR = "connect_error"  # a connection attempt raises `connect_error()` (OSError)
    DISCONNECT_ERROR = "disconnect_error"  # a disconnect raises `disconnect_error()` (EOFError)
    SLOW_CONNECT = "slow_connect"  # a connection takes `connect_seconds` before it goes on
    GLITCH = "glitch"  # a read answer carries `forced_registers` (a broken probe or lead)
    STALE = "stale"  # the unit's earlier answer to the same request arrives again, first
    SILENCE = "silence"  # a burst: this request and the next `silence_requests - 1` go unheard
    IMPOSSIBLE = "impossible"  # a read answer carries one of the unit's impossible readings


@dataclass(frozen=True, slots=True)
class Transmission:
    """How one response travels: the notifications, extra delay, and a link drop after."""

    notifications: list[bytes]
    extra_delay: float = 0.0
    lose_link: bool = False


class FaultInjector:
    """Decides, per occasion, whether a fault fires; one injector per simulated unit.

    `asleep` and `vanished` are lasting states (set them, clear them); every kind can also
    fire for single occasions: a request (ASLEEP, SILENCE), a response (DROP, SPLIT, MERGE,
    FLIP, LATE, DISCONNECT, JUNK, and STALE when the unit answered the same request before),
    a read answer that covers a register of `forced_registers` (GLITCH) or every register
    of one of the unit's impossible readings (IMPOSSIBLE), a connection attempt (REFUSE,
    VANISH, CONNECT_ERROR, SLOW_CONNECT), a disconnect (DISCONNECT_ERROR) or an
    advertisement (VANISH).
    """

    def __init__(
        self,
        *,
        seed: int = 0,
        probabilities: Mapping[FaultKind, float] | None = None,
        late_seconds: float = DEFAULT_LATE_SECONDS,
        junk: bytes = DEFAULT_JUNK,
        connect_seconds: float = DEFAULT_CONNECT_SECONDS,
        connect_error: Callable[[], Exception] = link_setup_failed,
        disconnect_error: Callable[[], Exception] = EOFError,
        forced_registers: Mapping[int, int] | None = None,
        silence_requests: int = DEFAULT_SILENCE_REQUESTS,
    ) -> None:
        """Create an injector; `probabilities` maps a kind to its chance per occasion.

        `connect_error` and `disconnect_error` make the exception CONNECT_ERROR and
        DISCONNECT_ERROR raise; `forced_registers` maps a register (as the unit's dialect
        addresses it) to the raw 16-bit value a GLITCH puts in its place; a SILENCE lasts
        `silence_requests` requests.
        """
        if connect_seconds < 0:
            raise ValueError(f"connect_seconds must not be negative, got {connect_seconds}")
        if silence_requests < 1:
            raise ValueError(f"silence_requests must be at least 1, got {silence_requests}")
        self.rng = random.Random(seed)
        self.silence_requests = silence_requests
        self.late_seconds = late_seconds
        self.junk = junk
        self.connect_seconds = connect_seconds
        self.connect_error = connect_error
        self.disconnect_error = disconnect_error
        self.forced_registers: dict[int, int] = {}
        for register, raw in (forced_registers or {}).items():
            self._check_forced(register, raw)
            self.forced_registers[register] = raw
        self.asleep = False
        self.vanished = False
        self.fired: Counter[FaultKind] = Counter()
        # What the last IMPOSSIBLE fault put into an answer (register: raw value).
        self.last_impossible: dict[int, int] = {}
        self._silent_requests = 0
        self._probabilities: dict[FaultKind, float] = {}
        self._pending: Counter[FaultKind] = Counter()
        for kind, probability in (probabilities or {}).items():
            self.set_probability(kind, probability)

    def set_probability(self, kind: FaultKind, probability: float) -> None:
        """Let `kind` fire by chance on each occasion (0 turns chance off)."""
        if not 0.0 <= probability <= 1.0:
            raise ValueError(f"probability of {kind} must be within 0..1, got {probability}")
        if probability:
            self._probabilities[kind] = probability
        else:
            self._probabilities.pop(kind, None)

    def probability(self, kind: FaultKind) -> float:
        """Return the chance per occasion of `kind`."""
        return self._probabilities.get(kind, 0.0)

    def inject(self, kind: FaultKind, times: int = 1) -> None:
        """Make `kind` fire on the next `times` occasions, whatever the probabilities."""
        if times < 1:
            raise ValueError(f"times must be at least 1, got {times}")
        self._pending[kind] += times

    def force_register(self, register: int, raw: int, times: int = 1) -> None:
        """Make the next `times` read answers covering `register` carry `raw` there."""
        self._check_forced(register, raw)
        self.forced_registers[register] = raw
        self.inject(FaultKind.GLITCH, times)

    @staticmethod
    def _check_forced(register: int, raw: int) -> None:
        if not 0 <= register <= 0xFFFF:
            raise ValueError(f"register must be within 0..0xFFFF, got {register}")
        if not 0 <= raw <= 0xFFFF:
            raise ValueError(f"raw value must be within 0..0xFFFF, got {raw}")

    def pending(self, kind: FaultKind) -> int:
        """Return how many commanded occurrences of `kind` have not fired yet."""
        return self._pending[kind]

    def clear(self) -> None:
        """Forget commands, probabilities and lasting states: a healthy link again."""
        self._pending.clear()
        self._probabilities.clear()
        self._silent_requests = 0
        self.asleep = False
        self.vanished = False

    def fires(self, kind: FaultKind) -> bool:
        """Decide one occasion: True when `kind` happens now (and count it)."""
        if self._pending[kind] > 0:
            self._pending[kind] -= 1
            fired = True
        else:
            probability = self._probabilities.get(kind, 0.0)
            # Draw only when a chance is set, so commanded faults do not shift the
            # random sequence other kinds depend on.
            fired = probability > 0.0 and self.rng.random() < probability
        if fired:
            self.fired[kind] += 1
        return fired

    def ignores_request(self) -> bool:
        """Return True when a request goes unheard: the unit sleeps, or a silence lasts."""
        if self.asleep:
            return True
        if self._silent_requests > 0:
            self._silent_requests -= 1
            return True
        if self.fires(FaultKind.SILENCE):
            self._silent_requests = self.silence_requests - 1
            return True
        return self.fires(FaultKind.ASLEEP)

    def out_of_range(self) -> bool:
        """Return True when the unit cannot be heard on this occasion."""
        return self.vanished or self.fires(FaultKind.VANISH)

    def forced_registers_for(
        self, request: bytes, impossible: Sequence[Mapping[int, int]] = ()
    ) -> dict[int, int]:
        """Return the registers the answer to `request` carries in place of the truth.

        GLITCH puts in the `forced_registers` the read covers; IMPOSSIBLE puts in one of
        the `impossible` readings (register: raw value) the read covers whole. Only a read
        that can show a fault is an occasion for it, so a commanded one is not spent on
        answers that could not show it. Empty: the truth.
        """
        parsed = parse_request(request)
        if parsed is None or parsed.function != READ:
            return {}
        covered = range(parsed.register, parsed.register + parsed.count)
        forced: dict[int, int] = {}
        glitch = {r: raw for r, raw in self.forced_registers.items() if r in covered}
        if glitch and self.fires(FaultKind.GLITCH):
            forced.update(glitch)
        shown = [reading for reading in impossible if reading and set(reading) <= set(covered)]
        if shown and self.fires(FaultKind.IMPOSSIBLE):
            self.last_impossible = dict(self.rng.choice(shown))
            forced.update(self.last_impossible)
        return forced

    def transmit(
        self,
        answer: bytes,
        *,
        payload_size: int,
        held: bytes | None = None,
        earlier: bytes | None = None,
    ) -> tuple[Transmission | None, bytes | None]:
        """Cut `answer` into notifications of `payload_size` bytes, applying the faults.

        `held` is a response an earlier MERGE kept back on this link; it travels glued in
        front of this one. `earlier` is the unit's previous answer to the same request; a
        STALE fault sends it again, in notifications of its own, ahead of this one.
        Returns the transmission (None while holding) and what to hold.
        """
        if held is None and self.fires(FaultKind.MERGE):
            return None, answer
        if self.fires(FaultKind.FLIP):
            answer = self.corrupt(answer)
        stream = answer if held is None else held + answer
        chunks = _cut(stream, payload_size)
        if earlier is not None and self.fires(FaultKind.STALE):
            chunks = _cut(earlier, payload_size) + chunks
        if self.fires(FaultKind.SPLIT):
            chunks = self.split(chunks)
        if self.fires(FaultKind.DROP):
            chunks = self.drop(chunks)
        lose_link = self.fires(FaultKind.DISCONNECT)
        if lose_link:
            chunks = _truncate(chunks, self.cut_point(sum(map(len, chunks))))
        if self.fires(FaultKind.JUNK):
            chunks.insert(0, self.junk)
        extra_delay = self.late_seconds if self.fires(FaultKind.LATE) else 0.0
        return Transmission(chunks, extra_delay, lose_link), None

    def corrupt(self, data: bytes) -> bytes:
        """Return `data` with one byte changed to a different value."""
        if not data:
            return data
        index = self.rng.randrange(len(data))
        flipped = bytearray(data)
        flipped[index] ^= self.rng.randrange(1, 256)
        return bytes(flipped)

    def split(self, chunks: list[bytes]) -> list[bytes]:
        """Cut one chunk longer than a byte in two at a random point."""
        candidates = [index for index, chunk in enumerate(chunks) if len(chunk) > 1]
        if not candidates:
            return chunks
        index = self.rng.choice(candidates)
        chunk = chunks[index]
        cut = self.rng.randrange(1, len(chunk))
        return [*chunks[:index], chunk[:cut], chunk[cut:], *chunks[index + 1 :]]

    def drop(self, chunks: list[bytes]) -> list[bytes]:
        """Lose one chunk."""
        if not chunks:
            return chunks
        index = self.rng.randrange(len(chunks))
        return [*chunks[:index], *chunks[index + 1 :]]

    def cut_point(self, length: int) -> int:
        """Return where a link drop interrupts `length` bytes: never at either end."""
        if length < 2:
            return 0
        return self.rng.randrange(1, length)


def _cut(data: bytes, size: int) -> list[bytes]:
    """Cut `data` into pieces of `size` bytes, the last one shorter."""
    return [data[i : i + size] for i in range(0, len(data), size)]


def _truncate(chunks: list[bytes], keep: int) -> list[bytes]:
    """Keep the first `keep` bytes of a run of chunks."""
    kept: list[bytes] = []
    for chunk in chunks:
        if keep <= 0:
            break
        kept.append(chunk[:keep])
        keep -= len(chunk)
    return kept
