"""A Hugging Face ``TrainerCallback`` for the work of a run tracked around ``trainer.train()``.

::

    with mlfootprint.track(budget_co2e_kg=5, on_exceed="stop") as run:
        trainer = Trainer(..., callbacks=[transformers_work_callback(run)])
        trainer.train()

Samples per optimizer step = per-device batch x gradient accumulation x processes; tokens from
``state.num_input_tokens_seen`` when the Trainer counts them; evaluation metrics logged; progress in
steps of ``state.max_steps`` (the Trainer computes it from ``num_train_epochs`` too), with the
prediction as a log line; the budget stops training through ``control.should_training_stop``; at the
end the Trainer's ``total_flos`` is added when nothing else counted FLOPs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mlfootprint.integrations import work as w
from mlfootprint.integrations._hooks import missing_framework

if TYPE_CHECKING:
    from mlfootprint.tracking.tracker import Tracker

__all__ = ["transformers_work_callback"]


def transformers_work_callback(run: Tracker) -> Any:
    """A ``transformers.TrainerCallback`` feeding ``run``'s work (see the module docstring)."""
    import importlib

    try:
        base: type[Any] = importlib.import_module("transformers").TrainerCallback
    except ImportError:
        raise missing_framework("Hugging Face Transformers", "transformers") from None

    class MlfootprintWorkCallback(base):  # type: ignore[misc]
        """Counts, metrics, prediction and budget for a tracked run (mlfootprint)."""

        def on_train_begin(
            self, args: Any, state: Any, control: Any, model: Any = None, **kwargs: Any
        ) -> None:
            w.set_parameters(run, model)

        def on_step_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
            w.count_hf_step(run, args)
            _, total = w.hf_length(args, state)
            w.report_progress(run, int(state.global_step), total, throttle=True)
            w.stop_hf(run, control)

        def on_epoch_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
            _, total = w.hf_length(args, state)
            w.report_progress(run, int(state.global_step), total)
            w.stop_hf(run, control)

        def on_evaluate(
            self, args: Any, state: Any, control: Any, metrics: Any = None, **kwargs: Any
        ) -> None:
            w.log_metrics(run, dict(metrics or {}), step=int(state.global_step))

        def on_train_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
            w.hf_tokens_seen(run, state)
            w.hf_total_flos(run, state)

    return MlfootprintWorkCallback()
