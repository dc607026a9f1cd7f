"""The Lightning callback against real Lightning on the CPU: one process, ddp_spawn, ddp_fork and ddp."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.frameworks
pytest.importorskip("lightning")

from mlfootprint.store import open_store  # noqa: E402
from mlfootprint.tracking.jobs import summarise_job  # noqa: E402

SCRIPT = Path(__file__).parent / "scripts" / "lightning_train.py"


def train(tmp_path: Path, strategy: str, *extra: str) -> tuple[str, Path]:
    db = f"sqlite:///{tmp_path / 'runs.sqlite3'}"
    logs = tmp_path / "logs"
    done = subprocess.run(
        [sys.executable, str(SCRIPT), strategy, db, str(logs), *extra],
        capture_output=True, text=True, timeout=240,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    return db, logs / "metrics.csv"


def epoch_rows(metrics_csv: Path) -> list[dict[str, str]]:
    with metrics_csv.open(encoding="utf-8") as f:
        return [row for row in csv.DictReader(f) if row.get("mlfootprint/epoch_energy_kwh")]


def test_one_process_fit_validate_predict_are_runs_with_phases_and_epochs_reach_the_logger(
    tmp_path: Path,
) -> None:
    db, metrics = train(tmp_path, "single")
    with open_store(db) as store:
        runs = {r.name: r for r in store.list_runs()}
    assert set(runs) == {"fit", "validate", "predict"}
    fit = runs["fit"]
    assert fit.status == "finished" and fit.job_id is None and fit.it_energy_j > 0
    assert [p.name for p in fit.phases] == ["epoch-0", "epoch-1", "fit"]
    assert [p.name for p in runs["validate"].phases] == ["validate"]
    rows = epoch_rows(metrics)
    assert [r["epoch"] for r in rows] == ["0", "1"]  # logged while training, once per epoch
    assert all(float(r["mlfootprint/epoch_energy_kwh"]) > 0 for r in rows)


@pytest.mark.parametrize("strategy", ["ddp_spawn", "ddp_fork", "ddp"])
def test_two_cpu_ranks_are_one_job_read_once(tmp_path: Path, strategy: str) -> None:
    db, metrics = train(tmp_path, strategy)
    with open_store(db) as store:
        runs = store.list_runs()
    assert len(runs) == 2 and len({r.job_id for r in runs}) == 1 and runs[0].job_id is not None
    job = summarise_job(runs)
    assert job.status == "finished" and job.world_size == 2
    by_rank = {r.rank: r for r in job.ranks}
    assert set(by_rank[0].meters) >= {"cpu-estimate"}  # local rank 0 reads the machine
    assert by_rank[1].meters == ()  # rank 1 leaves it to rank 0: no joule twice
    assert job.record.it_energy_j == pytest.approx(sum(r.it_energy_j for r in runs))
    assert [p.name for p in job.record.phases] == ["epoch-0", "epoch-1", "fit"]
    rows = epoch_rows(metrics)
    assert [r["epoch"] for r in rows] == ["0", "1"]


def test_a_failing_fit_stores_the_cause(tmp_path: Path) -> None:
    db, _ = train(tmp_path, "single", "fail")
    with open_store(db) as store:
        (run,) = store.list_runs()
    assert (run.status, run.error_type, run.error_message) == (
        "failed",
        "RuntimeError",
        "loss is nan at epoch 1",
    )
    assert [p.name for p in run.phases][:1] == ["epoch-0"]
