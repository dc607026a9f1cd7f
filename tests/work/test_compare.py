"""Pareto front of quality against cost: properties, a worked sweep, and the command over a real ledger."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from helpers.runfactory import build_run
from mlfootprint.cli.main import main
from mlfootprint.records import MetricValue, WorkCounts
from mlfootprint.work.compare import ComparePoint, dominates, pareto_rows

values = st.integers(min_value=0, max_value=20).map(float)  # small grid: many ties and equal points
points_st = st.lists(st.tuples(values, values), min_size=1, max_size=25).map(
    lambda pairs: [
        ComparePoint(id=f"r{i:02d}", metric_value=m, cost_value=c) for i, (m, c) in enumerate(pairs)
    ]
)


@given(points_st, st.booleans())
def test_no_front_member_is_dominated_and_every_other_names_a_dominator(
    points: list[ComparePoint], higher: bool
) -> None:
    rows = pareto_rows(points, higher_is_better=higher)
    by_id = {p.id: p for p in points}
    assert sorted(r.id for r in rows) == sorted(by_id)
    front = [r for r in rows if r.pareto]
    assert front  # a finite set always has a non-dominated member
    for r in rows:
        p = by_id[r.id]
        beaten = any(dominates(q, p, higher_is_better=higher) for q in points)
        if r.pareto:
            assert not beaten and r.dominated_by is None
        else:
            assert beaten and r.dominated_by is not None
            winner = by_id[r.dominated_by]
            # beats it on both: at least as good and as cheap, one strictly
            assert dominates(winner, p, higher_is_better=higher)
            assert next(x for x in rows if x.id == winner.id).pareto


def test_a_worked_sweep() -> None:
    # (accuracy, kWh): d beats b (better and cheaper); e costs more than c for the same accuracy
    pts = [
        ComparePoint(id="a", metric_value=0.80, cost_value=1.0),
        ComparePoint(id="b", metric_value=0.84, cost_value=3.0),
        ComparePoint(id="c", metric_value=0.90, cost_value=4.0),
        ComparePoint(id="d", metric_value=0.85, cost_value=2.0),
        ComparePoint(id="e", metric_value=0.90, cost_value=6.0),
    ]
    rows = {r.id: r for r in pareto_rows(pts)}
    assert {i for i, r in rows.items() if r.pareto} == {"a", "c", "d"}
    assert rows["b"].dominated_by == "d" and rows["e"].dominated_by == "c"
    # for a loss, lower is better: a (0.80 at 1 kWh) beats everything
    low = {r.id: r for r in pareto_rows(pts, higher_is_better=False)}
    assert {i for i, r in low.items() if r.pareto} == {"a"}


@pytest.fixture
def sweep(tmp_path: Path) -> str:
    from mlfootprint.store import open_store

    url = f"sqlite:///{tmp_path / 'runs.sqlite3'}"
    store = open_store(url)
    for i, (acc, hours, lr) in enumerate(
        [(0.80, 0.5, "a"), (0.84, 1.5, "b"), (0.90, 2.0, "c"), (0.85, 1.0, "d")]
    ):
        run = build_run(
            f"cmp00000{i}", name=f"lr-{lr}", tags={"sweep": "lr"}, gpus=1, duration_s=hours * 3600
        )
        run = replace(
            run,
            metrics=(MetricValue(name="accuracy", value=acc - 0.1, step=0, t_s=1.0),
                     MetricValue(name="accuracy", value=acc, step=1, t_s=2.0)),
            work=(WorkCounts(phase="", flops=1e18 * hours, flops_method="user", samples=1e5),),
        )  # fmt: skip
        store.save(run)
    store.save(build_run("cmp000099", name="no-metric", tags={"sweep": "lr"}))
    store.close()
    return url


def test_compare_json_shape_and_front(sweep: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["compare", "--project", "nmt", "--tag", "sweep=lr", "--metric", "accuracy", "--db", sweep,
                 "--format", "json"]) == 0  # fmt: skip
    doc = json.loads(capsys.readouterr().out)
    assert doc["metric"] == "accuracy" and doc["cost"] == "energy"
    runs = {r["id"]: r for r in doc["runs"]}
    assert set(runs) == {"cmp000000", "cmp000001", "cmp000002", "cmp000003"}
    for r in runs.values():
        assert set(r) >= {"id", "metric_value", "cost_value", "pareto", "dominated_by"}
    assert runs["cmp000000"]["metric_value"] == 0.80  # the last value logged
    assert {i for i, r in runs.items() if r["pareto"]} == {"cmp000000", "cmp000002", "cmp000003"}
    assert runs["cmp000001"]["dominated_by"] == "cmp000003"
    assert doc["skipped"] == [{"id": "cmp000099", "reason": "logged no 'accuracy'"}]


def test_compare_text_markdown_latex_and_plot(
    sweep: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plot = tmp_path / "front.png"
    assert main(["compare", "cmp000000", "cmp000001", "cmp000003", "--metric", "accuracy", "--cost", "flops",
                 "--db", sweep, "--plot", str(plot)]) == 0  # fmt: skip
    text = capsys.readouterr().out
    assert "beaten by cmp000003" in text and plot.stat().st_size > 1000
    assert (
        main(["compare", "--project", "nmt", "--metric", "accuracy", "--db", sweep, "--format", "markdown"])
        == 0
    )
    assert "| Pareto | Dominated by |" in capsys.readouterr().out
    assert (
        main(["compare", "--project", "nmt", "--metric", "accuracy", "--db", sweep, "--format", "latex"]) == 0
    )
    assert "\\star" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["--project", "nmt", "--metric", "bleu"],
            "--metric: 'bleu' was logged by none of the 5 runs; logged: accuracy",
        ),
        (["--metric", "accuracy"], "give run ids, or --project"),
        (
            ["--project", "nmt", "--tag", "sweep=x", "--metric", "accuracy"],
            "no runs in project 'nmt' with sweep=x",
        ),
        (["--project", "nmt", "--metric", "accuracy", "--plot", "x.txt"], "--plot"),
    ],
)
def test_compare_bad_input_is_one_line_exit_2(
    sweep: str, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    assert main(["compare", *argv, "--db", sweep]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
