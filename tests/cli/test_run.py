"""``mlfootprint run``: exit status, passthrough, stored status, JSON record, crash safety (SIGKILL)."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from mlfootprint.cli.main import main
from mlfootprint.cli.run import exit_status, parse_tag
from mlfootprint.store import open_store


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'runs.sqlite3'}"


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mlfootprint", *args], capture_output=True, text=True, timeout=60, check=False
    )


def test_failing_command_exits_with_its_status_and_is_stored_failed(
    db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    status = main(["run", "--db", db_url, "--region", "FR", "--project", "p", "--", "sh", "-c", "exit 3"])
    assert status == 3
    err = capsys.readouterr().err
    assert "failed (exit status 3)" in err and "mlfootprint runs show" in err
    store = open_store(db_url)
    try:
        (run,) = store.list_runs(project="p")
    finally:
        store.close()
    assert (run.status, run.exit_code, run.command) == ("failed", 3, ("sh", "-c", "exit 3"))


def test_stdout_passes_through_and_summary_goes_to_stderr(db_url: str, tmp_path: Path) -> None:
    out = tmp_path / "run.json"
    proc = cli(
        "run", "--db", db_url, "--region", "DE", "--pue", "1.1", "--tag", "lr=0.1", "--tag", "seed=3",
        "--name", "echo-test", "--json-out", str(out),
        "--", sys.executable, "-c", "print('hello from the job')",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "hello from the job\n"
    assert "finished" in proc.stderr and "cpu" in proc.stderr and "PUE 1.1" in proc.stderr
    record = json.loads(out.read_text())
    assert record["status"] == "finished" and record["exit_code"] == 0
    assert record["name"] == "echo-test" and record["tags"] == {"lr": "0.1", "seed": "3"}
    assert record["pue"] == 1.1 and record["region"] == "DE"
    assert record["co2e_kg_low"] <= record["co2e_kg"] <= record["co2e_kg_high"]
    assert record["components"] and all(c["energy_kwh"] > 0 for c in record["components"])
    shown = cli("runs", "show", record["id"], "--db", db_url, "--format", "json")
    if shown.returncode == 0:  # the ledger command is there
        assert json.loads(shown.stdout)["id"] == record["id"]


def test_stdin_is_inherited(db_url: str) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "mlfootprint", "run", "--db", db_url, "--region", "FR", "--", "cat"],
        input="fed through stdin\n",
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0 and proc.stdout == "fed through stdin\n"


def test_command_not_found_is_127_and_nothing_is_stored(db_url: str) -> None:
    proc = cli("run", "--db", db_url, "--region", "FR", "--", "no-such-command-mlfp")
    assert proc.returncode == 127
    assert proc.stderr.strip().splitlines() == ["mlfootprint: error: command not found: no-such-command-mlfp"]
    store = open_store(db_url)
    try:
        assert store.list_runs() == []
    finally:
        store.close()


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        ([], "no command given"),
        (["--region", "Frnace", "--", "true"], "unknown region 'Frnace'; closest: France"),
        (["--interval", "0.01", "--", "true"], "--interval"),
        (["--interval", "zero", "--", "true"], "--interval"),
        (["--tag", "novalue", "--", "true"], "KEY=VALUE"),
        (["--scope", "galaxy", "--", "true"], "--scope"),
        (["--pue", "0.5", "--", "true"], "pue"),
        (["--keep-samples", "0", "--", "true"], "--keep-samples"),
        (["--keep-samples", "some", "--", "true"], "'all' or a whole number"),
    ],
)
def test_bad_input_is_one_line_and_status_2(db_url: str, args: list[str], needle: str) -> None:
    proc = cli("run", "--db", db_url, *args)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and needle in lines[0] and "Traceback" not in proc.stderr


def test_signal_death_of_the_child_is_128_plus_n(db_url: str) -> None:
    proc = cli("run", "--db", db_url, "--region", "FR", "--", "sh", "-c", "kill -TERM $$")
    assert proc.returncode == 128 + signal.SIGTERM


def test_sigterm_is_forwarded_to_the_child(db_url: str, tmp_path: Path) -> None:
    marker = tmp_path / "got-term"
    script = (
        "import signal, sys, time, pathlib\n"
        f"def h(s, f):\n    pathlib.Path({str(marker)!r}).write_text('x'); sys.exit(7)\n"
        "signal.signal(signal.SIGTERM, h)\nprint('ready', flush=True)\ntime.sleep(30)\n"
    )
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "mlfootprint",
            "run",
            "--db",
            db_url,
            "--region",
            "FR",
            "--",
            sys.executable,
            "-c",
            script,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None and proc.stdout.readline() == "ready\n"
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=30) == 7
    assert marker.exists()
    store = open_store(db_url)
    try:
        (run,) = store.list_runs()
    finally:
        store.close()
    assert (run.status, run.exit_code) == ("failed", 7)


def test_sigkill_leaves_an_interrupted_run_with_energy_up_to_the_last_flush(db_url: str) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "mlfootprint", "run", "--flush-interval", "0.2", "--interval", "0.05",
         "--db", db_url, "--region", "FR", "--", "sleep", "30"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )  # fmt: skip
    store = open_store(db_url)
    try:
        heartbeats: set[object] = set()
        deadline = time.monotonic() + 30
        run = None
        while time.monotonic() < deadline and len(heartbeats) < 3:
            runs = store.list_runs()
            if runs:
                run = runs[0]
                heartbeats.add(run.heartbeat_at)
            time.sleep(0.05)
        assert run is not None and len(heartbeats) >= 3, "the run was not flushed twice"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
        last = store.get_run(run.id)
        assert last.status == "interrupted"
        assert last.it_energy_j > 0 and last.energy_j > 0
        assert last.ended_at is None
        samples = store.samples(run.id)
        assert samples and max(s.t_s for s in samples) > 0
    finally:
        store.close()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)  # the orphaned `sleep 30`
    shown = cli("runs", "show", run.id, "--db", db_url, "--format", "json")
    if shown.returncode == 0:
        assert json.loads(shown.stdout)["status"] == "interrupted"


def test_helpers() -> None:
    assert exit_status(0) == 0 and exit_status(3) == 3 and exit_status(-9) == 137 and exit_status(-2) == 130
    assert parse_tag("lr=0.1") == ("lr", "0.1") and parse_tag("note=a=b") == ("note", "a=b")


def test_quiet_prints_no_summary_and_verbose_the_full_provenance(
    db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    base = ["run", "--db", db_url, "--region", "FR", "--pue", "1.2", "--scope", "process"]
    assert main([*base, "--quiet", "--", "true"]) == 0
    assert "mlfootprint: run" not in capsys.readouterr().err
    assert main([*base, "--verbose", "--", "true"]) == 0
    verbose = capsys.readouterr().err
    assert "= IT" in verbose and "x PUE 1.2 (user: PUE 1.2 given as an argument)" in verbose
    assert main([*base, "--", "true"]) == 0
    compact = [
        line for line in capsys.readouterr().err.splitlines() if not line.startswith("mlfootprint: warn")
    ]
    assert len(compact) <= 8 and max(map(len, compact)) <= 100
    with open_store(db_url) as store:
        assert len(store.list_runs()) == 3  # quiet runs are stored all the same
