"""The training callbacks' hook logic, framework-free, with fake meters, a fake clock and real SQLite."""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from pathlib import Path

import pytest

from mlfootprint.errors import MlfootprintError, UnknownNameError
from mlfootprint.integrations._hooks import TrackingHooks, run_metrics
from mlfootprint.store import SQLStore, open_store
from mlfootprint.testing import FakeClock, FakeMeter

GPU_W = 200.0
PUE = 1.25


@pytest.fixture
def store(tmp_path: Path, clock: FakeClock) -> Iterator[SQLStore]:
    s = open_store(f"sqlite:///{tmp_path / 'runs.sqlite3'}", clock=clock)
    yield s
    s.close()


def make_hooks(clock: FakeClock, store: SQLStore) -> TrackingHooks:
    meter = FakeMeter(clock, meter_id="nvml:0", component="gpu", power_w=GPU_W, source="fake GPU")
    return TrackingHooks(
        project="p", name="fit", region="FR", pue=PUE, meters=[meter], clock=clock, store=store
    )


def test_run_with_a_phase_per_epoch(clock: FakeClock, store: SQLStore) -> None:
    hooks = make_hooks(clock, store)
    tracker = hooks.on_stage_start("fit")
    assert store.get_run(tracker.id or "").status == "running"
    for epoch, seconds in enumerate([10.0, 20.0]):
        hooks.on_epoch_start(epoch)
        clock.advance(seconds)
        phase = hooks.on_epoch_end()
        assert phase is not None and phase.name == f"epoch-{epoch}"
        assert phase.energy_j == pytest.approx(GPU_W * seconds)
    clock.advance(5.0)
    record = hooks.on_stage_end("fit")
    assert record is not None and record.status == "finished"
    assert record.it_energy_j == pytest.approx(GPU_W * 35.0)
    assert record.energy_j == pytest.approx(GPU_W * 35.0 * PUE)
    stored = store.get_run(record.id)
    assert stored.status == "finished"
    assert [p.name for p in stored.phases] == ["epoch-0", "epoch-1", "fit"]
    assert hooks.on_stage_end("fit") is None  # nothing left running


def test_epoch_left_open_is_closed_by_the_next_and_by_the_end(clock: FakeClock, store: SQLStore) -> None:
    hooks = make_hooks(clock, store)
    hooks.on_stage_start("fit")
    hooks.on_epoch_start(0)
    clock.advance(3.0)
    hooks.on_epoch_start(1)  # no end signalled for epoch 0
    clock.advance(4.0)
    record = hooks.on_stage_end("fit")
    assert record is not None
    phases = {p.name: p for p in record.phases}
    assert phases["epoch-0"].energy_j == pytest.approx(GPU_W * 3.0)
    assert phases["epoch-1"].energy_j == pytest.approx(GPU_W * 4.0)


def test_exception_stops_the_run_as_failed(clock: FakeClock, store: SQLStore) -> None:
    hooks = make_hooks(clock, store)
    hooks.on_stage_start("fit")
    hooks.on_epoch_start(0)
    clock.advance(2.0)
    record = hooks.on_exception(RuntimeError("loss is nan"))
    assert record is not None and record.status == "failed"
    assert store.get_run(record.id).status == "failed"
    assert record.phases[0].energy_j == pytest.approx(GPU_W * 2.0)
    assert hooks.on_exception(RuntimeError("again")) is None


def test_guard_marks_ctrl_c_interrupted_and_reraises(clock: FakeClock, store: SQLStore) -> None:
    hooks = make_hooks(clock, store)
    hooks.on_stage_start("fit")
    with pytest.raises(KeyboardInterrupt), hooks.guard():
        clock.advance(1.0)
        raise KeyboardInterrupt
    assert hooks.tracker is not None and hooks.tracker.result is not None
    assert hooks.tracker.result.status == "interrupted"


