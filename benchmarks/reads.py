"""Reading a big ledger: ``runs list``, ``summary``, ``export`` and ``report --format html`` on 10^4 runs
and a 10^6-sample run, as a user runs them (a fresh ``mlfootprint`` process each, wall time, median),
and the dashboard's pages as a browser asks for them (one ``mlfootprint dashboard`` server, over HTTP).

The ledger is built first through the store API: 10^4 finished runs (two components, two phases each,
over 100 days and 5 projects) and one run with 10^6 samples (two meters, 5 x 10^5 ticks at 1 s) saved
with every sample kept (``keep_samples=all``: the worst case for reads; the default folds older samples
into aggregates). Then each command runs ``--repetitions`` times.

Usage: ``python benchmarks/reads.py [--db URL] [--runs N] [--samples N] [--repetitions N]``
(PostgreSQL: ``--db postgresql://mlfp@127.0.0.1:54329/mlfp_15``; a new schema is made and dropped.)
"""

from __future__ import annotations

import argparse
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "tests"))

from helpers.net import free_port  # noqa: E402
from helpers.store_strategies import make_run  # noqa: E402
from mlfootprint.records import Sample  # noqa: E402
from mlfootprint.store import new_run_id, open_store  # noqa: E402

CLI = "import sys; from mlfootprint.cli.main import main; sys.exit(main())"
T0 = datetime(2025, 1, 1, tzinfo=timezone.utc)


def _build(url: str, n_runs: int, n_samples: int) -> str:
    store = open_store(url, timeout_s=60.0)
    t0 = time.perf_counter()
    base = make_run()
    for i in range(n_runs):
        started = T0 + timedelta(minutes=15 * i)
        store.save(
            replace(
                base, id=new_run_id(now_s=started.timestamp()), project=f"project-{i % 5}",
                name=f"job-{i % 40}", tags={"sweep": str(i % 17), "seed": str(i % 3)}, started_at=started,
                ended_at=started + timedelta(hours=1), heartbeat_at=started + timedelta(hours=1),
            )
        )  # fmt: skip
    built_runs = time.perf_counter() - t0
    ticks = n_samples // 2
    big = replace(
        base, id=new_run_id(now_s=(T0 + timedelta(days=200)).timestamp()), name="long",
        duration_s=float(ticks), started_at=T0 + timedelta(days=200),
        ended_at=T0 + timedelta(days=200, seconds=ticks),
    )  # fmt: skip
    t0 = time.perf_counter()
    batch: list[Sample] = []
    gpu_j = cpu_j = 0.0
    for t in range(1, ticks + 1):
        at = big.started_at + timedelta(seconds=t)
        gpu_j += 250.0 + (t % 11)
        cpu_j += 40.0
        batch.append(Sample(meter_id="nvml:0", at=at, t_s=float(t), energy_j=gpu_j, power_w=250.0 + (t % 11)))
        batch.append(Sample(meter_id="cpu-estimate", at=at, t_s=float(t), energy_j=cpu_j, power_w=40.0))
        if len(batch) >= 20_000 or t == ticks:
            store.save(big, batch)
            batch = []
    built_samples = time.perf_counter() - t0
    store.close()
    print(f"built {n_runs} runs in {built_runs:.1f} s and a {2 * ticks}-sample run in {built_samples:.1f} s")
    return big.id


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default=None)
    parser.add_argument("--runs", type=int, default=10_000)
    parser.add_argument("--samples", type=int, default=1_000_000)
    parser.add_argument("--repetitions", type=int, default=3)
    args = parser.parse_args()
    schema = None
    if args.db and args.db.startswith("postgres"):
        import psycopg

        schema = f"mlfp_bench_{secrets.token_hex(4)}"
        with psycopg.connect(args.db, autocommit=True) as conn:
            conn.execute(f"CREATE SCHEMA {schema}")
        sep = "&" if "?" in args.db else "?"
        url = f"{args.db}{sep}options={quote(f'-csearch_path={schema}')}"
    else:
        url = args.db or f"sqlite:///{tempfile.mkdtemp(prefix='mlfp-reads-')}/runs.sqlite3"
    try:
        big = _build(url, args.runs, args.samples)
        env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        out = tempfile.mkdtemp(prefix="mlfp-reads-out-")
        commands = {
            "runs list (page of 50)": ["runs", "list", "--db", url],
            "runs list --all": ["runs", "list", "--all", "--db", url],
            "summary": ["summary", "--db", url],
            "summary --by tag:sweep": ["summary", "--by", "tag:sweep", "--db", url],
            "export (csv)": ["export", "--db", url, "--out", f"{out}/runs.csv"],
            "report --format html (10^6 samples)": [
                "report", big, "--format", "html", "--db", url, "--out", f"{out}/r.html",
            ],
        }  # fmt: skip
        print(f"{'command':<40} {'median s':>9} {'min s':>7}")
        for name, argv in commands.items():
            times = []
            for _ in range(args.repetitions):
                t0 = time.perf_counter()
                done = subprocess.run([sys.executable, "-c", CLI, *argv], capture_output=True, env=env)
                times.append(time.perf_counter() - t0)
                if done.returncode != 0:
                    print(f"  {name}: exit {done.returncode}: {done.stderr.decode()[-400:]}")
                    break
            print(f"{name:<40} {statistics.median(times):>9.2f} {min(times):>7.2f}")
        _dashboard(url, big, env, args.repetitions)
    finally:
        if schema is not None:
            import psycopg

            with psycopg.connect(args.db, autocommit=True) as conn:
                conn.execute(f"DROP SCHEMA {schema} CASCADE")
    return 0


def _dashboard(url: str, big: str, env: dict[str, str], repetitions: int) -> None:
    """The dashboard's pages on the same ledger: one server, each page asked ``repetitions`` times."""
    port, token = free_port(), secrets.token_hex(8)
    server = subprocess.Popen(
        [sys.executable, "-c", CLI, "dashboard", "--db", url, "--port", str(port), "--token", token],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):  # wait for it to listen
            try:
                urllib.request.urlopen(f"{base}/favicon.ico?token={token}", timeout=1.0).read()
                break
            except OSError:
                if server.poll() is not None:
                    print(f"  dashboard: exit {server.returncode}: {server.stderr.read().decode()[-400:]}")  # type: ignore[union-attr]
                    return
                time.sleep(0.1)
        pages = {
            "dashboard / (projects, 10^4 runs)": "/",
            "dashboard /api/runs": "/api/runs",
            "dashboard /runs/<id> (10^6 samples)": f"/runs/{big}",
            "dashboard /api/runs/<id> (its curve)": f"/api/runs/{big}",
        }
        for name, path in pages.items():
            times = []
            sep = "&" if "?" in path else "?"
            for _ in range(repetitions):
                t0 = time.perf_counter()
                with urllib.request.urlopen(f"{base}{path}{sep}token={token}", timeout=60.0) as answer:
                    answer.read()
                times.append(time.perf_counter() - t0)
            print(f"{name:<40} {statistics.median(times):>9.2f} {min(times):>7.2f}")
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    sys.exit(main())
