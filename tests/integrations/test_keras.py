"""The Keras 3 callback against real Keras (torch backend) on the CPU."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

pytestmark = pytest.mark.frameworks
os.environ.setdefault("KERAS_BACKEND", "torch")
keras = pytest.importorskip("keras")
np = pytest.importorskip("numpy")

from mlfootprint.integrations.keras import MlfootprintCallback  # noqa: E402
from mlfootprint.store import open_store  # noqa: E402


def model() -> object:
    m = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(1)])
    m.compile(optimizer="sgd", loss="mse")
    return m


def test_fit_with_validation_evaluate_and_predict(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'runs.sqlite3'}"
    x = np.random.default_rng(0).normal(size=(64, 4)).astype("float32")
    y = x.sum(axis=1, keepdims=True)
    m = model()
    callback = MlfootprintCallback(project="keras", region="FR", db=db, interval_s=0.2)
    history = m.fit(x, y, epochs=2, batch_size=16, validation_split=0.25, callbacks=[callback], verbose=0)  # type: ignore[attr-defined]
    fit = callback.result
    assert fit is not None and fit.status == "finished" and fit.name == "fit"
    names = [(p.parent, p.name) for p in fit.phases]
    assert ("epoch-0", "evaluate") in names and ("fit", "epoch-1") in names
    assert len(history.history["mlfootprint/epoch_energy_kwh"]) == 2  # in the epoch logs, so in History
    m.evaluate(x, y, callbacks=[callback], verbose=0)  # type: ignore[attr-defined]
    m.predict(x, callbacks=[callback], verbose=0)  # type: ignore[attr-defined]
    with open_store(db) as store:
        assert sorted(r.name for r in store.list_runs()) == ["evaluate", "fit", "predict"]
