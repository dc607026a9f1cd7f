"""Cold start: what a fresh process pays for mlfootprint before (and without) any training.

Each case runs in a fresh interpreter; cases alternate (A B C ... A B C ...) so that drift of a shared
machine hits them all alike, and the median over the repetitions is printed, minus the bare interpreter
(``python -c pass``). Bytecode is compiled first, as an installed package has it.

Cases: ``from mlfootprint import track``; that plus the first ``start()``/``stop()`` of a tracked block
(meters discovered as on a user's machine) in the usual state, where mlfootprint has run before (the
ledger exists, the factor cache is warm), and on a machine's very first run (a new SQLite ledger to
create, ``MLFOOTPRINT_NO_CACHE=1``); the
command line's ``--help``, ``estimate``, ``papers`` and ``whatif``, with the per-user cache of resolved
look-ups warm (the usual state) and off (a first run reads the tables); the one-shot commands' figures
from before that cache are printed beside them. CodeCarbon and carbontracker (import, then
start/stop of their offline trackers) are measured only where they are already installed, in this
interpreter or in ``.bench-venv/`` (made by ``benchmarks/overhead.py``); nothing is installed here.

Usage: ``python benchmarks/startup.py [--repetitions N]``
"""

from __future__ import annotations

import argparse
import compileall
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCH_VENV = ROOT / ".bench-venv"

# what the case itself imports is what a user's script has anyway (os, warnings): nothing of the harness's
TRACK = """
import os, warnings
from mlfootprint import track
warnings.simplefilter("ignore")
with track(db=os.environ["MLFP_BENCH_DB"].replace("{pid}", str(os.getpid())), region="FR"):
    pass
"""
CLI = "import sys; from mlfootprint.cli.main import main; sys.exit(main())"
ESTIMATE = ["estimate", "--hardware", "V100", "--count", "8", "--hours", "24", "--region", "FR"]
ESTIMATE += ["--pue", "1.1"]
WHATIF = ["whatif", "--hardware", "V100", "--count", "8", "--hours", "24", "--from-region", "FR"]
WHATIF += ["--pue", "1.1", "--machine", "A100", "--to-region", "DE"]
#: the one-shot commands before their look-ups were cached and the reference package loaded lazily (commit
#: 27de43e, which always read the tables): CPU ms over bare Python, measured on the project's shared 2-vCPU
#: VM in alternation with the tree that caches them (11 fresh processes each, load 2.2); the same run gave
#: 41.5, 50.9 and 48.0 ms for estimate, papers and whatif with the cache warm
BEFORE_MS = {
    "mlfootprint estimate": 87.8, "mlfootprint papers": 80.4, "mlfootprint whatif": 94.5,
    "  estimate, no cache": 87.8, "  papers, no cache": 80.4,
}  # fmt: skip
CODECARBON = """
import logging, tempfile
from codecarbon import OfflineEmissionsTracker
t = OfflineEmissionsTracker(country_iso_code="FRA", output_dir=tempfile.mkdtemp(), log_level="error",
                            save_to_file=False)
t.start(); t.stop()
"""
CARBONTRACKER = """
import tempfile
from carbontracker.tracker import CarbonTracker
t = CarbonTracker(epochs=1, log_dir=tempfile.mkdtemp(), verbose=0, update_interval=1)
t.epoch_start(); t.epoch_end(); t.stop()
"""


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPATH"] = str(ROOT / "src") + os.pathsep + env.get("PYTHONPATH", "")
    env["MLFOOTPRINT_HOME"] = tempfile.mkdtemp(prefix="mlfp-startup-")
    return env


def _has(python: str, module: str) -> bool:
    probe = subprocess.run([python, "-c", f"import {module}"], capture_output=True, env=_env())
    return probe.returncode == 0


