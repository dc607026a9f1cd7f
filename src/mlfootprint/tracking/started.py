"""A started run: its sampler and phases, its record built from the latest readings, and its saves.

``Tracker`` owns the lifecycle (options, opening the meters and the ledger, start, stop, the context
manager and decorator); once it has started a run it hands the rest to a ``StartedRun``:

* ``record()`` builds the run's record from a reading: components, phases, factors, the time-resolved
  intensity over the samples so far, the work book's counts and the start plan's schedule;
* ``flush()`` (the sampler's heartbeat) and ``final_save()`` store what the ledger does not hold yet —
  the phases ended since the last save and the samples that left the recent window (``FlushState``) —
  through ``SaveGuard``, so that a failed save changes no state and its retry writes everything;
* every sink receives the run as it is stored.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from mlfootprint.clock import Clock
from mlfootprint.meters.base import Meter
from mlfootprint.records import RunRecord, RunStatus, Sample
from mlfootprint.tracking import run_work
from mlfootprint.tracking.factors import Factors
from mlfootprint.tracking.incremental import FlushState
from mlfootprint.tracking.phases import PhaseBook
from mlfootprint.tracking.record import RunInfo, build_record, components_from_readings, samples_from_raw
from mlfootprint.tracking.sampler import RawSample, Sampler
from mlfootprint.tracking.saving import SaveGuard
from mlfootprint.tracking.sinks import SinkSet
from mlfootprint.tracking.timeresolved import SeriesTotals, add_batch, series_intensity
from mlfootprint.work.book import WorkBook

if TYPE_CHECKING:
    from mlfootprint.intensity.base import IntensitySeries
    from mlfootprint.reduce.schedule import StartPlan
    from mlfootprint.store import RunStore

__all__ = ["StartedRun"]


class StartedRun:
    """One run from its start to its final save (see the module docstring).

    Args:
        info: what the run is (id, project, start time, job, ...).
        meters: the meters it reads (in the order of the record's components).
        factors: its PUE and annual intensity; ``series`` the time-resolved intensity, if any.
        work: its ``WorkBook``; ``start_plan`` the deferred start's plan, if any.
        store: the open ledger; ``sinks`` what else receives the run; ``saving`` the save guard.
        clock: the clock; ``t0_s`` the monotonic time of the start.
        interval_s, flush_interval_s, keep_samples: the sampler's period, the flush period, and how many
            recent samples per meter are kept whole.
        extra: notes gathered while opening the meters (job placement, meters unavailable).
    """

    def __init__(
        self,
        info: RunInfo,
        meters: Sequence[Meter],
        *,
        factors: Factors,
        series: IntensitySeries | None,
        work: WorkBook,
        start_plan: StartPlan | None,
        store: RunStore,
        sinks: SinkSet,
        saving: SaveGuard,
        clock: Clock,
        t0_s: float,
        interval_s: float,
        flush_interval_s: float,
        keep_samples: int | None,
        extra: Mapping[str, object],
    ) -> None:
        self.info = info
        self.meters = tuple(meters)
        self.factors = factors
        self.series = series
        self.work = work
        self.start_plan = start_plan
        self.store = store
        self.sinks = sinks
        self.saving = saving
        self.clock = clock
        self.t0_s = t0_s
        self.interval_s = interval_s
        self.extra: dict[str, object] = dict(extra)
        #: the exception the run failed with: (type name, message)
        self.error: tuple[str, str] | None = None
        meter_ids = [m.meter_id for m in self.meters]
        self._previous: list[tuple[float, float]] = [(0.0, 0.0)] * len(self.meters)
        self._stored = FlushState(meter_ids, keep_samples=keep_samples)
        self._totals = SeriesTotals.empty(len(self.meters))
        self.sampler = Sampler(
            self.meters,
            clock=clock,
            t0_s=t0_s,
            interval_s=interval_s,
            flush_interval_s=flush_interval_s,
            flush=self.flush,
            name=f"mlfootprint-sampler-{info.id[-6:]}",
        )
        self.phases = PhaseBook(meter_ids, self.sampler.read_all, clock)

    def first_series_intensity(self) -> str | None:
        """Why the series cannot be used from the run's start (``None`` when it can, or without one)."""
        if self.series is None:
            return None
        first = series_intensity(
            self._totals, self.series, annual_kind=self.factors.intensity_kind,
            started_at=self.info.started_at, now=self.info.started_at,
        )  # fmt: skip
        return first.fallback_reason

    def elapsed_s(self) -> float:
        """Seconds since the start (monotonic)."""
        return self.clock.monotonic() - self.t0_s

    # -- the record ---------------------------------------------------------------------------------

    def record(
        self,
        status: RunStatus,
        exit_code: int | None,
        energies_j: Sequence[float],
        *,
        final: bool,
        batch: Sequence[RawSample] = (),
    ) -> tuple[RunRecord, SeriesTotals]:
        """The record from ``energies_j`` and the series totals with ``batch`` added (not yet kept)."""
        now = self.clock.now()
        components = components_from_readings(self.meters, energies_j, interval_s=self.interval_s)
        extra: dict[str, object] = dict(self.extra)
        extra["samples_taken"] = self.sampler.samples_taken
        if final:
            extra["sampler_cpu_s"] = self.sampler.thread_cpu_s
        totals, resolved = self._totals, None
        if self.series is not None:
            start_s = self.info.started_at.timestamp()
            totals = add_batch(totals, batch, series=self.series, started_at_s=start_s)
            resolved = series_intensity(
                totals, self.series, annual_kind=self.factors.intensity_kind,
                started_at=self.info.started_at, now=now,
            )  # fmt: skip
        record = build_record(
            self.info,
            self.factors,
            components=components,
            phases=self.phases.ended,
            status=status,
            exit_code=exit_code,
            duration_s=self.elapsed_s(),
            ended_at=now if final else None,
            heartbeat_at=now,
            extra=extra,
            series=resolved,
        )
        if self.error is not None:
            record = replace(record, error_type=self.error[0], error_message=self.error[1])
        record = run_work.with_work(self.work, record, final=final, batch=batch)
        if self.start_plan is not None and self.series is not None:
            from mlfootprint.tracking.deferred import schedule_extra

            schedule = schedule_extra(self.start_plan, self.series, record)
            record = replace(record, extra={**record.extra, "schedule": schedule})
        return record, totals

    def snapshot(self) -> RunRecord:
        """The run so far (status ``running``), from the latest readings; nothing is saved."""
        sampler = self.sampler
        return self.record(
            "running", None, sampler.last_energies_j(), final=False, batch=sampler.peek_pending()
        )[0]

    # -- saving -------------------------------------------------------------------------------------

    def save(self, record: RunRecord, batch: list[RawSample]) -> list[Sample]:
        """Save ``record`` and the samples of ``batch``: only what the ledger does not hold yet.

        The phases ended since the last successful save and the samples that left the recent window
        (``FlushState``) are part of the same save; a failed save changes none of that state, so its retry
        (with the same samples handed back, and any newer ones) writes them all.
        """
        previous = list(self._previous)
        samples = samples_from_raw(
            self.meters, batch, started_at=self.info.started_at, previous=self._previous
        )
        options = self._stored.options(record, batch)
        try:
            self.saving.save(self.store, record, samples, **options)
        except BaseException:
            self._previous = previous  # the same samples are handed back at the next attempt
            raise
        self._stored.saved(record, batch, options)
        return samples

    def flush(self, batch: list[RawSample]) -> None:
        """Save the totals so far (status ``running``) and the new samples: the heartbeat."""
        energies_j = self.sampler.last_energies_j()
        record, totals = self.record("running", None, energies_j, final=False, batch=batch)
        samples = self.save(record, batch)  # a failed save leaves every state as it was, for the retry
        self._totals = totals
        self.sinks.flush(record, samples)
        self.work.observe(batch)
        self.work.check(used_energy_j=record.energy_j, used_co2e_g=record.co2e_g)

    def final_save(self, record: RunRecord) -> None:
        """Store the final ``record`` with the samples still pending, retried (``SaveGuard.final``)."""
        sampler, sinks = self.sampler, self.sinks
        self.saving.final(
            lambda: sampler.final_flush(lambda batch: sinks.flush(record, self.save(record, batch)))
        )
