"""Totals summed by the database equal the totals of the same runs added up one by one, on both backends.

The reference for each figure is computed from the runs as ``runs list`` reads them: operational totals by
``report.totals.summarise``, embodied figures by ``embodied_run.embodied_of_run`` (stored, or computed
from the run's GPUs), work totals from each run's whole-run work row, as the docstrings define them.
"""

from __future__ import annotations

import math
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers.store_strategies import T0, make_run, runs
from mlfootprint.embodied_run import embodied_of_run, run_embodied
from mlfootprint.errors import InvalidValueError
from mlfootprint.records import ComponentEnergy, MetricValue, RunRecord, WorkCounts
from mlfootprint.report.group_totals import (
    embodied_of_sums,
    merge_sums,
    sums_of_runs,
    totals_from_sums,
    work_of_sums,
)
from mlfootprint.report.totals import Prices, group_key, summarise
from mlfootprint.store import SQLStore, open_store
from mlfootprint.store.rows import MalformedRowWarning
from mlfootprint.work.costs import run_work

GROUPINGS = [None, "project", "name", "day", "job", "tag:sweep"]
BOARDS = ["NVIDIA A100-SXM4-40GB", "NVIDIA H100 80GB HBM3", "Tesla V100-SXM2-32GB", "Mystery GPU 9000"]
REL = 1e-9


def _gpu(i: int, board: str) -> ComponentEnergy:
    return ComponentEnergy(
        meter_id=f"nvml:{i}", component="gpu", source=f"NVML total-energy counter ({board})",
        method="counter", is_estimate=False, energy_j=1e6, energy_j_low=9e5, energy_j_high=1.1e6,
    )  # fmt: skip


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=REL, abs_tol=1e-9)


# -- the reference: every figure from the runs one by one --------------------------------------------


def _embodied(runs: Sequence[RunRecord]) -> tuple[float, float, float, int]:
    value = low = high = 0.0
    missing = 0
    for run in runs:
        e = embodied_of_run(run)
        if e.get("co2e_kg") is None:
            missing += 1
            continue
        value += e["co2e_kg"]
        low += min(e["co2e_kg_low"], e["co2e_kg"])
        high += max(e["co2e_kg_high"], e["co2e_kg"])
    return value, low, high, missing


def _work(runs: Sequence[RunRecord]) -> dict[str, Any]:
    rows = [(r, w) for r in runs if (w := run_work(r)) is not None]
    flops = [w.flops for _, w in rows if w.flops is not None]
    out: dict[str, Any] = {"flops": sum(flops) if flops else None, "runs_with_flops": len(flops)}
    for unit, attr, scale in (
        ("sample", "samples", 1.0),
        ("1k_tokens", "tokens", 1000.0),
        ("request", "requests", 1.0),
    ):
        counted = [(r, getattr(w, attr)) for r, w in rows if getattr(w, attr) > 0]
        if counted:
            n = sum(a for _, a in counted) / scale
            out[unit] = (
                sum(r.energy_j for r, _ in counted) / 3.6e3 / n,
                sum(r.co2e_g for r, _ in counted) / n,
                len(counted),
            )
    return out  # fmt: skip


def _check_work(got: dict[str, Any], expected: dict[str, Any], where: str) -> None:
    assert got["runs_with_flops"] == expected["runs_with_flops"], where
    if expected["flops"] is None:
        assert got["flops"] is None, where
    else:
        assert _close(got["flops"], expected["flops"]), where
    units = {u for u in ("sample", "1k_tokens", "request") if u in expected}
    assert set(got["per_unit"]) == units, where
    for unit in units:
        per = got["per_unit"][unit]
        energy_wh, co2e_g, n = expected[unit]
        assert per["runs"] == n, (where, unit)
        assert _close(per["energy_wh"], energy_wh) and _close(per["co2e_g"], co2e_g), (where, unit)


