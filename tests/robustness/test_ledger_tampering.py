"""A ledger stays readable: tampered rows are reported and skipped (and can be deleted), damaged files are
reported as corrupt, huge stored intervals cannot overflow liveness arithmetic, read-only ledgers read."""

from __future__ import annotations

import os
import random
import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest

from helpers.cli_harness import run_cli
from helpers.runfactory import build_run
from mlfootprint.store import open_store
from mlfootprint.store.dialect import SQLITE_MAGIC


def _ledger(tmp_path: Path, runs: int = 3) -> tuple[str, list[str]]:
    url = f"sqlite:///{tmp_path / 'ledger.sqlite3'}"
    ids = [f"01TAMPER{i:018d}" for i in range(runs)]
    with open_store(url) as store:
        for i, rid in enumerate(ids):
            store.save(build_run(rid, name=f"run-{i}"))
    return url, ids


TAMPERS = [
    ("started_at", "'not a time'"),
    ("started_at", "'9999-12-31T23:59:59.999999Z'"),
    ("started_at", "''"),
    ("heartbeat_at", "'garbage'"),
    ("ended_at", "'0001-01-01T00:00:00Z'"),
    ("tags_json", "'{not json'"),
    ("tags_json", "'[1, 2]'"),
    ("command_json", "'\"a string\"'"),
    ("assumptions_json", "'[{\"name\": 1}]'"),
    ("extra_json", "'null'"),
    ("energy_j", "'lots'"),
    ("energy_j", "-5"),
    ("co2e_g", "'1e999'"),
    ("co2e_g", "X'00ff'"),
    ("duration_s", "'NaN'"),
    ("pue", "1000"),
    ("pue", "0.2"),
    ("intensity_g_per_kwh", "-430"),
    ("intensity_g_per_kwh", "'high'"),
    ("flush_interval_s", "1e300"),
    ("flush_interval_s", "0"),
    ("flush_interval_s", "'often'"),
    ("pid", "99999999999999"),
    ("pid", "'me'"),
    ("exit_code", "'three'"),
    ("status", "'exploded'"),
    ("project", "NULL"),
    ("hostname", "X'00ff'"),
    ("name", "X'ff'"),
]


@pytest.mark.parametrize(("column", "value"), TAMPERS, ids=[f"{c}={v}" for c, v in TAMPERS])
def test_tampered_row_is_skipped_reported_and_deletable(
    home: Path, tmp_path: Path, column: str, value: str
) -> None:
    url, ids = _ledger(tmp_path)
    path = tmp_path / "ledger.sqlite3"
    with sqlite3.connect(path) as conn:
        try:
            conn.execute(f"UPDATE runs SET {column} = {value} WHERE id = ?", (ids[1],))
        except sqlite3.IntegrityError:
            pytest.skip("the schema itself refuses this value")
    listed = run_cli(["runs", "list", "--db", url, "--format", "json"])
    assert listed.status == 0 and "Traceback" not in listed.err, listed.err
    assert ids[0] in listed.out and ids[2] in listed.out
    tolerated = column in ("flush_interval_s", "pid") and value in ("1e300", "99999999999999")
    if not tolerated:
        assert ids[1] not in listed.out
        assert ids[1] in listed.err and "runs delete" in listed.err and column in listed.err
        shown = run_cli(["runs", "show", ids[1], "--db", url])
        assert shown.status == 1 and len(shown.err_lines) == 1 and "malformed" in shown.err, shown.err
    for command in (["summary"], ["export"], ["runs", "show", ids[0]], ["report", ids[0]]):
        result = run_cli([*command, "--db", url])
        assert result.status == 0 and "Traceback" not in result.err, (command, result.err)
    deleted = run_cli(["runs", "delete", ids[1], "--yes", "--db", url])
    assert deleted.status == 0, deleted.err
    after = run_cli(["runs", "list", "--db", url, "--format", "json"])
    assert after.status == 0 and ids[1] not in after.out and after.err == ""


WORK_TAMPERS = [
    ("work", "samples", "'many'"),
    ("work", "samples", "-8"),
    ("work", "flops", "'1e999'"),
    ("work", "phase", "X'00ff'"),  # a number in a TEXT column is stored as text: not a tamper
    ("metrics", "value", "'high'"),
    ("metrics", "value", "'NaN'"),
    ("metrics", "step", "'three'"),
    ("metrics", "name", "X'00ff'"),
    ("metrics", "t_s", "X'00'"),
]


