"""Flush cost as a run grows: flush time and CPU per sample from 10^3 to 10^6 samples, 10 to 10^4 phases.

One tracked run with two meters (a GPU counter and a CPU estimate, both fakes on a fake clock, so
the figures are the tracker's and the ledger's own cost, not the hardware's) is driven tick by tick as
the sampler thread drives it: a reading of every meter per tick, a flush every 10 ticks (the default
10 s at 1 s), a phase ended every 50 ticks (10^4 phases at 10^6 samples). At each decade of samples the
script prints the mean time of the last flushes, the CPU per sample over the last stretch (reads +
flushes, divided by samples), the phases ended so far, and the ledger's size.

Flat columns are the goal: each flush writes only what is new (see ``docs/store.md``).

Usage: ``python benchmarks/scale.py [--max-samples N] [--keep-samples all|N] [--db URL]``
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from mlfootprint.store import open_store  # noqa: E402
from mlfootprint.testing import FakeClock, FakeMeter  # noqa: E402
from mlfootprint.tracking.options import TrackerOptions  # noqa: E402
from mlfootprint.tracking.tracker import Tracker  # noqa: E402

METERS = 2
FLUSH_EVERY = 10
PHASE_EVERY = 50


def _size_bytes(url: str, store: object) -> str:
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        total = sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))
        return f"{total / 1e6:8.1f} MB"
    conn = store._conn  # type: ignore[attr-defined]
    row = conn.execute(
        "SELECT SUM(pg_total_relation_size(c.oid)) FROM pg_class c "
        "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = current_schema() AND c.relkind = 'r'"
    ).fetchone()
    return f"{int(row[0]) / 1e6:8.1f} MB"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-samples", type=int, default=1_000_000)
    parser.add_argument("--keep-samples", default="10000")
    parser.add_argument("--db", default=None, help="ledger URL (default: a new SQLite file)")
    args = parser.parse_args()
    url = args.db or f"sqlite:///{tempfile.mkdtemp(prefix='mlfp-scale-')}/runs.sqlite3"
    clock = FakeClock()
    meters = [
        FakeMeter(clock, meter_id="nvml:0", component="gpu", power_w=lambda t: 250.0 + (t % 7)),
        FakeMeter(clock, meter_id="cpu-estimate", component="cpu", method="tdp-utilisation", power_w=40.0),
    ]
    store = open_store(url, clock=clock)
    warnings.simplefilter("ignore")
    options = TrackerOptions(
        project="scale", region="FR", interval_s=3600.0, flush_interval_s=FLUSH_EVERY - 0.5,
        keep_samples=args.keep_samples,
    )  # fmt: skip
    run = Tracker(options, meters=meters, clock=clock, store=store)
    run.start()
    sampler = run.sampler
    assert sampler is not None
    print(f"ledger {store.url} ({store.backend}), keep_samples={args.keep_samples}, {METERS} meters")
    print(
        f"{'samples':>9} {'phases':>7} {'flush ms (mean of last)':>24} {'CPU us/sample':>14} {'ledger':>11}"
    )
    checkpoints = [10**k for k in range(3, 7) if 10**k <= args.max_samples]
    flush_s: list[float] = []
    cpu0 = time.process_time()
    samples0 = 0
    ticks = 0
    for checkpoint in checkpoints:
        while ticks * METERS < checkpoint:
            clock.advance(1.0)
            ticks += 1
            if ticks % PHASE_EVERY == 0:
                with run.phase(f"step-{ticks}"):
                    pass
            before = sampler.flushes
            t0 = time.perf_counter()
            sampler.tick()
            if sampler.flushes != before:
                flush_s.append(time.perf_counter() - t0)
        samples = ticks * METERS
        cpu_us = 1e6 * (time.process_time() - cpu0) / max(1, samples - samples0)
        last = flush_s[-50:]
        phases = ticks // PHASE_EVERY
        print(
            f"{samples:>9} {phases:>7} {1e3 * sum(last) / max(1, len(last)):>24.2f} {cpu_us:>14.1f} "
            f"{_size_bytes(url, store):>11}"
        )
        cpu0, samples0 = time.process_time(), samples
    result = run.stop()
    print(
        f"run {result.id}: {sampler.flushes} flushes, {len(result.phases)} phases, IT energy "
        f"{result.it_energy_j / 3.6e6:.3f} kWh"
    )
    store.close()
    if not args.db:
        for p in Path(url.removeprefix("sqlite:///")).parent.glob("*"):
            os.unlink(p)
    return 0


if __name__ == "__main__":
    sys.exit(main())