def check_against_runs(store: SQLStore, *, by: str | None, project: str | None = None) -> None:
    """The database's sums, as summary turns them into totals, against the runs added one by one."""
    prices = Prices(per_kwh=0.3, per_device_hour=2.0)
    runs = store.list_runs(project=project)
    summed, unsure = store.group_sums(project=project, by=by)
    sums = merge_sums(summed, sums_of_runs(unsure, by=by))
    got_groups, got_total, overall = totals_from_sums(sums, prices)
    expected_groups, expected_total = summarise(runs, by=by, prices=prices)
    assert [g.group for g in got_groups] == [g.group for g in expected_groups]
    key = group_key(by)
    for g, e, s in zip(
        [*got_groups, got_total], [*expected_groups, expected_total], [*sums, overall], strict=True
    ):
        assert (g.runs, g.runs_without_net) == (e.runs, e.runs_without_net), g.group
        for name in ("duration_s", "device_hours", "energy_j", "energy_j_low", "energy_j_high", "co2e_g",
                     "co2e_g_low", "co2e_g_high", "co2e_g_net", "cost"):  # fmt: skip
            assert _close(getattr(g, name), getattr(e, name)), (
                g.group,
                name,
                getattr(g, name),
                getattr(e, name),
            )
        members = runs if e.group == "total" else [r for r in runs if key(r) == e.group]
        value, low, high, missing = _embodied(members)
        embodied = embodied_of_sums(s)
        assert embodied["runs_without_embodied"] == missing, g.group
        for name, expected in (("co2e_kg", value), ("co2e_kg_low", low), ("co2e_kg_high", high)):
            assert _close(embodied[name], expected), (g.group, name, embodied[name], expected)
        _check_work(work_of_sums(s), _work(members), g.group)


def _clear(store: SQLStore) -> None:
    for run in store.list_runs():
        store.delete_run(run.id)


# -- generated ledgers ------------------------------------------------------------------------------


def _embodied_extra(draw: Callable[..., Any], run: RunRecord) -> dict[str, Any]:
    kind = draw(st.sampled_from(["none", "stored", "stored-none", "odd-bounds", "not-an-object"]))
    extra = dict(run.extra)
    extra.pop("embodied", None)
    if kind == "stored":
        extra["embodied"] = run_embodied(run.components, run.duration_s)
    elif kind == "stored-none":
        extra["embodied"] = {"co2e_kg": None, "reason": "no accelerator was measured"}
    elif kind == "odd-bounds":  # stored bounds that exclude the point: the totals widen them
        value = draw(st.floats(0.0, 1e4))
        extra["embodied"] = {"co2e_kg": value, "co2e_kg_low": value * 1.5 + 1, "co2e_kg_high": value * 0.5}
    elif kind == "not-an-object":
        extra["embodied"] = draw(st.sampled_from(["yes", 3, [1, 2]]))
    return extra


@st.composite
def ledger_runs(draw: Callable[..., Any]) -> list[RunRecord]:
    out = []
    for i, run in enumerate(draw(st.lists(runs, min_size=0, max_size=8))):
        boards = draw(st.lists(st.sampled_from(BOARDS), max_size=3))
        others = tuple(c for c in run.components if c.component != "gpu")
        run = replace(
            run, id=f"01GS{i:022d}", project=draw(st.sampled_from(["nlp", "vision", "x"])),
            name=draw(st.sampled_from(["", "bert", "vit"])),
            tags={**run.tags, **draw(st.sampled_from([{}, {"sweep": "a"}, {"sweep": "b"}, {"sweep": ""}]))},
            job_id=draw(st.sampled_from([None, "", "torchrun-1", "slurm-7"])),
            status=draw(st.sampled_from(["finished", "failed", "running", "interrupted"])),
            components=tuple(_gpu(j, b) for j, b in enumerate(boards)) + others,
        )  # fmt: skip
        run = replace(run, extra=_embodied_extra(draw, run))
        if draw(st.booleans()):
            count = st.just(0.0) | st.floats(1e-3, 1e12)
            work = [
                WorkCounts(phase="", flops=draw(st.none() | st.floats(0.0, 1e21)), flops_method="user",
                           samples=draw(count), tokens=draw(count), requests=draw(count)),
                WorkCounts(phase="train", samples=draw(count)),
            ]  # fmt: skip
            run = replace(
                run, work=tuple(work[: draw(st.integers(1, 2))]) if draw(st.booleans()) else (work[1],)
            )
        out.append(run)
    return out


