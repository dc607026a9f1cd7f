"""A Hugging Face ``TrainerCallback`` that tracks each ``train()`` as a run, one phase per epoch.

::

    from mlfootprint.integrations.transformers import transformers_callback

    callback = transformers_callback(project="bert", region="FR")
    trainer = Trainer(model=model, args=args, train_dataset=data, callbacks=[callback])
    with callback.guard():  # the Trainer has no exception hook: this stops the run as failed
        trainer.train()

``transformers`` is imported only when ``transformers_callback`` is called (``pip install transformers``).
"""

from __future__ import annotations

from typing import Any

from mlfootprint.integrations._hooks import _TrackingHooks, missing_framework, run_metrics

__all__ = ["log_run", "transformers_callback"]


def _callback_base() -> type[Any]:
    import importlib

    try:
        base: type[Any] = importlib.import_module("transformers").TrainerCallback
    except ImportError:
        raise missing_framework("Hugging Face Transformers", "transformers") from None
    return base


def log_run(state: Any, record: Any) -> None:
    """Append the run id, energy and CO2e to the trainer state's ``log_history`` (the Trainer's log)."""
    history = getattr(state, "log_history", None)
    if history is None:
        return
    entry: dict[str, Any] = {"mlfootprint_run_id": record.id, **run_metrics(record)}
    entry["step"] = int(getattr(state, "global_step", 0) or 0)
    history.append(entry)


def transformers_callback(**track_kwargs: Any) -> Any:
    """A ``transformers.TrainerCallback`` that tracks training with ``mlfootprint.track(**track_kwargs)``.

    The run starts at ``on_train_begin`` and stops at ``on_train_end``; each epoch is a phase
    ``epoch-N``. Only the local main process measures. The Trainer calls no callback when training
    raises, so wrap ``trainer.train()`` in ``callback.guard()`` to store such a run as ``failed``
    (otherwise it stays ``running`` with its last heartbeat). The record is the callback's ``result``.

    Raises:
        MlfootprintError: transformers is not installed.
        UsageError: a bad tracker option (unknown region, PUE below 1, ...).
    """
    base = _callback_base()
    hooks = _TrackingHooks.from_kwargs(**track_kwargs)

    class MlfootprintCallback(base):  # type: ignore[misc, valid-type]
        """Tracks energy and CO2e of training (mlfootprint)."""

        def __init__(self) -> None:
            super().__init__()
            self.hooks = hooks
            self.result: Any = None

        def guard(self) -> Any:
            """A context manager that stops the run as failed when the block raises."""
            return self.hooks.guard()

        def on_train_begin(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
            if getattr(state, "is_local_process_zero", True):
                self.hooks.on_train_start()

        def on_epoch_begin(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
            self.hooks.on_epoch_start(int(state.epoch or 0))

        def on_epoch_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
            self.hooks.on_epoch_end()

        def on_train_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
            record = self.hooks.on_train_end()
            if record is not None:
                self.result = record
                log_run(state, record)

    return MlfootprintCallback()
