"""``mlfootprint study compression``: one real, tiny end-to-end study, and its input checks."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from mlfootprint.store import open_store

FIELDS = {
    "model", "accuracy", "params", "nonzero_params", "flops", "train_energy_kwh", "obtain_energy_kwh",
    "inference_energy_kwh_per_1k", "latency_ms", "payback_inferences", "run_ids",
}  # fmt: skip


def _study(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mlfootprint", "study", "compression", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@pytest.mark.frameworks
def test_quick_json_study_end_to_end(tmp_path: Path) -> None:
    pytest.importorskip("torch")
    pytest.importorskip("sklearn")
    db = f"sqlite:///{tmp_path / 'runs.sqlite3'}"
    plot = tmp_path / "pareto.png"
    proc = _study(
        "--quick", "--format", "json", "--db", db, "--teacher-width", "256", "--epochs", "2",
        "--finetune-epochs", "1", "--window", "0.1", "--plot", str(plot),
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["dataset"] == "digits" and doc["study_id"].startswith("cmp-")
    assert "estimated from TDP x utilisation" in doc["energy_method"] or "counter" in doc["energy_method"]
    rows = {row["model"]: row for row in doc["rows"]}
    assert list(rows) == [
        "teacher", "student", "pruned-unstructured-0.5", "pruned-structured-0.5", "pruned-unstructured-0.9",
        "pruned-structured-0.9", "ticket-2", "ticket-random-2",
    ]  # fmt: skip
    for row in rows.values():
        assert set(row) >= FIELDS, FIELDS - set(row)
        assert 0 <= row["accuracy"] <= 1 and len(row["accuracy_by_seed"]) == 2
        assert row["train_energy_kwh"] > 0 and row["obtain_energy_kwh"] >= row["train_energy_kwh"]
        assert row["inference_energy_kwh_per_1k"] > 0 and row["latency_ms"] > 0
        assert row["run_ids"][-1] == doc["inference_run_id"]
    teacher = rows["teacher"]
    assert teacher["obtain_energy_kwh"] == pytest.approx(teacher["train_energy_kwh"])
    for name in ("student", "pruned-structured-0.5", "pruned-structured-0.9"):
        assert rows[name]["params"] < teacher["params"] and rows[name]["flops"] < teacher["flops"]
        assert rows[name]["nonzero_params"] == rows[name]["params"]
    for name in ("pruned-unstructured-0.5", "ticket-2", "ticket-random-2"):
        assert rows[name]["params"] == teacher["params"] and rows[name]["flops"] == teacher["flops"]
        assert rows[name]["nonzero_params"] < teacher["params"]
        assert rows[name]["flops_nonzero"] < teacher["flops"]
    assert rows["pruned-unstructured-0.5"]["nonzero_params"] < 0.6 * teacher["params"]
    # a 256-wide teacher against a 32-wide student: far apart whatever the machine's noise
    for name in ("student", "pruned-structured-0.9"):
        assert rows[name]["inference_energy_kwh_per_1k"] < teacher["inference_energy_kwh_per_1k"]
    assert plot.stat().st_size > 1000

    store = open_store(db)
    try:
        runs = {r.id: r for r in store.list_runs(project="study-compression")}
    finally:
        store.close()
    assert all(r.tags["study"] == doc["study_id"] for r in runs.values())
    for row in rows.values():
        assert set(row["run_ids"]) <= set(runs)
    # the ticket's energy counts both rounds of both seeds, and its obtain energy the teacher's training too
    rounds = [r for r in runs.values() if r.tags["model"] == "ticket-2"]
    assert sorted(r.name for r in rounds) == ["ticket-2 round 1", "ticket-2 round 1", "ticket-2 round 2",
                                             "ticket-2 round 2"]  # fmt: skip
    ticket = rows["ticket-2"]
    assert set(ticket["run_ids"][:-1]) == {r.id for r in rounds}
    per_seed_kwh = sum(r.energy_j for r in rounds) / 2 / 3.6e6
    assert ticket["train_energy_kwh"] == pytest.approx(per_seed_kwh)
    teachers = [r for r in runs.values() if r.tags["model"] == "teacher"]
    teacher_kwh = sum(r.energy_j for r in teachers) / 2 / 3.6e6
    assert ticket["obtain_energy_kwh"] == pytest.approx(per_seed_kwh + teacher_kwh)
    random_row = rows["ticket-random-2"]
    assert random_row["obtain_energy_kwh"] == pytest.approx(
        ticket["obtain_energy_kwh"] + random_row["train_energy_kwh"]
    )
    inference = runs[doc["inference_run_id"]]
    assert len(inference.phases) == 8 * 2 * 2  # models x modes x rounds


def test_bad_options_are_one_line_and_exit_2(tmp_path: Path) -> None:
    for args, needle in (
        (["--sparsity", "0.5,1.5"], "1.5"),
        (["--alpha", "2"], "'2'"),
        (["--family", "rnn"], "rnn"),
        (["--plot", str(tmp_path / "x.txt")], "x.txt"),
    ):
        proc = _study(*args, "--db", f"sqlite:///{tmp_path / 'runs.sqlite3'}", timeout=60)
        assert proc.returncode == 2, (args, proc.stderr)
        assert needle in proc.stderr and len(proc.stderr.strip().splitlines()) == 1, proc.stderr


@pytest.mark.frameworks
def test_a_rewind_point_beyond_training_is_refused_before_anything_runs(tmp_path: Path) -> None:
    pytest.importorskip("torch")
    pytest.importorskip("sklearn")
    db = f"sqlite:///{tmp_path / 'runs.sqlite3'}"
    proc = _study("--quick", "--epochs", "1", "--rewind-iteration", "500", "--db", db, "--quiet")
    assert proc.returncode == 2
    assert "--rewind-iteration: 500 is beyond the teacher's 23 iterations" in proc.stderr
    store = open_store(db)
    try:
        assert store.list_runs() == []
    finally:
        store.close()