@pytest.fixture
def store(store_url: str) -> Any:
    s = open_store(store_url)
    yield s
    s.close()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ledger=ledger_runs(), by=st.sampled_from(GROUPINGS), project=st.sampled_from([None, "nlp"]))
def test_database_sums_equal_the_runs_added_one_by_one(
    store: SQLStore, ledger: list[RunRecord], by: str | None, project: str | None
) -> None:
    _clear(store)
    for run in ledger:
        store.save(run)
    check_against_runs(store, by=by, project=project)
    # the per-run path gives the same sums field by field (it is what the unvouched rows go through)
    summed, unsure = store.group_sums(project=project, by=by)
    reference = sums_of_runs(store.list_runs(project=project), by=by)
    merged = merge_sums(summed, sums_of_runs(unsure, by=by))
    assert [s.group for s in merged] == [s.group for s in reference]
    for a, b in zip(merged, reference, strict=True):
        assert a.runs == b.runs and a.runs_with_flops == b.runs_with_flops
        assert a.runs_without_embodied == b.runs_without_embodied
        assert dict(a.gpu_hours_unstored).keys() == dict(b.gpu_hours_unstored).keys()
        for source, hours in a.gpu_hours_unstored:
            assert _close(hours, dict(b.gpu_hours_unstored)[source])
        assert _close(a.embodied_kg, b.embodied_kg) and _close(a.embodied_kg_high, b.embodied_kg_high)


# -- explicit cases ---------------------------------------------------------------------------------


def _runs() -> list[RunRecord]:
    base = make_run()
    out = []
    for i in range(12):
        comps = tuple(_gpu(j, BOARDS[(i + j) % 2]) for j in range(i % 3)) + base.components[1:]
        run = replace(
            base, id=f"01HQ{i:022d}", project=("nlp", "vision")[i % 2], name="" if i == 3 else f"job-{i % 3}",
            tags={"sweep": str(i % 4)} if i % 5 else {}, started_at=T0 + timedelta(hours=7 * i),
            duration_s=600.0 * (i + 1), energy_j=1000.0 * (i + 1),
            energy_j_low=1100.0 * (i + 1) if i == 4 else 900.0 * (i + 1),
            co2e_g=50.0 * (i + 1), co2e_g_high=40.0 * (i + 1) if i == 6 else 60.0 * (i + 1),
            co2e_g_net=None if i % 3 == 0 else 5.0 * i, components=comps,
            job_id=None if i % 4 == 0 else f"torchrun-{i % 3}", status="running" if i == 5 else "finished",
            work=(WorkCounts(phase="", flops=1e15 * i, samples=64.0 * i, tokens=0.0),) if i % 2 else (),
        )  # fmt: skip
        if i % 3 == 1:
            run = replace(run, extra={**run.extra, "embodied": run_embodied(run.components, run.duration_s)})
        out.append(run)
    return out


@pytest.mark.parametrize("by", GROUPINGS)
@pytest.mark.parametrize("project", [None, "nlp"])
def test_sums_of_a_known_ledger_equal_the_runs(store: SQLStore, by: str | None, project: str | None) -> None:
    for run in _runs():
        store.save(run)
    _, unsure = store.group_sums(project=project, by=by)
    assert unsure == []  # every row is well formed: the database sums them all
    check_against_runs(store, by=by, project=project)


def test_one_job_is_one_group_of_its_ranks(store: SQLStore) -> None:
    for run in _runs():
        store.save(run)
    summed, _ = store.group_sums(by="job")
    groups = {s.group: s.runs for s in summed}
    # ranks of one job together; a run outside any job is a group of its own, named by its id
    assert groups["torchrun-1"] == 3 and groups["torchrun-2"] == 3 and groups["torchrun-0"] == 3
    assert sorted(g for g, n in groups.items() if g.startswith("01HQ")) == [
        f"01HQ{i:022d}" for i in (0, 4, 8)
    ]


