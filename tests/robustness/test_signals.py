"""What happens to the command when ``mlfootprint run`` is killed with SIGKILL: it receives SIGTERM (Linux,
PR_SET_PDEATHSIG) instead of running on untracked, and the ledger reports the run as interrupted."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from helpers.cli_harness import run_cli


def _gone(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return True
    return "State:\tZ" in state  # a zombie has ended; only its parent's exit status is left


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux-only")
def test_sigkill_of_run_terminates_the_command_and_the_run_reads_interrupted(
    home: Path, tmp_path: Path
) -> None:
    pidfile = tmp_path / "child.pid"
    termfile = tmp_path / "got-term"
    script = f"trap 'echo term > {termfile}; exit 143' TERM; echo $$ > {pidfile}; while :; do sleep 0.1; done"
    env = {**os.environ, "MLFOOTPRINT_HOME": str(home)}
    runner = subprocess.Popen(
        [sys.executable, "-m", "mlfootprint", "run", "--flush-interval", "0.2", "--", "sh", "-c", script],
        env=env,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while not (pidfile.exists() and pidfile.read_text().strip()):
        assert time.monotonic() < deadline and runner.poll() is None, "the command never started"
        time.sleep(0.05)
    child = int(pidfile.read_text())
    time.sleep(0.5)  # a few flushes
    runner.send_signal(signal.SIGKILL)
    runner.wait(timeout=10)
    while not _gone(child):
        assert time.monotonic() < deadline, "the command runs on untracked"
        time.sleep(0.05)
    assert termfile.read_text().strip() == "term"
    listed = run_cli(["runs", "list", "--format", "json"])
    assert listed.status == 0 and '"status": "interrupted"' in listed.out, listed.out
