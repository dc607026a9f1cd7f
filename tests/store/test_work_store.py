"""Work and metrics rows (schema 3) on SQLite and PostgreSQL: saved, replaced on upsert, read, deleted."""

from __future__ import annotations

from dataclasses import replace

from helpers.runfactory import build_run
from mlfootprint.records import MetricValue, WorkCounts
from mlfootprint.store import open_store


def test_work_and_metrics_round_trip_and_upsert(store_url: str) -> None:
    run = replace(
        build_run("work00001"),
        work=(
            WorkCounts(
                phase="", flops=6e15, flops_method="flop-counter", samples=2000, tokens=4e5, requests=0
            ),
            WorkCounts(phase="epoch-0", flops=3e15, flops_method="flop-counter", samples=1000),
        ),
        metrics=(MetricValue(name="accuracy", value=0.5, step=0, t_s=1.0),),
    )
    other = build_run("work00002")
    with open_store(store_url) as store:
        store.save(run)
        store.save(other)
        got = store.get_run("work00001")
        assert got.work == run.work and got.metrics == run.metrics
        assert store.get_run("work00002").work == ()
        more = replace(run, metrics=(*run.metrics, MetricValue(name="accuracy", value=0.7, step=1, t_s=2.0)))
        store.save(more)  # a later flush replaces the rows, never duplicates them
        listed = {r.id: r for r in store.list_runs()}
        assert [m.value for m in listed["work00001"].metrics] == [0.5, 0.7]
        assert len(listed["work00001"].work) == 2
        store.delete_run("work00001")
        assert [r.id for r in store.list_runs()] == ["work00002"]
