"""``mlfootprint demo``: a real (small) training job, tracked with a phase per epoch, stored, reported."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from mlfootprint.demo import QUICK, ProgressBar, train_mlp
from mlfootprint.store import open_store


def test_quick_demo_is_tracked_stored_and_reported(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'runs.sqlite3'}"
    proc = subprocess.run(
        [sys.executable, "-m", "mlfootprint", "demo", "--quick", "--db", db],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert "world-average" in proc.stderr  # no region: said so
    assert "test accuracy" in proc.stderr and "epoch 3/3" in proc.stderr
    assert "mlfootprint runs show" in proc.stdout and "(estimated)" in proc.stdout
    assert len(proc.stdout.splitlines()) <= 8
    assert max(len(line) for line in proc.stdout.splitlines()) <= 100
    store = open_store(db)
    try:
        (run,) = store.list_runs(project="demo")
    finally:
        store.close()
    assert run.status == "finished" and run.region is None
    assert [p.name for p in run.phases] == ["epoch-1", "epoch-2", "epoch-3", "evaluate"]
    assert run.it_energy_j > 0 and run.co2e_g > 0
    assert sum(p.energy_j for p in run.phases) <= run.it_energy_j * 1.000001
    shown = subprocess.run(
        [sys.executable, "-m", "mlfootprint", "runs", "show", run.id, "--db", db, "--format", "json"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    if shown.returncode == 0:
        assert json.loads(shown.stdout)["project"] == "demo"


def test_demo_with_a_region_and_epochs(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'runs.sqlite3'}"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "mlfootprint",
            "demo",
            "--quick",
            "--epochs",
            "1",
            "--region",
            "SE",
            "--db",
            db,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert "world-average" not in proc.stderr and "Sweden" in proc.stdout


@pytest.mark.parametrize("args", [["--epochs", "0"], ["--region", "Atlantis"]])
def test_demo_bad_input_is_status_2(tmp_path: Path, args: list[str]) -> None:
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "mlfootprint",
            "demo",
            "--quick",
            "--db",
            f"sqlite:///{tmp_path / 'r.db'}",
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 2 and len(proc.stderr.strip().splitlines()) == 1


def test_the_job_learns() -> None:
    result = train_mlp(QUICK)
    assert result.train_loss[-1] < result.train_loss[0]
    assert result.test_accuracy > 0.5  # 8 classes: chance is 12.5 %


def test_progress_bar_writes_one_line_per_forced_update_off_a_terminal() -> None:
    out = io.StringIO()
    bar = ProgressBar(4, stream=out, width=8)
    bar.update(1, "a")  # not forced, not a terminal: nothing
    bar.update(2, "half", force=True)
    bar.update(4, "done", force=True)
    bar.close()
    assert out.getvalue() == "[####....]  50% half\n[########] 100% done\n"