def test_embodied_of_runs_without_a_stored_figure_is_computed_from_their_gpus(store: SQLStore) -> None:
    # Luccioni et al. 2022, Section 4.1: 150 kg per A100 + 2,500 kg per 8-GPU server, 6 years at 85 % use
    a100_kg_per_hour = (150.0 + 2500.0 / 8) / (6 * 8760 * 0.85)
    run = replace(make_run(), components=(_gpu(0, BOARDS[0]), _gpu(1, BOARDS[0])), duration_s=7200.0)
    store.save(run)
    store.save(replace(run, id="01HQ0000000000000000000002", components=()))
    summed, _ = store.group_sums()
    (s,) = summed
    assert s.gpu_hours_unstored == ((_gpu(0, BOARDS[0]).source, 4.0),)
    embodied = embodied_of_sums(s)
    assert embodied["co2e_kg"] == pytest.approx(4.0 * a100_kg_per_hour, rel=1e-12)
    assert embodied["co2e_kg_low"] < embodied["co2e_kg"] < embodied["co2e_kg_high"]
    assert embodied["runs_without_embodied"] == 1


def test_an_unknown_grouping_is_refused(store: SQLStore) -> None:
    with pytest.raises(InvalidValueError, match="--by"):
        store.group_sums(by="colour")


def test_a_row_the_database_cannot_read_comes_back_as_a_run(store: SQLStore) -> None:
    # NaN is what Python's json writes for a float NaN: Python reads it back, SQLite and PostgreSQL do not
    runs = _runs()
    odd = replace(runs[1], extra={**runs[1].extra, "loss": float("nan")})
    for run in [*runs[2:], odd]:
        store.save(run)
    summed, unsure = store.group_sums(by="project")
    assert [r.id for r in unsure] == [odd.id]
    assert sum(s.runs for s in summed) == len(runs) - 2
    check_against_runs(store, by="project")


# (table, column, SQL value): one damaged cell of one run; every kind of check that ``store.rows`` makes
TAMPERS = [
    ("runs", "energy_j", "'lots'"), ("runs", "energy_j", "-5"), ("runs", "co2e_g", "'1e999'"),
    ("runs", "co2e_g", "X'00ff'"), ("runs", "duration_s", "'NaN'"), ("runs", "co2e_g_net", "'none'"),
    ("runs", "pue", "1000"), ("runs", "intensity_g_per_kwh", "-430"), ("runs", "flush_interval_s", "0"),
    ("runs", "status", "'exploded'"), ("runs", "project", "X'6e6c70'"), ("runs", "name", "X'ff'"),
    ("runs", "started_at", "'not a time'"), ("runs", "started_at", "'9999-12-31T23:59:59.999999Z'"),
    ("runs", "ended_at", "'0001-01-01T00:00:00Z'"), ("runs", "heartbeat_at", "'garbage'"),
    ("runs", "tags_json", "'{not json'"), ("runs", "tags_json", "'[1, 2]'"), ("runs", "extra_json", "'null'"),
    ("runs", "command_json", "'\"a string\"'"), ("runs", "assumptions_json", "'[{\"name\": 1}]'"),
    ("runs", "assumptions_json", "'[1]'"), ("runs", "pid", "'me'"), ("runs", "exit_code", "'three'"),
    ("runs", "rank", "-1"), ("runs", "region", "X'00'"),
    ("components", "energy_j", "'x'"), ("components", "source", "X'00'"),
    ("phases", "components_json", "'{\"a\": true}'"), ("phases", "started_at", "'soon'"),
    ("phases", "duration_s", "'long'"), ("work", "samples", "-8"), ("work", "flops", "'1e999'"),
    ("metrics", "value", "'high'"), ("metrics", "step", "'three'"),
]  # fmt: skip


