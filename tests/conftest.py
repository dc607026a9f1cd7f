"""Shared fixtures: the ``../shared`` reference folder, a fake clock."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from mlfootprint.testing import FakeClock

ROOT = Path(__file__).resolve().parents[1]
_KEEP_ENV = ("MLFOOTPRINT_SHARED_DIR", "MLFOOTPRINT_TEST_POSTGRES_URL")


def _shared_dir() -> Path:
    env = os.environ.get("MLFOOTPRINT_SHARED_DIR")
    return Path(env) if env else ROOT.parent / "shared"


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """The reference material beside the checkout (published figures, hourly series)."""
    path = _shared_dir()
    if not (path / "reference").is_dir():
        pytest.fail(f"reference folder not found at {path}; set MLFOOTPRINT_SHARED_DIR")
    return path


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Keep every test away from the user's ledger, config and cache."""
    for key in list(os.environ):
        if key.startswith("MLFOOTPRINT_") and key not in (
            "MLFOOTPRINT_SHARED_DIR",
            "MLFOOTPRINT_TEST_POSTGRES_URL",
        ):
            monkeypatch.delenv(key)
    monkeypatch.setenv("MLFOOTPRINT_HOME", str(tmp_path / "mlfootprint-home"))


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private, empty home and no config file, for tests that run commands and look at what they wrote.

    Builds on ``_isolated_env``, which has already removed every stray ``MLFOOTPRINT_*`` setting.
    """
    monkeypatch.delenv("MLFOOTPRINT_SHARED_DIR", raising=False)
    monkeypatch.setenv("MLFOOTPRINT_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("MLFOOTPRINT_CONFIG", str(tmp_path / "no-config.ini"))
    return tmp_path / "home"
