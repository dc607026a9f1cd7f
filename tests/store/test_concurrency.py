"""Several processes (ranks) writing to one ledger at once: no row lost, no writer stuck."""

from __future__ import annotations

import multiprocessing
import os
import signal
import socket
import time
from dataclasses import replace
from datetime import timedelta
from typing import Any

from helpers.store_strategies import T0, make_run, make_samples
from mlfootprint.store import SCHEMA_VERSION, open_store
from mlfootprint.testing import FakeClock

WORKERS = 4
SAVES = 50
SAMPLES_PER_SAVE = 2


def _rank(url: str, rank: int, barrier: Any, results: Any) -> None:
    barrier.wait()
    slowest_s = 0.0
    with open_store(url) as store:  # all ranks open (and migrate) a brand-new ledger at the same moment
        run = make_run(f"01HQRANK{rank:02d}0000000000000000", status="running", name=f"rank-{rank}")
        for flush in range(SAVES):
            t = [float(flush * SAMPLES_PER_SAVE + k) for k in range(SAMPLES_PER_SAVE)]
            run = replace(run, energy_j=1000.0 * flush, heartbeat_at=T0 + timedelta(seconds=flush))
            began = time.monotonic()
            store.save(run, make_samples(f"gpu:{rank}", t))
            slowest_s = max(slowest_s, time.monotonic() - began)
        store.save(replace(run, status="finished", exit_code=0))
    results.put((rank, slowest_s))


def test_ranks_writing_at_once_lose_nothing(store_url: str) -> None:
    ctx = multiprocessing.get_context("fork")
    barrier = ctx.Barrier(WORKERS)
    results = ctx.Queue()
    procs = [ctx.Process(target=_rank, args=(store_url, r, barrier, results)) for r in range(WORKERS)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=120)
    assert [p.exitcode for p in procs] == [0] * WORKERS
    slowest = dict(results.get(timeout=5) for _ in range(WORKERS))
    assert sorted(slowest) == list(range(WORKERS))
    assert max(slowest.values()) < 5.0  # no flush waited anywhere near the store's timeout

    with open_store(store_url) as store:
        assert store.schema_version() == SCHEMA_VERSION
        listed = store.list_runs()
        assert sorted(r.name for r in listed) == [f"rank-{r}" for r in range(WORKERS)]
        assert {r.status for r in listed} == {"finished"}
        assert {r.energy_j for r in listed} == {1000.0 * (SAVES - 1)}
        for run in listed:
            samples = store.samples(run.id)
            assert len(samples) == SAVES * SAMPLES_PER_SAVE
            assert [s.t_s for s in samples] == [float(i) for i in range(SAVES * SAMPLES_PER_SAVE)]


def _tracker_that_gets_killed(url: str, flushed: Any) -> None:
    with open_store(url) as store:
        run = make_run(
            "01HQKILLED0000000000000000",
            status="running",
            exit_code=None,
            ended_at=None,
            hostname=socket.gethostname(),
            pid=os.getpid(),
        )
        for flush in range(3):
            run = replace(run, energy_j=1000.0 * (flush + 1), heartbeat_at=T0 + timedelta(seconds=flush))
            store.save(run, make_samples("nvml:0", [float(flush)]))
        flushed.set()
        time.sleep(60)  # killed here, mid-run


def test_sigkilled_tracker_leaves_its_last_flush_and_reads_as_interrupted(store_url: str) -> None:
    ctx = multiprocessing.get_context("fork")
    flushed = ctx.Event()
    child = ctx.Process(target=_tracker_that_gets_killed, args=(store_url, flushed))
    child.start()
    assert flushed.wait(timeout=30)
    child.kill()  # SIGKILL: no cleanup, no final save
    child.join(timeout=10)
    assert child.exitcode == -signal.SIGKILL

    with open_store(store_url, clock=FakeClock(start=T0 + timedelta(seconds=3))) as store:
        run = store.get_run("01HQKILLED0000000000000000")
        assert run.status == "interrupted"  # the heartbeat is fresh; the process is gone
        assert run.energy_j == 3000.0
        assert [s.t_s for s in store.samples(run.id)] == [0.0, 1.0, 2.0]
