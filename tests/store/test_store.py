"""The run ledger, one suite for both backends (``store_url`` is SQLite, then PostgreSQL)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from dataclasses import replace
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings

from helpers.store_strategies import T0, make_run, make_samples, runs
from mlfootprint.errors import InvalidValueError, RunNotFoundError, StoreError
from mlfootprint.records import RunRecord
from mlfootprint.store import SCHEMA_VERSION, open_store
from mlfootprint.store.dialect import dialect_for
from mlfootprint.store.ids import new_run_id
from mlfootprint.store.schema import MIGRATIONS, Migration, current_version, migrate
from mlfootprint.store.url import parse_store_url
from mlfootprint.testing import FakeClock


def test_save_and_get_round_trip_every_field(store_url: str) -> None:
    run = make_run()
    with open_store(store_url) as store:
        store.save(run)
        got = store.get_run(run.id)
    assert got == run  # every field, exactly: the ledger keeps canonical units


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(run=runs)
def test_round_trip_property(store_url: str, run: RunRecord) -> None:
    with open_store(store_url) as store:
        store.save(run)
        assert store.get_run(run.id) == run
        store.delete_run(run.id)


def test_save_is_an_idempotent_upsert(store_url: str) -> None:
    run = make_run(status="running", exit_code=None, ended_at=None)
    with open_store(store_url, clock=FakeClock(start=T0)) as store:
        store.save(run)
        store.save(run)
        later = replace(run, status="failed", exit_code=3, energy_j=9.0e6, components=run.components[:1])
        store.save(later)
        store.save(later)
        listed = store.list_runs()
    assert [r.id for r in listed] == [run.id]
    assert listed[0] == later  # totals, status and components replaced, not accumulated


def test_samples_are_appended_and_duplicates_ignored(store_url: str) -> None:
    run = make_run(status="running")
    with open_store(store_url, clock=FakeClock(start=T0)) as store:
        store.save(run, make_samples("nvml:0", [1.0, 2.0]) + make_samples("cpu-estimate", [1.0]))
        store.save(run, make_samples("nvml:0", [2.0, 3.0]))  # 2.0 resent after a failed flush
        store.save(run)
        all_samples = store.samples(run.id)
        gpu = store.samples(run.id, meter_id="nvml:0")
    assert [(s.meter_id, s.t_s) for s in all_samples] == [
        ("cpu-estimate", 1.0),
        ("nvml:0", 1.0),
        ("nvml:0", 2.0),
        ("nvml:0", 3.0),
    ]
    assert gpu == make_samples("nvml:0", [1.0, 2.0, 3.0])


def test_list_newest_first_with_project_filter_and_limit(store_url: str) -> None:
    a = make_run("01HQ00000000000000000000AA", project="alpha", started_at=T0)
    b = make_run("01HQ00000000000000000000BB", project="beta", started_at=T0 + timedelta(hours=1))
    c = make_run("01HQ00000000000000000000CC", project="alpha", started_at=T0 + timedelta(hours=2))
    with open_store(store_url) as store:
        for run in (b, a, c):
            store.save(run)
        assert [r.id for r in store.list_runs()] == [c.id, b.id, a.id]
        assert [r.id for r in store.list_runs(project="alpha")] == [c.id, a.id]
        assert [r.id for r in store.list_runs(limit=2)] == [c.id, b.id]
        assert store.list_runs(project="gamma") == []


def test_unique_prefix_of_six_or_more_characters(store_url: str) -> None:
    a = make_run("01HQABCDEF0000000000000001")
    b = make_run("01HQABXXXX0000000000000002")
    with open_store(store_url) as store:
        store.save(a)
        store.save(b)
        assert store.get_run("01HQABC").id == a.id
        assert store.get_run("01hqabcd").id == a.id  # ids are upper case; a lower-case prefix still works
        with pytest.raises(RunNotFoundError, match="ambiguous") as ambiguous:
            store.get_run("01HQAB")
        assert a.id in str(ambiguous.value) and b.id in str(ambiguous.value)
        with pytest.raises(RunNotFoundError):
            store.get_run("01HQA")  # too short to be taken as a prefix


def test_unknown_id_names_the_closest(store_url: str) -> None:
    run = make_run("01HQABCDEF0000000000000001")
    with open_store(store_url) as store:
        with pytest.raises(RunNotFoundError, match="holds no runs"):
            store.get_run("anything")
        store.save(run)
        with pytest.raises(RunNotFoundError) as err:
            store.get_run("01HQABCDEF0000000000000009")
    assert err.value.exit_code == 2
    assert "unknown run id '01HQABCDEF0000000000000009'" in str(err.value)
    assert run.id in str(err.value)


def test_stale_heartbeat_reads_as_interrupted_without_writing(store_url: str) -> None:
    clock = FakeClock(start=T0)
    run = make_run(status="running", heartbeat_at=T0, flush_interval_s=10.0, hostname="elsewhere", pid=1)
    with open_store(store_url, clock=clock) as store:
        store.save(run)
        clock.advance(34.9)  # within 3 x 10 s + 5 s
        assert store.get_run(run.id).status == "running"
        clock.advance(0.2)
        assert store.get_run(run.id).status == "interrupted"
        assert store.list_runs()[0].status == "interrupted"
    with open_store(store_url, clock=FakeClock(start=T0)) as store:
        assert store.get_run(run.id).status == "running"  # nothing was written on read


def test_dead_tracker_on_this_host_reads_as_interrupted(store_url: str) -> None:
    child = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, check=True
    )
    dead_pid = int(child.stdout)
    here = socket.gethostname()
    clock = FakeClock(start=T0)
    dead = make_run(
        "01HQ00000000000000000000D1", status="running", heartbeat_at=T0, hostname=here, pid=dead_pid
    )
    alive = make_run(
        "01HQ00000000000000000000A1", status="running", heartbeat_at=T0, hostname=here, pid=os.getpid()
    )
    remote = make_run(
        "01HQ00000000000000000000R1", status="running", heartbeat_at=T0, hostname="x", pid=dead_pid
    )
    done = make_run(
        "01HQ00000000000000000000F1", status="finished", heartbeat_at=T0, hostname=here, pid=dead_pid
    )
    with open_store(store_url, clock=clock) as store:
        for run in (dead, alive, remote, done):
            store.save(run)
        status = {r.id: r.status for r in store.list_runs()}
    assert status == {dead.id: "interrupted", alive.id: "running", remote.id: "running", done.id: "finished"}


def test_schema_is_created_once_and_reopening_changes_nothing(store_url: str) -> None:
    with open_store(store_url) as store:
        assert store.schema_version() == SCHEMA_VERSION == MIGRATIONS[-1].version
        store.save(make_run())
    with open_store(store_url) as store:
        assert store.schema_version() == SCHEMA_VERSION
        assert len(store.list_runs()) == 1


def test_delete_removes_the_run_and_its_samples(store_url: str) -> None:
    keep, gone = make_run("01HQKEEP000000000000000000"), make_run("01HQGXNE000000000000000000")
    with open_store(store_url) as store:
        store.save(keep, make_samples("nvml:0", [1.0]))
        store.save(gone, make_samples("nvml:0", [1.0]))
        assert store.delete_run("01hqgxne") == gone.id
        assert [r.id for r in store.list_runs()] == [keep.id]
        assert len(store.samples(keep.id)) == 1
        with pytest.raises(RunNotFoundError):
            store.samples(gone.id)


def test_bad_status_is_refused_before_writing(store_url: str) -> None:
    with open_store(store_url) as store:
        with pytest.raises(InvalidValueError, match="status"):
            store.save(make_run(status="done"))  # type: ignore[arg-type]
        assert store.list_runs() == []


def test_closed_store_says_so(store_url: str) -> None:
    store = open_store(store_url)
    store.close()
    store.close()
    with pytest.raises(StoreError, match="closed"):
        store.list_runs()


def test_new_run_ids_sort_by_time_and_do_not_clash() -> None:
    ids = {new_run_id() for _ in range(5000)}
    assert len(ids) == 5000 and all(len(i) == 26 for i in ids)
    assert new_run_id(now_s=1_700_000_000.0) < new_run_id(now_s=1_700_000_000.002)
    assert new_run_id(now_s=0.0).startswith("0000000000")


def test_a_later_migration_is_applied_once_to_an_existing_ledger(store_url: str) -> None:
    with open_store(store_url) as store:
        store.save(make_run())
    later = SCHEMA_VERSION + 1
    v2 = Migration(
        version=later, description="test column", statements=("ALTER TABLE runs ADD COLUMN note TEXT",)
    )
    dialect = dialect_for(parse_store_url(store_url), timeout_s=5.0)
    conn = dialect.connect()
    try:
        assert migrate(dialect, conn, display="test", now=T0, migrations=(*MIGRATIONS, v2)) == SCHEMA_VERSION
        assert migrate(dialect, conn, display="test", now=T0, migrations=(*MIGRATIONS, v2)) == later
        assert current_version(dialect, conn) == later
        rows = conn.execute("SELECT version FROM schema_version ORDER BY version").fetchall()
        assert [r[0] for r in rows] == [*(m.version for m in MIGRATIONS), later]
        assert conn.execute("SELECT note FROM runs").fetchall() == [(None,)]
    finally:
        conn.close()
    with pytest.raises(StoreError, match=f"schema version {later}, newer than this mlfootprint understands"):
        open_store(store_url)
