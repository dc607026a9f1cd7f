"""The sampler: one reading per meter per tick, flush cadence, failures kept and never raised."""

from __future__ import annotations

import threading
import time

import pytest

from mlfootprint.errors import MeterError, StoreError
from mlfootprint.testing import FakeClock, FakeMeter
from mlfootprint.tracking.sampler import RawSample, Sampler


class BrokenMeter(FakeMeter):
    """A meter that works for ``good_reads`` reads, then raises like a lost device."""

    def __init__(self, clock: FakeClock, good_reads: int, **kwargs: object) -> None:
        super().__init__(clock, **kwargs)  # type: ignore[arg-type]
        self.good_reads = good_reads

    def read_energy_j(self) -> float:
        if self.reads >= self.good_reads:
            raise MeterError("GPU has fallen off the bus")
        return super().read_energy_j()


def make(clock: FakeClock, meters: list[FakeMeter], flushed: list[list[RawSample]], **kw: float) -> Sampler:
    return Sampler(
        meters,
        clock=clock,
        t0_s=clock.monotonic(),
        interval_s=kw.get("interval_s", 1.0),
        flush_interval_s=kw.get("flush_interval_s", 10.0),
        flush=flushed.append,
    )


def test_tick_reads_every_meter_and_keeps_raw_samples(clock: FakeClock) -> None:
    gpu = FakeMeter(clock, meter_id="gpu", power_w=200.0)
    cpu = FakeMeter(clock, meter_id="cpu", power_w=50.0)
    flushed: list[list[RawSample]] = []
    sampler = make(clock, [gpu, cpu], flushed)
    clock.advance(1.0)
    sampler.tick()
    clock.advance(1.0)
    sampler.tick()
    assert flushed == []  # 2 s < 10 s flush interval
    assert sampler.take_pending() == [(0, 1.0, 200.0), (1, 1.0, 50.0), (0, 2.0, 400.0), (1, 2.0, 100.0)]
    assert sampler.last_energies_j() == (400.0, 100.0)
    assert sampler.samples_taken == 2


def test_flushes_once_flush_interval_has_passed(clock: FakeClock) -> None:
    meter = FakeMeter(clock, power_w=10.0)
    flushed: list[list[RawSample]] = []
    sampler = make(clock, [meter], flushed, flush_interval_s=3.0)
    for _ in range(7):
        clock.advance(1.0)
        sampler.tick()
    # flushes at t = 3 s and t = 6 s, each with the samples since the previous one
    assert [[t for _, t, _ in batch] for batch in flushed] == [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]
    assert sampler.flushes == 2
    assert sampler.take_pending() == [(0, 7.0, 70.0)]


def test_failing_meter_is_kept_not_raised_and_its_last_reading_used(clock: FakeClock) -> None:
    bad = BrokenMeter(clock, good_reads=2, meter_id="gpu", power_w=100.0)
    good = FakeMeter(clock, meter_id="cpu", power_w=10.0)
    sampler = make(clock, [bad, good], [])
    for _ in range(4):
        clock.advance(1.0)
        sampler.tick()  # never raises
    assert isinstance(sampler.error, MeterError)
    assert sampler.last_energies_j() == (200.0, 40.0)
    assert bad.reads == 2  # a failed meter is not read again


def test_failed_flush_keeps_samples_for_the_next_flush(clock: FakeClock) -> None:
    meter = FakeMeter(clock, power_w=1.0)
    calls: list[list[RawSample]] = []

    def flaky(batch: list[RawSample]) -> None:
        calls.append(list(batch))
        if len(calls) == 1:
            raise StoreError("database is locked")

    sampler = Sampler(
        [meter], clock=clock, t0_s=clock.monotonic(), interval_s=1, flush_interval_s=2, flush=flaky
    )
    for _ in range(4):
        clock.advance(1.0)
        sampler.tick()
    assert isinstance(sampler.flush_error, StoreError)
    assert [[t for _, t, _ in b] for b in calls] == [[1.0, 2.0], [1.0, 2.0, 3.0, 4.0]]
    assert sampler.flushes == 1


def test_thread_is_named_daemon_flushes_first_and_stops_promptly(clock: FakeClock) -> None:
    meter = FakeMeter(clock, power_w=1.0)
    flushed: list[list[RawSample]] = []
    sampler = make(clock, [meter], flushed, interval_s=0.05)
    sampler.start()
    deadline = time.monotonic() + 5
    while meter.reads < 3 and time.monotonic() < deadline:
        time.sleep(0.01)
    threads = [t for t in threading.enumerate() if t.name == "mlfootprint-sampler"]
    assert len(threads) == 1 and threads[0].daemon
    started = time.monotonic()
    assert sampler.stop(timeout_s=2.0)
    assert time.monotonic() - started < 1.0
    assert meter.reads >= 3
    assert len(flushed) == 1  # the first flush puts the run in the ledger at once
    assert sampler.thread_cpu_s > 0


def test_thread_survives_a_flush_function_that_raises_anything(clock: FakeClock) -> None:
    meter = FakeMeter(clock, power_w=1.0)

    def boom(batch: list[RawSample]) -> None:
        raise RuntimeError("unexpected")

    sampler = Sampler(
        [meter], clock=clock, t0_s=clock.monotonic(), interval_s=0.05, flush_interval_s=0, flush=boom
    )
    sampler.start()
    time.sleep(0.3)
    assert sampler.stop(timeout_s=2.0)
    assert isinstance(sampler.flush_error, RuntimeError)
    assert meter.reads >= 2  # kept sampling after the failed flushes


def test_read_all_gives_up_on_a_lock_held_elsewhere(clock: FakeClock) -> None:
    meter = FakeMeter(clock, power_w=1.0)
    sampler = make(clock, [meter], [])
    clock.advance(1.0)
    assert sampler.read_all() == (1.0,)
    with sampler._lock:  # a read stuck on another thread
        clock.advance(1.0)
        assert sampler.read_all(timeout_s=0.01) == (1.0,)


@pytest.mark.parametrize("n_meters", [1, 4])
def test_per_sample_cost_is_small(clock: FakeClock, n_meters: int) -> None:
    meters = [FakeMeter(clock, meter_id=f"m{i}") for i in range(n_meters)]
    sampler = make(clock, meters, [], flush_interval_s=1e9)
    start = time.process_time()
    for _ in range(2000):
        sampler.tick()
    per_tick_s = (time.process_time() - start) / 2000
    assert per_tick_s < 0.005
