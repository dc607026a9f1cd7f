"""``mlfootprint run --budget``: progress from the command, the status line, SIGTERM, the stored reason."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from mlfootprint.store import open_store

CHILD = """
import time
from mlfootprint.work.progress_file import report_progress
for epoch in range(100):
    time.sleep(0.2)
    report_progress(epoch + 1, 100)
print("finished all epochs")
"""


def test_a_budget_stops_the_command_with_sigterm_and_says_why(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'runs.sqlite3'}"
    script = tmp_path / "train.py"
    script.write_text(CHILD)
    out = subprocess.run(
        [sys.executable, "-m", "mlfootprint", "run", "--db", db, "--region", "FR", "--project", "b",
         "--budget", "0.5mWh", "--on-exceed", "stop", "--", sys.executable, str(script)],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert out.returncode == 128 + 15, out.stderr  # ended by SIGTERM
    assert "finished all epochs" not in out.stdout
    assert "stopped by budget: budget 0.5mWh" in out.stderr and "sending SIGTERM" in out.stderr
    store = open_store(db)
    try:
        (run,) = store.list_runs(project="b")
    finally:
        store.close()
    assert run.status == "interrupted"
    assert run.extra["end_reason"].startswith("stopped by budget: budget 0.5mWh")
    assert run.extra["budget"]["on_exceed"] == "stop"


def test_progress_gives_a_status_line_and_predictions_with_errors(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'runs.sqlite3'}"
    script = tmp_path / "train.py"
    script.write_text(CHILD.replace("range(100)", "range(8)").replace("epoch + 1, 100", "epoch + 1, 8"))
    out = subprocess.run(
        [sys.executable, "-m", "mlfootprint", "run", "--db", db, "--region", "FR", "--project", "s",
         "--", sys.executable, str(script)],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert "done; whole run predicted" in out.stderr
    store = open_store(db)
    try:
        (run,) = store.list_runs(project="s")
    finally:
        store.close()
    predictions = run.extra["predictions"]
    assert predictions and all("energy_error_pct" in p for p in predictions)
