"""A PyTorch Lightning callback that tracks each ``fit`` as a run, one phase per training epoch.

::

    from mlfootprint.integrations.lightning import lightning_callback

    trainer = lightning.Trainer(callbacks=[lightning_callback(project="bert", region="FR")])
    trainer.fit(model)

Lightning is imported only when ``lightning_callback`` is called (``pip install lightning``; the older
``pytorch_lightning`` package works too).
"""

from __future__ import annotations

from typing import Any

from mlfootprint.integrations._hooks import _TrackingHooks, missing_framework, run_metrics

__all__ = ["lightning_callback", "log_run"]


def _callback_base() -> type[Any]:
    import importlib

    for module in ("lightning.pytorch", "pytorch_lightning"):
        try:
            base: type[Any] = importlib.import_module(module).Callback
        except ImportError:
            continue
        return base
    raise missing_framework("PyTorch Lightning", "lightning")


def log_run(trainer: Any, record: Any) -> None:
    """Log the run id and its energy and CO2e to every logger of ``trainer`` (if it has any)."""
    loggers = list(getattr(trainer, "loggers", None) or [])
    step = int(getattr(trainer, "global_step", 0) or 0)
    for log in loggers:
        log.log_hyperparams({"mlfootprint_run_id": record.id})
        log.log_metrics(run_metrics(record), step=step)


def lightning_callback(**track_kwargs: Any) -> Any:
    """A ``lightning.pytorch.Callback`` that tracks training with ``mlfootprint.track(**track_kwargs)``.

    The run starts at ``on_train_start`` and stops at ``on_train_end`` (``failed`` from
    ``on_exception``); each training epoch is a phase ``epoch-N``. Only the first process on each node
    (local rank 0) measures, as the meters see the whole machine. At the end the run id, energy and
    CO2e go to the trainer's loggers; the record is the callback's ``result``.

    Raises:
        MlfootprintError: Lightning is not installed.
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

        @staticmethod
        def _measures(trainer: Any) -> bool:
            return int(getattr(trainer, "local_rank", 0) or 0) == 0

        def on_train_start(self, trainer: Any, pl_module: Any) -> None:
            if self._measures(trainer):
                self.hooks.on_train_start()

        def on_train_epoch_start(self, trainer: Any, pl_module: Any) -> None:
            self.hooks.on_epoch_start(int(trainer.current_epoch))

        def on_train_epoch_end(self, trainer: Any, pl_module: Any) -> None:
            self.hooks.on_epoch_end()

        def on_train_end(self, trainer: Any, pl_module: Any) -> None:
            record = self.hooks.on_train_end()
            if record is not None:
                self.result = record
                log_run(trainer, record)

        def on_exception(self, trainer: Any, pl_module: Any, exception: BaseException) -> None:
            record = self.hooks.on_exception(exception)
            if record is not None:
                self.result = record

    return MlfootprintCallback()
