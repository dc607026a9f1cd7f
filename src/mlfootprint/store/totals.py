"""Project totals added up by the database: one ``GROUP BY`` instead of every run built in Python.

For each group of runs (project, name, UTC start day, job or a tag's value) the ledger sums the
operational figures, the embodied figures stored in ``extra_json`` under ``"embodied"``, the GPU
device-hours of runs that stored no embodied figure (by component source, for the caller to price),
and the whole-run work row (FLOPs; samples, tokens and requests with the energy and CO2e of the runs
that counted them). The conventions are those of ``mlfootprint.report.totals``.

The database vouches for a run only when its row, components, phases, work and metric rows pass every
check a reader makes in Python (``store.row_checks``: the checks of ``store.rows`` in SQL), and its
stored embodied figure, if any, is made of numbers. The others (a tampered row; JSON holding NaN, which
Python writes and the databases refuse) come back as ids, for the caller to build as runs: a malformed
one is then skipped with the same warning as everywhere else, a readable one added up in Python.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from mlfootprint.errors import InvalidValueError
from mlfootprint.store.dialect import Dialect
from mlfootprint.store.row_checks import component_ok, metric_ok, phase_ok, run_ok, work_ok
from mlfootprint.sums import WORK_UNITS, GroupSums, UnitSums

__all__ = ["GROUPINGS", "GroupSumsResult", "group_sums"]

GROUPINGS = ("project", "name", "day", "job", "tag:KEY")

#: (sums of the rows the database vouched for, one per group; ids of the rows it could not vouch for)
GroupSumsResult = tuple[list[GroupSums], list[str]]


def _widen(low: str, point: str, op: str) -> str:
    return f"CASE WHEN {low} {op} {point} THEN {low} ELSE {point} END"


def _group_expr(d: Dialect, by: str | None, tags: str) -> tuple[str, list[Any]]:
    """The SQL expression of a run's group (with its parameters)."""
    if by is None:
        return "'all runs'", []
    if by == "project":
        return "runs.project", []
    if by == "name":
        return "CASE WHEN runs.name = '' THEN runs.id ELSE runs.name END", []
    if by == "job":  # a job's ranks together; a run outside any job is its own group
        return "CASE WHEN runs.job_id IS NULL OR runs.job_id = '' THEN runs.id ELSE runs.job_id END", []
    if by == "day":
        return d.utc_day("runs.started_at"), []
    if by.startswith("tag:") and len(by) > 4:
        key = by[4:]
        return f"COALESCE({d.json_text(tags)}, ?)", [key, f"({key} not set)"]
    raise InvalidValueError("--by", by, f"must be one of {', '.join(GROUPINGS)}")


