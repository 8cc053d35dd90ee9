"""A minimal unit for radio tests: answers D2 reads and echoes D2 writes, nothing else."""

from __future__ import annotations

from simulator.crc import crc_ok, with_crc


class StandInUnit:
    """Answers `D2 03` reads with register n = n and echoes `D2 06` writes."""

    def __init__(self, address: str = "C0:FF:EE:00:00:01", name: str = "DL-C0FFEE000001") -> None:
        self.name = name
        self.address = address
        self.manufacturer_data = {0x0302: bytes.fromhex("16c0ffee0000014c44")}
        self.service_uuids: list[str] = []
        self.asleep = False
        self.handled: list[bytes] = []

    def handle_request(self, request: bytes) -> bytes | None:
        """Answer like the firmware: a frame, or None for silence."""
        self.handled.append(request)
        if self.asleep or len(request) != 8 or not crc_ok(request) or request[0] != 0xD2:
            return None
        if request[1] == 0x06:
            return request
        if request[1] != 0x03:
            return None
        first = int.from_bytes(request[2:4], "big")
        count = int.from_bytes(request[4:6], "big")
        data = b"".join((first + i).to_bytes(2, "big") for i in range(count))
        return with_crc(bytes([0xD2, 0x03, len(data)]) + data)


def read_request(first: int, count: int) -> bytes:
    """Return a D2 read request for `count` registers from `first`."""
    return with_crc(bytes([0xD2, 0x03]) + first.to_bytes(2, "big") + count.to_bytes(2, "big"))
