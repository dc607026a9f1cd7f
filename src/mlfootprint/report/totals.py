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
* **embodied CO2e** sums the figures stored with the runs (intervals widened the same way); a run that
  stored none gets the figure of its GPU device-hours (``embodied_run``); runs with neither are counted.
* **work** sums the whole-run work rows: FLOPs over the runs that counted FLOPs, and each per-unit cost
  over the runs that counted that unit only (a run without tokens does not dilute the energy per token).

``mlfootprint summary`` reads per-group sums from the ledger (``SQLStore.group_sums``, summed by the
database) and turns them into totals here (``totals_from_sums``); ``sums_of_runs`` gives the same sums
from run records, for the runs the database could not vouch for. ``summarise`` totals run records
directly (the dashboard, which has the runs in hand).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import timezone
from typing import Any

from mlfootprint.embodied_run import embodied_of_gpu_hours
from mlfootprint.errors import InvalidValueError
from mlfootprint.records import RunRecord
from mlfootprint.sums import GroupSums, UnitSums
from mlfootprint.units import kg_from_g, kwh_from_j
from mlfootprint.work.costs import run_work

__all__ = [
    "GROUP_CHOICES",
    "Prices",
    "Total",
    "device_hours",
    "group_key",
    "embodied_of_sums",
    "summarise",
    "sums_of_runs",
    "total_of",
    "totals_from_sums",
    "work_of_sums",
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


def _run_sums(run: RunRecord, group: str) -> GroupSums:
    """One run as ``GroupSums`` (the conventions above)."""
    gpus = [c for c in run.components if c.component == "gpu"]
    embodied: dict[str, Any] = {}
    extra = run.extra if isinstance(run.extra, Mapping) else {}
    stored = extra.get("embodied")
    if isinstance(stored, Mapping) and "co2e_kg" in stored:
        if stored["co2e_kg"] is None:
            embodied["runs_without_embodied"] = 1
        else:
            value = float(stored["co2e_kg"])
            embodied["embodied_kg"] = value
            embodied["embodied_kg_low"] = min(float(stored.get("co2e_kg_low", value)), value)
            embodied["embodied_kg_high"] = max(float(stored.get("co2e_kg_high", value)), value)
    elif gpus:
        hours: dict[str, float] = {}
        for c in gpus:
            hours[c.source] = hours.get(c.source, 0.0) + max(0.0, run.duration_s) / 3600.0
        embodied["gpu_hours_unstored"] = tuple(sorted(hours.items()))
    else:
        embodied["runs_without_embodied"] = 1
    work = run_work(run)
    units = {
        unit: UnitSums(amount=amount, energy_j=run.energy_j, co2e_g=run.co2e_g, runs=1)
        for unit in ("samples", "tokens", "requests")
        if work is not None and (amount := getattr(work, unit)) > 0
    }
    return GroupSums(
        group=group, runs=1, duration_s=run.duration_s, device_hours=device_hours(run),
        energy_j=run.energy_j, energy_j_low=min(run.energy_j_low, run.energy_j),
        energy_j_high=max(run.energy_j_high, run.energy_j), co2e_g=run.co2e_g,
        co2e_g_low=min(run.co2e_g_low, run.co2e_g), co2e_g_high=max(run.co2e_g_high, run.co2e_g),
        co2e_g_net=run.co2e_g_net or 0.0, runs_without_net=int(run.co2e_g_net is None),
        flops=0.0 if work is None or work.flops is None else work.flops,
        runs_with_flops=int(work is not None and work.flops is not None), **embodied, **units,
    )  # fmt: skip


def sums_of_runs(runs: Iterable[RunRecord], *, by: str | None = None) -> list[GroupSums]:
    """What ``SQLStore.group_sums`` sums, from run records: one ``GroupSums`` per group, sorted."""
    key = group_key(by)
    sums: dict[str, GroupSums] = {}
    for run in runs:
        group = key(run)
        one = _run_sums(run, group)
        sums[group] = sums[group].plus(one) if group in sums else one
    return [sums[g] for g in sorted(sums)]


def merge_sums(*parts: Iterable[GroupSums]) -> list[GroupSums]:
    """Sums of the same grouping from several sources, added group by group, sorted by group."""
    sums: dict[str, GroupSums] = {}
    for part in parts:
        for s in part:
            sums[s.group] = sums[s.group].plus(s) if s.group in sums else s
    return [sums[g] for g in sorted(sums)]


def _total(s: GroupSums, prices: Prices | None, group: str) -> Total:
    cost = None
    if prices is not None and prices.given:
        cost = (prices.per_kwh or 0.0) * kwh_from_j(s.energy_j) + (prices.per_device_hour or 0.0) * s.device_hours
    return Total(
        group=group, runs=s.runs, duration_s=s.duration_s, device_hours=s.device_hours, energy_j=s.energy_j,
        energy_j_low=s.energy_j_low, energy_j_high=s.energy_j_high, co2e_g=s.co2e_g, co2e_g_low=s.co2e_g_low,
        co2e_g_high=s.co2e_g_high, co2e_g_net=s.co2e_g_net, runs_without_net=s.runs_without_net, cost=cost,
    )  # fmt: skip


def totals_from_sums(
    sums: Sequence[GroupSums], prices: Prices | None = None
) -> tuple[list[Total], Total, GroupSums]:
    """``summarise``'s result from per-group sums, and the overall sums (for embodied and work totals)."""
    overall = GroupSums(group="total")
    for s in sums:
        overall = overall.plus(s)
    return [_total(s, prices, s.group) for s in sums], _total(overall, prices, "total"), overall


def embodied_of_sums(s: GroupSums) -> dict[str, Any]:
    """The embodied total (kg, display units) of one ``GroupSums``: stored figures plus computed ones."""
    value, low, high = embodied_of_gpu_hours(s.gpu_hours_unstored)
    return {
        "co2e_kg": s.embodied_kg + value,
        "co2e_kg_low": s.embodied_kg_low + low,
        "co2e_kg_high": s.embodied_kg_high + high,
        "runs_without_embodied": s.runs_without_embodied,
    }


def work_of_sums(s: GroupSums) -> dict[str, Any]:
    """Work summed over a group and the per-unit costs of the runs that counted each unit (display units).

    A run that counted no tokens does not dilute the energy per 1k tokens: each per-unit figure sums
    the energy and CO2e of the runs that counted that unit only (``runs`` says how many).
    """
    out: dict[str, Any] = {"flops": None, "runs_with_flops": 0, "per_unit": {}}
    if s.runs_with_flops:
        out["flops"] = s.flops
        out["runs_with_flops"] = s.runs_with_flops
    for unit, attr, scale in (("sample", "samples", 1.0), ("1k_tokens", "tokens", 1000.0), ("request", "requests", 1.0)):
        u: UnitSums = getattr(s, attr)
        if not u.runs:
            continue
        n = u.amount / scale
        out[attr] = n * scale
        out["per_unit"][unit] = {"energy_wh": u.energy_j / 3.6e3 / n, "co2e_g": u.co2e_g / n, "runs": u.runs}
    return out
