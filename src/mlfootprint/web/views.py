"""What the dashboard shows, as plain JSON-ready values (pure: runs and samples in, dicts out).

Embodied (manufacturing) CO2e is given beside the operational CO2e under its own keys (``embodied_*``),
never added into ``co2e_kg``; a run that measured no accelerator has ``embodied_co2e_kg`` None and says why.

Every number is given twice: as a number in display units (``energy_kwh``, ``co2e_kg``, ``power_w``) for
charts and sorting, and as text written by the same formatter as the reports (``report.fmt``), so the
dashboard and the HTML report say the same thing. A run's facts, components, phases and assumptions are
the report's ``Statement`` itself.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from datetime import timezone
from typing import Any

from mlfootprint.embodied_run import embodied_of_run
from mlfootprint.records import RunRecord, Sample
from mlfootprint.report.fmt import fmt_duration, fmt_kg, fmt_kwh
from mlfootprint.report.group_totals import embodied_of_sums, sums_of_runs, totals_from_sums
from mlfootprint.report.plots import power_series
from mlfootprint.report.statement import Statement, TableVersion, statement_from_run
from mlfootprint.report.totals import Total, device_hours
from mlfootprint.sums import GroupSums
from mlfootprint.units import kg_from_g, kwh_from_j

__all__ = [
    "BREAKDOWNS",
    "MAX_POINTS",
    "compare_view",
    "project_view",
    "quality_front",
    "run_detail",
    "run_row",
    "runs_over_time",
]

#: most points per chart series sent to the browser (longer series are thinned evenly)
MAX_POINTS = 600
#: what the projects page can break totals down by (``tag:KEY`` for any tag)
BREAKDOWNS = ("name", "job", "tag:KEY", "day", "project")


def _iso(value: Any) -> str | None:
    return None if value is None else value.astimezone(timezone.utc).isoformat(timespec="seconds")


def _interval_text(low: float, high: float, fmt: Any) -> str:
    return f"{fmt(low)} to {fmt(high)}"


def run_row(run: RunRecord) -> dict[str, Any]:
    """One line of the runs table.

    ``kwh_per_hour`` is the run's facility energy per hour of wall time (its mean facility power in kW);
    ``kwh_per_device_hour`` divides by accelerator device-hours instead (None without a metered GPU).
    """
    e_kwh = kwh_from_j(run.energy_j)
    hours = run.duration_s / 3600.0
    dh = device_hours(run)
    return {
        "id": run.id,
        "project": run.project,
        "name": run.name,
        "status": run.status,
        "tags": dict(run.tags),
        "started_at": _iso(run.started_at),
        "ended_at": _iso(run.ended_at),
        "duration_s": run.duration_s,
        "duration_text": fmt_duration(run.duration_s),
        "energy_kwh": e_kwh,
        "energy_kwh_low": kwh_from_j(run.energy_j_low),
        "energy_kwh_high": kwh_from_j(run.energy_j_high),
        "energy_text": fmt_kwh(e_kwh),
        "energy_interval_text": _interval_text(
            kwh_from_j(run.energy_j_low), kwh_from_j(run.energy_j_high), fmt_kwh
        ),
        "co2e_kg": kg_from_g(run.co2e_g),
        "co2e_kg_low": kg_from_g(run.co2e_g_low),
        "co2e_kg_high": kg_from_g(run.co2e_g_high),
        "co2e_text": fmt_kg(kg_from_g(run.co2e_g)),
        "co2e_interval_text": _interval_text(kg_from_g(run.co2e_g_low), kg_from_g(run.co2e_g_high), fmt_kg),
        "kwh_per_hour": e_kwh / hours if hours > 0 else None,
        "per_hour_text": f"{fmt_kwh(e_kwh / hours)}/h" if hours > 0 else "-",
        "device_hours": dh,
        "kwh_per_device_hour": e_kwh / dh if dh > 0 else None,
        "per_device_hour_text": f"{fmt_kwh(e_kwh / dh)}/device-h" if dh > 0 else "no GPU metered",
        "estimated": any(c.is_estimate for c in run.components),
        "region": run.region or run.intensity_zone,
        "metrics": _metrics(run),
        **_embodied(run),
    }


def _embodied(run: RunRecord) -> dict[str, Any]:
    """The run's embodied CO2e (its own keys, never in ``co2e_kg``) and how it was obtained."""
    e = embodied_of_run(run)
    if e.get("co2e_kg") is None:
        return {
            "embodied_co2e_kg": None, "embodied_co2e_kg_low": None, "embodied_co2e_kg_high": None,
            "embodied_text": "-", "embodied_interval_text": "",
            "embodied_note": f"not counted: {e.get('reason')}",
        }  # fmt: skip
    value, low, high = float(e["co2e_kg"]), float(e["co2e_kg_low"]), float(e["co2e_kg_high"])
    return {
        "embodied_co2e_kg": value,
        "embodied_co2e_kg_low": low,
        "embodied_co2e_kg_high": high,
        "embodied_text": fmt_kg(value),
        "embodied_interval_text": _interval_text(low, high, fmt_kg),
        "embodied_note": f"{e['method']}; {e['lifetime_years']:g} years at "
        f"{100 * e['utilisation_frac']:g} % use; {e.get('obtained', '')}",
    }


