"""Resolved look-ups cached per user: what a one-shot command reads instead of the tables."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from mlfootprint import datacache
from mlfootprint.embodied import cached_embodied_factor, embodied_factor
from mlfootprint.errors import AmbiguousNameError, UnknownNameError
from mlfootprint.reference.hardware import find_accelerator
from mlfootprint.reference.lookup import cached_accelerator, cached_intensity_for_year, cached_pue_for_year
from mlfootprint.reference.years import intensity_for_year, pue_for_year

FRANCE_2024_G_PER_KWH = 44.2  # OWID/Ember 2025 release, France, latest year (2024)
V100_MEASURED_W = 325.0  # Patterson et al. 2021, Table 3
SRC = Path(__file__).resolve().parents[2] / "src"


def _forget_this_process() -> None:
    """What a new process starts with: no look-up resolved yet (the per-user files stay)."""
    for memo in (cached_accelerator, cached_intensity_for_year, cached_pue_for_year, cached_embodied_factor):
        memo.cache_clear()


@pytest.fixture(autouse=True)
def _new_process() -> Iterator[None]:
    _forget_this_process()
    yield
    _forget_this_process()


@pytest.fixture
def cache(tmp_path: Path) -> Path:
    return tmp_path / "mlfootprint-home" / "cache"  # under MLFOOTPRINT_HOME of every test (conftest)


def _entry(cache: Path, kind: str) -> Path:
    (entry,) = (cache / kind).glob("*.json")
    return entry


def test_an_accelerator_is_read_back_from_its_entry(cache: Path) -> None:
    first = cached_accelerator("Tesla V100-SXM2-32GB")
    assert first == find_accelerator("Tesla V100-SXM2-32GB")
    assert first.measured_avg_power_w == V100_MEASURED_W and isinstance(first.aliases, tuple)
    entry = _entry(cache, "accelerator")
    doc = json.loads(entry.read_text())
    doc["value"]["measured_avg_power_w"] = 1.0  # the next process reads the entry, not the table
    entry.write_text(json.dumps(doc))
    _forget_this_process()
    assert cached_accelerator("Tesla V100-SXM2-32GB").measured_avg_power_w == 1.0
    assert cached_accelerator("A100").name != first.name  # another name, another entry
    assert len(list((cache / "accelerator").glob("*.json"))) == 2


def test_an_intensity_keeps_its_year_choice(cache: Path) -> None:
    fact, choice = cached_intensity_for_year("France", None)
    assert (fact, choice) == intensity_for_year("France", None)
    assert fact.g_per_kwh == pytest.approx(FRANCE_2024_G_PER_KWH) and choice.used == 2024
    assert choice.note.startswith("no year given: latest year 2024 used")
    old = cached_intensity_for_year("France", 1995)  # before the table: the nearest year, widened
    assert old == intensity_for_year("France", 1995)
    assert old[1].fell_back and old[1].high_frac > 1.0
    _forget_this_process()
    assert cached_intensity_for_year("France", 1995) == old  # read back from its entry
    assert len(list((cache / "intensity").glob("*.json"))) == 2


def test_a_pue_and_an_embodied_factor_are_read_back_equal(cache: Path) -> None:
    assert cached_pue_for_year("google", None) == pue_for_year("google", None)
    assert cached_embodied_factor("V100") == embodied_factor("V100")
    _forget_this_process()
    assert cached_pue_for_year("google", None) == pue_for_year("google", None)
    assert cached_embodied_factor("V100") == embodied_factor("V100")
    assert _entry(cache, "pue").is_file() and _entry(cache, "embodied").is_file()


def test_errors_are_the_resolvers_own_and_never_cached(cache: Path) -> None:
    with pytest.raises(UnknownNameError) as cached_error:
        cached_accelerator("V99")
    with pytest.raises(UnknownNameError) as direct:
        find_accelerator("V99")
    assert str(cached_error.value) == str(direct.value)
    with pytest.raises(UnknownNameError, match="closest: France") as region_error:
        cached_intensity_for_year("Frnce", None)
    with pytest.raises(UnknownNameError) as direct:
        intensity_for_year("Frnce", None)
    assert str(region_error.value) == str(direct.value)
    with pytest.raises(AmbiguousNameError, match="MI300A, Instinct MI300X"):
        cached_accelerator("MI300")
    with pytest.raises(AmbiguousNameError, match="US-GA"):
        cached_intensity_for_year("Georgia", None)
    with pytest.raises(UnknownNameError):
        cached_pue_for_year("gooogle", None)
    assert not cache.exists() or not any(cache.rglob("*.json"))


def test_the_cache_can_be_turned_off(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MLFOOTPRINT_NO_CACHE", "1")
    assert cached_accelerator("V100") == find_accelerator("V100")
    assert cached_intensity_for_year("DE", 2020) == intensity_for_year("DE", 2020)
    assert not cache.exists()


def test_a_changed_table_misses_the_cache(
    tmp_path: Path, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tables = tmp_path / "tables"
    tables.mkdir()
    (tables / "accelerators.csv").write_text("name\nV100\n", encoding="utf-8")
    monkeypatch.setattr(datacache, "_INPUT_DIRS", (tables,))
    monkeypatch.setattr(datacache, "_FINGERPRINT", [])
    cached_accelerator("V100")
    entry = _entry(cache, "accelerator")
    doc = json.loads(entry.read_text())
    doc["value"]["tdp_w"] = 1.0
    entry.write_text(json.dumps(doc))
    _forget_this_process()
    assert cached_accelerator("V100").tdp_w == 1.0  # a hit
    (tables / "accelerators.csv").write_text("name\nV100\nA100\n", encoding="utf-8")
    monkeypatch.setattr(datacache, "_FINGERPRINT", [])  # the next process, after the table changed
    _forget_this_process()
    assert cached_accelerator("V100").tdp_w == find_accelerator("V100").tdp_w != 1.0


def test_the_reference_package_loads_a_module_when_a_name_is_used() -> None:
    import mlfootprint.reference.cpus  # noqa: F401 - the submodule, then the function of the same name
    from mlfootprint.reference import cpus, find_accelerator

    assert callable(cpus) and cpus()[0].name
    assert find_accelerator("V100").name == "V100"
    with pytest.raises(ImportError, match="no_such_name"):
        from mlfootprint.reference import no_such_name  # noqa: F401
    code = (
        "import sys; import mlfootprint.reference as r; before = set(sys.modules); "
        "r.find_accelerator('V100'); "
        "print(sorted(m for m in set(sys.modules) - before if m.startswith('mlfootprint')))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env={"PYTHONPATH": str(SRC)}, check=True
    )
    loaded = done.stdout.strip()
    assert "mlfootprint.reference.hardware" in loaded
    assert "grid" not in loaded and "cpus" not in loaded and "pue" not in loaded


def test_entries_held_by_a_command_are_written_only_when_it_commits(cache: Path) -> None:
    with datacache.held_entries():
        cached_accelerator("V100")
    assert not cache.exists()  # a refused command's look-ups are dropped
    _forget_this_process()
    with datacache.held_entries() as commit:
        cached_accelerator("V100")
        assert not cache.exists()
        commit()
    assert _entry(cache, "accelerator").is_file()
