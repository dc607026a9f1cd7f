"""The training callbacks' hook logic, framework-free, with fake meters, a fake clock and real SQLite."""

from __future__ import annotations

import importlib.util
import sys
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mlfootprint.errors import MlfootprintError, UnknownNameError
from mlfootprint.integrations._hooks import _TrackingHooks, run_metrics
from mlfootprint.store import SQLStore, open_store
from mlfootprint.testing import FakeClock, FakeMeter
from mlfootprint.tracking.tracker import track

GPU_W = 200.0
PUE = 1.25


@pytest.fixture
def store(tmp_path: Path, clock: FakeClock) -> Iterator[SQLStore]:
    s = open_store(f"sqlite:///{tmp_path / 'runs.sqlite3'}", clock=clock)
    yield s
    s.close()


def make_hooks(clock: FakeClock, store: SQLStore) -> _TrackingHooks:
    meter = FakeMeter(clock, meter_id="nvml:0", component="gpu", power_w=GPU_W, source="fake GPU")
    return _TrackingHooks(
        lambda: track(project="p", name="fit", region="FR", pue=PUE, meters=[meter], clock=clock, store=store)
    )


def test_run_with_a_phase_per_epoch(clock: FakeClock, store: SQLStore) -> None:
    hooks = make_hooks(clock, store)
    tracker = hooks.on_train_start()
    assert store.get_run(tracker.id or "").status == "running"
    for epoch, seconds in enumerate([10.0, 20.0]):
        hooks.on_epoch_start(epoch)
        clock.advance(seconds)
        phase = hooks.on_epoch_end()
        assert phase is not None and phase.name == f"epoch-{epoch}"
        assert phase.energy_j == pytest.approx(GPU_W * seconds)
    clock.advance(5.0)
    record = hooks.on_train_end()
    assert record is not None and record.status == "finished"
    assert record.it_energy_j == pytest.approx(GPU_W * 35.0)
    assert record.energy_j == pytest.approx(GPU_W * 35.0 * PUE)
    stored = store.get_run(record.id)
    assert stored.status == "finished"
    assert [p.name for p in stored.phases] == ["epoch-0", "epoch-1"]
    assert hooks.on_train_end() is None  # nothing left running


def test_epoch_left_open_is_closed_by_the_next_and_by_the_end(clock: FakeClock, store: SQLStore) -> None:
    hooks = make_hooks(clock, store)
    hooks.on_train_start()
    hooks.on_epoch_start(0)
    clock.advance(3.0)
    hooks.on_epoch_start(1)  # no end signalled for epoch 0
    clock.advance(4.0)
    record = hooks.on_train_end()
    assert record is not None
    phases = {p.name: p for p in record.phases}
    assert phases["epoch-0"].energy_j == pytest.approx(GPU_W * 3.0)
    assert phases["epoch-1"].energy_j == pytest.approx(GPU_W * 4.0)


def test_exception_stops_the_run_as_failed(clock: FakeClock, store: SQLStore) -> None:
    hooks = make_hooks(clock, store)
    hooks.on_train_start()
    hooks.on_epoch_start(0)
    clock.advance(2.0)
    record = hooks.on_exception(RuntimeError("loss is nan"))
    assert record is not None and record.status == "failed"
    assert store.get_run(record.id).status == "failed"
    assert record.phases[0].energy_j == pytest.approx(GPU_W * 2.0)
    assert hooks.on_exception(RuntimeError("again")) is None


def test_guard_marks_ctrl_c_interrupted_and_reraises(clock: FakeClock, store: SQLStore) -> None:
    hooks = make_hooks(clock, store)
    hooks.on_train_start()
    with pytest.raises(KeyboardInterrupt), hooks.guard():
        clock.advance(1.0)
        raise KeyboardInterrupt
    assert hooks.tracker is not None and hooks.tracker.result is not None
    assert hooks.tracker.result.status == "interrupted"


def test_each_training_is_its_own_run(clock: FakeClock, store: SQLStore) -> None:
    hooks = make_hooks(clock, store)
    first = hooks.on_train_start()
    assert hooks.on_train_start() is first  # a repeated start signal keeps the running run
    clock.advance(1.0)
    hooks.on_train_end()
    second = hooks.on_train_start()
    clock.advance(1.0)
    hooks.on_train_end()
    assert second is not first and first.id != second.id
    assert {r.id for r in store.list_runs(project="p")} == {first.id, second.id}


def test_epoch_hooks_before_start_do_nothing(clock: FakeClock, store: SQLStore) -> None:
    hooks = make_hooks(clock, store)
    hooks.on_epoch_start(0)
    assert hooks.on_epoch_end() is None
    assert hooks.tracker is None


def test_bad_tracker_option_fails_before_training() -> None:
    with pytest.raises(UnknownNameError, match="Atlantis"):
        _TrackingHooks.from_kwargs(region="Atlantis")


