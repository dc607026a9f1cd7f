"""The checks of ``store.rows`` and ``store.work_sql`` as SQL conditions, for reads done by the database.

A read that adds rows up in SQL (``store.totals``) must not count a row that a reader of records would
skip as malformed. Each function gives a condition that is true only for a row every such check passes:
at least as strict as the checks in Python (a row it rejects is read the Python way, which decides).
PostgreSQL's typed columns make most checks trivial there; its JSON cells are cast only when their text
can be cast (``Dialect.json_cell``).
"""

from __future__ import annotations

from mlfootprint.bounds import INTENSITY_G_PER_KWH, PUE, Bound
from mlfootprint.serialize import RUN_STATUSES
from mlfootprint.store.dialect import Dialect
from mlfootprint.store.rows import NONNEGATIVE_COLUMNS, TEXT_COLUMNS

__all__ = ["component_ok", "metric_ok", "phase_ok", "run_ok", "work_ok"]

_NULL_OR_TEXT = ("region", "intensity_zone", "job_id", "error_type", "error_message")


def _all(checks: list[str]) -> str:
    return "(" + " AND ".join(checks) + ")"


def _nonnegative(d: Dialect, column: str) -> str:
    return f"({d.is_number(column)} AND {column} >= 0)"


def _within(d: Dialect, column: str, bound: Bound) -> str:
    low = ">" if bound.low_open else ">="
    return f"({d.is_number(column)} AND {column} {low} {bound.low!r} AND {column} <= {bound.high!r})"


def _null_or(column: str, check: str) -> str:
    return f"({column} IS NULL OR {check})"


def run_ok(d: Dialect, *, tags: str, extra: str, command: str, assumptions: str) -> str:
    """A ``runs`` row (``store.rows.run_from_row``); the JSON cells as given by ``Dialect.json_cell``."""
    statuses = ", ".join(f"'{s}'" for s in RUN_STATUSES)
    checks = [f"runs.status IN ({statuses})", d.is_time("runs.started_at")]
    checks += [d.is_text(f"runs.{c}") for c in (*TEXT_COLUMNS, "node", "launcher")]
    checks += [_nonnegative(d, f"runs.{c}") for c in NONNEGATIVE_COLUMNS]
    checks += [_null_or(f"runs.{c}", d.is_number(f"runs.{c}")) for c in ("co2e_g_net",)]
    checks += [_within(d, "runs.pue", PUE), _within(d, "runs.intensity_g_per_kwh", INTENSITY_G_PER_KWH)]
    checks += [f"({d.is_number('runs.flush_interval_s')} AND runs.flush_interval_s > 0)"]
    checks += [_null_or(f"runs.{c}", d.is_integer(f"runs.{c}")) for c in ("exit_code", "pid")]
    checks += [_null_or(f"runs.{c}", d.is_text(f"runs.{c}")) for c in _NULL_OR_TEXT]
    checks += [
        _null_or(f"runs.{c}", f"({d.is_integer(f'runs.{c}')} AND runs.{c} >= 0)")
        for c in ("rank", "local_rank", "world_size")
    ]
    checks += [_null_or(f"runs.{c}", d.is_time(f"runs.{c}")) for c in ("ended_at", "heartbeat_at")]
    checks += [f"{doc} IS NOT NULL" for doc in (tags, extra, command, assumptions)]
    checks += [d.json_has_keys(assumptions, ("name", "unit", "source"))]
    return _all(checks)


def component_ok(d: Dialect) -> str:
    """A ``components`` row (``store.rows.component_from_row``)."""
    checks = [d.is_text(c) for c in ("meter_id", "component", "source", "method")]
    return _all(checks + [_nonnegative(d, c) for c in ("energy_j", "energy_j_low", "energy_j_high")])


def phase_ok(d: Dialect) -> str:
    """A ``phases`` row (``store.rows.phase_from_row``)."""
    components = d.json_cell("components_json")
    checks = [d.is_text("name"), _null_or("parent", d.is_text("parent")), d.is_time("started_at")]
    checks += [
        _null_or("ended_at", d.is_time("ended_at")),
        d.is_number("duration_s"),
        d.is_number("energy_j"),
    ]
    return _all([*checks, f"{components} IS NOT NULL", d.json_all_numbers(components)])


def work_ok(d: Dialect) -> str:
    """A ``work`` row (``store.work_sql.work_from_row``)."""
    checks = [d.is_text("phase"), _null_or("flops_method", d.is_text("flops_method"))]
    checks += [_null_or("flops", _nonnegative(d, "flops"))]
    return _all(checks + [_nonnegative(d, c) for c in ("samples", "tokens", "requests")])


def metric_ok(d: Dialect) -> str:
    """A ``metrics`` row (``store.work_sql.metric_from_row``)."""
    return _all(
        [d.is_text("name"), _null_or("step", d.is_integer("step")), d.is_number("value"), d.is_number("t_s")]
    )