def _sums_sql(d: Dialect, by: str | None, project: str | None) -> tuple[str, list[Any]]:
    tags, extra = d.json_cell("runs.tags_json"), d.json_cell("runs.extra_json", lookups=True)
    command = d.json_cell("runs.command_json", "array")
    assumptions = d.json_cell("runs.assumptions_json", "array")
    row_ok = run_ok(d, tags=tags, extra=extra, command=command, assumptions=assumptions)
    group, params = _group_expr(d, by, tags)
    where = ""
    if project is not None:
        where = "WHERE runs.project = ?"
    gpu = "CASE WHEN component = 'gpu' THEN"
    ctes = [
        # per run: its GPUs, their component source and how many different ones
        f"c AS (SELECT run_id, SUM({gpu} 1 ELSE 0 END) AS gpus, MIN({gpu} source END) AS gpu_source, "
        f"COUNT(DISTINCT {gpu} source END) AS gpu_sources FROM components GROUP BY run_id)",
        # the runs with a malformed component, phase, work or metric row (any makes the run unreadable)
        f"b AS ({_bad_rows(d)})",
        # materialised: each row's JSON and checks are worked out once, not once per use
        f"r AS MATERIALIZED (SELECT runs.id, {group} AS grp, runs.duration_s, runs.energy_j, "
        "runs.energy_j_low, runs.energy_j_high, runs.co2e_g, runs.co2e_g_low, runs.co2e_g_high, "
        "runs.co2e_g_net, COALESCE(c.gpus, 0) AS gpus, c.gpu_source, "
        "COALESCE(c.gpu_sources, 0) AS gpu_sources, "
        f"w.flops, w.samples, w.tokens, w.requests, {extra} AS extra, CASE WHEN {row_ok} "
        "AND runs.id NOT IN (SELECT run_id FROM b) THEN 1 ELSE 0 END AS ok "
        "FROM runs LEFT JOIN c ON c.run_id = runs.id "
        f"LEFT JOIN work w ON w.run_id = runs.id AND w.phase = '' {where})",
        # the stored embodied figure: kinds of extra.embodied and of its co2e_kg, its three numbers
        f"e AS (SELECT r.*, {d.json_kind('extra')} AS ek, {d.json_kind('extra')} AS vk, "
        f"{d.json_number('extra')} AS ev, {d.json_number('extra')} AS el, {d.json_number('extra')} AS eh "
        "FROM r)",
        "f AS (SELECT e.*, CASE WHEN ek = 'object' AND vk IS NOT NULL THEN 1 ELSE 0 END AS stored FROM e)",
        "g AS (SELECT f.*, CASE WHEN ok = 1 AND (stored = 0 OR vk = 'null' OR (ev IS NOT NULL "
        "AND el IS NOT NULL AND eh IS NOT NULL)) THEN 1 ELSE 0 END AS vouched FROM f)",
        # the GPU source of a vouched run without a stored embodied figure whose GPUs share one source
        "v AS MATERIALIZED (SELECT g.*, CASE WHEN vouched = 1 AND stored = 0 AND gpu_sources = 1 "
        "THEN gpu_source END AS hours_source FROM g)",
    ]
    # the parameters in the order their placeholders appear: group, project, then the JSON paths
    path = d.json_path("embodied")
    value, low, high = (d.json_path("embodied", k) for k in ("co2e_kg", "co2e_kg_low", "co2e_kg_high"))
    ordered = [*params, *([] if project is None else [project])]
    return f"WITH {', '.join(ctes)} ", [*ordered, path, value, value, value, low, low, high, high]


def _bad_rows(d: Dialect) -> str:
    """The ids of the runs with a malformed component, phase, work or metric row."""
    checks = [("components", component_ok(d)), ("phases", phase_ok(d)), ("work", work_ok(d))]
    checks += [("metrics", metric_ok(d))]
    # CASE: a check that comes out NULL counts as failed
    return " UNION ".join(
        f"SELECT run_id FROM {t} WHERE CASE WHEN {ok} THEN 0 ELSE 1 END = 1" for t, ok in checks
    )


def _in(column: str) -> str:
    """``column`` of a vouched row, NULL otherwise (the sums add up the vouched rows only)."""
    return f"CASE WHEN vouched = 1 THEN {column} END"


def _unit_columns(unit: str) -> list[str]:
    counted = f"vouched = 1 AND {unit} > 0"
    return [
        f"SUM(CASE WHEN {counted} THEN {unit} END)",
        f"SUM(CASE WHEN {counted} THEN energy_j END)",
        f"SUM(CASE WHEN {counted} THEN co2e_g END)",
        f"SUM(CASE WHEN {counted} THEN 1 ELSE 0 END)",
    ]


_COLUMNS = [
    "grp",
    "hours_source",
    "SUM(CASE WHEN hours_source IS NOT NULL THEN duration_s * gpus END) / 3600.0",
    "SUM(vouched)",
    f"SUM({_in('duration_s')})",
    f"SUM({_in('duration_s * gpus')}) / 3600.0",
    *(f"SUM({_in(c)})" for c in ("energy_j", _widen("energy_j_low", "energy_j", "<"))),
    f"SUM({_in(_widen('energy_j_high', 'energy_j', '>'))})",
    f"SUM({_in('co2e_g')})",
    f"SUM({_in(_widen('co2e_g_low', 'co2e_g', '<'))})",
    f"SUM({_in(_widen('co2e_g_high', 'co2e_g', '>'))})",
    f"SUM({_in('co2e_g_net')})",
    "SUM(CASE WHEN vouched = 1 AND co2e_g_net IS NULL THEN 1 ELSE 0 END)",
    "SUM(CASE WHEN vouched = 1 AND stored = 1 THEN ev END)",
    f"SUM(CASE WHEN vouched = 1 AND stored = 1 THEN {_widen('el', 'ev', '<')} END)",
    f"SUM(CASE WHEN vouched = 1 AND stored = 1 THEN {_widen('eh', 'ev', '>')} END)",
    "SUM(CASE WHEN vouched = 1 AND ((stored = 1 AND ev IS NULL) OR (stored = 0 AND gpus = 0)) "
    "THEN 1 ELSE 0 END)",
    f"SUM({_in('flops')})",
    f"COUNT({_in('flops')})",
    *(column for unit in WORK_UNITS for column in _unit_columns(unit)),
    "SUM(CASE WHEN vouched = 1 AND stored = 0 AND gpu_sources > 1 THEN 1 ELSE 0 END)",
    "SUM(1 - vouched)",
]


