"""A soak's settings and findings, and the figures it prints."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
import logging
from typing import Final

from benchmarks.soak_judge import WrongValue

# Details printed per list; the counts always cover everything.
_SHOWN: Final = 20


@dataclass(frozen=True, slots=True)
class SoakConfig:
    """One soak run: its length, its seed and how hard the faults hit."""

    polls: int = 10_000
    seed: int = 1
    fault_chance: tuple[float, float] = (0.05, 0.10)
    press_every: int = 10
    cells: int = 16
    connection_mode: str = "persistent"
    latency: float = 0.08
    # What a GLITCH puts in a read answer (register: raw value): by default a probe lead
    # reading 215 degrees C and a board sensor reading nothing, in otherwise valid frames.
    glitched_registers: tuple[tuple[int, int], ...] = ((0x21, 0x00FF), (0x43, 0x0000))


@dataclass
class SoakReport:
    """What a soak found."""

    config: SoakConfig
    polls: int = 0
    simulated_seconds: float = 0.0
    real_seconds: float = 0.0
    fault_chances: dict[str, float] = field(default_factory=dict)
    faults: Counter[str] = field(default_factory=Counter)
    states_compared: int = 0
    wrong: list[WrongValue] = field(default_factory=list)
    unchecked: list[str] = field(default_factory=list)
    unavailable: Counter[str] = field(default_factory=Counter)
    unknown: Counter[str] = field(default_factory=Counter)
    entities: list[str] = field(default_factory=list)
    presses: Counter[str] = field(default_factory=Counter)
    switch_contradictions: list[str] = field(default_factory=list)
    recovery: dict[str, list[int | None]] = field(default_factory=dict)
    log_lines: Counter[tuple[str, int]] = field(default_factory=Counter)
    log_problems: list[str] = field(default_factory=list)
    loop_errors: list[str] = field(default_factory=list)
    leaks: dict[str, list[str]] = field(default_factory=dict)
    requests_after_unload: int = 0
    # Per energy counter: the Wh it showed last, and the Wh that went through the terminals.
    energy: dict[str, tuple[float, float]] = field(default_factory=dict)
    # The integration's log lines around the first finding of each kind.
    evidence: dict[str, list[str]] = field(default_factory=dict)

    @property
    def hours(self) -> float:
        """Return the simulated hours the polls took."""
        return self.simulated_seconds / 3600

    @property
    def leaked(self) -> dict[str, list[str]]:
        """Return only the kinds of resource something was left of."""
        return {kind: found for kind, found in self.leaks.items() if found}

    def log_lines_per_hour(self, source: str, at_least: int) -> float:
        """Return log lines per simulated hour from `source` at `at_least` or above."""
        lines = sum(
            n for (src, level), n in self.log_lines.items() if src == source and level >= at_least
        )
        return lines / self.hours if self.hours else float(lines)


def _short(entity_id: str) -> str:
    domain, _, name = entity_id.partition(".")
    _, _, key = name.partition("_") if name.startswith("dl_") else ("", "", name)
    return f"{domain}.{key or name}"


def _entity_lines(report: SoakReport) -> list[str]:
    groups: dict[tuple[int, int], list[str]] = defaultdict(list)
    for entity_id in report.entities:
        groups[report.unavailable[entity_id], report.unknown[entity_id]].append(_short(entity_id))
    lines = ["  unavailable  unknown  entities"]
    for (unavailable, unknown), names in sorted(groups.items(), reverse=True):
        shown = ", ".join(names[:8]) + (f" and {len(names) - 8} more" if len(names) > 8 else "")
        lines.append(f"  {unavailable:11d}  {unknown:7d}  {shown}")
    return lines


def _recovery_lines(report: SoakReport) -> list[str]:
    lines = ["  fault              fired  at once  1 poll  2-5  6+  max  never"]
    for kind in sorted(report.recovery):
        polls = report.recovery[kind]
        known = [p for p in polls if p is not None]
        lines.append(
            f"  {kind:17s} {len(polls):6d}  {known.count(0):7d}  {known.count(1):6d}"
            f"  {sum(2 <= p <= 5 for p in known):3d}  {sum(p > 5 for p in known):2d}"
            f"  {max(known, default=0):3d}  {len(polls) - len(known):5d}"
        )
    return lines


def format_report(report: SoakReport) -> str:
    """Return the figures of a soak as printed lines."""
    config = report.config
    minutes, seconds = divmod(round(report.real_seconds), 60)
    lines = [
        f"daly_bms fault soak: {config.cells}-cell D2 unit behind the simulated ESPHome proxy, "
        f"{config.connection_mode} link, seed {config.seed}",
        f"polls: {report.polls} ({report.hours:.1f} simulated hours in {minutes}m{seconds:02d}s)",
        f"entities compared after every poll: {len(report.entities)} "
        f"({report.states_compared} states compared); not compared: "
        f"{', '.join(report.unchecked) or 'none'}",
        f"faults fired ({config.fault_chance[0]:.0%}-{config.fault_chance[1]:.0%} per occasion):",
    ]
    lines += [
        f"  {kind:17s} {report.faults[kind]:6d}  (chance {chance:.1%})"
        for kind, chance in sorted(report.fault_chances.items())
    ]
    lines.append(f"  {'total':17s} {sum(report.faults.values()):6d}")
    lines.append(f"wrong values: {len(report.wrong)}")
    lines += [
        f"  poll {w.poll}: {w.entity_id} showed {w.shown}; the reading says {w.expected}"
        f" (faults: {', '.join(w.faults) or 'none'})"
        for w in report.wrong[:_SHOWN]
    ]
    presses = ", ".join(f"{outcome} {n}" for outcome, n in report.presses.most_common())
    lines.append(f"MOS presses: {sum(report.presses.values())} ({presses})")
    lines.append(
        "  a switch showing a state the unit was not in once its action returned: "
        f"{len(report.switch_contradictions)}"
    )
    lines += [f"  {c}" for c in report.switch_contradictions[:_SHOWN]]
    lines += [
        f"{key}: counted {counted / 1000:.3f} kWh of {through / 1000:.3f} kWh through the "
        f"terminals ({counted / through:.1%}; what flowed while no reading came is not counted)"
        for key, (counted, through) in sorted(report.energy.items())
        if through > 0
    ]
    lines.append(f"polls each entity was unavailable / unknown (of {report.polls}):")
    lines += _entity_lines(report)
    lines.append("recovery after each fault, in polls until every status value was shown again:")
    lines += _recovery_lines(report)
    lines.append(
        "log lines per simulated hour, daly_bms: "
        f"warning+ {report.log_lines_per_hour('daly_bms', logging.WARNING):.2f}, "
        f"info+ {report.log_lines_per_hour('daly_bms', logging.INFO):.2f}, "
        f"debug+ {report.log_lines_per_hour('daly_bms', logging.DEBUG):.0f}; "
        f"other loggers warning+ {report.log_lines_per_hour('other', logging.WARNING):.2f}"
    )
    lines.append(
        f"errors and tracebacks in the log: {len(report.log_problems)}; "
        f"unhandled errors in the event loop: {len(report.loop_errors)}"
    )
    lines += [f"  {p}" for p in [*report.log_problems, *report.loop_errors][:_SHOWN]]
    leaks = ", ".join(f"{kind} {len(found)}" for kind, found in report.leaks.items())
    lines.append(
        f"leaks after unload: {leaks}; requests to the unit in the hour after: "
        f"{report.requests_after_unload}"
    )
    lines += [f"  {kind}: {', '.join(found)}" for kind, found in report.leaked.items()]
    for kind, evidence in report.evidence.items():
        lines.append(f"log of the first {kind} finding (simulated seconds, logger, line):")
        lines += [f"  {line}" for line in evidence]
    return "\n".join(lines)
