"""Overhead of tracking one fixed CPU training workload: mlfootprint against CodeCarbon and carbontracker.

The workload is the demo MLP (``mlfootprint.demo``) at a fixed size (about 15 s on one core, BLAS pinned
to one thread). Each configuration runs in a fresh process; configurations alternate (A B C ... A B C ...)
so that drift of the machine hits them all alike. Printed: medians over the repetitions of the wall and
CPU time ratios against the bare workload, the peak RSS added to the process tree, ``import`` time of
each package (fresh interpreter, minus bare ``python -c pass``), start()+stop() time, and CPU per sample.

CodeCarbon and carbontracker are installed into this benchmark's own virtual environment
(``.bench-venv/``) on first use; if that fails the benchmark says so and goes on with mlfootprint only.

Usage: ``python benchmarks/overhead.py [--repetitions N] [--quick] [--no-peers]``
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"
BENCH_VENV = ROOT / ".bench-venv"
PEERS = ("codecarbon", "carbontracker")
TIMEOUT_S = 300.0
ONE_THREAD = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}

# ---------------------------------------------------------------------------------------------------
# the child side: run the workload under one configuration and print one JSON line


def _workload_config(quick: bool):
    from dataclasses import replace

    from mlfootprint.demo import DEFAULT, QUICK

    return replace(QUICK, epochs=4) if quick else DEFAULT


class _NullStore:
    """A ledger that keeps nothing: start()+stop() without the database write."""

    url = "null://"
    backend = "null"

    def save(self, run, samples=()):
        return None

    def close(self) -> None:
        return None


def _child(mode: str, quick: bool, db: str) -> dict[str, object]:
    from mlfootprint.demo import train_mlp

    cfg = _workload_config(quick)
    out: dict[str, object] = {}
    t_wall = time.monotonic()
    if mode in ("bare", "run"):
        train_mlp(cfg)
    elif mode.startswith("track"):
        import warnings

        from mlfootprint.tracking.entry import track

        interval = 1.0 if mode == "track-1s" else 0.1
        warnings.simplefilter("ignore")
        tracker = track(project="bench", region="FR", interval_s=interval, db=db)
        t0 = time.perf_counter()
        tracker.start()
        out["start_s"] = time.perf_counter() - t0
        train_mlp(cfg, phase=tracker.phase)
        t0 = time.perf_counter()
        tracker.stop()
        out["stop_s"] = time.perf_counter() - t0
        sampler = tracker.sampler
        assert sampler is not None
        out["samples"] = sampler.samples_taken
        out["cpu_per_sample_s"] = sampler.thread_cpu_s / max(1, sampler.samples_taken)
    elif mode == "startstop":
        import warnings

        from mlfootprint.tracking.entry import track

        warnings.simplefilter("ignore")
        # start()+stop() alone, with and without the ledger write; the first one warms the caches
        both, nodb = [], []
        for store in (None, _NullStore()):
            for _ in range(7):
                t = track(project="bench", region="FR", db=db, store=store)
                t0 = time.perf_counter()
                t.start()
                t.stop()
                (both if store is None else nodb).append(time.perf_counter() - t0)
        out["start_stop_s"] = statistics.median(both)
        out["start_stop_nodb_s"] = statistics.median(nodb)
        t0 = time.perf_counter()
        track(project="bench", region="FR", db=db).start().stop()
        out["first_tracker_s"] = time.perf_counter() - t0
    elif mode == "codecarbon":
        from codecarbon import OfflineEmissionsTracker

        tmp = tempfile.mkdtemp()
        t0 = time.perf_counter()
        cc = OfflineEmissionsTracker(country_iso_code="FRA", output_dir=tmp, log_level="error")
        cc.start()
        out["start_s"] = time.perf_counter() - t0
        train_mlp(cfg)
        t0 = time.perf_counter()
        cc.stop()
        out["stop_s"] = time.perf_counter() - t0
    elif mode == "carbontracker":
        from carbontracker.tracker import CarbonTracker

        tmp = tempfile.mkdtemp()
        t0 = time.perf_counter()
        ct = CarbonTracker(epochs=cfg.epochs, monitor_epochs=-1, log_dir=tmp, verbose=0, epochs_before_pred=0)
        out["start_s"] = time.perf_counter() - t0

        @contextlib.contextmanager
        def epoch(name: str):
            if name.startswith("epoch-"):
                ct.epoch_start()
                yield
                ct.epoch_end()
            else:
                yield

        train_mlp(cfg, phase=epoch)
        t0 = time.perf_counter()
        ct.stop()
        out["stop_s"] = time.perf_counter() - t0
    else:
        raise SystemExit(f"unknown mode {mode!r}")
    out["inner_wall_s"] = time.monotonic() - t_wall
    return out


# ---------------------------------------------------------------------------------------------------
# the parent side


def _python_for(mode: str) -> str:
    return str(BENCH_VENV / "bin" / "python") if mode in PEERS else sys.executable


def _ensure_peers() -> list[str]:
    """Create .bench-venv with the peers; return the peers that import there."""
    py = BENCH_VENV / "bin" / "python"
    if not py.exists():
        print(f"creating {BENCH_VENV} for CodeCarbon and carbontracker (first run only) ...", file=sys.stderr)
        made = subprocess.run([sys.executable, "-m", "venv", str(BENCH_VENV)], check=False)
        if made.returncode != 0:
            print("could not create the benchmark venv; going on with mlfootprint only", file=sys.stderr)
            return []
    ok = []
    for peer in PEERS:
        if (
            subprocess.run([str(py), "-c", f"import {peer}"], capture_output=True, check=False).returncode
            != 0
        ):
            print(f"installing {peer} into {BENCH_VENV} ...", file=sys.stderr)
            pip = subprocess.run(
                [str(py), "-m", "pip", "install", "-q", peer, "numpy", "psutil"],
                capture_output=True,
                text=True,
            )
            if pip.returncode != 0:
                tail = (pip.stderr.strip().splitlines() or ["?"])[-1]
                print(f"  installing {peer} failed ({tail}); going on without it", file=sys.stderr)
                continue
        ok.append(peer)
    return ok


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MLFOOTPRINT_")}
    env.update(ONE_THREAD)
    env["PYTHONPATH"] = str(SRC)
    return env


def _measure(argv: list[str], env: dict[str, str]) -> tuple[float, float, int, str]:
    """Run argv; return wall s, CPU s (user+sys of the whole tree), peak RSS KiB, stdout."""
    with tempfile.TemporaryFile("w+") as out:
        t0 = time.monotonic()
        proc = subprocess.Popen(argv, env=env, stdout=out, stderr=subprocess.DEVNULL)
        killer = threading.Timer(TIMEOUT_S, proc.kill)  # a peer waiting on the network, say
        killer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            killer.cancel()
        wall = time.monotonic() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        text = out.read()
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(argv[:6])} ... exited {proc.returncode}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss, text


def _argv(mode: str, quick: bool, db: str) -> list[str]:
    me = [str(Path(__file__).resolve()), "--child", mode, "--db", db] + (["--quick"] if quick else [])
    if mode == "run":
        inner = [sys.executable, *me[:2], "bare", *me[3:]]
        return [sys.executable, "-m", "mlfootprint", "run", "--db", db, "--region", "FR", "--", *inner]
    return [_python_for(mode), *me]


def _import_time(python: str, module: str, env: dict[str, str], n: int = 7) -> float:
    def once(code: str) -> float:
        t0 = time.monotonic()
        subprocess.run([python, "-c", code], env=env, check=True, capture_output=True)
        return time.monotonic() - t0

    bare = statistics.median(once("pass") for _ in range(n))
    return statistics.median(once(f"import {module}") for _ in range(n)) - bare


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repetitions", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="a ~2 s workload, for a smoke run")
    parser.add_argument("--no-peers", action="store_true", help="skip CodeCarbon and carbontracker")
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--db", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(_child(args.child, args.quick, args.db)))
        return 0

    peers = [] if args.no_peers else _ensure_peers()
    modes = ["bare", "run", "track-1s", "track-0.1s", *peers]
    env = _env()
    results: dict[str, list[tuple[float, float, int, dict[str, float]]]] = {m: [] for m in modes}
    keep = tempfile.mkdtemp(prefix="mlfp-bench-")
    db_keep = f"sqlite:///{keep}/startstop.sqlite3"
    with tempfile.TemporaryDirectory() as tmp:
        db = f"sqlite:///{tmp}/bench.sqlite3"
        for rep in range(args.repetitions):
            for mode in modes:
                wall, cpu, rss, text = _measure(_argv(mode, args.quick, db), env)
                inner = json.loads(text.strip().splitlines()[-1]) if text.strip() else {}
                results[mode].append((wall, cpu, rss, inner))
                print(f"  rep {rep + 1} {mode:<13} wall {wall:7.2f} s  cpu {cpu:7.2f} s", file=sys.stderr)

    def med(mode: str, i: int) -> float:
        return statistics.median(r[i] for r in results[mode])

    def inner(mode: str, key: str) -> float | None:
        values = [r[3][key] for r in results[mode] if key in r[3]]
        return statistics.median(values) if values else None

    bare_wall, bare_cpu, bare_rss = med("bare", 0), med("bare", 1), med("bare", 2)
    print(
        f"\nworkload: demo MLP {'(quick) ' if args.quick else ''}one BLAS thread; "
        f"{args.repetitions} repetitions, alternating; bare median wall {bare_wall:.2f} s, "
        f"CPU {bare_cpu:.2f} s, peak RSS {bare_rss / 1024:.0f} MiB"
    )
    print(
        f"{'configuration':<14}{'wall/bare':>10}{'cpu/bare':>10}{'+RSS MiB':>10}{'start+stop ms':>15}"
        f"{'CPU/sample ms':>15}"
    )
    for mode in modes:
        start, stop = inner(mode, "start_s"), inner(mode, "stop_s")
        ss = None if start is None else start + (stop or 0.0)
        cps = inner(mode, "cpu_per_sample_s")
        print(
            f"{mode:<14}{med(mode, 0) / bare_wall:>10.3f}{med(mode, 1) / bare_cpu:>10.3f}"
            f"{(med(mode, 2) - bare_rss) / 1024:>10.1f}"
            f"{'' if ss is None else f'{ss * 1000:.1f}':>15}"
            f"{'' if cps is None else f'{cps * 1000:.3f}':>15}"
        )
    _, _, _, text = _measure(_argv("startstop", args.quick, db_keep), env)
    ss = json.loads(text.strip().splitlines()[-1])
    print(
        f"\nstart()+stop() of a Tracker (median of 7, no GPU): {ss['start_stop_s'] * 1000:.1f} ms with the "
        f"SQLite writes, {ss['start_stop_nodb_s'] * 1000:.1f} ms without a ledger"
    )
    print("\nimport time (fresh interpreter, minus bare python):")
    print(f"  mlfootprint    {_import_time(sys.executable, 'mlfootprint', env):.3f} s")
    tracker_import_s = _import_time(sys.executable, "mlfootprint.tracking.tracker", env)
    print(f"  mlfootprint.tracking.tracker {tracker_import_s:.3f} s")
    for peer in peers:
        module = "carbontracker.tracker" if peer == "carbontracker" else peer
        print(f"  {module:<14} {_import_time(_python_for(peer), module, env):.3f} s")
    print(
        "\ntargets: track/bare <= 1.01 at 1 s and <= 1.03 at 0.1 s; import mlfootprint < 0.06 s; "
        "start()+stop() < 20 ms; CPU/sample < 5 ms; added peak RSS < 10 MiB"
    )
    print(
        f"(ru_maxrss {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024} MiB in this driver)",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
