"""Totals summed by the database equal the Python totals of the same runs, on both backends."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from helpers.store_strategies import T0, make_run
from mlfootprint.errors import InvalidValueError
from mlfootprint.report.totals import Prices, summarise, totals_from_sums
from mlfootprint.store import open_store


def _runs() -> list:
    base = make_run()
    runs = []
    for i in range(12):
        runs.append(
            replace(
                base, id=f"01HQ{i:022d}", project=("nlp", "vision")[i % 2],
                name="" if i == 3 else f"job-{i % 3}",
                tags={"sweep": str(i % 4)} if i % 5 else {}, started_at=T0 + timedelta(hours=7 * i),
                duration_s=600.0 * (i + 1), energy_j=1000.0 * (i + 1),
                # some runs' stored bounds exclude their point estimate: the totals widen them
                energy_j_low=1100.0 * (i + 1) if i == 4 else 900.0 * (i + 1),
                co2e_g=50.0 * (i + 1), co2e_g_high=40.0 * (i + 1) if i == 6 else 60.0 * (i + 1),
                co2e_g_net=None if i % 3 == 0 else 5.0 * i,
                job_id=None if i % 4 == 0 else f"torchrun-{i % 3}",  # runs outside a job group alone
            )
        )  # fmt: skip
    return runs


@pytest.mark.parametrize("by", [None, "project", "name", "day", "job", "tag:sweep"])
@pytest.mark.parametrize("project", [None, "nlp"])
def test_sums_in_sql_equal_the_python_totals(store_url: str, by: str | None, project: str | None) -> None:
    prices = Prices(per_kwh=0.3, per_device_hour=2.0)
    with open_store(store_url) as store:
        for run in _runs():
            store.save(run)
        expected = summarise(store.list_runs(project=project), by=by, prices=prices)
        got = totals_from_sums(store.group_sums(project=project, by=by), prices)
    assert [g.group for g in got[0]] == [g.group for g in expected[0]]
    for a, b in zip([*got[0], got[1]], [*expected[0], expected[1]], strict=True):
        assert a.runs == b.runs and a.runs_without_net == b.runs_without_net
        for name in (
            "duration_s",
            "device_hours",
            "energy_j",
            "energy_j_low",
            "energy_j_high",
            "co2e_g",
            "co2e_g_low",
            "co2e_g_high",
            "co2e_g_net",
            "cost",
        ):
            assert getattr(a, name) == pytest.approx(getattr(b, name), rel=1e-12), (a.group, name)


def test_an_unknown_grouping_is_refused(store_url: str) -> None:
    with open_store(store_url) as store, pytest.raises(InvalidValueError, match="--by"):
        store.group_sums(by="colour")
