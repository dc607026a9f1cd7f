"""Mechanization: a more efficient datacenter scales the facility energy by the PUE ratio."""

from __future__ import annotations

from dataclasses import dataclass, replace

from mlfootprint import fmt
from mlfootprint.reduce.whatif.baseline import Baseline, _positive
from mlfootprint.reduce.whatif.factor import Factor, _factor


@dataclass(frozen=True, slots=True, kw_only=True)
class MechanizationChange:
    """A different datacenter (its PUE)."""

    name: str
    pue: float
    source: str


def _apply_mechanization(b: Baseline, c: MechanizationChange) -> tuple[Baseline, Factor]:
    _positive("--to-pue", c.pue)
    new = replace(b, label=c.name, pue=c.pue, pue_source=c.source)
    why = f"PUE {fmt.number(b.pue)} -> {fmt.number(c.pue)} ({c.source}); {fmt.number(b.pue / c.pue)}x better"
    to = c.name if c.name.startswith("PUE") else f"{c.name} (PUE {fmt.number(c.pue, 6)})"
    return new, _factor("mechanization", b, new, why, f"PUE {fmt.number(b.pue, 6)}", to)
