"""A whole Daly unit: battery + firmware + clock + what it advertises."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

from .a5 import A5Quirks
from .battery import Battery, default_temperature_sensors
from .bms import Bms
from .chemistry import Chemistry
from .clock import Clock, ManualClock
from .firmware import DEFAULT_VERSIONS, Dialect, Firmware
from .identity import FFF0_SERVICE_UUID, manufacturer_data, normalize_address
from .profiles import ConstantProfile, Profile
from .settings import SLEEP_NEVER, Settings
from .versions import VersionStrings

# The physics is stepped in pieces no longer than this: short enough that a 1 C
# current moves a cell by well under 1 % per step, long enough that a simulated
# day is about 9000 cheap steps.
MAX_STEP_S = 10.0
# Below this the current register reads 0.0 A and the BMS counts as idle.
ACTIVE_CURRENT_A = 0.05


class SimulatedUnit:
    """A Daly BMS in software, answering request frames like the real firmware.

    Physics catches up with ``clock.now()`` lazily, on every request and on
    :meth:`advance`, so a test can jump a day ahead on a :class:`ManualClock`.
    """

    def __init__(
        self,
        *,
        name: str,
        address: str,
        cells: int = 16,
        chemistry: Chemistry | str = Chemistry.LIFEPO4,
        capacity_ah: float = 100.0,
        dialect: Dialect | str = Dialect.D2,
        profile: Profile | None = None,
        clock: Clock | None = None,
        seed: int = 0,
        soc: float = 60.0,
        ambient_c: float = 20.0,
        manufacturer_id: int | None = None,
        temperature_sensors: int | None = None,
        has_mos_sensor: bool = True,
        advertise_service_uuid: bool = False,
        cycles: int = 0,
        software_version: str | None = None,
        hardware_version: str | None = None,
        versions: VersionStrings | None = None,
        reports_versions: bool = True,
        reports_settings: bool = True,
        ignores_writes: bool | Collection[int] = False,
        a5_quirks: A5Quirks | None = None,
    ) -> None:
        """Build the unit; the firmware options are those of Firmware.

        ``software_version`` / ``hardware_version`` replace the default strings (plainly
        stored); ``versions`` says everything a unit's version block holds, and how.
        """
        self.name = name
        self.address = normalize_address(address)
        self.clock: Clock = clock if clock is not None else ManualClock()
        self._profile: Profile = profile if profile is not None else ConstantProfile(0.0)
        self._override: float | None = None
        chemistry = Chemistry(chemistry)
        if temperature_sensors is None:
            temperature_sensors = default_temperature_sensors(cells)
        self.battery = Battery(
            cells=cells,
            chemistry=chemistry,
            capacity_ah=capacity_ah,
            soc=soc,
            ambient_c=ambient_c,
            temperature_sensors=temperature_sensors,
            seed=seed,
            cycles=cycles,
        )
        self.settings = Settings(
            chemistry=chemistry,
            cells=cells,
            capacity_ah=capacity_ah,
            temperature_sensors=temperature_sensors,
        )
        self.bms = Bms(self.battery, self.settings, has_mos_sensor=has_mos_sensor)
        if versions is None:
            versions = DEFAULT_VERSIONS
            if software_version is not None or hardware_version is not None:
                versions = VersionStrings(
                    software=versions.software if software_version is None else software_version,
                    hardware=versions.hardware if hardware_version is None else hardware_version,
                )
        elif software_version is not None or hardware_version is not None:
            raise ValueError("give either versions or software_version/hardware_version")
        self.firmware = Firmware(
            self.bms,
            dialect=Dialect(dialect),
            versions=versions,
            reports_versions=reports_versions,
            reports_settings=reports_settings,
            ignores_writes=ignores_writes,
            a5_quirks=a5_quirks,
        )
        self.manufacturer_data = manufacturer_data(name, self.address, manufacturer_id)
        self.service_uuids = [FFF0_SERVICE_UUID] if advertise_service_uuid else []
        self.bms.time = self.clock.now()
        self._asleep = False
        self._last_active = self.bms.time
        self._was_active = False
        self.bms.settle(self._demand())
        self._track_sleep()

    def __repr__(self) -> str:
        return f"SimulatedUnit({self.name!r}, {self.address}, {self.dialect.value})"

    # -- identity ----------------------------------------------------------------
    @property
    def dialect(self) -> Dialect:
        """``d2`` or ``p81`` (a str enum)."""
        return self.firmware.dialect

    @property
    def time(self) -> float:
        """The simulated instant the physics has reached."""
        return self.bms.time

    # -- what drives the current -----------------------------------------------------
    @property
    def profile(self) -> Profile:
        """The charger/load profile; replacing it takes effect at once."""
        return self._profile

    @profile.setter
    def profile(self, profile: Profile) -> None:
        self._profile = profile
        self._redemand()

    @property
    def external_current_override(self) -> float | None:
        """A fixed demanded current (A, + = charging) that replaces the profile."""
        return self._override

    @external_current_override.setter
    def external_current_override(self, current_a: float | None) -> None:
        self._override = current_a
        self._redemand()

    def set_current(self, current_a: float | None) -> None:
        """Demand ``current_a`` (A, + = charging) from now on; None returns to the profile."""
        self.external_current_override = current_a

    def set_load(self, current_a: float | None) -> None:
        """Same as :meth:`set_current`: signed, positive = charging."""
        self.external_current_override = current_a

    def _demand(self) -> float:
        if self._override is not None:
            return self._override
        return self._profile.current_at(self.bms.time, self.battery)

    def _redemand(self) -> None:
        self.bms.settle(self._demand())
        self._track_sleep()

    # -- time ------------------------------------------------------------------------
    def advance(self, seconds: float) -> None:
        """Move the clock (shared by every unit on it) and the physics forward."""
        self.clock.advance(seconds)
        self.catch_up()

    def catch_up(self) -> None:
        """Run the physics up to ``clock.now()`` in steps of at most MAX_STEP_S."""
        target = self.clock.now()
        bms = self.bms
        while bms.time < target:
            dt = min(MAX_STEP_S, target - bms.time)
            bms.step(dt, self._demand)
            self._track_sleep()

    # -- sleep -----------------------------------------------------------------------
    @property
    def asleep(self) -> bool:
        """True while the unit ignores every request."""
        return self._asleep

    def wake(self) -> None:
        """Wake up as a button press would; the sleep timer starts over."""
        self._asleep = False
        self._last_active = self.bms.time

    def force_sleep(self) -> None:
        """Fall asleep now. Only wake() or current starting to flow wakes the unit."""
        self._asleep = True

    def _track_sleep(self) -> None:
        # Waking is edge-triggered: current that starts to flow wakes the unit, so a
        # forced sleep holds even while a steady current runs.
        active = abs(self.battery.current) >= ACTIVE_CURRENT_A
        now = self.bms.time
        if active:
            self._last_active = now
            if not self._was_active:
                self._asleep = False
        elif not self._asleep:
            sleep_time = self.settings.limits.sleep_time_s
            if sleep_time != SLEEP_NEVER and now - self._last_active >= sleep_time:
                self._asleep = True
        self._was_active = active

    # -- the wire --------------------------------------------------------------------
    def handle_request(
        self, request: bytes, *, forced_registers: Mapping[int, int] | None = None
    ) -> bytes | None:
        """The full reply frame to ``request``, or None for silence.

        ``forced_registers`` (register: raw value) replace what a read reports for those
        registers, as a broken probe or cell lead would; the frame and CRC stay valid.
        """
        self.catch_up()
        if self._asleep:
            return None
        reply = self.firmware.handle_request(bytes(request), forced_registers=forced_registers)
        # A write may have switched a MOS, which starts or stops the current.
        self._track_sleep()
        return reply

    def impossible_readings(self) -> Sequence[Mapping[int, int]]:
        """Status readings no healthy unit reports (register: raw value), in a valid frame."""
        return self.firmware.impossible_readings()

    def refresh(self) -> None:
        """Re-run protection and balancer now, after the battery was edited by hand."""
        self.bms.refresh()
        self._track_sleep()

    def set_temperature(self, celsius: float) -> None:
        """Put the pack, its sensors and the ambient at ``celsius`` and react to it."""
        self.battery.set_temperature(celsius)
        self.refresh()

    def set_extra_alarm_bits(self, bits: int) -> None:
        """Show fault bits no physics produces (AFE fault, sensor fault, ...)."""
        self.bms.extra_alarm_bits = bits
        self.refresh()