@pytest.mark.parametrize(
    ("table", "column", "value"), WORK_TAMPERS, ids=[f"{t}.{c}={v}" for t, c, v in WORK_TAMPERS]
)
def test_tampered_work_or_metric_row_skips_its_run_and_is_deletable(
    home: Path, tmp_path: Path, table: str, column: str, value: str
) -> None:
    from mlfootprint.records import MetricValue, WorkCounts

    url = f"sqlite:///{tmp_path / 'ledger.sqlite3'}"
    ids = [f"01WORKTAMPER{i:014d}" for i in range(3)]
    work = (WorkCounts(phase="", flops=1e15, flops_method="user", samples=64.0),)
    metrics = (MetricValue(name="accuracy", value=0.9, step=1, t_s=10.0),)
    with open_store(url) as store:
        for rid in ids:
            store.save(replace(build_run(rid), work=work, metrics=metrics))
    with sqlite3.connect(tmp_path / "ledger.sqlite3") as conn:
        try:
            conn.execute(f"UPDATE {table} SET {column} = {value} WHERE run_id = ?", (ids[1],))
        except sqlite3.IntegrityError:
            pytest.skip("the schema itself refuses this value")
    listed = run_cli(["runs", "list", "--db", url, "--format", "json"])
    assert listed.status == 0 and "Traceback" not in listed.err, listed.err
    assert ids[0] in listed.out and ids[2] in listed.out and ids[1] not in listed.out
    assert ids[1] in listed.err and f"{table}.{column}" in listed.err and "runs delete" in listed.err
    shown = run_cli(["runs", "show", ids[0], "--db", url, "--format", "json"])
    assert shown.status == 0 and '"samples": 64' in shown.out, shown.err
    deleted = run_cli(["runs", "delete", ids[1], "--yes", "--db", url])
    assert deleted.status == 0, deleted.err
    after = run_cli(["runs", "list", "--db", url, "--format", "json"])
    assert after.status == 0 and after.err == ""


def test_huge_flush_interval_in_a_live_row_never_overflows(home: Path, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'ledger.sqlite3'}"
    run = replace(
        build_run("01HUGEFLUSH000000000000000"), status="running", flush_interval_s=1e300, pid=2**22 + 5
    )
    with open_store(url) as store:
        store.save(run)
    for argv in (
        ["runs", "list"],
        ["runs", "show", run.id],
        ["summary"],
        ["runs", "delete", run.id, "--yes"],
    ):
        result = run_cli([*argv, "--db", url])
        assert result.status == 0 and "Traceback" not in result.err, (argv, result.err)


@pytest.mark.fuzz
@pytest.mark.parametrize("seed", range(int(os.environ.get("MLFOOTPRINT_FUZZ_FLIPS", "12"))))
def test_random_byte_flips_never_crash_and_never_claim_a_newer_schema(
    home: Path, tmp_path: Path, seed: int
) -> None:
    url, ids = _ledger(tmp_path, runs=5)
    path = tmp_path / "ledger.sqlite3"
    data = bytearray(path.read_bytes())
    rng = random.Random(seed)
    for _ in range(rng.choice([1, 8, 64, 512])):
        i = rng.randrange(len(data))
        data[i] ^= 1 << rng.randrange(8)
    path.write_bytes(bytes(data))
    for argv in (
        ["runs", "list"],
        ["runs", "show", ids[0]],
        ["summary"],
        ["runs", "delete", ids[1], "--yes"],
    ):
        result = run_cli([*argv, "--db", url])
        assert "Traceback" not in result.err and "internal error" not in result.err, result.err
        assert result.status in (0, 1, 2)
        assert result.status == 0 or len(result.err_lines) == 1, result.err
        assert "newer than this mlfootprint" not in result.err, result.err


def test_garbage_file_is_reported_as_corrupt(home: Path, tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite3"
    path.write_bytes(b"this is not a database" * 100)
    result = run_cli(["runs", "list", "--db", f"sqlite:///{path}"])
    assert result.status == 1 and "corrupt" in result.err and len(result.err_lines) == 1
    assert path.read_bytes() == b"this is not a database" * 100


def test_schema_version_garbage_is_corrupt_not_newer(home: Path, tmp_path: Path) -> None:
    url, _ = _ledger(tmp_path)
    with sqlite3.connect(tmp_path / "ledger.sqlite3") as conn:
        conn.execute("INSERT INTO schema_version VALUES (1284, 'x', '2024-01-01T00:00:00.000000Z')")
    result = run_cli(["runs", "list", "--db", url])
    assert result.status == 1 and "corrupt" in result.err and "newer" not in result.err, result.err


def test_a_file_with_the_sqlite_header_kept_is_still_checked(home: Path, tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite3"
    path.write_bytes(SQLITE_MAGIC + bytes(4000))
    result = run_cli(["runs", "list", "--db", f"sqlite:///{path}"])
    assert "Traceback" not in result.err and result.status in (1, 2) and len(result.err_lines) == 1, (
        result.err
    )


def test_read_commands_work_on_a_read_only_ledger(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url, ids = _ledger(tmp_path)
    import mlfootprint.store.dialect as dialect

    real_access = os.access
    # the one seam: the OS says the ledger is not writable (as for a read-only mount; root ignores modes)
    monkeypatch.setattr(
        dialect.os, "access", lambda p, mode: False if mode == os.W_OK else real_access(p, mode)
    )
    for argv in (["runs", "list"], ["runs", "show", ids[0]], ["summary"], ["export"], ["report", ids[0]]):
        result = run_cli([*argv, "--db", url])
        assert result.status == 0 and result.err == "", (argv, result.err)
    written = run_cli(["runs", "delete", ids[0], "--yes", "--db", url])
    assert (
        written.status == 1 and len(written.err_lines) == 1 and "readonly" in written.err.replace("-", "")
    ), written.err
