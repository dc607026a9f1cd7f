"""``mlfootprint run`` inside Slurm tasks: the job, node and rank come from Slurm's environment."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

SLURM = {
    "SLURM_JOB_ID": "918273", "SLURM_STEP_ID": "0", "SLURM_NTASKS": "2", "SLURM_TASKS_PER_NODE": "2",
    "SLURM_NODEID": "0", "SLURMD_NODENAME": "gpu042",
}  # fmt: skip


def run_task(tmp_path: Path, proc_id: int, *extra: str) -> dict[str, object]:
    out = tmp_path / f"task{proc_id}.json"
    env = {**os.environ, **SLURM, "SLURM_PROCID": str(proc_id), "SLURM_LOCALID": str(proc_id)}
    done = subprocess.run(
        [sys.executable, "-m", "mlfootprint", "run", "--db", f"sqlite:///{tmp_path / 'runs.sqlite3'}",
         "--region", "FR", "--json-out", str(out), *extra, "--", sys.executable, "-c", "pass"],
        env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    record: dict[str, object] = json.loads(out.read_text())
    return record


def test_two_slurm_tasks_are_one_job_and_only_the_first_reads_the_node(tmp_path: Path) -> None:
    first, second = run_task(tmp_path, 0), run_task(tmp_path, 1)
    for record, rank in ((first, 0), (second, 1)):
        assert (record["job_id"], record["launcher"], record["node"]) == ("slurm-918273.0", "slurm", "gpu042")
        assert (record["rank"], record["local_rank"], record["world_size"]) == (rank, rank, 2)
    assert first["components"] and second["components"] == []  # the machine is read once, by task 0
    shown = subprocess.run(
        [sys.executable, "-m", "mlfootprint", "runs", "show", "slurm-918273.0",
         "--db", f"sqlite:///{tmp_path / 'runs.sqlite3'}", "--format", "json"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    job = json.loads(shown.stdout)
    assert job["status"] == "finished" and [r["rank"] for r in job["ranks"]] == [0, 1]


def test_an_explicit_job_wins_over_slurm(tmp_path: Path) -> None:
    record = run_task(tmp_path, 0, "--job", "sweep-7", "--node", "n0")
    assert (record["job_id"], record["launcher"], record["node"], record["rank"]) == (
        "sweep-7", "explicit+slurm", "n0", 0,
    )  # fmt: skip
