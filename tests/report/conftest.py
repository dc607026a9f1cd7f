"""Fixtures: runs built as RunRecord values, a real SQLite ledger in tmp_path."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from helpers.runfactory import build_run
from mlfootprint.records import RunRecord


@pytest.fixture
def make_run() -> Callable[..., RunRecord]:
    return build_run


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'runs.sqlite3'}"
