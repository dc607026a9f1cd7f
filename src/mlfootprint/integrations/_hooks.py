"""The framework-free part of the training callbacks: when to start, phase, log and stop a run.

Each framework module (``lightning``, ``transformers``, ``keras``) is a thin adapter that calls these
hooks. The hooks are picklable (Lightning's ``ddp_spawn`` pickles its callbacks): they hold only the
tracker options, and a running tracker is never pickled.

Extension points, one place each for every framework:

* ``on_batch_end(batch, **work)`` — called after every training batch: samples and tokens counted from
  the batch (``integrations.work.count_batch``) or given by the adapter;
* ``on_progress(done, total)`` — an epoch or step done: the run is predicted (a log line) and its
  budget checked;
* ``on_metrics(metrics, step)`` — validation metrics, logged beside the run's cost;
* ``should_stop()`` — asked after every batch and epoch; True (the run's budget is exceeded under
  ``on_exceed="stop"``) makes the framework stop training gracefully, and the record says why.

The work itself (counting a batch, the run's length, FLOPs) is in ``mlfootprint.integrations.work``.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from mlfootprint import logs
from mlfootprint.errors import MlfootprintError, TrackerError
from mlfootprint.units import kg_from_g, kwh_from_j

if TYPE_CHECKING:
    from mlfootprint.records import PhaseRecord, RunRecord, RunStatus
    from mlfootprint.tracking.job import JobIdentity
    from mlfootprint.tracking.phases import Phase
    from mlfootprint.tracking.tracker import Tracker

__all__ = ["TrackingHooks", "epoch_metrics", "run_metrics"]

logger = logs.get(__name__)


def missing_framework(what: str, package: str) -> MlfootprintError:
    """The one-line error for a callback whose framework is not installed."""
    return MlfootprintError(f"the {what} callback needs {what}: pip install {package}")


def run_metrics(record: RunRecord, prefix: str = "mlfootprint/") -> dict[str, float]:
    """The numbers a trainer's logger records for a run (display units: kWh, kg, s)."""
    metrics = {
        f"{prefix}energy_kwh": kwh_from_j(record.energy_j),
        f"{prefix}co2e_kg": kg_from_g(record.co2e_g),
        f"{prefix}duration_s": record.duration_s,
    }
    if record.co2e_g_net is not None:
        metrics[f"{prefix}co2e_kg_net"] = kg_from_g(record.co2e_g_net)
    return metrics


def epoch_metrics(phase: PhaseRecord, run: RunRecord, prefix: str = "mlfootprint/") -> dict[str, float]:
    """An epoch's facility energy and CO2e (its IT energy x the run's PUE and intensity), and the run's."""
    energy_j = phase.energy_j * run.pue
    return {
        f"{prefix}epoch_energy_kwh": kwh_from_j(energy_j),
        f"{prefix}epoch_co2e_kg": kg_from_g(kwh_from_j(energy_j) * run.intensity_g_per_kwh),
        f"{prefix}energy_kwh": kwh_from_j(run.energy_j),
        f"{prefix}co2e_kg": kg_from_g(run.co2e_g),
    }


