"""Storage of a month-long run: a simulated 30-day, 10-component run at 1 s, written as the tracker does.

Each flush saves the run and its new samples with the tracker's own ``FlushState`` (the recent window
of ``keep_samples`` per meter; older samples folded into 5-minute aggregates). Meter energy follows a
varying power (so aggregates have real min/mean/max). The flush interval is 10 minutes here instead of
the default 10 s (only to spare the benchmark 260,000 transactions: the rows written are the same).

Printed: the ledger's size on disk (database + WAL, after a checkpoint), bytes per sample-hour, rows
kept, and the check that each meter's energy from the stored rows equals its counter exactly.

Usage: ``python benchmarks/storage.py [--days D] [--components N] [--keep-samples all|N] [--db URL]``
"""

from __future__ import annotations

import argparse
import math
import sys
import tempfile
import time
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "tests"))

import itertools  # noqa: E402

from helpers.store_strategies import T0, make_run  # noqa: E402
from mlfootprint.records import ComponentEnergy, Sample  # noqa: E402
from mlfootprint.store import open_store  # noqa: E402
from mlfootprint.store.compaction import parse_keep_samples  # noqa: E402
from mlfootprint.tracking.incremental import FlushState  # noqa: E402

FLUSH_S = 600


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=float, default=30.0)
    parser.add_argument("--components", type=int, default=10)
    parser.add_argument("--keep-samples", default="10000")
    parser.add_argument("--db", default=None)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="mlfp-storage-"))
    url = args.db or f"sqlite:///{folder}/runs.sqlite3"
    store = open_store(url, timeout_s=60.0)
    meter_ids = [f"gpu:{i}" for i in range(args.components - 2)] + ["cpu", "dram"]
    keep = parse_keep_samples(args.keep_samples)
    state = FlushState(meter_ids, keep_samples=keep)
    ticks = int(args.days * 86400)
    run = replace(make_run(), phases=(), duration_s=float(ticks), ended_at=None, status="running")
    energy = [0.0] * len(meter_ids)
    batch_raw: list[tuple[int, float, float]] = []
    batch: list[Sample] = []
    t_start = time.perf_counter()
    for t in range(1, ticks + 1):
        at = T0 + timedelta(seconds=t)
        for i, meter in enumerate(meter_ids):
            power = 300.0 + 100.0 * math.sin(t / 900.0 + i) if i < len(meter_ids) - 2 else 60.0 + (t % 13)
            energy[i] += power
            batch_raw.append((i, float(t), energy[i]))
            batch.append(Sample(meter_id=meter, at=at, t_s=float(t), energy_j=energy[i], power_w=power))
        if t % FLUSH_S == 0 or t == ticks:
            options = state.options(run, batch_raw)
            store.save(run, batch, **options)
            state.saved(run, batch_raw, options)
            batch, batch_raw = [], []
    written_s = time.perf_counter() - t_start
    components = tuple(
        ComponentEnergy(
            meter_id=m, component="gpu", source="simulated", method="counter", is_estimate=False,
            energy_j=e, energy_j_low=e, energy_j_high=e,
        )
        for m, e in zip(meter_ids, energy, strict=True)
    )  # fmt: skip
    final = replace(run, status="finished", components=components, it_energy_j=sum(energy))
    store.save(final)
    exact = True
    rows_samples = rows_aggregates = 0
    for meter, counter in zip(meter_ids, energy, strict=True):
        aggregates = store.aggregates(run.id, meter_id=meter)
        samples = store.samples(run.id, meter_id=meter)
        rows_samples += len(samples)
        rows_aggregates += len(aggregates)
        # energy from the rows: the first reading, then each aggregate's and sample's increment
        chain = [aggregates[0].energy_j_first] if aggregates else [0.0]
        chain += [a.energy_j_last for a in aggregates] + [s.energy_j for s in samples]
        increments = chain[0] + math.fsum(b - a for a, b in itertools.pairwise(chain))
        stored_counter = next(c.energy_j for c in store.get_run(run.id).components if c.meter_id == meter)
        exact &= chain[-1] == counter == stored_counter and chain == sorted(chain)
        exact &= math.isclose(increments, counter, rel_tol=1e-12)
        exact &= sum(a.samples for a in aggregates) + len(samples) == ticks
    if store.backend == "sqlite":
        store._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # the WAL's pages back in the database
        size = sum(p.stat().st_size for p in folder.glob("runs.sqlite3*"))
    else:
        size = int(
            store._conn.execute(
                "SELECT SUM(pg_total_relation_size(c.oid)) FROM pg_class c JOIN pg_namespace n "
                "ON n.oid = c.relnamespace WHERE n.nspname = current_schema() AND c.relkind = 'r'"
            ).fetchone()[0]
        )
    store.close()
    hours = ticks / 3600.0
    print(
        f"{args.days:g} days x {args.components} components at 1 s = {ticks * args.components:,} samples, "
        f"keep_samples={args.keep_samples}, written in {written_s:.0f} s"
    )
    print(
        f"ledger on disk: {size / 1e6:.1f} MB ({size / hours:,.0f} bytes per run-hour, "
        f"{size / (hours * args.components):,.0f} per component-hour)"
    )
    print(f"rows kept: {rows_samples:,} samples + {rows_aggregates:,} aggregates")
    print(
        "each meter's stored readings end exactly at its counter, their increments sum to it, and every "
        f"reading is counted once: {exact}"
    )
    return 0 if exact else 1


if __name__ == "__main__":
    sys.exit(main())