def _cases() -> dict[str, list[str] | tuple[list[str], dict[str, str]]]:
    py = sys.executable
    ledger = f"sqlite:///{tempfile.mkdtemp(prefix='mlfp-startup-db-')}/runs.sqlite3"
    fresh = tempfile.mkdtemp(prefix="mlfp-startup-new-")  # a new ledger file per process
    cases: dict[str, list[str] | tuple[list[str], dict[str, str]]] = {
        "bare python": [py, "-c", "pass"],
        # the floors: what DESIGN.md's records (frozen dataclasses), one sampler thread and a SQLite ledger
        # cost before any code of the package runs, and every standard-library module a tracked run imports
        "floor: records, thread, SQLite": [py, "-c", "import dataclasses, threading, sqlite3"],
        "stdlib a tracked run imports": [
            py, "-c",
            "import dataclasses, pathlib, typing, datetime, threading, json, zlib, sqlite3, contextlib,"
            " atexit",
        ],
        "import mlfootprint.track": [py, "-c", "from mlfootprint import track"],
        "import + first start/stop": ([py, "-c", TRACK], {"MLFP_BENCH_DB": ledger}),
        "  same, new ledger, no cache": (
            [py, "-c", TRACK],
            {"MLFOOTPRINT_NO_CACHE": "1", "MLFP_BENCH_DB": f"sqlite:///{fresh}/runs-{{pid}}.sqlite3"},
        ),
        "mlfootprint --help": [py, "-c", CLI, "--help"],
        "mlfootprint estimate": [py, "-c", CLI, *ESTIMATE],
        "mlfootprint papers": [py, "-c", CLI, "papers"],
        "mlfootprint whatif": [py, "-c", CLI, *WHATIF],
        "  estimate, no cache": ([py, "-c", CLI, *ESTIMATE], {"MLFOOTPRINT_NO_CACHE": "1"}),
        "  papers, no cache": ([py, "-c", CLI, "papers"], {"MLFOOTPRINT_NO_CACHE": "1"}),
    }  # fmt: skip
    peer_py = {"codecarbon": py, "carbontracker": py}
    bench_py = BENCH_VENV / "bin" / "python"
    for peer in peer_py:
        module = "carbontracker.tracker" if peer == "carbontracker" else peer
        if not _has(py, module) and bench_py.exists() and _has(str(bench_py), module):
            peer_py[peer] = str(bench_py)
        if not _has(peer_py[peer], module):
            print(f"{peer}: not installed here or in {BENCH_VENV.name}/; skipped", file=sys.stderr)
            continue
        body = CODECARBON if peer == "codecarbon" else CARBONTRACKER
        cases[f"import {peer}"] = [peer_py[peer], "-c", f"import {module}"]
        cases[f"{peer} + first start/stop"] = [peer_py[peer], "-c", body]
    return cases


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repetitions", type=int, default=15)
    args = parser.parse_args()
    compileall.compile_dir(str(ROOT / "src"), quiet=1)
    cases = _cases()
    env = _env()
    times: dict[str, list[float]] = {name: [] for name in cases}
    cpu: dict[str, list[float]] = {name: [] for name in cases}

    def split(case: list[str] | tuple[list[str], dict[str, str]]) -> tuple[list[str], dict[str, str]]:
        return (case[0], {**env, **case[1]}) if isinstance(case, tuple) else (case, env)

    for case in cases.values():  # warm the page cache, the bytecode, the ledger and the factor cache
        cmd, case_env = split(case)
        subprocess.run(cmd, capture_output=True, env=case_env, check=False)
    for _ in range(args.repetitions):
        for name, case in cases.items():
            cmd, case_env = split(case)
            r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
            t0 = time.perf_counter()
            done = subprocess.run(cmd, capture_output=True, env=case_env, check=False)
            times[name].append(time.perf_counter() - t0)
            r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu[name].append(r1.ru_utime - r0.ru_utime + r1.ru_stime - r0.ru_stime)
            if done.returncode not in (0,):
                print(
                    f"{name}: exit status {done.returncode}: {done.stderr.decode()[-300:]}", file=sys.stderr
                )
    bare, bare_cpu = statistics.median(times["bare python"]), statistics.median(cpu["bare python"])
    load = os.getloadavg()[0]
    print(
        f"cold start, median of {args.repetitions} fresh processes, {os.cpu_count()} CPUs, load {load:.1f} "
        "(on a busy machine the CPU column is the steadier one)"
    )
    print(f"{'case':<32} {'wall ms':>8} {'over bare':>10} {'CPU ms':>8} {'over bare':>10}")
    for name, values in times.items():
        med, med_cpu = statistics.median(values), statistics.median(cpu[name])
        if name == "bare python":
            print(f"{name:<32} {1e3 * med:>8.1f} {'':>10} {1e3 * med_cpu:>8.1f}")
            continue
        before = f"   (before the cached look-ups: {BEFORE_MS[name]:.0f})" if name in BEFORE_MS else ""
        print(
            f"{name:<32} {1e3 * med:>8.1f} {1e3 * (med - bare):>10.1f} {1e3 * med_cpu:>8.1f} "
            f"{1e3 * (med_cpu - bare_cpu):>10.1f}{before}"
        )
    _dataclass_share(env)
    return 0


#: times the dataclass decorator inside one tracked run's process (a measuring harness, not the package)
DATACLASS_SHARE = """
import time
t0 = time.perf_counter()
import dataclasses, os, sys
made = []
process = dataclasses._process_class
def timed(cls, *args, **kwargs):
    t0 = time.perf_counter(); out = process(cls, *args, **kwargs); made.append(time.perf_counter() - t0)
    return out
dataclasses._process_class = timed
from mlfootprint import track
with track(db=os.environ["MLFP_BENCH_DB"], region="FR"):
    pass
total = time.perf_counter() - t0
mine = [m for m in sys.modules if m.startswith("mlfootprint")]
print(len(made), 1e3 * sum(made), 1e3 * total, len(mine))
"""


def _dataclass_share(env: dict[str, str]) -> None:
    ledger = f"sqlite:///{tempfile.mkdtemp(prefix='mlfp-startup-dc-')}/runs.sqlite3"
    rows = []
    for _ in range(5):
        done = subprocess.run(
            [sys.executable, "-W", "ignore", "-c", DATACLASS_SHARE], capture_output=True, text=True,
            env={**env, "MLFP_BENCH_DB": ledger}, check=False,
        )  # fmt: skip
        if done.returncode == 0:
            rows.append([float(x) for x in done.stdout.split()])
    if not rows:
        return
    n, made_ms, total_ms, modules = (statistics.median(col) for col in zip(*rows, strict=True))
    print(
        f"import + first start/stop: {total_ms:.0f} ms in the process ({modules:.0f} package modules), of "
        f"which {n:.0f} record classes (frozen dataclasses) take {made_ms:.0f} ms to create"
    )


if __name__ == "__main__":
    sys.exit(main())