def _f(x: Any) -> float:
    return float(x or 0.0)


def _unit(row: Sequence[Any], start: int) -> UnitSums:
    """The ``UnitSums`` in the four columns from ``start`` (see ``_unit_columns``)."""
    a, e, c, n = row[start : start + 4]
    return UnitSums(amount=_f(a), energy_j=_f(e), co2e_g=_f(c), runs=int(n or 0))


def group_sums(q: Any, d: Dialect, *, project: str | None, by: str | None) -> GroupSumsResult:
    """The sums per group (sorted by group) of the runs the database vouches for, and the others' ids.

    ``q(sql, params)`` runs a query (inside the caller's read transaction).

    Raises:
        InvalidValueError: ``by`` is not project, name, day, job or tag:KEY.
    """
    with_sql, params = _sums_sql(d, by, project)
    rows = q(f"{with_sql} SELECT {', '.join(_COLUMNS)} FROM v GROUP BY grp, hours_source", params)
    parts: list[GroupSums] = []
    mixed = unsure = 0
    for row in rows:
        mixed += int(row[-2] or 0)
        unsure += int(row[-1] or 0)
        n = int(row[3] or 0)
        if n:  # a part of a group none of whose rows the database vouches for counts nothing
            source = () if row[1] is None else ((str(row[1]), _f(row[2])),)
            parts.append(_sums_of_row(str(row[0]), n, source, row[4:]))
    if mixed:  # runs with GPUs of several sources: their device-hours by source
        for group, source, duration_s in q(
            f"{with_sql} SELECT grp, cc.source, SUM(v.duration_s) FROM v JOIN components cc "
            "ON cc.run_id = v.id AND cc.component = 'gpu' WHERE vouched = 1 AND stored = 0 "
            "AND gpu_sources > 1 GROUP BY grp, cc.source",
            params,
        ):
            parts.append(
                GroupSums(group=str(group), gpu_hours_unstored=((str(source), _f(duration_s) / 3600.0),))
            )
    ids = [str(r[0]) for r in q(f"{with_sql} SELECT id FROM v WHERE vouched = 0", params)] if unsure else []
    sums: dict[str, GroupSums] = {}
    for part in parts:
        sums[part.group] = sums[part.group].plus(part) if part.group in sums else part
    return [sums[g] for g in sorted(sums)], ids


def _sums_of_row(
    group: str, runs: int, hours: tuple[tuple[str, float], ...], row: Sequence[Any]
) -> GroupSums:
    """The ``GroupSums`` of one result row (the columns after group, source, hours and count)."""
    return GroupSums(
        group=group, runs=runs, duration_s=_f(row[0]), device_hours=_f(row[1]), energy_j=_f(row[2]),
        energy_j_low=_f(row[3]), energy_j_high=_f(row[4]), co2e_g=_f(row[5]), co2e_g_low=_f(row[6]),
        co2e_g_high=_f(row[7]), co2e_g_net=_f(row[8]), runs_without_net=int(row[9] or 0),
        embodied_kg=_f(row[10]), embodied_kg_low=_f(row[11]), embodied_kg_high=_f(row[12]),
        runs_without_embodied=int(row[13] or 0), flops=_f(row[14]), runs_with_flops=int(row[15] or 0),
        gpu_hours_unstored=hours, samples=_unit(row, 16), tokens=_unit(row, 20), requests=_unit(row, 24),
    )  # fmt: skip
