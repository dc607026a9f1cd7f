"""Where the ledger lives, which URLs are accepted, and what happens to a damaged or busy SQLite file."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest

from helpers.store_strategies import make_run
from mlfootprint.errors import InvalidValueError, StoreError
from mlfootprint.store import mask_password, open_store, parse_store_url


def test_default_ledger_is_created_under_mlfootprint_home(tmp_path: Path) -> None:
    with open_store() as store:
        store.save(make_run())
    expected = tmp_path / "mlfootprint-home" / "runs.sqlite3"  # conftest points MLFOOTPRINT_HOME there
    assert expected.is_file()
    assert store.url == f"sqlite://{expected}"


def test_mlfootprint_db_overrides_the_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "deep" / "er" / "team.sqlite3"
    monkeypatch.setenv("MLFOOTPRINT_DB", f"sqlite:///{target}")
    with open_store() as store:
        store.save(make_run())
    with open_store(f"sqlite:////{target}") as store:  # the four-slash form names the same file
        assert len(store.list_runs()) == 1


@pytest.mark.parametrize(
    ("url", "backend", "path"),
    [
        ("sqlite:///abs/runs.db", "sqlite", "/abs/runs.db"),
        ("sqlite:////abs/runs.db", "sqlite", "/abs/runs.db"),
        ("sqlite:rel/runs.db", "sqlite", "rel/runs.db"),
        ("sqlite://:memory:", "sqlite", None),
        ("postgresql://me@db.example:5432/runs", "postgresql", None),
        ("postgres://me@db.example/runs", "postgresql", None),
    ],
)
def test_url_forms(url: str, backend: str, path: str | None) -> None:
    parsed = parse_store_url(url)
    assert parsed.backend == backend
    assert (str(parsed.path) if parsed.path else None) == path


@pytest.mark.parametrize(
    "url", ["mysql://x/y", "runs.sqlite3", "sqlite://", "sqlite:///dir/", "postgresql:///db", ""]
)
def test_bad_urls_are_usage_errors_naming_the_forms(url: str) -> None:
    with pytest.raises(InvalidValueError) as err:
        open_store(url)
    assert err.value.exit_code == 2
    assert "--db" in str(err.value) and "sqlite:///PATH or postgresql://" in str(err.value)


def test_password_is_masked_everywhere_it_is_shown() -> None:
    assert mask_password("postgresql://me:s3cret@db:5432/runs") == "postgresql://me:***@db:5432/runs"
    with pytest.raises(InvalidValueError) as err:
        parse_store_url("postgresql://me:s3cret@/runs")
    assert "s3cret" not in str(err.value)
    assert parse_store_url("postgresql://me:s3cret@db/runs").display == "postgresql://me:***@db/runs"


def test_in_memory_ledger_works() -> None:
    with open_store("sqlite://:memory:") as store:
        store.save(make_run())
        assert len(store.list_runs()) == 1


def test_corrupt_file_is_a_one_line_store_error_and_is_left_untouched(tmp_path: Path) -> None:
    path = tmp_path / "runs.sqlite3"
    garbage = b"this is not a database\n" * 400
    path.write_bytes(garbage)
    with pytest.raises(StoreError) as err:
        open_store(f"sqlite:///{path}")
    message = str(err.value)
    assert "\n" not in message and str(path) in message and "not a database" in message
    assert "left as it is" in message
    assert err.value.exit_code == 1
    assert path.read_bytes() == garbage


def test_a_folder_in_place_of_the_file_is_a_store_error(tmp_path: Path) -> None:
    (tmp_path / "runs.sqlite3").mkdir()
    with pytest.raises(StoreError, match="not a file"):
        open_store(f"sqlite:///{tmp_path / 'runs.sqlite3'}")


def test_a_writer_holding_the_lock_makes_save_give_up_within_its_bound(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'runs.sqlite3'}"
    with open_store(url) as store:
        store.save(make_run("01HQFIRST00000000000000000"))
    blocker = sqlite3.connect(str(tmp_path / "runs.sqlite3"), isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    try:
        with open_store(url, timeout_s=0.6) as store:
            began = time.monotonic()
            with pytest.raises(StoreError, match="still busy") as err:
                store.save(make_run("01HQSECOND0000000000000000"))
            waited_s = time.monotonic() - began
            assert 0.5 <= waited_s < 3.0
            assert "locked" in str(err.value)
            # readers are not blocked by a writer (WAL)
            assert [r.id for r in store.list_runs()] == ["01HQFIRST00000000000000000"]
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    with open_store(url) as store:  # once the lock is gone, writing works again
        store.save(make_run("01HQSECOND0000000000000000"))
        assert len(store.list_runs()) == 2


def test_a_ledger_from_a_newer_release_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "runs.sqlite3"
    with open_store(f"sqlite:///{path}"):
        pass
    conn = sqlite3.connect(str(path))
    conn.execute("INSERT INTO schema_version VALUES (99, 'future', '2030-01-01T00:00:00.000000Z')")
    conn.commit()
    conn.close()
    with pytest.raises(StoreError, match="schema version 99, newer"):
        open_store(f"sqlite:///{path}")
