"""Weights & Biases: per-epoch energy, CO2e, power and per-unit costs, totals in the summary, the report
as an artifact.

The metrics go to the W&B run that is active when the sink is made (``wandb.init(...)`` first); with
none, the sink starts one (project = the mlfootprint project) and finishes it when the run stops. The
epoch is its own step metric (``mlfootprint/epoch``), so the training loop's own ``step`` is untouched.
``WANDB_MODE=offline`` works as usual. Needs ``wandb`` (extra ``wandb``), imported when the sink is made.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from mlfootprint.records import RunRecord
from mlfootprint.sinks import missing_library
from mlfootprint.sinks._epochs import PREFIX, EpochSink

__all__ = ["WandbSink"]


class WandbSink(EpochSink):
    """Log the run to W&B (see the module docstring).

    Args:
        units_per_epoch: how many ``unit`` one epoch processes, for per-unit costs.
        unit: what ``units_per_epoch`` counts.
        project: the W&B project of a run the sink starts itself (default ``mlfootprint``).
        wandb: the ``wandb`` module (injected in tests; default: imported).

    Raises:
        ExporterError: ``wandb`` is not installed.
    """

    name = "wandb"

    def __init__(
        self,
        *,
        units_per_epoch: float | None = None,
        unit: str = "sample",
        project: str | None = None,
        wandb: Any = None,
    ) -> None:
        super().__init__(units_per_epoch=units_per_epoch, unit=unit)
        if wandb is None:
            try:
                import wandb as wandb_module
            except ImportError:
                raise missing_library("W&B", "wandb", "wandb") from None
            wandb = wandb_module
        self._wandb = wandb
        self.owned = wandb.run is None
        self.wb_run: Any = (
            wandb.run if wandb.run is not None else wandb.init(project=project or "mlfootprint")
        )
        self.wb_run.define_metric(f"{PREFIX}epoch")
        self.wb_run.define_metric(f"{PREFIX}*", step_metric=f"{PREFIX}epoch")

    def start(self, run: RunRecord) -> None:
        self.wb_run.config.update({"mlfootprint_run_id": run.id, "mlfootprint_project": run.project},
                                  allow_val_change=True)  # fmt: skip

    def log_metrics(self, metrics: dict[str, float], step: int) -> None:
        self.wb_run.log({**metrics, f"{PREFIX}epoch": step})

    def log_final(self, run: RunRecord, metrics: dict[str, float], report: Sequence[Path]) -> None:
        self.wb_run.summary.update(metrics)
        artifact = self._wandb.Artifact(f"mlfootprint-{run.id}", type="carbon-report")
        for path in report:
            artifact.add_file(str(path))
        self.wb_run.log_artifact(artifact)
        if self.owned:
            self.wb_run.finish(exit_code=0 if run.status == "finished" else 1)
