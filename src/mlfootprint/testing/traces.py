"""Power traces for the fakes: a step trace with an exact integral, and the integral of any trace."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

__all__ = ["StepTrace", "energy_between"]


class StepTrace:
    """A piecewise-constant power trace with an exact energy integral.

    Args:
        steps: ``(start_s, power_w)`` pairs, start times increasing; the first applies from 0 s and the
            power before the first start is the first step's power.
    """

    def __init__(self, steps: Sequence[tuple[float, float]]) -> None:
        if not steps:
            raise ValueError("a trace needs at least one step")
        starts = [s for s, _ in steps]
        if starts != sorted(starts):
            raise ValueError("step start times must increase")
        self.steps = tuple((float(s), float(p)) for s, p in steps)

    def __call__(self, t_s: float) -> float:
        power = self.steps[0][1]
        for start, value in self.steps:
            if t_s >= start:
                power = value
            else:
                break
        return power

    def energy_j(self, t0_s: float, t1_s: float) -> float:
        """Exact joules between ``t0_s`` and ``t1_s``."""
        total = 0.0
        starts = [-math.inf, *(s for s, _ in self.steps[1:])]
        ends = [*(s for s, _ in self.steps[1:]), math.inf]
        for (_, power), start, end in zip(self.steps, starts, ends, strict=True):
            lo = max(t0_s, start)
            hi = min(t1_s, end)
            if hi > lo:
                total += power * (hi - lo)
        return total


def energy_between(trace: float | Callable[[float], float], t0_s: float, t1_s: float) -> float:
    """Joules of ``trace`` (a constant, a step trace or any function of seconds) from ``t0_s`` to ``t1_s``."""
    if not callable(trace):
        return float(trace) * (t1_s - t0_s)
    exact = getattr(trace, "energy_j", None)
    if callable(exact):
        return float(exact(t0_s, t1_s))
    steps = max(1, math.ceil((t1_s - t0_s) / 1e-3))  # midpoint rule at 1 ms
    width = (t1_s - t0_s) / steps
    return sum(trace(t0_s + (i + 0.5) * width) for i in range(steps)) * width
