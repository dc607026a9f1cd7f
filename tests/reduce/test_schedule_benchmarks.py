"""BM-1, BM-2 and BM-5 of ../shared/benchmarks/scheduling.md, typed in from the papers."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from mlfootprint.intensity.files import read_series
from mlfootprint.reduce.deadlines import next_workday_deadline_s
from mlfootprint.reduce.study import savings_pct, shift_every_arrival, shift_jobs
from mlfootprint.reduce.where import read_zone_groups, select_group, where_summary

DP = "reference/hourly/decarbonization-potential"
LWA = "reference/hourly/lets-wait-awhile"
EM_SHA = "4c1f894cd380c77e038abdc1485bb23783ee71c3d55c571781f45032619661d3"


@pytest.fixture(scope="module")
def em_2022(shared_dir: Path):  # type: ignore[no-untyped-def]
    return read_series(shared_dir / DP / "em_2022_hourly_lca_123zones.csv")


def test_em_file_is_the_pinned_release(em_2022) -> None:  # type: ignore[no-untyped-def]
    assert em_2022.sha256 == EM_SHA
    assert len(em_2022.zones) == 123


@pytest.mark.parametrize(
    ("zone", "job", "slack", "deferral", "interrupt"),
    [("DE", 6, 24, 19.21, 20.06), ("US-CAL-CISO", 24, 24, 3.59, 19.49), ("FR", 24, 168, 24.15, 30.66)],
)
def test_bm1(em_2022, zone: str, job: int, slack: int, deferral: float, interrupt: float) -> None:  # type: ignore[no-untyped-def]
    r = shift_every_arrival(em_2022.column(zone), length=job, slack=slack)
    assert r.arrivals.shape[0] == 8760 - job
    assert savings_pct(r.baseline, r.deferral) == pytest.approx(deferral, abs=0.01)
    assert savings_pct(r.baseline, r.interrupt) == pytest.approx(interrupt, abs=0.01)


def test_bm1_spot_check_and_aggregations_differ(em_2022) -> None:  # type: ignore[no-untyped-def]
    r = shift_every_arrival(em_2022.column("DE"), length=6, slack=24)
    assert r.baseline[0] == pytest.approx(1397.63, abs=0.01)
    assert r.deferral[0] == pytest.approx(1393.13, abs=0.01)
    assert r.interrupt[0] == pytest.approx(1357.22, abs=0.01)
    week = shift_every_arrival(em_2022.column("DE"), length=24, slack=168)
    assert savings_pct(week.baseline, week.deferral, "per-job") == pytest.approx(23.68, abs=0.01)
    assert savings_pct(week.baseline, week.deferral, "total") == pytest.approx(25.00, abs=0.01)


def _trace(shared_dir: Path, name: str):  # type: ignore[no-untyped-def]
    jobs = np.loadtxt(
        shared_dir / LWA / "lwa_ml_jobs_2020.csv", delimiter=",", skiprows=1, usecols=(1, 3), dtype=np.int64
    )
    t0 = 1_577_836_800  # 2020-01-01T00:00Z
    series = read_series(shared_dir / LWA / name, zone="X", grid_s=1800).between(t0, 2e9)
    arrival_s = t0 + jobs[:, 0] * 60
    deadline_s = next_workday_deadline_s(arrival_s + jobs[:, 1] * 60)
    return series.column("X"), (arrival_s - t0) // 1800, jobs[:, 1] // 30, (deadline_s - t0) // 1800


BM2 = {
    "ger_ci.csv": {"lwa": (5.93, 8.16), "strict": (5.92, 8.04), "noisy": (5.91, 7.93)},
    "gb_ci.csv": {"lwa": (6.57, 9.23), "strict": (6.66, 9.23), "noisy": (6.56, 9.03)},
    "fr_ci.csv": {"lwa": (4.79, 6.22), "strict": (4.87, 6.26), "noisy": (4.77, 5.92)},
}


@pytest.mark.parametrize("name", sorted(BM2))
def test_bm2(shared_dir: Path, name: str) -> None:
    ci, arrivals, lengths, deadlines = _trace(shared_dir, name)
    assert arrivals.shape[0] == 3387
    for semantics in ("lwa", "strict"):
        r = shift_jobs(ci, arrivals=arrivals, lengths=lengths, deadlines=deadlines, semantics=semantics)
        expected_defer, expected_int = BM2[name][semantics]
        assert savings_pct(r.baseline, r.deferral, "total") == pytest.approx(expected_defer, abs=0.02)
        assert savings_pct(r.baseline, r.interrupt, "total") == pytest.approx(expected_int, abs=0.02)
    exact = shift_jobs(ci, arrivals=arrivals, lengths=lengths, deadlines=deadlines, semantics="lwa")
    noisy = shift_jobs(
        ci,
        arrivals=arrivals,
        lengths=lengths,
        deadlines=deadlines,
        semantics="lwa",
        forecast_error_pct=5,
        seeds=10,
    )
    paper_defer, paper_int = BM2[name]["noisy"]
    got_defer = savings_pct(noisy.baseline, noisy.deferral, "total")
    got_int = savings_pct(noisy.baseline, noisy.interrupt, "total")
    assert got_defer == pytest.approx(paper_defer, abs=0.05)
    assert got_int == pytest.approx(paper_int, abs=0.05)
    assert got_defer <= savings_pct(exact.baseline, exact.deferral, "total")
    assert got_int <= savings_pct(exact.baseline, exact.interrupt, "total")


def test_bm5_europe(shared_dir: Path, em_2022) -> None:  # type: ignore[no-untyped-def]
    groups = read_zone_groups(shared_dir / DP / "zone_metadata/name_stats.csv")
    europe = select_group(groups, "Europe")
    assert len(europe) == 45
    w = where_summary(em_2022, europe)
    assert w.lowest_zone == "SE-SE1"
    assert w.lowest_g_per_kwh == pytest.approx(15.90, abs=0.01)
    assert w.one_migration_reduction_g_per_kwh == pytest.approx(281.24, abs=0.01)
    assert w.infinite_migration_reduction_g_per_kwh == pytest.approx(282.27, abs=0.01)
