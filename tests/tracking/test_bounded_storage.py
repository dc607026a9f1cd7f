"""Month-long runs, scaled down: flushes store only what is new, and storage stays bounded and exact."""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from mlfootprint.errors import StoreError
from mlfootprint.records import RunRecord, Sample
from mlfootprint.store import SQLStore, open_store
from mlfootprint.testing import FakeClock, FakeMeter
from mlfootprint.tracking.options import TrackerOptions
from mlfootprint.tracking.tracker import Tracker

WIDTH_S = 300.0  # the default aggregate width


@pytest.fixture
def store(tmp_path: Path, clock: FakeClock) -> Iterator[SQLStore]:
    s = open_store(f"sqlite:///{tmp_path / 'runs.sqlite3'}", clock=clock)
    yield s
    s.close()


def square_wave(t_s: float) -> float:
    """100 W in even minutes, 300 W in odd ones."""
    return 100.0 if int(t_s // 60) % 2 == 0 else 300.0


def drive(run: Tracker, clock: FakeClock, ticks: int, *, phase_every: int = 0) -> None:
    sampler = run.sampler
    assert sampler is not None
    for i in range(ticks):
        clock.advance(1.0)
        if phase_every and i % phase_every == 0:
            with run.phase(f"step-{i}"):
                pass
        sampler.tick()


def meters(clock: FakeClock, n: int) -> list[FakeMeter]:
    return [FakeMeter(clock, meter_id=f"m{i}", power_w=square_wave) for i in range(n)]


def test_older_samples_fold_into_exact_aggregates_and_storage_stays_bounded(
    clock: FakeClock, store: SQLStore
) -> None:
    ticks, keep = 3600, 300
    options = TrackerOptions(region="FR", interval_s=3600.0, flush_interval_s=60.0, keep_samples=keep)
    run = Tracker(options, meters=meters(clock, 4), clock=clock, store=store)
    run.start()
    drive(run, clock, ticks)
    result = run.stop()
    assert run.sampler is not None
    for component in result.components:
        samples = store.samples(result.id, meter_id=component.meter_id)
        aggregates = store.aggregates(result.id, meter_id=component.meter_id)
        # bounded: the recent window plus at most one flush and one aggregate still open
        assert len(samples) <= keep + 60 + WIDTH_S
        assert len(aggregates) >= (ticks - keep - 60 - WIDTH_S) // WIDTH_S
        # lossless: every reading time is in a sample or counted in an aggregate, exactly once (the
        # final reading at stop() shares the last tick's time)
        assert sum(a.samples for a in aggregates) + len(samples) == ticks
        # exact: the chain of cumulative readings ends at the counter's total
        chain = [a.energy_j_last for a in aggregates] + [s.energy_j for s in samples]
        assert chain == sorted(chain)
        assert samples[-1].energy_j == component.energy_j
        assert aggregates[0].energy_j_first == pytest.approx(100.0)  # the first 1-s reading
        # aggregates are whole 5-minute intervals of the square wave
        for a in aggregates:
            assert a.width_s == WIDTH_S and a.t_s % WIDTH_S == 0.0
            assert (a.power_w_min, a.power_w_max) == (100.0, 300.0)
            assert a.power_w_mean is not None and 100.0 < a.power_w_mean < 300.0
        mid = aggregates[1]
        assert mid.samples == WIDTH_S
        # 300 readings at 1 s: energy from the interval's first reading to its last = 299 s of power
        previous = aggregates[0]
        assert mid.energy_j_last - previous.energy_j_last == pytest.approx(
            sum(square_wave(t) for t in range(int(mid.t_s) + 1, int(mid.t_s + WIDTH_S) + 1))
        )
    plot = store.plot_samples(result.id, max_points=50)
    for component in result.components:
        points = [s for s in plot if s.meter_id == component.meter_id]
        assert 2 <= len(points) <= 2 * 50 + 4  # up to 50 from the aggregates and 50 from the samples
        assert points[-1].energy_j == component.energy_j
        assert points[0].energy_j == pytest.approx(100.0)
        # integrating the plotted mean powers gives back the energy: the downsample is lossless
        integral = sum(p.power_w * (p.t_s - q.t_s) for q, p in itertools.pairwise(points) if p.power_w)
        assert integral == pytest.approx(component.energy_j - points[0].energy_j)


def test_keep_samples_all_keeps_every_sample(clock: FakeClock, store: SQLStore) -> None:
    options = TrackerOptions(region="FR", interval_s=3600.0, flush_interval_s=60.0, keep_samples="all")
    run = Tracker(options, meters=meters(clock, 2), clock=clock, store=store)
    run.start()
    drive(run, clock, 900)
    result = run.stop()
    assert run.sampler is not None
    for component in result.components:
        assert len(store.samples(result.id, meter_id=component.meter_id)) == 900
        assert store.aggregates(result.id, meter_id=component.meter_id) == []


def test_phases_ended_between_flushes_are_all_stored_once_in_order(clock: FakeClock, store: SQLStore) -> None:
    options = TrackerOptions(region="FR", interval_s=3600.0, flush_interval_s=10.0)
    run = Tracker(options, meters=meters(clock, 2), clock=clock, store=store)
    run.start()
    drive(run, clock, 400, phase_every=3)
    assert run.sampler is not None and run.sampler.flushes >= 40
    mid = store.get_run(run.id or "")
    assert [p.name for p in mid.phases] == [f"step-{i}" for i in range(0, len(mid.phases) * 3, 3)]
    result = run.stop()
    stored = store.get_run(result.id)
    assert len(stored.phases) == len(result.phases) == 134
    assert [p.name for p in stored.phases] == [p.name for p in result.phases]
    assert [p.energy_j for p in stored.phases] == [p.energy_j for p in result.phases]


class FailingLedger:
    """A real ledger behind a seam whose saves fail (like a full disk) while ``failing`` is set."""

    def __init__(self, inner: SQLStore) -> None:
        self.inner = inner
        self.url = inner.url
        self.failing = False
        self.failed = 0

    def save(self, run: RunRecord, samples: Sequence[Sample] = (), **options: Any) -> None:
        if self.failing:
            self.failed += 1
            raise StoreError(f"cannot write to run ledger {self.url}: database or disk is full")
        self.inner.save(run, samples, **options)

    def close(self) -> None:
        pass


def test_flushes_that_fail_then_succeed_store_every_phase_and_sample_exactly_once(
    clock: FakeClock, store: SQLStore, capsys: pytest.CaptureFixture[str]
) -> None:
    keep = 50
    ledger = FailingLedger(store)
    options = TrackerOptions(region="FR", interval_s=3600.0, flush_interval_s=10.0, keep_samples=keep)
    run = Tracker(options, meters=meters(clock, 2), clock=clock, store=ledger)  # type: ignore[arg-type]
    run.start()
    drive(run, clock, 100, phase_every=7)
    ledger.failing = True  # 20 flushes fail while phases end and samples leave the recent window
    drive(run, clock, 200, phase_every=7)
    assert ledger.failed >= 19
    ledger.failing = False
    drive(run, clock, 100, phase_every=7)
    result = run.stop()
    err = capsys.readouterr().err
    assert err.count("warning: saving run") == 1 and "works again after 20 failed attempt(s)" in err

    stored = store.get_run(result.id)
    # each drive() numbers its phases from 0: 15 + 29 + 15 phases, every one ended and stored once
    expected_names = [f"step-{i}" for ticks in (100, 200, 100) for i in range(0, ticks, 7)]
    assert [p.name for p in stored.phases] == [p.name for p in result.phases] == expected_names
    assert [p.energy_j for p in stored.phases] == [p.energy_j for p in result.phases]
    for component in result.components:
        samples = store.samples(result.id, meter_id=component.meter_id)
        aggregates = store.aggregates(result.id, meter_id=component.meter_id)
        assert aggregates, "readings that left the window while saving failed are folded after recovery"
        # every one of the 400 reading times is stored exactly once: whole, or counted in an aggregate
        assert sum(a.samples for a in aggregates) + len(samples) == 400
        times = [s.t_s for s in samples]
        assert times == sorted(set(times))
        assert aggregates[-1].last_t_s < times[0]
        # the energy chain is exact: it starts at the first reading and ends at the counter's total
        assert aggregates[0].energy_j_first == pytest.approx(100.0)
        assert samples[-1].energy_j == component.energy_j
        assert component.energy_j == pytest.approx(sum(square_wave(t) for t in range(1, 401)))
