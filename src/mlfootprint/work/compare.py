"""Quality against cost over a set of runs: the Pareto front and, for each other run, who beats it.

Run A *dominates* run B when A is at least as good on the quality metric and costs at most as much,
and is strictly better on one of the two. The Pareto front is the runs no other run dominates. Each
dominated run names one dominator from the front (there always is one: follow dominators upward
and the chain ends on the front): the cheapest front run that dominates it, ties broken by the
better metric, then by id. Runs with equal metric and cost do not dominate each other.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from mlfootprint.errors import InvalidValueError
from mlfootprint.records import RunRecord

__all__ = ["COSTS", "ComparePoint", "CompareRow", "Comparison", "compare_runs", "dominates", "pareto_rows"]

Cost = Literal["energy", "co2e", "flops"]
COSTS: dict[str, tuple[str, str]] = {
    "energy": ("energy_kwh", "facility energy, kWh"),
    "co2e": ("co2e_kg", "CO2e, kg"),
    "flops": ("flops", "FLOPs"),
}


@dataclass(frozen=True, slots=True, kw_only=True)
class ComparePoint:
    """One run as a point: its id, quality and cost."""

    id: str
    metric_value: float
    cost_value: float
    label: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class CompareRow:
    """A point with its place: on the front, or dominated by ``dominated_by``."""

    id: str
    label: str
    metric_value: float
    cost_value: float
    pareto: bool
    dominated_by: str | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.label,
            "metric_value": self.metric_value,
            "cost_value": self.cost_value,
            "pareto": self.pareto,
            "dominated_by": self.dominated_by,
        }


def dominates(a: ComparePoint, b: ComparePoint, *, higher_is_better: bool = True) -> bool:
    """``a`` is at least as good and as cheap as ``b``, and strictly better in one."""
    better_eq = a.metric_value >= b.metric_value if higher_is_better else a.metric_value <= b.metric_value
    strictly = a.metric_value > b.metric_value if higher_is_better else a.metric_value < b.metric_value
    return better_eq and a.cost_value <= b.cost_value and (strictly or a.cost_value < b.cost_value)


def pareto_rows(points: Sequence[ComparePoint], *, higher_is_better: bool = True) -> tuple[CompareRow, ...]:
    """Mark the front and name a front dominator for every other point (rows sorted by cost, then id)."""
    front = [p for p in points if not any(dominates(q, p, higher_is_better=higher_is_better) for q in points)]
    sign = -1.0 if higher_is_better else 1.0
    rows = []
    for p in sorted(points, key=lambda p: (p.cost_value, sign * p.metric_value, p.id)):
        beaters = [q for q in front if dominates(q, p, higher_is_better=higher_is_better)]
        best = min(beaters, key=lambda q: (q.cost_value, sign * q.metric_value, q.id)) if beaters else None
        rows.append(
            CompareRow(
                id=p.id,
                label=p.label,
                metric_value=p.metric_value,
                cost_value=p.cost_value,
                pareto=best is None,
                dominated_by=None if best is None else best.id,
            )
        )
    return tuple(rows)


@dataclass(frozen=True, slots=True, kw_only=True)
class Comparison:
    """The comparison of a set of runs; ``skipped`` names the runs left out and why."""

    metric: str
    cost: str
    higher_is_better: bool
    rows: tuple[CompareRow, ...]
    skipped: tuple[tuple[str, str], ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "metric": self.metric,
            "cost": self.cost,
            "cost_unit": COSTS[self.cost][1],
            "higher_is_better": self.higher_is_better,
            "runs": [r.to_dict() for r in self.rows],
            "skipped": [{"id": i, "reason": why} for i, why in self.skipped],
            "method": "A dominates B when A's metric is at least as good and its cost at most as high, one "
            "strictly; the front is the runs nothing dominates; dominated_by is the cheapest front run "
            "that dominates.",
        }


def _cost_of(run: RunRecord, cost: str) -> float | None:
    if cost == "energy":
        return run.energy_j / 3.6e6
    if cost == "co2e":
        return run.co2e_g / 1e3
    total = next((w for w in run.work if w.phase == ""), None)
    return None if total is None else total.flops


def compare_runs(
    runs: Sequence[RunRecord], *, metric: str, cost: str = "energy", higher_is_better: bool = True
) -> Comparison:
    """Compare ``runs`` on the last logged value of ``metric`` against ``cost``.

    Raises:
        InvalidValueError: an unknown cost, or no run logged ``metric`` (the message names the metrics
            the runs did log).
    """
    if cost not in COSTS:
        raise InvalidValueError("--cost", cost, f"must be one of {', '.join(COSTS)}")
    points, skipped = [], []
    seen_metrics: set[str] = set()
    for run in runs:
        values = [m.value for m in run.metrics if m.name == metric]
        seen_metrics.update(m.name for m in run.metrics)
        value = _cost_of(run, cost)
        if not values:
            skipped.append((run.id, f"logged no {metric!r}"))
        elif value is None:
            skipped.append((run.id, "counted no FLOPs"))
        else:
            points.append(ComparePoint(id=run.id, metric_value=values[-1], cost_value=value, label=run.name))
    if not points:
        known = ", ".join(sorted(seen_metrics)) or "none"
        raise InvalidValueError(
            "--metric", metric, f"was logged by none of the {len(runs)} runs; logged: {known}"
        )
    rows = pareto_rows(points, higher_is_better=higher_is_better)
    return Comparison(
        metric=metric, cost=cost, higher_is_better=higher_is_better, rows=rows, skipped=tuple(skipped)
    )