@pytest.mark.parametrize(("table", "column", "value"), TAMPERS, ids=[f"{t}.{c}={v}" for t, c, v in TAMPERS])
def test_a_tampered_row_is_left_out_of_the_sums_as_runs_list_leaves_it_out(
    tmp_path: Path, table: str, column: str, value: str
) -> None:
    url = f"sqlite:///{tmp_path / 'runs.sqlite3'}"
    metrics = (MetricValue(name="accuracy", value=0.9, step=1, t_s=10.0),)
    runs = [replace(r, metrics=metrics) for r in _runs()]
    damaged = runs[1]  # a run with work, metrics, phases and a GPU
    with open_store(url) as store:
        for run in runs:
            store.save(run)
    key = "id" if table == "runs" else "run_id"
    with sqlite3.connect(tmp_path / "runs.sqlite3") as conn:
        conn.execute(f"UPDATE {table} SET {column} = {value} WHERE {key} = ?", (damaged.id,))
    with open_store(url) as store, pytest.warns(MalformedRowWarning) as caught:
        summed, unsure = store.group_sums(by="name")
        assert unsure == []  # built from its row, found malformed, skipped
        assert sum(s.runs for s in summed) == len(runs) - 1
        check_against_runs(store, by="name")
    assert any(damaged.id in str(w.message) for w in caught)


def test_tag_keys_are_matched_exactly(store: SQLStore) -> None:
    key = 'a."b\\c'  # JSON path syntax in a key: no quoting is needed to group by it
    for i, value in enumerate(["x", "y", "x"]):
        store.save(replace(make_run(f"01HQ{i:022d}"), tags={key: value, "a": "other"}))
    store.save(replace(make_run("01HQ0000000000000000000009"), tags={}))
    summed, _ = store.group_sums(by=f"tag:{key}")
    assert [(s.group, s.runs) for s in summed] == [(f"({key} not set)", 1), ("x", 2), ("y", 1)]


@pytest.mark.parametrize("value", ["'Infinity'", "'NaN'", "-1"])
def test_a_number_that_is_not_finite_is_left_out_on_both_backends(
    store: SQLStore, store_url: str, value: str
) -> None:
    runs = _runs()
    for run in runs:
        store.save(run)
    statement = f"UPDATE runs SET co2e_g_high = {value} WHERE id = '{runs[1].id}'"
    if store_url.startswith("sqlite"):
        with sqlite3.connect(store_url.removeprefix("sqlite:///")) as conn:
            conn.execute(statement.replace("'Infinity'", "1e999").replace("'NaN'", "'nan'"))
    else:
        psycopg = pytest.importorskip("psycopg")
        with psycopg.connect(store_url, autocommit=True) as conn:
            conn.execute(statement)
    with pytest.warns(MalformedRowWarning):
        summed, unsure = store.group_sums(by="project")
        assert unsure == [] and sum(s.runs for s in summed) == len(runs) - 1
        check_against_runs(store, by="project")


def test_a_json_cell_that_is_not_json_leaves_its_run_out_on_both_backends(
    store: SQLStore, store_url: str
) -> None:
    runs = _runs()
    for run in runs:
        store.save(run)
    statement = f"UPDATE runs SET tags_json = '{{not json' WHERE id = '{runs[1].id}'"
    if store_url.startswith("sqlite"):
        with sqlite3.connect(store_url.removeprefix("sqlite:///")) as conn:
            conn.execute(statement)
    else:  # PostgreSQL cannot test JSON text without parsing it: the whole selection is read as records
        psycopg = pytest.importorskip("psycopg")
        with psycopg.connect(store_url, autocommit=True) as conn:
            conn.execute(statement)
    with pytest.warns(MalformedRowWarning):
        summed, unsure = store.group_sums(by="tag:sweep", project="vision")
        assert sum(s.runs for s in summed) + len(unsure) == sum(r.project == "vision" for r in runs) - 1
        check_against_runs(store, by="tag:sweep", project="vision")
