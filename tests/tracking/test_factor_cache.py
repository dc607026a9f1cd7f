"""The per-user cache of resolved factors: hits, misses, damage and errors."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from mlfootprint import datacache
from mlfootprint.config import load_settings
from mlfootprint.errors import UnknownNameError
from mlfootprint.tracking.factor_cache import cached_factors
from mlfootprint.tracking.factors import resolve_factors
from mlfootprint.tracking.options import TrackerOptions, resolve_options

FRANCE_2024_G_PER_KWH = 44.2  # OWID/Ember 2025 release, France, latest year (2024)


def test_a_cached_entry_is_read_back_and_equals_a_fresh_resolution(tmp_path: Path) -> None:
    settings = load_settings(region="FR", pue=1.2)
    first = cached_factors(settings, cache_dir=tmp_path)
    assert first == resolve_factors(settings, warn=False)
    assert first.intensity_g_per_kwh == pytest.approx(FRANCE_2024_G_PER_KWH)
    (entry,) = tmp_path.glob("*.json")
    doc = json.loads(entry.read_text())
    doc["value"]["intensity_g_per_kwh"] = 1.0  # what the next process reads is the entry, not the tables
    entry.write_text(json.dumps(doc))
    assert cached_factors(settings, cache_dir=tmp_path).intensity_g_per_kwh == 1.0
    # other settings are another entry
    assert cached_factors(load_settings(region="DE", pue=1.2), cache_dir=tmp_path).region == "DE"
    assert len(list(tmp_path.glob("*.json"))) == 2


def test_a_damaged_entry_is_ignored_and_rewritten(tmp_path: Path) -> None:
    settings = load_settings(region="FR")
    cached_factors(settings, cache_dir=tmp_path)
    (entry,) = tmp_path.glob("*.json")
    entry.write_text("{not json")
    again = cached_factors(settings, cache_dir=tmp_path)
    assert again == resolve_factors(settings, warn=False)
    assert json.loads(entry.read_text())["value"]["region"] == "FR"
    # an entry whose stored key is another's (a checksum collision) is not used
    doc = json.loads(entry.read_text())
    doc["key"], doc["value"]["pue"] = "another key", 9.0
    entry.write_text(json.dumps(doc))
    assert cached_factors(settings, cache_dir=tmp_path).pue == again.pue


def test_errors_are_raised_and_never_cached(tmp_path: Path) -> None:
    with pytest.raises(UnknownNameError):
        cached_factors(load_settings(region="Atlantis"), cache_dir=tmp_path)
    assert list(tmp_path.glob("*.json")) == []


def test_the_cache_can_be_turned_off(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MLFOOTPRINT_NO_CACHE", "1")
    cached_factors(load_settings(region="FR"), cache_dir=tmp_path)
    assert list(tmp_path.glob("*.json")) == []


def test_entries_are_private_files_in_private_folders(tmp_path: Path) -> None:
    home = tmp_path / "mlfootprint-home"  # MLFOOTPRINT_HOME of every test (conftest)
    cached_factors(load_settings(region="FR"))
    (entry,) = (home / "cache" / "factors").glob("*.json")
    assert stat.S_IMODE(entry.stat().st_mode) == 0o600
    assert stat.S_IMODE((home / "cache" / "factors").stat().st_mode) == 0o700
    assert stat.S_IMODE((home / "cache").stat().st_mode) == 0o700


def test_a_changed_table_file_misses_the_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tables = tmp_path / "tables"
    tables.mkdir()
    (tables / "grid.csv").write_text("year,value\n2023,1\n", encoding="utf-8")
    monkeypatch.setattr(datacache, "_INPUT_DIRS", (tables,))
    entries = tmp_path / "entries"
    settings = load_settings(region="FR")
    cached_factors(settings, cache_dir=entries)
    (entry,) = entries.glob("*.json")
    doc = json.loads(entry.read_text())
    doc["value"]["intensity_g_per_kwh"] = 1.0
    entry.write_text(json.dumps(doc))
    assert cached_factors(settings, cache_dir=entries).intensity_g_per_kwh == 1.0  # a hit
    (tables / "grid.csv").write_text("year,value\n2023,1\n2024,2\n", encoding="utf-8")  # a new year
    assert (
        cached_factors(settings, cache_dir=entries).intensity_g_per_kwh == 1.0
    )  # fingerprinted once a process
    monkeypatch.setattr(datacache, "_FINGERPRINT", [])  # the next process, after the table changed
    fresh = cached_factors(settings, cache_dir=entries)
    assert fresh.intensity_g_per_kwh == pytest.approx(FRANCE_2024_G_PER_KWH)


def test_a_runs_factors_depend_on_its_factor_settings_only() -> None:
    rank0 = resolve_options(TrackerOptions(region="FR", job="j1", node="n0"), env={}).factors
    rank1 = resolve_options(TrackerOptions(region="FR", job="j2", node="n1", keep_samples=5), env={}).factors
    assert rank0 == rank1 == resolve_factors(load_settings(region="FR"), warn=False)
    from_env = resolve_options(TrackerOptions(job="j1"), env={"MLFOOTPRINT_REGION": "DE"}).factors
    assert from_env.region == "DE" and "MLFOOTPRINT_REGION" in from_env.intensity_source
