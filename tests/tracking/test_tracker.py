"""The tracker: energy arithmetic, CO2e and its sources, phases, decorator, failures, flushes."""

from __future__ import annotations

import time
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

import mlfootprint
from mlfootprint.errors import MeterError, RunNotFoundError, TrackerError, UnknownNameError
from mlfootprint.reference import world_intensity
from mlfootprint.store import SQLStore, open_store
from mlfootprint.testing import FakeClock, FakeMeter
from mlfootprint.tracking.entry import track
from mlfootprint.tracking.factors import NoRegionWarning

FRANCE_2024_G_PER_KWH = 44.2  # OWID/Ember 2025 release, France, latest year (2024)


@pytest.fixture
def store(tmp_path: Path, clock: FakeClock) -> Iterator[SQLStore]:
    s = open_store(f"sqlite:///{tmp_path / 'runs.sqlite3'}", clock=clock)
    yield s
    s.close()


def two_meters(clock: FakeClock) -> list[FakeMeter]:
    return [
        FakeMeter(
            clock, meter_id="nvml:0", component="gpu", method="counter", power_w=100.0, source="fake GPU"
        ),
        FakeMeter(
            clock,
            meter_id="cpu-estimate",
            component="cpu",
            method="tdp-utilisation",
            power_w=20.0,
            is_estimate=True,
            source="fake CPU estimate",
        ),
    ]


def test_energy_and_co2e_arithmetic(clock: FakeClock, store: SQLStore) -> None:
    meters = two_meters(clock)
    with track(project="p", name="n", region="FR", pue=1.5, meters=meters, clock=clock, store=store) as run:
        clock.advance(10.0)
    result = run.result
    assert result is not None and result.status == "finished" and result.exit_code is None
    gpu, cpu = result.components
    assert (gpu.meter_id, gpu.method, gpu.is_estimate, gpu.energy_j) == ("nvml:0", "counter", False, 1000.0)
    assert (gpu.energy_j_low, gpu.energy_j_high) == pytest.approx((950.0, 1050.0))  # counter: +/-5 %
    assert (cpu.method, cpu.is_estimate, cpu.energy_j) == ("tdp-utilisation", True, 200.0)
    assert (cpu.energy_j_low, cpu.energy_j_high) == pytest.approx((100.0, 220.0))  # 0.5-1.1 x TDP
    assert result.duration_s == pytest.approx(10.0)
    assert result.it_energy_j == pytest.approx(1200.0)
    assert result.energy_j == pytest.approx(1800.0)  # x PUE 1.5
    assert result.pue == 1.5 and "user" in result.pue_source
    assert result.intensity_g_per_kwh == pytest.approx(FRANCE_2024_G_PER_KWH)
    assert result.co2e_g == pytest.approx(1800.0 / 3.6e6 * FRANCE_2024_G_PER_KWH)
    assert result.co2e_g_low < result.co2e_g < result.co2e_g_high
    assert "France" in result.intensity_source and result.region == "FR"
    assert not any(m.closed for m in meters)  # given meters stay the caller's
    stored = store.get_run(result.id)
    assert stored.status == "finished"
    assert stored.energy_j == pytest.approx(1800.0)
    assert [c.meter_id for c in stored.components] == ["nvml:0", "cpu-estimate"]


def test_nested_phases_are_counter_differences(clock: FakeClock, store: SQLStore) -> None:
    with track(region="FR", meters=two_meters(clock), clock=clock, store=store) as run:
        clock.advance(1.0)
        with run.phase("train"):
            clock.advance(2.0)
            with run.phase("epoch-1") as inner:
                clock.advance(3.0)
            assert inner.record is not None and inner.record.energy_j == pytest.approx(360.0)
            clock.advance(0.5)
        clock.advance(4.0)
    assert run.result is not None
    phases = {p.name: p for p in run.result.phases}
    assert phases["epoch-1"].parent == "train" and phases["train"].parent is None
    assert phases["epoch-1"].components == pytest.approx({"nvml:0": 300.0, "cpu-estimate": 60.0})
    assert phases["train"].energy_j == pytest.approx(5.5 * 120.0)
    assert phases["train"].duration_s == pytest.approx(5.5)
    stored = store.get_run(run.result.id)
    assert {p.name: p.energy_j for p in stored.phases} == pytest.approx({"epoch-1": 360.0, "train": 660.0})


def test_phases_left_open_end_at_stop(clock: FakeClock, store: SQLStore) -> None:
    tracker = track(region="FR", meters=two_meters(clock), clock=clock, store=store).start()
    tracker.phase("eval").__enter__()
    clock.advance(2.0)
    record = tracker.stop()
    assert [(p.name, p.energy_j) for p in record.phases] == [("eval", pytest.approx(240.0))]


def test_decorator_tracks_each_call_as_a_run(clock: FakeClock, store: SQLStore) -> None:
    @mlfootprint.track(project="deco", region="FR", meters=two_meters(clock), clock=clock, store=store)
    def train(steps: int) -> int:
        clock.advance(float(steps))
        return steps * 2

    assert train(3) == 6
    assert train(1) == 2
    runs = store.list_runs(project="deco")
    assert len(runs) == 2
    assert {r.name for r in runs} == {"test_decorator_tracks_each_call_as_a_run.<locals>.train"}
    assert sorted(r.duration_s for r in runs) == pytest.approx([1.0, 3.0])


def test_no_region_uses_the_world_average_with_a_visible_warning(clock: FakeClock, store: SQLStore) -> None:
    with (
        pytest.warns(NoRegionWarning, match="world-average"),
        track(meters=two_meters(clock), clock=clock, store=store) as run,
    ):
        clock.advance(1.0)
    assert run.result is not None
    assert run.result.region is None
    assert run.result.intensity_g_per_kwh == world_intensity().g_per_kwh
    intensity = [a for a in run.result.assumptions if a.name == "intensity"]
    assert intensity and "no region given" in intensity[0].source


