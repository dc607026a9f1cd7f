"""MLflow: per-epoch energy, CO2e, power and per-unit costs as metrics, and the report as artifacts.

The metrics go to the MLflow run that is active when the sink is made (``with mlflow.start_run():``);
with none active, the sink creates a run in ``experiment`` (default: the tracking store's default
experiment) named after the mlfootprint run and ends it when the run stops. The tracking URI is
MLflow's own (``MLFLOW_TRACKING_URI`` or ``mlflow.set_tracking_uri``). Needs ``mlflow`` (extra
``mlflow``), imported when the sink is made.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from mlfootprint.records import RunRecord
from mlfootprint.sinks import missing_library
from mlfootprint.sinks._epochs import EpochSink

__all__ = ["MLflowSink"]


class MLflowSink(EpochSink):
    """Log the run to MLflow (see the module docstring).

    Args:
        units_per_epoch: how many ``unit`` (samples, tokens, ...) one epoch processes, for per-unit costs.
        unit: what ``units_per_epoch`` counts.
        experiment: the experiment for a run the sink creates itself (ignored when a run is active).
        run_name: the name of a run the sink creates itself (default: ``mlfootprint``).
        mlflow: the ``mlflow`` module (injected in tests; default: imported).

    Raises:
        ExporterError: ``mlflow`` is not installed.
    """

    name = "mlflow"

    def __init__(
        self,
        *,
        units_per_epoch: float | None = None,
        unit: str = "sample",
        experiment: str | None = None,
        run_name: str | None = None,
        mlflow: Any = None,
    ) -> None:
        super().__init__(units_per_epoch=units_per_epoch, unit=unit)
        if mlflow is None:
            try:
                import mlflow as mlflow_module
            except ImportError:
                raise missing_library("MLflow", "mlflow", "mlflow") from None
            mlflow = mlflow_module
        self._mlflow = mlflow
        self._client = mlflow.tracking.MlflowClient()
        active = mlflow.active_run()  # captured here: MLflow's active run is per thread
        self.owned = active is None
        if active is not None:
            self.run_id: str = active.info.run_id
        else:
            experiment_id = "0"
            if experiment is not None:
                found = self._client.get_experiment_by_name(experiment)
                experiment_id = (
                    found.experiment_id if found is not None else self._client.create_experiment(experiment)
                )
            created = self._client.create_run(experiment_id, run_name=run_name or "mlfootprint")
            self.run_id = created.info.run_id

    def _metric(self, key: str, value: float, step: int) -> Any:
        return self._mlflow.entities.Metric(key, float(value), int(time.time() * 1000), step)

    def start(self, run: RunRecord) -> None:
        tags = {
            "mlfootprint.run_id": run.id,
            "mlfootprint.project": run.project,
            "mlfootprint.region": str(run.region or run.intensity_zone or "not given"),
        }
        self._client.log_batch(
            self.run_id, tags=[self._mlflow.entities.RunTag(k, v) for k, v in tags.items()]
        )

    def log_metrics(self, metrics: dict[str, float], step: int) -> None:
        self._client.log_batch(
            self.run_id, metrics=[self._metric(k, v, step) for k, v in metrics.items()], synchronous=True
        )

    def log_final(self, run: RunRecord, metrics: dict[str, float], report: Sequence[Path]) -> None:
        self._client.log_batch(
            self.run_id,
            metrics=[self._metric(k, v, self.epochs) for k, v in metrics.items()],
            synchronous=True,
        )
        for path in report:
            self._client.log_artifact(self.run_id, str(path), artifact_path="mlfootprint")
        if self.owned:
            self._client.set_terminated(self.run_id, "FINISHED" if run.status == "finished" else "FAILED")