def _metrics(run: RunRecord) -> dict[str, float]:
    """Quality metrics the run carries (``extra["metrics"]``: name -> number), numbers only."""
    raw = run.extra.get("metrics") if isinstance(run.extra, Mapping) else None
    if not isinstance(raw, Mapping):
        return {}
    return {
        str(k): float(v)
        for k, v in raw.items()
        if isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
    }


def _thin(n: int, limit: int = MAX_POINTS) -> list[int]:
    if n <= limit:
        return list(range(n))
    step = (n - 1) / (limit - 1)
    return sorted({round(i * step) for i in range(limit)})


def _series(run: RunRecord, samples: Sequence[Sample]) -> dict[str, Any]:
    """Per meter: power (W, between consecutive samples) and cumulative IT energy (kWh) over time (s)."""
    by_meter: dict[str, list[Sample]] = {}
    for s in samples:
        by_meter.setdefault(s.meter_id, []).append(s)
    labels = {c.meter_id: (c.component, c.method) for c in run.components}
    meters = []
    for meter_id, rows in sorted(by_meter.items()):
        rows.sort(key=lambda s: s.t_s)
        t_p, p_w = power_series(rows)
        keep_p, keep_e = _thin(len(t_p)), _thin(len(rows))
        component, method = labels.get(meter_id, ("other", ""))
        meters.append(
            {
                "meter_id": meter_id,
                "component": component,
                "method": method,
                "power": {"t_s": [t_p[i] for i in keep_p], "power_w": [p_w[i] for i in keep_p]},
                "energy": {
                    "t_s": [rows[i].t_s for i in keep_e],
                    "energy_kwh": [kwh_from_j(rows[i].energy_j) for i in keep_e],
                },
            }
        )
    end_s = max((s.t_s for s in samples), default=run.duration_s)
    return {
        "meters": meters,
        "intensity": {
            "t_s": [0.0, max(end_s, run.duration_s)],
            "g_per_kwh": [run.intensity_g_per_kwh, run.intensity_g_per_kwh],
            "resolution": run.intensity_resolution,
            "source": run.intensity_source,
        },
    }


def run_detail(
    run: RunRecord, samples: Sequence[Sample], *, tables: Sequence[TableVersion] = ()
) -> dict[str, Any]:
    """Everything the run page shows: its row, the report's statement, and the chart series."""
    statement: Statement = statement_from_run(run, tables=tables)
    return {"run": run_row(run), "statement": statement.to_dict(), "series": _series(run, samples)}


def _total_dict(total: Total, sums: GroupSums) -> dict[str, Any]:
    """A group's totals; its embodied CO2e (from the same sums) is shown apart, never added in."""
    d = total.to_dict()
    embodied = embodied_of_sums(sums)
    value, low, high = embodied["co2e_kg"], embodied["co2e_kg_low"], embodied["co2e_kg_high"]
    d["embodied_co2e_kg"], d["embodied_co2e_kg_low"], d["embodied_co2e_kg_high"] = value, low, high
    d["runs_without_embodied"] = missing = embodied["runs_without_embodied"]
    none = sums.runs > 0 and missing == sums.runs  # no run of the group measured a GPU: no figure, not 0 g
    d["embodied_text"] = "-" if none else fmt_kg(value)
    d["embodied_interval_text"] = "" if none else _interval_text(low, high, fmt_kg)
    d["energy_text"] = fmt_kwh(d["energy_kwh"])
    d["energy_interval_text"] = _interval_text(d["energy_kwh_low"], d["energy_kwh_high"], fmt_kwh)
    d["co2e_text"] = fmt_kg(d["co2e_kg"])
    d["co2e_interval_text"] = _interval_text(d["co2e_kg_low"], d["co2e_kg_high"], fmt_kg)
    d["duration_text"] = fmt_duration(total.duration_s)
    return d


