"""Fixtures for the dashboard: a ledger (SQLite, and PostgreSQL when configured) holding known runs."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

import pytest

from helpers.runfactory import T0, build_run, build_samples
from mlfootprint.store import SQLStore, open_store

PG_ENV = "MLFOOTPRINT_TEST_POSTGRES_URL"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def ledger_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'runs.sqlite3'}"
        return
    base = os.environ.get(PG_ENV)
    if not base:
        pytest.skip(f"{PG_ENV} is not set")
    psycopg = pytest.importorskip("psycopg")
    schema = f"mlfp_web_{secrets.token_hex(6)}"
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    separator = "&" if "?" in base else "?"
    try:
        yield f"{base}{separator}options={quote(f'-csearch_path={schema}')}"
    finally:
        with psycopg.connect(base, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")


def fill(store: SQLStore) -> None:
    """Three runs: two of 'nmt' (one tagged with metrics), one of 'vision'."""
    a = build_run(
        "01AAAAAAAAAAAAAAAAAAAAAAAA", project="nmt", name="big", tags={"job": "sweep-1", "lr": "0.1"}
    )
    b = build_run(
        "01BBBBBBBBBBBBBBBBBBBBBBBB", project="nmt", name="small", gpus=1, duration_s=1800.0,
        started_at=T0 + timedelta(days=1), tags={"job": "sweep-1", "lr": "0.01"},
    )  # fmt: skip
    c = build_run(
        "01CCCCCCCCCCCCCCCCCCCCCCCC", project="vision", name="resnet", gpus=0, cpu_w=100.0, duration_s=600.0,
        started_at=T0 + timedelta(days=2),
    )  # fmt: skip
    for run in (a, b, c):
        store.save(run, build_samples(run))


@pytest.fixture
def ledger(ledger_url: str) -> Iterator[SQLStore]:
    store = open_store(ledger_url)
    fill(store)
    yield store
    store.close()
