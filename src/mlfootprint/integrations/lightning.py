"""A PyTorch Lightning callback: each ``fit``/``validate``/``test``/``predict`` call is a run, with a
phase for the stage and one per training epoch; energy and CO2e reach the Trainer's loggers every epoch.

::

    from mlfootprint.integrations.lightning import MlfootprintCallback

    trainer = lightning.Trainer(strategy="ddp_spawn", devices=2, callbacks=[MlfootprintCallback(region="FR")])
    trainer.fit(model)

Importing this module imports Lightning (``pip install lightning``; the older ``pytorch_lightning``
package works too). The callback is a module-level class holding only its options, so it pickles
(``ddp_spawn``). Under DDP every rank tracks its own run of one job: the ranks share one job id
(broadcast from rank 0), node-level meters are read once per node and each GPU by its rank
(``docs/distributed.md``); the logged values are summed over the ranks, so they are the job's.

Work (``docs/work.md``): each training batch's samples (and tokens, for ``input_ids`` batches) are
counted, the validation metrics logged beside the cost, the parameter count recorded; after each step
(under a known number of steps, throttled) and each epoch the run is predicted and its budget checked
(``MlfootprintCallback(budget_kwh=2, on_exceed="stop")`` stops training through ``trainer.should_stop``).
"""

from __future__ import annotations

import importlib
import os
import socket
from typing import Any

from mlfootprint.integrations._hooks import TrackingHooks, missing_framework, run_metrics
from mlfootprint.integrations.work import lightning_length


def _callback_base() -> type[Any]:
    for module in ("lightning.pytorch", "pytorch_lightning"):
        try:
            base: type[Any] = importlib.import_module(module).Callback
        except ImportError:
            continue
        return base
    raise missing_framework("PyTorch Lightning", "lightning")


_Base: type[Any] = _callback_base()

__all__ = ["MlfootprintCallback", "lightning_callback", "placement_of"]


def placement_of(trainer: Any, *, job: str | None = None, node: str | None = None) -> Any:
    """This process's place in the job as the Trainer knows it (None for one process).

    The job id is the launcher's (torchrun, Slurm) when there is one, else a new id broadcast from
    rank 0 (``ddp_spawn`` and ``ddp`` children carry no launcher variables of their own).
    """
    from mlfootprint.store import new_run_id
    from mlfootprint.tracking.job import JobIdentity, detect_job

    found = detect_job(os.environ, hostname=socket.gethostname(), job=job, node=node)
    world = int(getattr(trainer, "world_size", 1) or 1)
    if world <= 1:
        return None if found.job_id is None else found
    job_id = found.job_id or f"lightning-{new_run_id()}"
    job_id = str(trainer.strategy.broadcast(job_id, src=0))
    return JobIdentity(
        job_id=job_id,
        launcher=found.launcher if found.job_id else "lightning",
        job_source=found.job_source if found.job_id else "broadcast from rank 0 by Lightning",
        node=found.node,
        rank=int(trainer.global_rank),
        local_rank=int(trainer.local_rank),
        world_size=world,
        local_world_size=max(1, len(getattr(trainer, "device_ids", []) or [])),
        node_rank=int(getattr(trainer, "node_rank", 0) or 0),
    )


def _stage_name(stage: Any) -> str:
    """``"fit"``, ``"validate"``, ``"test"`` or ``"predict"`` (Lightning passes a string enum)."""
    return str(getattr(stage, "value", stage))


class MlfootprintCallback(_Base):  # type: ignore[misc]
    """Tracks the energy and CO2e of each Trainer call (mlfootprint); options as ``mlfootprint.track``.

    ``result`` is the record of the last run (also after a failure).
    """

    def __init__(self, **track_kwargs: Any) -> None:
        super().__init__()
        self.hooks = TrackingHooks(**track_kwargs)

    @property
    def result(self) -> Any:
        return self.hooks.result

    # stages: one run per Trainer call
    def setup(self, trainer: Any, pl_module: Any, stage: str) -> None:
        kwargs = self.hooks.track_kwargs
        placement = placement_of(trainer, job=kwargs.get("job"), node=kwargs.get("node"))
        self.hooks.on_stage_start(_stage_name(stage), placement=placement)

    def teardown(self, trainer: Any, pl_module: Any, stage: str) -> None:
        self.hooks.on_stage_end(_stage_name(stage))

    def on_exception(self, trainer: Any, pl_module: Any, exception: BaseException) -> None:
        self.hooks.on_exception(exception)

    # epochs: a phase each, logged through the Trainer's loggers (summed over ranks)
    def on_train_epoch_start(self, trainer: Any, pl_module: Any) -> None:
        self.hooks.on_epoch_start(int(trainer.current_epoch))

    def on_train_epoch_end(self, trainer: Any, pl_module: Any) -> None:
        metrics = self.hooks.epoch_metrics(self.hooks.on_epoch_end())
        for name, value in metrics.items():
            pl_module.log(name, value, on_step=False, on_epoch=True, sync_dist=True, reduce_fx="sum")
        unit, total = lightning_length(trainer)
        done = int(trainer.global_step) if unit == "step" else int(trainer.current_epoch) + 1
        self.hooks.on_progress(done, total)
        if self.hooks.should_stop():
            trainer.should_stop = True

    # batches: the one place for work counts and for stopping early
    def on_train_batch_end(
        self, trainer: Any, pl_module: Any, outputs: Any, batch: Any, batch_idx: int
    ) -> None:
        self.hooks.on_batch_end(batch)
        unit, total = lightning_length(trainer)
        if unit == "step":
            self.hooks.on_progress(int(trainer.global_step), total, throttle=True)
        if self.hooks.should_stop():
            trainer.should_stop = True

    def on_train_start(self, trainer: Any, pl_module: Any) -> None:
        self.hooks.on_model(pl_module)

    def on_validation_epoch_end(self, trainer: Any, pl_module: Any) -> None:
        if not getattr(trainer, "sanity_checking", False):
            self.hooks.on_metrics(trainer.callback_metrics, step=int(trainer.current_epoch))

    def on_train_end(self, trainer: Any, pl_module: Any) -> None:
        tracker = self.hooks.tracker
        if tracker is None or tracker.result is not None:
            return
        metrics = run_metrics(tracker.snapshot())
        if int(getattr(trainer, "world_size", 1) or 1) > 1:
            import torch

            metrics = {
                k: float(trainer.strategy.reduce(torch.tensor(v), reduce_op="sum"))
                for k, v in metrics.items()
            }
        step = int(getattr(trainer, "global_step", 0) or 0)
        for log in list(getattr(trainer, "loggers", None) or []):
            log.log_metrics(metrics, step=step)


def lightning_callback(**track_kwargs: Any) -> MlfootprintCallback:
    """``MlfootprintCallback(**track_kwargs)`` (kept for existing code)."""
    return MlfootprintCallback(**track_kwargs)
