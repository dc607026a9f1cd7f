"""A Lightning callback for the work of a run tracked around ``fit``: counts, metrics, progress, budget.

::

    with mlfootprint.track(budget_kwh=2, on_exceed="stop") as run:
        trainer = lightning.Trainer(max_epochs=50, callbacks=[lightning_work_callback(run)])
        trainer.fit(model)

Each training batch is counted (samples, and tokens for token batches); the validation metrics are
logged at the end of each validation epoch; after each epoch (or step, under ``max_steps``) the run
is predicted, the prediction logged, and the budget checked: under ``on_exceed="stop"`` the trainer
stops (``trainer.should_stop``) and the record says why. Every hook is one call into
``mlfootprint.integrations.work``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mlfootprint.integrations import work as w
from mlfootprint.integrations.lightning import _callback_base

if TYPE_CHECKING:
    from mlfootprint.tracking.tracker import Tracker

__all__ = ["lightning_work_callback"]


def lightning_work_callback(run: Tracker) -> Any:
    """A ``lightning.pytorch.Callback`` feeding ``run``'s work (see the module docstring)."""
    base = _callback_base()

    class MlfootprintWorkCallback(base):  # type: ignore[misc, valid-type]
        """Counts, metrics, prediction and budget for a tracked run (mlfootprint)."""

        def on_train_start(self, trainer: Any, pl_module: Any) -> None:
            w.set_parameters(run, pl_module)

        def on_train_batch_end(
            self, trainer: Any, pl_module: Any, outputs: Any, batch: Any, batch_idx: int
        ) -> None:
            w.count_batch(run, batch)
            unit, total = w.lightning_length(trainer)
            if unit == "step":
                w.report_progress(run, int(trainer.global_step), total, throttle=True)
            w.stop_lightning(run, trainer)

        def on_validation_epoch_end(self, trainer: Any, pl_module: Any) -> None:
            if not getattr(trainer, "sanity_checking", False):
                w.log_metrics(run, dict(trainer.callback_metrics), step=int(trainer.current_epoch))

        def on_train_epoch_end(self, trainer: Any, pl_module: Any) -> None:
            unit, total = w.lightning_length(trainer)
            done = int(trainer.global_step) if unit == "step" else int(trainer.current_epoch) + 1
            w.report_progress(run, done, total)
            w.stop_lightning(run, trainer)

    return MlfootprintWorkCallback()