def runs_over_time(runs: Iterable[RunRecord]) -> dict[str, Any]:
    """Cumulative energy and CO2e by run start, one series per project (for the projects chart)."""
    ordered = sorted(runs, key=lambda r: r.started_at)
    out: dict[str, dict[str, list[float]]] = {}
    for run in ordered:
        series = out.setdefault(run.project, {"t": [], "energy_kwh": [], "co2e_kg": []})
        prev_e = series["energy_kwh"][-1] if series["energy_kwh"] else 0.0
        prev_c = series["co2e_kg"][-1] if series["co2e_kg"] else 0.0
        series["t"].append(run.started_at.timestamp())
        series["energy_kwh"].append(prev_e + kwh_from_j(run.energy_j))
        series["co2e_kg"].append(prev_c + kg_from_g(run.co2e_g))
    return out


def breakdown_key(by: str) -> str:
    """The ``--by`` grouping of a breakdown (``job`` is the ``job`` tag: a sweep's runs share it)."""
    return "tag:job" if by == "job" else by


def project_view(
    runs: Sequence[RunRecord],
    *,
    by: str = "name",
    sums: tuple[Sequence[GroupSums], Sequence[GroupSums]] | None = None,
    cut: bool = False,
) -> dict[str, Any]:
    """Totals per project (with intervals), the overall total, the chosen breakdown and the time series.

    ``sums`` are the ledger's sums per project and per breakdown group over every run of the selection
    (``SQLStore.group_sums``); without them the totals are those of ``runs``. The time series and the
    count of running runs are always those of ``runs``: the newest of the selection, ``cut`` when there
    were more (then totals from ``runs`` alone are partial, and the view says so).
    """
    totals_partial = sums is None and cut
    if sums is None:
        sums = (sums_of_runs(runs, by="project"), sums_of_runs(runs, by=breakdown_key(by)))
    by_project, by_group = sums
    projects, total, overall = totals_from_sums(by_project)
    groups, _, _ = totals_from_sums(by_group)
    project_sums = {s.group: s for s in by_project}
    group_sums = {s.group: s for s in by_group}
    return {
        "projects": [_total_dict(t, project_sums[t.group]) for t in projects],
        "total": _total_dict(total, overall),
        "by": by,
        "breakdown": [_total_dict(t, group_sums[t.group]) for t in groups],
        "over_time": runs_over_time(runs),
        "over_time_runs": len(runs),
        "over_time_partial": cut,
        "totals_partial": totals_partial,
        "running": sum(1 for r in runs if r.status == "running"),
    }


def quality_front(rows: Sequence[Mapping[str, Any]], metric: str) -> list[str]:
    """Ids of the runs on the quality–cost front: no other run has at least the same ``metric`` (higher
    is better) for at most the same CO2e, with one of the two strictly better."""
    points = [(r["id"], r["co2e_kg"], r["metrics"][metric]) for r in rows if metric in r["metrics"]]
    front = []
    for rid, cost, quality in points:
        dominated = any(
            c <= cost and q >= quality and (c < cost or q > quality) for other, c, q in points if other != rid
        )
        if not dominated:
            front.append(rid)
    return front


def compare_view(runs: Sequence[RunRecord], *, tables: Sequence[TableVersion] = ()) -> dict[str, Any]:
    """Runs side by side: their rows, the report facts aligned by label, and the quality–cost front."""
    rows = [run_row(r) for r in runs]
    statements = [statement_from_run(r, tables=tables) for r in runs]
    labels: list[str] = []
    for st in statements:
        labels += [f.label for f in st.facts if f.label not in labels]
    facts = [
        {
            "label": label,
            "values": [next((f.value for f in st.facts if f.label == label), "-") for st in statements],
        }
        for label in labels
    ]
    common = set.intersection(*(set(r["metrics"]) for r in rows)) if rows else set()
    metrics = sorted(common)
    fronts = {m: quality_front(rows, m) for m in metrics}
    return {"runs": rows, "facts": facts, "metrics": metrics, "fronts": fronts}
