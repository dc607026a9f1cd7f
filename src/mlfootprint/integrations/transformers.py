"""A Hugging Face ``TrainerCallback``: each ``train()`` is a run, one phase per epoch, and the energy and
CO2e so far go into every log the Trainer writes, so every ``report_to`` logger receives them.

::

    from mlfootprint.integrations.transformers import track_trainer

    trainer = Trainer(model=model, args=args, train_dataset=data)
    callback = track_trainer(trainer, project="bert", region="FR")
    with callback.guard():  # the Trainer calls no callback when training raises
        trainer.train()
    print(callback.result.co2e_g)

How the values travel: the Trainer's ``log()`` appends a copy of each log to ``state.log_history`` and
then calls every callback's ``on_log`` with the same ``logs`` dict, in the order of its callback list.
The callback adds ``mlfootprint/energy_kwh``, ``mlfootprint/co2e_kg`` (and, after an epoch,
``mlfootprint/epoch_energy_kwh`` and ``mlfootprint/epoch_co2e_kg``) to that dict and to the matching
``log_history`` entry, which is what checkpoints save in ``trainer_state.json``. The loggers
(TensorBoard, W&B, MLflow, ...) see the values only when they come *after* this callback:
``track_trainer`` (or ``callback.attach(trainer)``) puts it first. Passed in ``callbacks=[...]`` it
comes after them, and only ``log_history`` gets the values.

Under ``torchrun`` / ``accelerate launch`` every rank tracks its own run of one job (node-level meters
once per node, each GPU by its rank); the logged values are summed over the ranks when
``torch.distributed`` is initialised, so they are the job's.

Work (``docs/work.md``): samples per optimizer step (per-device batch x gradient accumulation x
processes), tokens from ``state.num_input_tokens_seen``, the Trainer's ``total_flos`` when nothing else
counted FLOPs, evaluation metrics, and after each step (throttled) and epoch a prediction of the run
against ``max_steps`` / ``num_train_epochs`` with its budget checked: ``on_exceed="stop"`` ends training
through ``control.should_training_stop``.

``transformers`` is imported with this module (``pip install transformers``).
"""

from __future__ import annotations

import importlib
from typing import Any

from mlfootprint.integrations._hooks import TrackingHooks, missing_framework, run_metrics
from mlfootprint.integrations.work import hf_length, hf_step_samples, hf_tokens_seen, hf_total_flos

try:
    _Base: type[Any] = importlib.import_module("transformers").TrainerCallback
except ImportError:
    raise missing_framework("Hugging Face Transformers", "transformers") from None

__all__ = ["MlfootprintCallback", "track_trainer", "transformers_callback"]


def _sum_over_ranks(values: dict[str, float]) -> dict[str, float]:
    """``values`` summed over the ranks when torch.distributed runs (every rank logs at the same steps)."""
    import sys

    torch = sys.modules.get("torch")
    dist = getattr(torch, "distributed", None)
    if torch is None or dist is None or not (dist.is_available() and dist.is_initialized()):
        return values
    if dist.get_world_size() <= 1:
        return values
    device = "cuda" if dist.get_backend() == "nccl" else "cpu"
    keys = sorted(values)
    tensor = torch.tensor([values[k] for k in keys], dtype=torch.float64, device=device)
    dist.all_reduce(tensor)
    return dict(zip(keys, (float(v) for v in tensor.tolist()), strict=True))


class MlfootprintCallback(_Base):  # type: ignore[misc]
    """Tracks the energy and CO2e of ``Trainer.train()`` (mlfootprint); options as ``mlfootprint.track``."""

    def __init__(self, **track_kwargs: Any) -> None:
        super().__init__()
        self.hooks = TrackingHooks(**track_kwargs)
        self._pending: dict[str, float] = {}

    @property
    def result(self) -> Any:
        """The record of the last run (also after a failure inside ``guard()``)."""
        return self.hooks.result

    def guard(self) -> Any:
        """A context manager that stores the run as failed, with its cause, when the block raises."""
        return self.hooks.guard()

    def attach(self, trainer: Any) -> MlfootprintCallback:
        """Put this callback first in ``trainer``'s callbacks, so every logger sees its values."""
        callbacks = trainer.callback_handler.callbacks
        if self in callbacks:
            callbacks.remove(self)
        callbacks.insert(0, self)
        return self

    def on_train_begin(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        self.hooks.on_stage_start("train")
        self.hooks.on_model(kwargs.get("model"))

    def on_epoch_begin(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        self.hooks.on_epoch_start(int(state.epoch or 0))

    def on_epoch_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        self._pending = self.hooks.epoch_metrics(self.hooks.on_epoch_end())
        self.hooks.on_progress(int(state.global_step), hf_length(args, state)[1])
        if self.hooks.should_stop():
            control.should_training_stop = True

    def on_step_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        # the one place for work counts and for stopping early: samples per optimizer step
        self.hooks.on_batch_end(samples=hf_step_samples(args))
        self.hooks.on_progress(int(state.global_step), hf_length(args, state)[1], throttle=True)
        if self.hooks.should_stop():
            control.should_training_stop = True

    def on_evaluate(self, args: Any, state: Any, control: Any, metrics: Any = None, **kwargs: Any) -> None:
        self.hooks.on_metrics(metrics, step=int(state.global_step))

    def on_log(self, args: Any, state: Any, control: Any, logs: Any = None, **kwargs: Any) -> None:
        tracker = self.hooks.tracker
        if logs is None or tracker is None or tracker.result is not None:
            return
        values = {**run_metrics(tracker.snapshot()), **self._pending}
        values.pop("mlfootprint/duration_s", None)
        values = _sum_over_ranks(values)
        self._pending = {}
        logs.update(values)
        history = getattr(state, "log_history", None)
        if history:
            history[-1].update(values)

    def on_train_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        if self.hooks.running:
            hf_tokens_seen(self.hooks.tracker, state)
            hf_total_flos(self.hooks.tracker, state)
        record = self.hooks.on_stage_end("train")
        history = getattr(state, "log_history", None)
        if record is not None and history is not None:
            entry: dict[str, Any] = {"mlfootprint_run_id": record.id, **run_metrics(record)}
            entry["step"] = int(getattr(state, "global_step", 0) or 0)
            history.append(entry)


def track_trainer(trainer: Any, **track_kwargs: Any) -> MlfootprintCallback:
    """Make the callback and put it first in ``trainer``'s callbacks (so every logger sees its values)."""
    callback = MlfootprintCallback(**track_kwargs)
    trainer.add_callback(callback)
    return callback.attach(trainer)


def transformers_callback(**track_kwargs: Any) -> MlfootprintCallback:
    """``MlfootprintCallback(**track_kwargs)`` (kept for existing code)."""
    return MlfootprintCallback(**track_kwargs)