def test_each_training_is_its_own_run(clock: FakeClock, store: SQLStore) -> None:
    hooks = make_hooks(clock, store)
    first = hooks.on_stage_start("fit")
    assert hooks.on_stage_start("fit") is first  # a repeated start signal keeps the running run
    clock.advance(1.0)
    hooks.on_stage_end("fit")
    second = hooks.on_stage_start("fit")
    clock.advance(1.0)
    hooks.on_stage_end("fit")
    assert second is not first and first.id != second.id
    assert {r.id for r in store.list_runs(project="p")} == {first.id, second.id}


def test_epoch_hooks_before_start_do_nothing(clock: FakeClock, store: SQLStore) -> None:
    hooks = make_hooks(clock, store)
    hooks.on_epoch_start(0)
    assert hooks.on_epoch_end() is None
    assert hooks.tracker is None


def test_bad_tracker_option_fails_before_training() -> None:
    with pytest.raises(UnknownNameError, match="Atlantis"):
        TrackingHooks(region="Atlantis")


def test_run_metrics_in_display_units(clock: FakeClock, store: SQLStore) -> None:
    hooks = make_hooks(clock, store)
    hooks.on_stage_start("fit")
    clock.advance(3600.0)
    record = hooks.on_stage_end("fit")
    assert record is not None
    metrics = run_metrics(record)
    assert metrics["mlfootprint/energy_kwh"] == pytest.approx(0.2 * PUE)  # 200 W for 1 h, x PUE
    assert metrics["mlfootprint/co2e_kg"] == pytest.approx(record.co2e_g / 1000.0)
    assert metrics["mlfootprint/duration_s"] == pytest.approx(3600.0)


@pytest.mark.parametrize(
    ("module", "package"),
    [
        ("mlfootprint.integrations.lightning", "pip install lightning"),
        ("mlfootprint.integrations.transformers", "pip install transformers"),
        ("mlfootprint.integrations.keras", "pip install keras"),
    ],
)
def test_missing_framework_is_one_actionable_line(module: str, package: str) -> None:
    framework = package.split()[-1]
    if importlib.util.find_spec(framework) is not None:
        pytest.skip(f"{framework} is installed")
    with pytest.raises(MlfootprintError) as exc:
        importlib.import_module(module)
    assert package in str(exc.value) and "\n" not in str(exc.value)


def test_guard_keeps_the_failed_record_with_its_cause(clock: FakeClock, store: SQLStore) -> None:
    hooks = make_hooks(clock, store)
    hooks.on_stage_start("fit")
    with pytest.raises(ValueError, match="nan"), hooks.guard() as guarded:
        clock.advance(2.0)
        raise ValueError("loss is nan")
    assert guarded.result is not None and guarded.result is hooks.result
    assert (hooks.result.status, hooks.result.error_type, hooks.result.error_message) == (
        "failed", "ValueError", "loss is nan",
    )  # fmt: skip
    assert store.get_run(hooks.result.id).error_message == "loss is nan"


def test_hooks_pickle_with_their_options_only(clock: FakeClock) -> None:
    import pickle

    hooks = TrackingHooks(project="p", region="FR", pue=PUE, db="sqlite:////tmp/x.sqlite3")
    again = pickle.loads(pickle.dumps(hooks))
    assert again.track_kwargs == hooks.track_kwargs and again.tracker is None


def test_a_nested_stage_is_a_phase_inside_the_epoch(clock: FakeClock, store: SQLStore) -> None:
    hooks = make_hooks(clock, store)
    hooks.on_stage_start("fit")
    hooks.on_epoch_start(0)
    clock.advance(3.0)
    hooks.on_stage_start("evaluate")
    clock.advance(1.0)
    assert hooks.on_stage_end("evaluate") is None  # the run goes on
    hooks.on_epoch_end()
    record = hooks.on_stage_end("fit")
    assert record is not None
    phases = {p.name: p for p in record.phases}
    assert phases["evaluate"].parent == "epoch-0" and phases["evaluate"].energy_j == pytest.approx(GPU_W)
    assert phases["epoch-0"].energy_j == pytest.approx(4 * GPU_W)
