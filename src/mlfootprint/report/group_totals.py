"""Totals from the sums the ledger adds up per group (``SQLStore.group_sums``): what summary prints.

The conventions are those of ``report.totals`` (device-hours, intervals, net CO2e, cost), and:

* **embodied CO2e** sums the figures stored with the runs (intervals widened the same way); a run that
  stored none gets the figure of its GPU device-hours (``embodied_run``); runs with neither are counted.
* **work** sums the whole-run work rows: FLOPs over the runs that counted FLOPs, and each per-unit cost
  over the runs that counted that unit only (a run without tokens does not dilute the energy per token).

``sums_of_runs`` gives the same sums from run records: for the runs the database could not vouch for,
added with ``merge_sums``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from mlfootprint.embodied_run import embodied_of_gpu_hours
from mlfootprint.records import RunRecord
from mlfootprint.report.totals import Prices, Total, device_hours, group_key
from mlfootprint.sums import GroupSums, UnitSums
from mlfootprint.units import kwh_from_j
from mlfootprint.work.costs import run_work

__all__ = ["embodied_of_sums", "merge_sums", "sums_of_runs", "totals_from_sums", "work_of_sums"]


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return None
    return float(value)


def _embodied_sums(run: RunRecord) -> dict[str, Any]:
    """The run's embodied part of its ``GroupSums``: its stored figure, else its GPUs' device-hours.

    A stored figure whose value is not a number is not one: the figure is then computed from the GPUs.
    """
    extra = run.extra if isinstance(run.extra, Mapping) else {}
    stored = extra.get("embodied")
    if isinstance(stored, Mapping) and "co2e_kg" in stored:
        if stored["co2e_kg"] is None:
            return {"runs_without_embodied": 1}
        value = _number(stored["co2e_kg"])
        if value is not None:
            low, high = _number(stored.get("co2e_kg_low")), _number(stored.get("co2e_kg_high"))
            return {
                "embodied_kg": value,
                "embodied_kg_low": value if low is None else min(low, value),
                "embodied_kg_high": value if high is None else max(high, value),
            }
    hours: dict[str, float] = {}
    for c in run.components:
        if c.component == "gpu":
            hours[c.source] = hours.get(c.source, 0.0) + max(0.0, run.duration_s) / 3600.0
    if not hours:
        return {"runs_without_embodied": 1}
    return {"gpu_hours_unstored": tuple(sorted(hours.items()))}


def _run_sums(run: RunRecord, group: str) -> GroupSums:
    """One run as ``GroupSums`` (the conventions above)."""
    work = run_work(run)

    def unit(name: str) -> UnitSums:
        amount = 0.0 if work is None else float(getattr(work, name))
        if amount <= 0:
            return UnitSums()
        return UnitSums(amount=amount, energy_j=run.energy_j, co2e_g=run.co2e_g, runs=1)

    return GroupSums(
        group=group, runs=1, duration_s=run.duration_s, device_hours=device_hours(run),
        energy_j=run.energy_j, energy_j_low=min(run.energy_j_low, run.energy_j),
        energy_j_high=max(run.energy_j_high, run.energy_j), co2e_g=run.co2e_g,
        co2e_g_low=min(run.co2e_g_low, run.co2e_g), co2e_g_high=max(run.co2e_g_high, run.co2e_g),
        co2e_g_net=run.co2e_g_net or 0.0, runs_without_net=int(run.co2e_g_net is None),
        flops=0.0 if work is None or work.flops is None else work.flops,
        runs_with_flops=int(work is not None and work.flops is not None),
        samples=unit("samples"), tokens=unit("tokens"), requests=unit("requests"), **_embodied_sums(run),
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
        cost = (prices.per_kwh or 0.0) * kwh_from_j(s.energy_j) + (
            prices.per_device_hour or 0.0
        ) * s.device_hours
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
    for unit, attr, scale in (
        ("sample", "samples", 1.0),
        ("1k_tokens", "tokens", 1000.0),
        ("request", "requests", 1.0),
    ):
        u: UnitSums = getattr(s, attr)
        if not u.runs:
            continue
        n = u.amount / scale
        out[attr] = n * scale
        out["per_unit"][unit] = {"energy_wh": u.energy_j / 3.6e3 / n, "co2e_g": u.co2e_g / n, "runs": u.runs}
    return out
