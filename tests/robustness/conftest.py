"""A private home and no stray settings for every robustness test."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    for key in list(os.environ):
        if key.startswith("MLFOOTPRINT_") and key != "MLFOOTPRINT_TEST_POSTGRES_URL":
            monkeypatch.delenv(key)
    monkeypatch.setenv("MLFOOTPRINT_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("MLFOOTPRINT_CONFIG", str(tmp_path / "no-config.ini"))
    yield tmp_path / "home"
