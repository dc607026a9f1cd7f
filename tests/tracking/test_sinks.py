"""Sinks: each receives start, phases, flushes and stop; a failing one is reported once and contained."""

from __future__ import annotations

import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from mlfootprint.records import PhaseRecord, RunRecord, Sample
from mlfootprint.store import SQLStore, open_store
from mlfootprint.testing import FakeClock, FakeMeter
from mlfootprint.tracking.entry import track
from mlfootprint.tracking.sinks import RunSink, SinkWarning


class Recorder:
    name = "recorder"

    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []
        self.samples = 0
        self.final: RunRecord | None = None

    def start(self, run: RunRecord) -> None:
        self.calls.append(("start", run.status))

    def flush(self, run: RunRecord, samples: Sequence[Sample]) -> None:
        self.calls.append(("flush", run.status))
        self.samples += len(samples)

    def phase(self, run: RunRecord, phase: PhaseRecord) -> None:
        self.calls.append(("phase", phase.name))

    def stop(self, run: RunRecord) -> None:
        self.calls.append(("stop", run.status))
        self.final = run


class Broken(Recorder):
    name = "broken"

    def flush(self, run: RunRecord, samples: Sequence[Sample]) -> None:
        super().flush(run, samples)
        raise ConnectionError("server went away")


@pytest.fixture
def store(tmp_path: Path, clock: FakeClock) -> Iterator[SQLStore]:
    s = open_store(f"sqlite:///{tmp_path / 'runs.sqlite3'}", clock=clock)
    yield s
    s.close()


def test_sink_protocol_is_satisfied_by_a_plain_class() -> None:
    assert isinstance(Recorder(), RunSink)


def test_sink_receives_start_phases_flushes_and_final_record(clock: FakeClock, store: SQLStore) -> None:
    sink = Recorder()
    meter = FakeMeter(clock, power_w=50.0)
    with track(region="FR", meters=[meter], clock=clock, store=store, sinks=[sink]) as run:
        for epoch in range(2):
            with run.phase(f"epoch-{epoch}"):
                clock.advance(4.0)
    kinds = [c[0] for c in sink.calls]
    assert kinds[0] == "start" and kinds[-1] == "stop"
    assert kinds.count("start") == 1 and kinds.count("stop") == 1
    assert [c for c in sink.calls if c[0] == "phase"] == [("phase", "epoch-0"), ("phase", "epoch-1")]
    assert sink.final is not None and sink.final.status == "finished"
    assert sink.final.components[0].energy_j == pytest.approx(400.0)
    assert sink.final == run.result
    assert sink.samples >= 1  # the stored samples reach the sink too


def test_failing_sink_is_reported_once_and_never_stops_the_run_or_others(
    clock: FakeClock, store: SQLStore
) -> None:
    broken, good = Broken(), Recorder()
    meter = FakeMeter(clock, power_w=10.0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        tracker = track(region="FR", meters=[meter], clock=clock, store=store, sinks=[broken, good])
        with tracker as run, run.phase("a"):
            clock.advance(2.0)
    sink_warnings = [w for w in caught if issubclass(w.category, SinkWarning)]
    assert len(sink_warnings) == 1
    assert "broken" in str(sink_warnings[0].message) and "server went away" in str(sink_warnings[0].message)
    assert broken.calls.count(("flush", "running")) >= 1 and ("stop", "finished") in broken.calls
    assert good.calls[-1] == ("stop", "finished") and ("phase", "a") in good.calls
    assert tracker.result is not None and store.get_run(tracker.result.id).status == "finished"
