"""The framework-free part of the training callbacks: when to start, phase and stop a tracker."""

from __future__ import annotations

import logging
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from mlfootprint.errors import MlfootprintError, TrackerError
from mlfootprint.units import kg_from_g, kwh_from_j

if TYPE_CHECKING:
    from mlfootprint.records import PhaseRecord, RunRecord, RunStatus
    from mlfootprint.tracking.phases import Phase
    from mlfootprint.tracking.tracker import Tracker

__all__ = ["run_metrics"]

logger = logging.getLogger(__name__)


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


class _TrackingHooks:
    """Start a ``Tracker`` at train start, one phase per epoch, stop at train end or on an exception.

    Each training (``fit``/``train`` call) is its own run. The tracker's options are checked when the
    hooks are made, so a bad region or PUE fails before training starts.

    Args:
        make_tracker: builds a new, unstarted tracker (``lambda: track(**track_kwargs)``).
    """

    def __init__(self, make_tracker: Callable[[], Tracker]) -> None:
        self._make = make_tracker
        self._next: Tracker | None = make_tracker()
        self.tracker: Tracker | None = None
        self._phase: Phase | None = None

    @classmethod
    def from_kwargs(cls, **track_kwargs: Any) -> _TrackingHooks:
        """Hooks whose trackers are ``track(**track_kwargs)``."""
        from mlfootprint.tracking.tracker import track

        return cls(lambda: track(**track_kwargs))

    @property
    def running(self) -> bool:
        return self.tracker is not None and self.tracker.result is None

    def on_train_start(self) -> Tracker:
        """Start a new run (or keep the running one, if train start is signalled twice)."""
        if self.tracker is not None and self.tracker.result is None:
            return self.tracker
        tracker = self._next if self._next is not None else self._make()
        self._next = None
        tracker.start()
        self.tracker = tracker
        logger.info("mlfootprint: tracking run %s", tracker.id)
        return tracker

    def on_epoch_start(self, epoch: int) -> None:
        """Open the phase ``epoch-N`` (ending the previous epoch's phase if it is still open)."""
        if not self.running:
            return
        self._end_phase()
        assert self.tracker is not None
        phase = self.tracker.phase(f"epoch-{epoch}")
        phase.__enter__()
        self._phase = phase

    def on_epoch_end(self) -> PhaseRecord | None:
        """End the open epoch's phase and return its record."""
        return self._end_phase()

    def on_train_end(self) -> RunRecord | None:
        """Stop the run as ``finished`` and return its record (``None`` when nothing was running)."""
        return self._stop("finished")

    def on_exception(self, exc: BaseException) -> RunRecord | None:
        """Stop the run as ``failed`` (``interrupted`` for Ctrl-C); never hides the training's error."""
        status: RunStatus = "interrupted" if isinstance(exc, KeyboardInterrupt) else "failed"
        try:
            return self._stop(status)
        except TrackerError as error:
            warnings.warn(str(error), RuntimeWarning, stacklevel=2)
            return None

    @contextmanager
    def guard(self) -> Iterator[None]:
        """Stop the run as failed when the block raises (for trainers with no exception hook)."""
        try:
            yield
        except BaseException as exc:
            if self.running:
                self.on_exception(exc)
            raise

    def _end_phase(self) -> PhaseRecord | None:
        phase, self._phase = self._phase, None
        if phase is None or not self.running:
            return None
        phase.__exit__(None, None, None)
        return phase.record

    def _stop(self, status: RunStatus) -> RunRecord | None:
        if not self.running:
            return None
        assert self.tracker is not None
        self._end_phase()
        record = self.tracker.stop(status=status)
        logger.info(
            "mlfootprint: run %s %s: %.4g kWh, %.4g kg CO2e",
            record.id,
            status,
            kwh_from_j(record.energy_j),
            kg_from_g(record.co2e_g),
        )
        return record