def test_run_metrics_in_display_units(clock: FakeClock, store: SQLStore) -> None:
    hooks = make_hooks(clock, store)
    hooks.on_train_start()
    clock.advance(3600.0)
    record = hooks.on_train_end()
    assert record is not None
    metrics = run_metrics(record)
    assert metrics["mlfootprint/energy_kwh"] == pytest.approx(0.2 * PUE)  # 200 W for 1 h, x PUE
    assert metrics["mlfootprint/co2e_kg"] == pytest.approx(record.co2e_g / 1000.0)
    assert metrics["mlfootprint/duration_s"] == pytest.approx(3600.0)


@pytest.mark.parametrize(
    ("module", "factory", "package"),
    [
        ("mlfootprint.integrations.lightning", "lightning_callback", "pip install lightning"),
        ("mlfootprint.integrations.transformers", "transformers_callback", "pip install transformers"),
    ],
)
def test_missing_framework_is_one_actionable_line(module: str, factory: str, package: str) -> None:
    framework = package.split()[-1]
    if importlib.util.find_spec(framework) is not None:
        pytest.skip(f"{framework} is installed")
    make = getattr(importlib.import_module(module), factory)
    with pytest.raises(MlfootprintError) as exc:
        make(region="FR")
    assert package in str(exc.value) and "\n" not in str(exc.value)


# --- the adapters, against minimal stand-ins for the frameworks' base classes ----------------------


class _Logger:
    def __init__(self) -> None:
        self.params: dict[str, Any] = {}
        self.metrics: list[tuple[dict[str, float], int]] = []

    def log_hyperparams(self, params: dict[str, Any]) -> None:
        self.params.update(params)

    def log_metrics(self, metrics: dict[str, float], step: int) -> None:
        self.metrics.append((metrics, step))


def _stand_in(monkeypatch: pytest.MonkeyPatch, name: str, attr: str) -> None:
    module = types.ModuleType(name)
    setattr(module, attr, type(attr, (), {}))
    monkeypatch.setitem(sys.modules, name, module)


def test_lightning_adapter(monkeypatch: pytest.MonkeyPatch, clock: FakeClock, store: SQLStore) -> None:
    _stand_in(monkeypatch, "lightning.pytorch", "Callback")
    from mlfootprint.integrations.lightning import lightning_callback

    meter = FakeMeter(clock, power_w=GPU_W)
    cb = lightning_callback(project="p", region="FR", pue=PUE, meters=[meter], clock=clock, store=store)
    assert type(cb).__mro__[1] is sys.modules["lightning.pytorch"].Callback
    log = _Logger()
    trainer = types.SimpleNamespace(loggers=[log], global_step=7, current_epoch=0, local_rank=0)
    cb.on_train_start(trainer, None)
    cb.on_train_epoch_start(trainer, None)
    clock.advance(10.0)
    cb.on_train_epoch_end(trainer, None)
    cb.on_train_end(trainer, None)
    assert cb.result.status == "finished" and cb.result.phases[0].name == "epoch-0"
    assert log.params == {"mlfootprint_run_id": cb.result.id}
    ((metrics, step),) = log.metrics
    assert step == 7 and metrics["mlfootprint/energy_kwh"] == pytest.approx(GPU_W * 10 * PUE / 3.6e6)


def test_lightning_adapter_on_exception(
    monkeypatch: pytest.MonkeyPatch, clock: FakeClock, store: SQLStore
) -> None:
    _stand_in(monkeypatch, "lightning.pytorch", "Callback")
    from mlfootprint.integrations.lightning import lightning_callback

    cb = lightning_callback(region="FR", meters=[FakeMeter(clock)], clock=clock, store=store)
    trainer = types.SimpleNamespace(loggers=[], global_step=0, current_epoch=0, local_rank=0)
    cb.on_train_start(trainer, None)
    cb.on_exception(trainer, None, ValueError("boom"))
    assert store.get_run(cb.result.id).status == "failed"


def test_transformers_adapter(monkeypatch: pytest.MonkeyPatch, clock: FakeClock, store: SQLStore) -> None:
    _stand_in(monkeypatch, "transformers", "TrainerCallback")
    from mlfootprint.integrations.transformers import transformers_callback

    cb = transformers_callback(region="FR", pue=PUE, meters=[FakeMeter(clock, power_w=GPU_W)], clock=clock,
                               store=store)  # fmt: skip
    state = types.SimpleNamespace(epoch=0.0, global_step=12, log_history=[], is_local_process_zero=True)
    cb.on_train_begin(None, state, None)
    for epoch in (0, 1):
        state.epoch = float(epoch)
        cb.on_epoch_begin(None, state, None)
        clock.advance(5.0)
        cb.on_epoch_end(None, state, None)
    cb.on_train_end(None, state, None)
    assert [p.name for p in cb.result.phases] == ["epoch-0", "epoch-1"]
    (entry,) = state.log_history
    assert entry["mlfootprint_run_id"] == cb.result.id and entry["step"] == 12
    assert entry["mlfootprint/energy_kwh"] == pytest.approx(GPU_W * 10 * PUE / 3.6e6)
    with pytest.raises(RuntimeError), cb.guard():
        cb.on_train_begin(None, state, None)
        raise RuntimeError("out of memory")
    assert cb.hooks.tracker.result.status == "failed"
