"""What a fresh process loads for ``from mlfootprint import track`` and for a first tracked run.

The cold start is measured by ``benchmarks/startup.py`` (never timed here); these tests pin down the
loading it relies on, so that an import that drags a table, a parser or an unused feature onto a tracked
run's path fails here with the module named.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from mlfootprint import logs

ROOT = Path(__file__).resolve().parents[2]

#: loaded only by what needs them: a budget, a progress mark, a series, a full recent window, an
#: accelerator's embodied figure, a wrong name, a bad option, a log message, a secret to mask, a summary
NOT_ON_A_RUNS_PATH = (
    "argparse",
    "csv",
    "difflib",
    "logging",
    "zipfile",
    "importlib.resources",
    "mlfootprint.embodied",
    "mlfootprint.intensity.base",
    "mlfootprint.redact",
    "mlfootprint.reference",
    "mlfootprint.store.compaction",
    "mlfootprint.store.totals",
    "mlfootprint.sums",
    "mlfootprint.work.budget",
    "mlfootprint.work.predict",
)


def _fresh(code: str, home: Path) -> dict[str, object]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MLFOOTPRINT_")}
    env["MLFOOTPRINT_HOME"] = str(home)
    env["PYTHONPATH"] = str(ROOT / "src") + os.pathsep + env.get("PYTHONPATH", "")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=False)
    assert done.returncode == 0, done.stderr
    result: dict[str, object] = json.loads(done.stdout.splitlines()[-1])
    return result


def test_importing_track_loads_only_its_entry_point(tmp_path: Path) -> None:
    code = (
        "import json, sys\n"
        "before = set(sys.modules)\n"
        "from mlfootprint import track\n"
        "new = sorted(set(sys.modules) - before)\n"
        "print(json.dumps({'new': new, 'name': track.__module__}))\n"
    )
    out = _fresh(code, tmp_path)
    assert out["name"] == "mlfootprint.tracking.entry"
    package = [m for m in out["new"] if m.startswith("mlfootprint")]  # type: ignore[attr-defined]
    assert package == ["mlfootprint", "mlfootprint.tracking", "mlfootprint.tracking.entry"]
    assert "typing" not in out["new"]  # type: ignore[operator]
    assert "dataclasses" not in out["new"]  # type: ignore[operator]


def test_a_first_tracked_run_loads_no_table_parser_or_unused_feature(tmp_path: Path) -> None:
    ledger = tmp_path / "runs.sqlite3"
    code = (
        "import json, sys, warnings\n"
        "warnings.simplefilter('ignore')\n"
        "from mlfootprint import track\n"
        f"with track(db='sqlite:///{ledger}', region='FR') as run:\n"
        "    pass\n"
        "r = run.result\n"
        "print(json.dumps({'loaded': sorted(sys.modules), 'status': r.status,\n"
        "                  'factors': [r.pue, r.pue_source, r.intensity_g_per_kwh, r.intensity_source]}))\n"
    )
    cold = _fresh(code, tmp_path / "home")  # the factor cache is empty: the tables are read once
    warm = _fresh(code, tmp_path / "home")  # as on every later run: the factors come from the cache
    tables = {"csv", "zipfile", "importlib.resources", "mlfootprint.reference"}
    assert cold["status"] == warm["status"] == "finished"
    assert cold["factors"] == warm["factors"]  # the cache gives the factors the tables give
    assert sorted(set(cold["loaded"]) & (set(NOT_ON_A_RUNS_PATH) - tables)) == []  # type: ignore[call-overload]
    assert sorted(set(warm["loaded"]) & set(NOT_ON_A_RUNS_PATH)) == []  # type: ignore[call-overload]


@pytest.fixture
def fresh_root_logger() -> object:
    root = logging.getLogger(logs.ROOT)
    saved = list(root.handlers)
    root.handlers = [h for h in root.handlers if not isinstance(h, logging.NullHandler)]
    yield root
    root.handlers = saved


def test_the_first_message_puts_a_null_handler_on_the_package_logger(
    fresh_root_logger: logging.Logger, caplog: pytest.LogCaptureFixture
) -> None:
    logger = logs.get("mlfootprint.meters.example")
    with caplog.at_level(logging.INFO, logger="mlfootprint"):
        logger.warning("meter %s failed", "rapl:package-0")
        logger.info("opened %d meters", 2)
        logger.debug("not shown at INFO")
    assert [r.getMessage() for r in caplog.records] == ["meter rapl:package-0 failed", "opened 2 meters"]
    assert all(r.name == "mlfootprint.meters.example" for r in caplog.records)
    assert sum(isinstance(h, logging.NullHandler) for h in fresh_root_logger.handlers) == 1
    logger.error("again")  # the handler is added once
    assert sum(isinstance(h, logging.NullHandler) for h in fresh_root_logger.handlers) == 1
