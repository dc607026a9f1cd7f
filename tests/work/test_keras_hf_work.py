"""The Keras and Hugging Face callbacks' work with the real frameworks: budget stop, metrics, counts."""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest

from mlfootprint.store import SQLStore, open_store
from mlfootprint.testing import FakeClock, FakeMeter
from mlfootprint.work.budget import BudgetWarning

pytestmark = pytest.mark.frameworks


@pytest.fixture
def store(tmp_path: Path, clock: FakeClock) -> Iterator[SQLStore]:
    s = open_store(f"sqlite:///{tmp_path / 'r.sqlite3'}", clock=clock)
    yield s
    s.close()


def options(clock: FakeClock, store: SQLStore, **kwargs: object) -> dict[str, object]:
    meter = FakeMeter(clock, meter_id="nvml:0", component="gpu", power_w=100.0)
    return dict(region="FR", pue=1.0, meters=[meter], clock=clock, store=store, interval_s=3600.0, **kwargs)


def test_keras_fit_is_stopped_by_a_budget(
    clock: FakeClock, store: SQLStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KERAS_BACKEND", os.environ.get("KERAS_BACKEND", "torch"))
    keras = pytest.importorskip("keras")
    np = pytest.importorskip("numpy")
    from mlfootprint.integrations.keras import MlfootprintCallback

    class Tick(keras.callbacks.Callback):  # type: ignore[misc, name-defined]
        def on_train_batch_end(self, batch: int, logs: object = None) -> None:
            clock.advance(1.0)

    x = np.random.default_rng(0).normal(size=(32, 4)).astype("float32")
    y = (x[:, 0] > 0).astype("int32")
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
    model.compile(optimizer="sgd", loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", BudgetWarning)
        # 40 epochs x 4 batches x 1 s x 100 W = 16 kJ; budget 1 Wh = 3.6 kJ
        callback = MlfootprintCallback(
            batch_size=8, **options(clock, store, budget_kwh=0.001, on_exceed="stop")
        )
        history = model.fit(x, y, batch_size=8, epochs=40, verbose=0, validation_data=(x, y),
                            callbacks=[Tick(), callback])  # fmt: skip
    record = store.get_run(callback.result.id)
    assert len(history.history["loss"]) < 5
    assert record.extra["end_reason"].startswith("stopped by budget")
    assert record.extra["parameters"] == 4 * 2 + 2
    assert {m.name for m in record.metrics} >= {"loss", "val_loss"}


def test_hf_callback_counts_logs_predicts_and_stops(
    clock: FakeClock, store: SQLStore, tmp_path: Path
) -> None:
    transformers = pytest.importorskip("transformers")
    from mlfootprint.integrations.transformers import MlfootprintCallback

    # TrainingArguments needs accelerate for a torch Trainer; the callback reads only these fields of it
    args = SimpleNamespace(
        per_device_train_batch_size=8,
        gradient_accumulation_steps=2,
        world_size=1,
        max_steps=-1,
        num_train_epochs=3.0,
    )
    state = transformers.TrainerState()
    state.max_steps, state.total_flos, state.num_input_tokens_seen = 100, 2.5e15, 51200
    control = transformers.TrainerControl()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", BudgetWarning)
        cb = MlfootprintCallback(**options(clock, store, budget_kwh=0.001, on_exceed="stop"))
        cb.on_train_begin(args, state, control)
        for step in range(1, 4):
            clock.advance(10.0)
            state.global_step = step
            cb.on_step_end(args, state, control)
        cb.on_evaluate(args, state, control, metrics={"eval_accuracy": 0.75, "epoch": 0.03})
        cb.on_train_end(args, state, control)
    record = store.get_run(cb.result.id)
    total = next(w for w in record.work if w.phase == "")
    assert total.samples == 3 * 8 * 2 * args.world_size
    assert (total.tokens, total.flops, total.flops_method) == (51200, 2.5e15, "hf-total-flos")
    assert ("eval_accuracy", 0.75, 3) in [(m.name, m.value, m.step) for m in record.metrics]
    # 100 steps x 10 s x 100 W = 100 kJ predicted from the first step, over the 3.6 kJ budget
    assert control.should_training_stop is True
    assert record.extra["predictions"][0]["total"] == 100