def test_region_from_environment_and_argument_wins(
    clock: FakeClock, store: SQLStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MLFOOTPRINT_REGION", "FR")
    monkeypatch.setenv("MLFOOTPRINT_PUE", "1.2")
    with warnings.catch_warnings():
        warnings.simplefilter("error", NoRegionWarning)
        env_run = track(meters=two_meters(clock), clock=clock, store=store)
    assert env_run.factors.region == "FR" and "$MLFOOTPRINT_REGION" in env_run.factors.intensity_source
    assert env_run.factors.pue == 1.2 and "$MLFOOTPRINT_PUE" in env_run.factors.pue_source
    explicit = track(region="DE", pue=1.1, meters=two_meters(clock), clock=clock, store=store)
    assert explicit.factors.region == "DE" and explicit.factors.pue == 1.1


def test_unknown_region_fails_before_anything_runs(clock: FakeClock, store: SQLStore) -> None:
    with pytest.raises(UnknownNameError, match="unknown region 'Frnace'"):
        track(region="Frnace", meters=two_meters(clock), clock=clock, store=store)
    assert store.list_runs() == []


class DyingMeter(FakeMeter):
    def read_energy_j(self) -> float:
        if self._clock.monotonic() - self._opened >= 5.0:
            raise MeterError("NVML: GPU is lost")
        return super().read_energy_j()


def test_sampler_failure_is_raised_at_stop_and_data_so_far_is_stored(
    clock: FakeClock, store: SQLStore
) -> None:
    meter = DyingMeter(clock, meter_id="nvml:0", power_w=100.0)
    tracker = track(region="FR", meters=[meter], clock=clock, store=store, interval_s=0.05).start()
    clock.advance(4.0)
    tracker.snapshot()
    time.sleep(0.2)  # the sampler reads 400 J
    clock.advance(2.0)
    time.sleep(0.2)  # the sampler's read fails; training is not disturbed
    with pytest.raises(TrackerError, match="GPU is lost"):
        tracker.stop()
    assert tracker.result is not None
    stored = store.get_run(tracker.result.id)
    assert stored.status == "finished"
    assert stored.components[0].energy_j == pytest.approx(400.0)
    assert "GPU is lost" in str(stored.extra["sampler_error"])


def test_exception_in_the_block_stores_failed_and_propagates(clock: FakeClock, store: SQLStore) -> None:
    with (
        pytest.raises(ValueError, match="diverged"),
        track(region="FR", meters=two_meters(clock), clock=clock, store=store),
    ):
        clock.advance(1.0)
        raise ValueError("loss diverged")
    (run,) = store.list_runs()
    assert run.status == "failed" and run.it_energy_j == pytest.approx(120.0)


def test_flushes_totals_and_samples_while_running(clock: FakeClock, store: SQLStore) -> None:
    meters = two_meters(clock)
    tracker = track(
        region="FR", meters=meters, clock=clock, store=store, interval_s=0.05, flush_interval_s=5.0
    ).start()
    assert tracker.id is not None
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:  # the first flush comes at once
        try:
            first = store.get_run(tracker.id)
            break
        except RunNotFoundError:
            time.sleep(0.02)
    assert first.status == "running" and first.it_energy_j == 0.0
    clock.advance(5.0)
    while time.monotonic() < deadline and store.get_run(tracker.id).it_energy_j == 0.0:
        time.sleep(0.02)
    flushed = store.get_run(tracker.id)
    assert flushed.status == "running"
    assert flushed.it_energy_j == pytest.approx(600.0)
    assert flushed.heartbeat_at is not None and flushed.ended_at is None
    gpu_samples = store.samples(tracker.id, "nvml:0")
    assert gpu_samples and gpu_samples[-1].energy_j == pytest.approx(500.0)
    assert gpu_samples[-1].power_w == pytest.approx(100.0)
    clock.advance(1.0)
    final = tracker.stop()
    assert final.it_energy_j == pytest.approx(720.0)
    assert store.samples(tracker.id, "nvml:0")[-1].energy_j == pytest.approx(600.0)


def test_misuse_is_a_tracker_error(clock: FakeClock, store: SQLStore) -> None:
    tracker = track(region="FR", meters=two_meters(clock), clock=clock, store=store)
    with pytest.raises(TrackerError, match="not started"):
        tracker.stop()
    with pytest.raises(TrackerError):
        tracker.phase("x")
    tracker.start()
    with pytest.raises(TrackerError, match="already started"):
        tracker.start()
    tracker.stop()
    with pytest.raises(TrackerError, match="already stopped"):
        tracker.stop()


def test_bad_options_are_usage_errors(clock: FakeClock) -> None:
    from mlfootprint.errors import InvalidValueError

    for kwargs in ({"interval_s": 0.01}, {"pue": 0.9}, {"scope": "galaxy"}, {"flush_interval_s": 0.0}):
        with pytest.raises(InvalidValueError):
            track(region="FR", meters=two_meters(clock), clock=clock, **kwargs)  # type: ignore[arg-type]


def test_opens_and_closes_its_own_store_from_db_url(clock: FakeClock, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'own.sqlite3'}"
    with track(region="FR", db=url, meters=two_meters(clock), clock=clock) as run:
        clock.advance(2.0)
    assert run.result is not None
    s = open_store(url)
    try:
        assert s.get_run(run.result.id).it_energy_j == pytest.approx(240.0)
    finally:
        s.close()
