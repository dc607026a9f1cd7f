"""Saving and reading a run's work (FLOPs, counts per run and phase) and quality metrics (schema 3)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from mlfootprint.records import MetricValue, RunRecord, WorkCounts

__all__ = ["WORK_TABLES", "read_work", "write_work"]

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


def read_work(
    query: Callable[[str, Sequence[Any]], list[tuple[Any, ...]]], ids: Sequence[str]
) -> tuple[dict[str, list[WorkCounts]], dict[str, list[MetricValue]]]:
    """The work and metrics of ``ids`` (one chunk of run ids)."""
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
        work[r[0]].append(
            WorkCounts(phase=r[1], flops=r[2], flops_method=r[3], samples=r[4], tokens=r[5], requests=r[6])
        )
    for r in query(
        f"SELECT run_id, name, value, step, t_s FROM metrics "
        f"WHERE run_id IN ({marks}) ORDER BY run_id, position",
        ids,
    ):
        metrics[r[0]].append(MetricValue(name=r[1], value=r[2], step=r[3], t_s=r[4]))
    return work, metrics
