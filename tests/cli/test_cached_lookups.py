"""The one-shot commands print the same with the per-user cache cold, warm and off; errors are not cached.

Each command line runs in fresh processes, as a user runs it: first with an empty home (the tables are
read and the look-ups cached), then again (the look-ups read back), then with ``MLFOOTPRINT_NO_CACHE=1``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src"
#: the modules that read and validate the reference tables: a warm command loads none of them
TABLE_CODE = (
    "mlfootprint.reference._table",
    "mlfootprint.reference.grid",
    "mlfootprint.reference.hardware",
    "mlfootprint.reference.pue",
    "mlfootprint.reference.years",
)
RUN = f"""
import sys
from mlfootprint.cli.main import main
status = main(sys.argv[1:])
print("loaded:", *sorted(m for m in {TABLE_CODE!r} if m in sys.modules), file=sys.stderr)
sys.exit(status)
"""

ESTIMATE = ["estimate", "--hardware", "V100", "--count", "8", "--hours", "24"]  # fmt: skip
ESTIMATE += ["--region", "FR", "--pue", "1.1"]
COMMANDS = [
    ESTIMATE,
    ["estimate", "--hardware", "A100-80GB", "--count", "4", "--days", "2", "--region", "gcp:us-central1",
     "--year", "2019", "--format", "json"],
    ["estimate", "--hardware", "TPUv3", "--count", "64", "--days", "6", "--region", "Council Bluffs",
     "--datacenter", "google", "--format", "markdown"],
    ["estimate", "--hardware", "H100", "--params", "7e9", "--tokens", "1e12", "--mfu", "0.4", "--count", "64",
     "--region", "US"],
    ["papers"],
    ["papers", "--format", "json"],
    ["whatif", "--hardware", "V100", "--count", "8", "--hours", "24", "--from-region", "FR", "--pue", "1.1",
     "--machine", "A100", "--to-datacenter", "google", "--to-region", "DE"],
]  # fmt: skip


def _run(args: list[str], home: Path, **env: str) -> tuple[int, str, str, str]:
    done = subprocess.run(
        [sys.executable, "-c", RUN, *args],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(SRC), "MLFOOTPRINT_HOME": str(home), **env},
        check=False,
        timeout=120,
    )
    err, _, loaded = done.stderr.rpartition("loaded:")
    return done.returncode, done.stdout, err, loaded.strip()


@pytest.mark.parametrize("args", COMMANDS, ids=lambda a: " ".join(a[:3]))
def test_cold_warm_and_uncached_output_are_identical(args: list[str], tmp_path: Path) -> None:
    home = tmp_path / "home"
    cold = _run(args, home)
    warm = _run(args, home)
    off = _run(args, tmp_path / "other", MLFOOTPRINT_NO_CACHE="1")
    assert cold[0] == 0 and cold[1].strip(), cold
    assert warm[:3] == cold[:3] == off[:3]
    assert "mlfootprint.reference._table" in cold[3] and "mlfootprint.reference._table" in off[3]
    assert warm[3] == ""  # the warm run read its look-ups back, no table and no table code
    assert any((home / "cache").rglob("*.json"))
    assert not (tmp_path / "other").exists()  # nothing written with the cache off


def test_the_estimate_prints_the_published_figures_from_the_cache(tmp_path: Path) -> None:
    _run(ESTIMATE, tmp_path)
    status, out, err, _ = _run(ESTIMATE, tmp_path)
    assert (status, err) == (0, "")
    # Patterson et al. 2021 Table 3 (V100 325 W); OWID/Ember 2025 release, France 2024 (44.2 g/kWh)
    assert "325 W per device" in out and "Patterson et al. 2021" in out
    assert "0.0442 kg CO2e/kWh" in out and "FRA (France), country, 2024" in out
    assert "energy     68.64 kWh" in out  # 8 x 24 h x 325 W x 1.1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--hardware", "V1OO"], "mlfootprint: error: unknown hardware 'V1OO'; closest: V100"),
        (["--region", "Frnce"], "mlfootprint: error: unknown region 'Frnce'; closest: France, Greece"),
        (["--region", "Georgia"], "mlfootprint: error: ambiguous region 'Georgia': matches GEO"),
        # found bad after the hardware and the region were resolved
        (["--power-w", "-1"], "mlfootprint: error: --power-w: -1.0 must be greater than 0"),
        (["--cfe-pct", "-1"], "mlfootprint: error: --cfe-pct: -1.0 must be at least 0"),
    ],
)
def test_bad_input_fails_the_same_every_time_and_caches_nothing(
    args: list[str], message: str, tmp_path: Path
) -> None:
    good = dict(zip(ESTIMATE[1::2], ESTIMATE[2::2], strict=True))
    good.update(zip(args[::2], args[1::2], strict=True))
    command = ["estimate", *(x for pair in good.items() for x in pair)]
    runs = [_run(command, tmp_path / "home"), _run(command, tmp_path / "home")]
    runs.append(_run(command, tmp_path / "other", MLFOOTPRINT_NO_CACHE="1"))
    for status, out, err, _ in runs:
        assert (status, out) == (2, "")
        assert err.startswith(message) and err.count("\n") == 1
    assert runs[0][:3] == runs[1][:3] == runs[2][:3]
    assert not (tmp_path / "home").exists()  # a refused command leaves nothing, not even a cache entry
