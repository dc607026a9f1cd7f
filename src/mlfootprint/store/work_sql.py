"""Saving and reading a run's work (FLOPs, counts per run and phase) and quality metrics (schema 3)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from mlfootprint.records import MetricValue, RunRecord, WorkCounts
from mlfootprint.store.rows import MalformedRowError, number_cell

__all__ = ["WORK_TABLES", "metric_from_row", "read_work", "work_from_row", "write_work"]

WORK_TABLES = ("work", "metrics")
_INSERT_WORK = (
    "INSERT INTO work (run_id, phase, flops, flops_method, samples, tokens, requests) "
    "VALUES (?, ?, ?, ?, ?, ?, ?)"
)
_INSERT_METRIC = "INSERT INTO metrics (run_id, position, name, value, step, t_s) VALUES (?, ?, ?, ?, ?, ?)"

Execute = Callable[[str, Sequence[Any]], Any]
Many = Callable[[str, Sequence[Sequence[Any]]], None]


def write_work(execute: Execute, many: Many, sql: Callable[[str], str], run: RunRecord) -> None:
    """Replace the run's work and metric rows (inside the caller's write transaction)."""
    for table in WORK_TABLES:
        execute(sql(f"DELETE FROM {table} WHERE run_id = ?"), (run.id,))
    many(
        _INSERT_WORK,
        [(run.id, w.phase, w.flops, w.flops_method, w.samples, w.tokens, w.requests) for w in run.work],
    )
    many(
        _INSERT_METRIC,
        [(run.id, i, m.name, m.value, m.step, m.t_s) for i, m in enumerate(run.metrics)],
    )


def work_from_row(run_id: str, r: Sequence[Any]) -> WorkCounts:
    """One ``work`` row (``phase, flops, flops_method, samples, tokens, requests``), checked."""
    phase, flops, method = r[0], r[1], r[2]
    if not isinstance(phase, str):
        raise MalformedRowError(run_id, "work.phase", phase, "is not text")
    if method is not None and not isinstance(method, str):
        raise MalformedRowError(run_id, "work.flops_method", method, "is not text")
    counts: dict[str, float] = {}
    for column, cell in (("flops", flops), ("samples", r[3]), ("tokens", r[4]), ("requests", r[5])):
        value = number_cell(run_id, f"work.{column}", cell, nullable=column == "flops")
        if value is not None and value < 0:
            raise MalformedRowError(run_id, f"work.{column}", cell, "is negative")
        if value is not None:
            counts[column] = value
    return WorkCounts(phase=phase, flops_method=method, **counts)


def metric_from_row(run_id: str, r: Sequence[Any]) -> MetricValue:
    """One ``metrics`` row (``name, value, step, t_s``), checked."""
    name, step = r[0], r[2]
    if not isinstance(name, str):
        raise MalformedRowError(run_id, "metrics.name", name, "is not text")
    if step is not None and (isinstance(step, bool) or not isinstance(step, int)):
        raise MalformedRowError(run_id, "metrics.step", step, "is not a whole number")
    value = number_cell(run_id, "metrics.value", r[1])
    t_s = number_cell(run_id, "metrics.t_s", r[3])
    assert value is not None and t_s is not None
    return MetricValue(name=name, value=value, step=step, t_s=t_s)


def read_work(
    query: Callable[[str, Sequence[Any]], list[tuple[Any, ...]]],
    ids: Sequence[str],
    bad: dict[str, MalformedRowError],
) -> tuple[dict[str, list[WorkCounts]], dict[str, list[MetricValue]]]:
    """The work and metrics of ``ids`` (one chunk of run ids); a malformed row goes to ``bad``."""
    work: dict[str, list[WorkCounts]] = {i: [] for i in ids}
    metrics: dict[str, list[MetricValue]] = {i: [] for i in ids}
    if not ids:
        return work, metrics
    marks = ", ".join("?" * len(ids))
    for r in query(
        f"SELECT run_id, phase, flops, flops_method, samples, tokens, requests FROM work "
        f"WHERE run_id IN ({marks}) ORDER BY run_id, phase",
        ids,
    ):
        if r[0] not in work:
            continue  # a damaged key: the row belongs to no run asked for
        try:
            work[r[0]].append(work_from_row(r[0], r[1:]))
        except MalformedRowError as exc:
            bad.setdefault(r[0], exc)
    for r in query(
        f"SELECT run_id, name, value, step, t_s FROM metrics "
        f"WHERE run_id IN ({marks}) ORDER BY run_id, position",
        ids,
    ):
        if r[0] not in metrics:
            continue
        try:
            metrics[r[0]].append(metric_from_row(r[0], r[1:]))
        except MalformedRowError as exc:
            bad.setdefault(r[0], exc)
    return work, metrics
