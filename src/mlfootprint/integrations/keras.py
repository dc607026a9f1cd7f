"""A Keras 3 callback (any backend): each ``fit``/``evaluate``/``predict`` call is a run, each epoch a
phase, and the epoch's energy and CO2e are added to the epoch's ``logs`` (so ``History``, ``CSVLogger``
and ``TensorBoard`` placed after it see them).

::

    from mlfootprint.integrations.keras import MlfootprintCallback

    callback = MlfootprintCallback(project="mnist", region="FR")
    with callback.guard():  # Keras calls no callback when training raises
        model.fit(x, y, epochs=3, callbacks=[callback])
    print(callback.result.co2e_g)

Work (``docs/work.md``): the parameter count, each epoch's ``logs`` (``loss``, ``val_loss``, ...) as
quality metrics, samples per batch with ``MlfootprintCallback(batch_size=...)`` (Keras does not hand
callbacks the batch), and after each epoch a prediction against ``epochs`` with the budget checked:
``on_exceed="stop"`` ends training through ``model.stop_training``.

Validation inside ``fit`` is a phase ``evaluate`` nested in its epoch. Importing this module imports
Keras (``pip install keras``).
"""

from __future__ import annotations

import importlib
from typing import Any

from mlfootprint.integrations._hooks import TrackingHooks, missing_framework
from mlfootprint.integrations.work import keras_length

try:
    _Base: type[Any] = importlib.import_module("keras").callbacks.Callback
except ImportError:
    raise missing_framework("Keras", "keras") from None

__all__ = ["MlfootprintCallback"]


class MlfootprintCallback(_Base):  # type: ignore[misc]
    """Tracks the energy and CO2e of Keras training and inference (mlfootprint); options as ``track``."""

    def __init__(self, *, batch_size: int | None = None, **track_kwargs: Any) -> None:
        super().__init__()
        self.hooks = TrackingHooks(**track_kwargs)
        #: samples per training batch (Keras does not hand callbacks the batch); None: not counted
        self.batch_size = batch_size

    @property
    def result(self) -> Any:
        """The record of the last run (also after a failure inside ``guard()``)."""
        return self.hooks.result

    def guard(self) -> Any:
        """A context manager that stores the run as failed, with its cause, when the block raises."""
        return self.hooks.guard()

    def on_train_begin(self, logs: Any = None) -> None:
        self.hooks.on_stage_start("fit")
        self.hooks.on_model(self.model)

    def on_train_end(self, logs: Any = None) -> None:
        self.hooks.on_stage_end("fit")

    def on_test_begin(self, logs: Any = None) -> None:
        self.hooks.on_stage_start("evaluate")

    def on_test_end(self, logs: Any = None) -> None:
        self.hooks.on_stage_end("evaluate")

    def on_predict_begin(self, logs: Any = None) -> None:
        self.hooks.on_stage_start("predict")

    def on_predict_end(self, logs: Any = None) -> None:
        self.hooks.on_stage_end("predict")

    def on_epoch_begin(self, epoch: int, logs: Any = None) -> None:
        self.hooks.on_epoch_start(int(epoch))

    def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
        self.hooks.on_metrics(logs, step=int(epoch))
        metrics = self.hooks.epoch_metrics(self.hooks.on_epoch_end())
        if logs is not None:
            logs.update(metrics)
        self.hooks.on_progress(int(epoch) + 1, keras_length(self.params)[1])
        if self.hooks.should_stop():
            self.model.stop_training = True

    def on_train_batch_end(self, batch: int, logs: Any = None) -> None:
        # the one place for work counts and for stopping early
        self.hooks.on_batch_end(samples=self.batch_size)
        if self.hooks.should_stop():
            self.model.stop_training = True