class TrackingHooks:
    """Start a run when a stage starts (``fit``, ``validate``, ``test``, ``predict``, ``train``), one
    phase per stage and per epoch, stop when the stage that started the run ends or raises.

    Args:
        track_kwargs: the keywords of ``mlfootprint.track`` (checked now: a bad region or PUE fails
            before training starts).
    """

    def __init__(self, **track_kwargs: Any) -> None:
        from mlfootprint.tracking.entry import track

        self.track_kwargs = dict(track_kwargs)
        track(**self.track_kwargs)  # resolve the options now; the tracker made here is not started
        self.tracker: Tracker | None = None
        self.result: RunRecord | None = None
        self._stage: str | None = None
        self._stage_phase: Phase | None = None
        self._epoch_phase: Phase | None = None
        self._nested: dict[str, Phase] = {}
        self._stop_logged = False

    def __getstate__(self) -> dict[str, Any]:
        if self.running:
            raise TrackerError("a running mlfootprint callback cannot be pickled; pickle it before training")
        return {"track_kwargs": self.track_kwargs, "result": self.result}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.track_kwargs = state["track_kwargs"]
        self.result = state["result"]
        self.tracker, self._stage, self._stage_phase, self._epoch_phase = None, None, None, None
        self._nested = {}
        self._stop_logged = False

    @property
    def running(self) -> bool:
        return self.tracker is not None and self.tracker.result is None

    # -- stages ------------------------------------------------------------------------------------

    def on_stage_start(self, stage: str, *, placement: JobIdentity | None = None) -> Tracker:
        """Start a run for ``stage`` and open the phase named ``stage``.

        A stage that starts while another runs (validation inside ``fit``) is a phase nested in the
        open one (``epoch-3 > validate``), ended by its own ``on_stage_end``.
        """
        from mlfootprint.tracking.entry import track

        if not self.running:
            kwargs = dict(self.track_kwargs)
            kwargs.setdefault("name", stage)
            if placement is not None:
                kwargs["placement"] = placement
            made = track(**kwargs)
            self.tracker = made.start()
            self._stage = stage
            logger.info("mlfootprint: tracking run %s (%s)", made.id, stage)
        assert self.tracker is not None
        if self._stage_phase is None:
            self._stage_phase = self.tracker.phase(stage).__enter__()
        elif stage != self._stage and stage not in self._nested:
            self._nested[stage] = self.tracker.phase(stage).__enter__()
        return self.tracker

    def on_stage_end(self, stage: str) -> RunRecord | None:
        """Close the stage's phase; stop the run (``finished``) when this stage started it."""
        if not self.running:
            return None
        nested = self._nested.pop(stage, None)
        if nested is not None:
            nested.__exit__(None, None, None)
            return None
        if stage != self._stage:
            return None
        return self._stop("finished")

    def on_exception(self, exc: BaseException) -> RunRecord | None:
        """Stop the run as ``failed`` (``interrupted`` for Ctrl-C) with the exception's type and message.

        Never hides the training's own error: a failure to save is a warning.
        """
        status: RunStatus = "interrupted" if isinstance(exc, KeyboardInterrupt) else "failed"
        try:
            return self._stop(status, exc)
        except TrackerError as error:
            warnings.warn(str(error), RuntimeWarning, stacklevel=2)
            return None

    # -- epochs and batches ------------------------------------------------------------------------

    def on_epoch_start(self, epoch: int) -> None:
        """Open the phase ``epoch-N`` (ending the previous epoch's phase if it is still open)."""
        if not self.running:
            return
        self._end_epoch()
        assert self.tracker is not None
        phase = self.tracker.phase(f"epoch-{epoch}")
        phase.__enter__()
        self._epoch_phase = phase

    def on_epoch_end(self) -> PhaseRecord | None:
        """End the open epoch's phase and return its record."""
        return self._end_epoch()

    def epoch_metrics(self, phase: PhaseRecord | None) -> dict[str, float]:
        """The metrics to log for an epoch just ended (empty when nothing is running)."""
        if phase is None or not self.running:
            return {}
        assert self.tracker is not None
        return epoch_metrics(phase, self.tracker.snapshot())

    def on_batch_end(self, batch: Any = None, **work: float | None) -> None:
        """After every training batch: count ``batch`` (samples, tokens) and the counts given."""
        if not self.running:
            return
        from mlfootprint.integrations import work as w

        if batch is not None:
            w.count_batch(self.tracker, batch)
        given = {k: v for k, v in work.items() if v is not None}
        if given:
            assert self.tracker is not None
            self.tracker.count(**given)

    def on_model(self, model: Any) -> None:
        """Record the model's parameter count (for the "cost of the result")."""
        if self.running:
            from mlfootprint.integrations import work as w

            w.set_parameters(self.tracker, model)

    def on_metrics(self, metrics: Any, step: int | None = None) -> None:
        """Log the finite numbers of ``metrics`` (validation accuracy, loss, ...) as quality metrics."""
        if self.running:
            from mlfootprint.integrations import work as w

            w.log_metrics(self.tracker, dict(metrics or {}), step=step)

    def on_progress(self, done: float, total: float | None, *, throttle: bool = False) -> None:
        """``done`` of ``total`` epochs or steps: predict the run (logged) and check its budget."""
        if self.running:
            from mlfootprint.integrations import work as w

            w.report_progress(self.tracker, done, total, throttle=throttle)

    def should_stop(self) -> bool:
        """Whether training should stop now: the run's budget is exceeded under ``on_exceed="stop"``."""
        reason = self.tracker.stop_requested if self.running and self.tracker is not None else None
        if reason is not None and not getattr(self, "_stop_logged", False):
            self._stop_logged = True
            logger.warning("mlfootprint: %s; stopping training", reason)
        return reason is not None

    # -- guard -------------------------------------------------------------------------------------

    @contextmanager
    def guard(self) -> Iterator[TrackingHooks]:
        """Stop the run as failed when the block raises (for trainers with no exception hook).

        Yields the hooks: after the block, ``result`` holds the run's record, failed or finished.
        """
        try:
            yield self
        except BaseException as exc:
            if self.running:
                self.on_exception(exc)
            raise

    # -- internals ---------------------------------------------------------------------------------

    def _end_epoch(self) -> PhaseRecord | None:
        phase, self._epoch_phase = self._epoch_phase, None
        if phase is None or not self.running:
            return None
        phase.__exit__(None, None, None)
        return phase.record

    def _stop(self, status: RunStatus, error: BaseException | None = None) -> RunRecord | None:
        if not self.running:
            return None
        assert self.tracker is not None
        self._end_epoch()
        self._stage_phase = self._stage = None  # phases still open are closed by stop()
        self._nested = {}
        record = self.tracker.stop(status=status, error=error)
        self.result = record
        logger.info(
            "mlfootprint: run %s %s: %.4g kWh, %.4g kg CO2e",
            record.id, status, kwh_from_j(record.energy_j), kg_from_g(record.co2e_g),
        )  # fmt: skip
        return record
