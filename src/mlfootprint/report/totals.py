"""Project totals: runs grouped and summed (the Strubell et al. 2019 Table 4 view), pure.

Conventions (documented in ``docs/reporting.md``):

* **device-hours** of a run = its duration x the number of GPU components metered (each GPU meter is one
  device present for the whole run). A run with no GPU component counts 0 accelerator device-hours.
* **intervals** of a total are the sum of the runs' lows and the sum of their highs: the runs' errors are
  treated as fully correlated (same meters, same PUE and intensity sources), the conservative choice,
  and each run's interval is widened to include its own point estimate first, so a total's interval
  never excludes the total.
* **net CO2e** is summed over the runs that have one; ``runs_without_net`` says how many do not.
* **cost** (optional) = price per kWh x facility energy + price per device-hour x device-hours, in
  whatever currency the prices are in (the product does not know or convert currencies).

``summarise`` totals run records (the dashboard, which has the runs in hand); ``mlfootprint summary``
totals the sums the ledger adds up (``report.group_totals``) with the same conventions.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import timezone
from typing import Any

from mlfootprint.errors import InvalidValueError
from mlfootprint.records import RunRecord
from mlfootprint.units import kg_from_g, kwh_from_j

__all__ = [
    "GROUP_CHOICES",
    "Prices",
    "Total",
    "device_hours",
    "group_key",
    "summarise",
    "total_of",
]

GROUP_CHOICES = ("project", "name", "day", "job", "tag:KEY")


@dataclass(frozen=True, slots=True, kw_only=True)
class Prices:
    """Optional prices (any one currency) for a cost column."""

    per_kwh: float | None = None
    per_device_hour: float | None = None

    @property
    def given(self) -> bool:
        return self.per_kwh is not None or self.per_device_hour is not None


@dataclass(frozen=True, slots=True, kw_only=True)
class Total:
    """The sum over a group of runs (canonical units)."""

    group: str
    runs: int
    duration_s: float
    device_hours: float
    energy_j: float
    energy_j_low: float
    energy_j_high: float
    co2e_g: float
    co2e_g_low: float
    co2e_g_high: float
    co2e_g_net: float
    runs_without_net: int
    cost: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """Display units (kWh, kg)."""
        return {
            "group": self.group,
            "runs": self.runs,
            "duration_s": self.duration_s,
            "device_hours": self.device_hours,
            "energy_kwh": kwh_from_j(self.energy_j),
            "energy_kwh_low": kwh_from_j(self.energy_j_low),
            "energy_kwh_high": kwh_from_j(self.energy_j_high),
            "co2e_kg": kg_from_g(self.co2e_g),
            "co2e_kg_low": kg_from_g(self.co2e_g_low),
            "co2e_kg_high": kg_from_g(self.co2e_g_high),
            "co2e_kg_net": kg_from_g(self.co2e_g_net),
            "runs_without_net": self.runs_without_net,
            "cost": self.cost,
        }


def device_hours(run: RunRecord) -> float:
    """Accelerator device-hours of a run: duration x number of GPU components."""
    gpus = sum(1 for c in run.components if c.component == "gpu")
    return gpus * run.duration_s / 3600.0


def group_key(by: str | None) -> Callable[[RunRecord], str]:
    """The grouping function for ``--by``: project, name, day (UTC start date) or ``tag:KEY``.

    Raises:
        InvalidValueError: ``by`` is none of these.
    """
    if by is None:
        return lambda run: "all runs"
    if by == "project":
        return lambda run: run.project
    if by == "name":
        return lambda run: run.name or run.id
    if by == "job":  # a job's ranks together; a run outside any job is its own group
        return lambda run: run.job_id or run.id
    if by == "day":
        return lambda run: run.started_at.astimezone(timezone.utc).date().isoformat()
    if by.startswith("tag:") and len(by) > 4:
        key = by[4:]
        return lambda run: run.tags.get(key, f"({key} not set)")
    raise InvalidValueError("--by", by, f"must be one of {', '.join(GROUP_CHOICES)}")


def total_of(group: str, runs: Iterable[RunRecord], prices: Prices | None = None) -> Total:
    """Sum ``runs`` into one ``Total``; intervals are sums of the runs' (point-including) bounds."""
    rows = list(runs)
    dh = sum(device_hours(r) for r in rows)
    energy = sum(r.energy_j for r in rows)
    cost = None
    if prices is not None and prices.given:
        cost = (prices.per_kwh or 0.0) * kwh_from_j(energy) + (prices.per_device_hour or 0.0) * dh
    return Total(
        group=group,
        runs=len(rows),
        duration_s=sum(r.duration_s for r in rows),
        device_hours=dh,
        energy_j=energy,
        energy_j_low=sum(min(r.energy_j_low, r.energy_j) for r in rows),
        energy_j_high=sum(max(r.energy_j_high, r.energy_j) for r in rows),
        co2e_g=sum(r.co2e_g for r in rows),
        co2e_g_low=sum(min(r.co2e_g_low, r.co2e_g) for r in rows),
        co2e_g_high=sum(max(r.co2e_g_high, r.co2e_g) for r in rows),
        co2e_g_net=sum(r.co2e_g_net for r in rows if r.co2e_g_net is not None),
        runs_without_net=sum(1 for r in rows if r.co2e_g_net is None),
        cost=cost,
    )


def summarise(
    runs: Sequence[RunRecord], *, by: str | None = None, prices: Prices | None = None
) -> tuple[list[Total], Total]:
    """Group ``runs`` by ``by`` and total each group; return ``(groups sorted by name, overall total)``."""
    key = group_key(by)
    groups: dict[str, list[RunRecord]] = {}
    for run in runs:
        groups.setdefault(key(run), []).append(run)
    totals = [total_of(name, members, prices) for name, members in sorted(groups.items())]
    return totals, total_of("total", runs, prices)
