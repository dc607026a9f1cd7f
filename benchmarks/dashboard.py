"""Cost of the dashboard's JSON and of the Prometheus sink, measured.

Builds a SQLite ledger of N finished runs (3 meters each, one with S samples per meter), then prints the
median time of ``/api/runs``, ``/api/projects`` and ``/api/runs/<id>`` through Starlette's TestClient
(application time, no network), and the time one tracker flush spends in a Prometheus sink (update of
the collector) and one scrape of its ``/metrics`` over HTTP on 127.0.0.1.

Usage: ``python benchmarks/dashboard.py [--runs N] [--samples S] [--repeat K]``
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import urllib.request
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from starlette.testclient import TestClient  # noqa: E402

from helpers.runfactory import T0, build_run, build_samples  # noqa: E402
from mlfootprint.sinks.prometheus import PrometheusSink  # noqa: E402
from mlfootprint.store import open_store  # noqa: E402
from mlfootprint.web.app import create_app  # noqa: E402


def median_ms(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return 1000 * statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--samples", type=int, default=3600)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(f"sqlite:///{Path(tmp) / 'runs.sqlite3'}")
        big = build_run("01BIG00000000000000000000", duration_s=float(args.samples))
        store.save(big, build_samples(big, interval_s=1.0))
        for i in range(args.runs - 1):
            run = build_run(f"01R{i:023d}", project=f"p{i % 7}", name=f"run-{i % 40}",
                            started_at=T0 + timedelta(hours=i), tags={"job": f"j{i % 13}"})  # fmt: skip
            store.save(run)
        client = TestClient(create_app(store))
        print(f"ledger: {args.runs} runs, one with {args.samples} samples x 3 meters (SQLite)")
        for path in ("/api/runs", "/api/projects?by=job", f"/api/runs/{big.id}"):
            ms = median_ms(lambda p=path: client.get(p).raise_for_status(), args.repeat)
            print(f"  {path:<28} {ms:8.1f} ms (median of {args.repeat})")
        store.close()

    sink = PrometheusSink(port=0)
    run = build_run("01PROM0000000000000000000")
    samples = build_samples(run, interval_s=10.0)[:3]
    flush_us = 1000 * median_ms(lambda: sink.flush(run, samples), 200)
    url = f"http://127.0.0.1:{sink.bound_port}/metrics"
    scrape_ms = median_ms(lambda: urllib.request.urlopen(url, timeout=5).read(), 50)
    sink.close()
    print(f"Prometheus sink: {flush_us:.1f} us per flush (3 meters), {scrape_ms:.2f} ms per scrape")


if __name__ == "__main__":
    main()
