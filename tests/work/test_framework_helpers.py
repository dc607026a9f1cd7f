"""The framework-side helpers with the objects frameworks hand callbacks (plain stand-ins, no framework)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest

from mlfootprint.integrations import work as w
from mlfootprint.store import SQLStore, open_store
from mlfootprint.testing import FakeClock, FakeMeter
from mlfootprint.tracking.entry import track
from mlfootprint.tracking.tracker import Tracker


class Array:
    """A minimal array: a shape, a sum and an element count (what numpy and torch both offer)."""

    def __init__(self, *shape: int, ones: int | None = None) -> None:
        self.shape = shape
        self._ones = ones

    def sum(self) -> int:
        n = 1
        for d in self.shape:
            n *= d
        return n if self._ones is None else self._ones

    def numel(self) -> int:
        n = 1
        for d in self.shape:
            n *= d
        return n


@pytest.fixture
def run(tmp_path: Path, clock: FakeClock) -> Iterator[Tracker]:
    store: SQLStore = open_store(f"sqlite:///{tmp_path / 'r.sqlite3'}", clock=clock)
    meter = FakeMeter(clock, meter_id="nvml:0", component="gpu", power_w=100.0)
    with track(region="FR", meters=[meter], clock=clock, store=store, interval_s=3600.0,
               budget_kwh=1e-6, on_exceed="stop") as tracker:  # fmt: skip
        yield tracker
    store.close()


def test_batch_sizes_and_tokens() -> None:
    assert w.batch_size_of(Array(32, 8)) == 32
    assert w.batch_size_of((Array(16, 3), Array(16))) == 16
    assert w.batch_size_of({"input_ids": Array(4, 128), "labels": Array(4)}) == 4
    assert w.batch_size_of("text") is None
    assert w.tokens_of({"input_ids": Array(4, 128), "attention_mask": Array(4, 128, ones=300)}) == 300
    assert w.tokens_of({"input_ids": Array(4, 128)}) == 512
    assert w.tokens_of((Array(4, 128),)) is None


def test_lengths_from_the_frameworks() -> None:
    assert w.lightning_length(
        SimpleNamespace(max_steps=-1, max_epochs=10, estimated_stepping_batches=400)
    ) == (
        "step",
        400.0,
    )
    assert w.lightning_length(
        SimpleNamespace(max_steps=-1, max_epochs=10, estimated_stepping_batches=float("inf"))
    ) == (
        "epoch",
        10.0,
    )
    assert w.hf_length(SimpleNamespace(max_steps=-1, num_train_epochs=3.0), SimpleNamespace(max_steps=0)) == (
        "epoch",
        3.0,
    )
    assert w.hf_length(SimpleNamespace(max_steps=500, num_train_epochs=3.0), SimpleNamespace()) == (
        "step",
        500.0,
    )
    assert w.keras_length({"epochs": 12, "steps": 100}) == ("epoch", 12.0)


def test_budget_stop_reaches_every_framework(run: Tracker, clock: FakeClock) -> None:
    with pytest.warns(Warning):
        clock.advance(60.0)
        w.report_progress(run, 1, 10)  # 6 kJ used: over the 3.6 J budget
    trainer, control, model = SimpleNamespace(should_stop=False), SimpleNamespace(), SimpleNamespace()
    assert w.stop_lightning(run, trainer) and trainer.should_stop is True
    assert w.stop_hf(run, control) and control.should_training_stop is True
    assert w.stop_keras(run, model) and model.stop_training is True
    assert not w.stop_keras(None, SimpleNamespace())


def test_metrics_counts_and_hf_flos(run: Tracker) -> None:
    w.log_metrics(
        run, {"eval_accuracy": 0.8, "epoch": 1.0, "note": "x", "mlfootprint/energy_kwh": 1.0}, step=3
    )
    assert [(m.name, m.value, m.step) for m in run.work.metrics()] == [
        ("eval_accuracy", 0.8, 3),
        ("epoch", 1.0, 3),
    ]
    w.count_batch(run, {"input_ids": Array(2, 10)})
    w.hf_total_flos(run, SimpleNamespace(total_flos=5e12))
    w.hf_total_flos(run, SimpleNamespace(total_flos=7e12))  # already counted: not added twice
    total = next(c for c in run.work.counts() if c.phase == "")
    assert (total.samples, total.tokens, total.flops, total.flops_method) == (2, 20, 5e12, "hf-total-flos")
