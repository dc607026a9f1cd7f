"""Project totals computed by the database: one ``GROUP BY`` query instead of every run in Python.

The conventions are those of ``mlfootprint.report.totals`` (which documents them): device-hours are a
run's duration x its GPU components; an interval sums each run's bounds, first widened to include the
run's own point estimate; net CO2e sums the runs that have one. Groups: project, name, UTC start day, job
or a tag's value. On a 10^4-run ledger this reads one row per group instead of 10^4 runs with their
components, phases and JSON.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mlfootprint.errors import InvalidValueError

__all__ = ["GroupSums", "group_sums"]


@dataclass(frozen=True, slots=True, kw_only=True)
class GroupSums:
    """The sums over one group of runs (canonical units; lows and highs already widened per run)."""

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


def _widen(low: str, point: str, op: str) -> str:
    return f"CASE WHEN {low} {op} {point} THEN {low} ELSE {point} END"


def _group_expr(dialect_name: str, by: str | None) -> tuple[str, list[Any]]:
    """The SQL expression of a run's group (with its parameters)."""
    if by is None:
        return "'all runs'", []
    if by == "project":
        return "project", []
    if by == "name":
        return "CASE WHEN name = '' THEN id ELSE name END", []
    if by == "job":  # a job's ranks together; a run outside any job is its own group
        return "CASE WHEN job_id IS NULL OR job_id = '' THEN id ELSE job_id END", []
    if by == "day":
        if dialect_name == "sqlite":
            return "substr(started_at, 1, 10)", []  # fixed-width UTC text: the date comes first
        return "to_char(started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')", []
    key = by[4:]
    if dialect_name == "sqlite":
        value = "json_extract(tags_json, ?)"
        params: list[Any] = ['$."' + key.replace("\\", "\\\\").replace('"', '\\"') + '"']
    else:
        value = "(tags_json::json ->> ?)"
        params = [key]
    return f"COALESCE({value}, ?)", [*params, f"({key} not set)"]


def group_sums(q: Any, dialect_name: str, *, project: str | None, by: str | None) -> list[GroupSums]:
    """One ``GroupSums`` per group, sorted by group name. ``q(sql, params)`` runs a query.

    Raises:
        InvalidValueError: ``by`` is not project, name, day, job or tag:KEY.
    """
    if by not in (None, "project", "name", "day", "job") and not (by.startswith("tag:") and len(by) > 4):
        raise InvalidValueError("--by", by, "must be one of project, name, day, job, tag:KEY")
    group, group_params = _group_expr(dialect_name, by)
    gpus = "(SELECT COUNT(*) FROM components c WHERE c.run_id = runs.id AND c.component = 'gpu')"
    sql = (
        f"SELECT {group}, COUNT(*), SUM(duration_s), SUM(duration_s * {gpus}) / 3600.0, "
        f"SUM(energy_j), SUM({_widen('energy_j_low', 'energy_j', '<')}), "
        f"SUM({_widen('energy_j_high', 'energy_j', '>')}), SUM(co2e_g), "
        f"SUM({_widen('co2e_g_low', 'co2e_g', '<')}), SUM({_widen('co2e_g_high', 'co2e_g', '>')}), "
        "SUM(co2e_g_net), SUM(CASE WHEN co2e_g_net IS NULL THEN 1 ELSE 0 END) FROM runs"
    )
    params = list(group_params)
    if project is not None:
        sql += " WHERE project = ?"
        params.append(project)
    out = [
        GroupSums(
            group=str(g), runs=int(n), duration_s=float(d or 0), device_hours=float(dh or 0),
            energy_j=float(e or 0), energy_j_low=float(el or 0), energy_j_high=float(eh or 0),
            co2e_g=float(c or 0), co2e_g_low=float(cl or 0), co2e_g_high=float(ch or 0),
            co2e_g_net=float(net or 0), runs_without_net=int(nn or 0),
        )
        for g, n, d, dh, e, el, eh, c, cl, ch, net, nn in q(sql + " GROUP BY 1", params)
    ]  # fmt: skip
    return sorted(out, key=lambda t: t.group)
