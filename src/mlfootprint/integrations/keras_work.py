"""A Keras callback for the work of a run tracked around ``model.fit``.

::

    with mlfootprint.track(budget_kwh=1, on_exceed="stop") as run:
        model.fit(x, y, epochs=50, callbacks=[keras_work_callback(run)])

The parameter count at train start; validation metrics (``val_*``) and the epoch's training metrics at
each epoch end; progress in epochs of ``epochs`` with the prediction as a log line; the budget stops
training through ``model.stop_training``. Keras does not hand callbacks the batch, so samples are
counted only when ``batch_size`` is given.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mlfootprint.integrations import work as w
from mlfootprint.integrations._hooks import missing_framework

if TYPE_CHECKING:
    from mlfootprint.tracking.tracker import Tracker

__all__ = ["keras_work_callback"]


def keras_work_callback(run: Tracker, *, batch_size: int | None = None) -> Any:
    """A ``keras.callbacks.Callback`` feeding ``run``'s work (see the module docstring)."""
    import importlib

    try:
        base: type[Any] = importlib.import_module("keras").callbacks.Callback
    except ImportError:
        raise missing_framework("Keras", "keras") from None

    class MlfootprintWorkCallback(base):  # type: ignore[misc]
        """Counts, metrics, prediction and budget for a tracked run (mlfootprint)."""

        def on_train_begin(self, logs: Any = None) -> None:
            w.set_parameters(run, self.model)

        def on_train_batch_end(self, batch: int, logs: Any = None) -> None:
            if batch_size is not None:
                run.count(samples=batch_size)
            w.stop_keras(run, self.model)

        def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
            w.log_metrics(run, dict(logs or {}), step=epoch)
            _, total = w.keras_length(self.params)
            w.report_progress(run, epoch + 1, total)
            w.stop_keras(run, self.model)

    return MlfootprintWorkCallback()
