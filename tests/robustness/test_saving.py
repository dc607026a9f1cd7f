"""Saving loses nothing: a ledger that fails (a full disk) and recovers ends up with the whole run; one
that never recovers leaves the run in a private fallback file, the summary never says "stored", and
``runs import`` stores it later. Failures are reported on stderr (not through logging)."""

from __future__ import annotations

import json
import stat
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest

from helpers.cli_harness import run_cli
from mlfootprint.errors import StoreError
from mlfootprint.records import RunRecord, Sample
from mlfootprint.store import SQLStore, open_store
from mlfootprint.testing import FakeClock, FakeMeter
from mlfootprint.tracking.options import TrackerOptions
from mlfootprint.tracking.summary import format_summary
from mlfootprint.tracking.tracker import Tracker


class FullDiskStore:
    """A real ledger behind a seam that fails like a full disk while ``full`` is set."""

    def __init__(self, inner: SQLStore) -> None:
        self.inner = inner
        self.url = inner.url
        self.full = False
        self.failed_saves = 0

    def save(self, run: RunRecord, samples: Sequence[Sample] = (), **options: Any) -> None:
        if self.full:
            self.failed_saves += 1
            raise StoreError(f"cannot write to run ledger {self.url}: database or disk is full")
        self.inner.save(run, samples, **options)

    def get_run(self, run_id: str) -> RunRecord:
        return self.inner.get_run(run_id)

    def list_runs(self, *, project: str | None = None, limit: int | None = None) -> list[RunRecord]:
        return self.inner.list_runs(project=project, limit=limit)

    def samples(self, run_id: str, meter_id: str | None = None) -> list[Sample]:
        return self.inner.samples(run_id, meter_id)

    def close(self) -> None:
        self.inner.close()


def _wait(condition: Callable[[], bool], timeout_s: float = 5.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


@pytest.fixture
def ledger(tmp_path: Path, clock: FakeClock) -> FullDiskStore:
    return FullDiskStore(open_store(f"sqlite:///{tmp_path / 'runs.sqlite3'}", clock=clock))


def _tracker(clock: FakeClock, store: FullDiskStore) -> Tracker:
    meter = FakeMeter(
        clock, meter_id="nvml:0", component="gpu", method="counter", power_w=100.0, source="fake"
    )
    options = TrackerOptions(region="FR", interval_s=0.05, flush_interval_s=1.0)
    return Tracker(options, meters=[meter], clock=clock, store=store)


def test_a_full_disk_that_clears_loses_nothing(
    clock: FakeClock, ledger: FullDiskStore, capsys: pytest.CaptureFixture[str]
) -> None:
    ledger.full = True
    tracker = _tracker(clock, ledger).start()
    sampler = tracker.sampler
    assert sampler is not None
    for _ in range(20):  # 20 s of run, every flush failing
        clock.advance(1.0)
        before = ledger.failed_saves
        _wait(lambda before=before: ledger.failed_saves > before)  # type: ignore[misc]
    err = capsys.readouterr().err
    assert err.count("failed") == 1, err  # reported once, on stderr
    assert "database or disk is full" in err and "retried at every flush" in err
    ledger.full = False  # space comes back
    clock.advance(1.0)
    _wait(lambda: sampler.flushes >= 1)
    assert "works again" in capsys.readouterr().err
    clock.advance(4.0)
    record = tracker.stop()
    assert tracker.id is not None
    stored = ledger.get_run(tracker.id)
    assert stored.status == "finished"
    assert stored.it_energy_j == pytest.approx(100.0 * 25.0)
    assert stored.duration_s == pytest.approx(25.0)
    samples = ledger.samples(tracker.id)
    times = [s.t_s for s in samples]
    assert (
        times == sorted(times)
        and times[0] == pytest.approx(0.0, abs=1.0)
        and times[-1] == pytest.approx(25.0)
    )
    assert samples[-1].energy_j == pytest.approx(2500.0)
    assert "not_saved" not in record.extra
    ledger.close()


def test_a_disk_that_stays_full_keeps_the_run_in_a_private_fallback_file(
    clock: FakeClock, ledger: FullDiskStore, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    tracker = _tracker(clock, ledger).start()
    _wait(lambda: tracker.sampler is not None and tracker.sampler.flushes >= 1)
    ledger.full = True
    for _ in range(10):
        clock.advance(1.0)
        before = ledger.failed_saves
        _wait(lambda before=before: ledger.failed_saves > before)  # type: ignore[misc]
    with pytest.raises(StoreError, match="not saved"):
        tracker.stop()
    record = tracker.result
    assert record is not None and record.status == "finished"
    note = str(record.extra["not_saved"])
    path = Path(str(record.extra["fallback_path"]))
    assert path.is_file() and str(path) in note
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    body = json.loads(path.read_text())
    assert body["run"]["id"] == record.id and len(body["samples"]) >= 10
    summary = format_summary(record, db_url=ledger.url)
    assert "NOT STORED" in summary and "stored in" not in summary
    err = capsys.readouterr().err
    assert "not saved" in err and str(path) in err
    # the ledger still says "running" with 0 s; importing the file stores the whole run
    ledger.inner.close()
    url = ledger.url
    imported = run_cli(["runs", "import", str(path), "--db", url])
    assert imported.status == 0, imported.err
    with open_store(url) as store:
        again = store.get_run(record.id)
        assert again.status == "finished" and again.it_energy_j == pytest.approx(record.it_energy_j)
        assert store.samples(record.id)[-1].t_s == pytest.approx(10.0, abs=0.1)


def test_the_blocks_own_exception_wins_over_a_failed_final_save(
    clock: FakeClock, ledger: FullDiskStore, capsys: pytest.CaptureFixture[str]
) -> None:
    tracker = _tracker(clock, ledger)
    ledger.full = True
    with (
        pytest.raises(ValueError, match="training diverged"),
        pytest.warns(RuntimeWarning, match="not saved"),
        tracker,
    ):
        clock.advance(2.0)
        raise ValueError("training diverged")
    assert tracker.result is not None and tracker.result.status == "failed"
    assert Path(str(tracker.result.extra["fallback_path"])).is_file()
    assert "not saved" in capsys.readouterr().err
