"""Track the energy and CO2e of a block of code, a function or a whole process.

::

    with mlfootprint.track(project="bert", region="FR") as run:
        for epoch in range(3):
            with run.phase(f"epoch-{epoch}"):
                train_one_epoch()
    print(run.result.co2e_g)

One background sampler thread reads every meter each ``interval_s`` and flushes the run (totals so far,
status ``running``, a heartbeat) and its new samples to the ledger at least every ``flush_interval_s``;
``stop()`` takes a last reading, saves the final record and returns it.
"""

from __future__ import annotations

import functools
import os
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypeVar

from mlfootprint.clock import Clock, SystemClock
from mlfootprint.config import load_settings
from mlfootprint.errors import InvalidValueError, TrackerError
from mlfootprint.meters.base import Meter, MeterProvider
from mlfootprint.records import RunRecord, RunStatus
from mlfootprint.tracking.factor_cache import cached_factors
from mlfootprint.tracking.factors import Factors
from mlfootprint.tracking.phases import Phase, PhaseBook
from mlfootprint.tracking.record import RunInfo, build_record, components_from_readings, samples_from_raw
from mlfootprint.tracking.sampler import MIN_INTERVAL_S, RawSample, Sampler
from mlfootprint.tracking.timeresolved import (
    SeriesFallbackWarning,
    SeriesTotals,
    add_batch,
    load_series,
    series_intensity,
)

if TYPE_CHECKING:
    from mlfootprint.intensity.base import IntensitySeries, SeriesSet
    from mlfootprint.reduce.schedule import StartPlan
    from mlfootprint.store import RunStore
    from mlfootprint.tracking.incremental import FlushState

__all__ = ["Tracker", "track"]

F = TypeVar("F", bound=Callable[..., Any])

#: how long stop() waits for the sampler thread
JOIN_TIMEOUT_S = 5.0


def _hostname() -> str:
    from mlfootprint.store.liveness import this_host

    return this_host()


class Tracker:
    """Measures one run. Use as a context manager, a decorator, or with ``start()`` / ``stop()``.

    Args:
        project: project the run belongs to (default: settings, else ``"default"``).
        name: the run's name (default: the decorated function's name, else ``"run"``).
        region: grid region for the carbon intensity (country, subnational grid or cloud region).
        pue: a PUE number, or a datacenter/operator name whose published PUE to use.
        tags: free-form labels stored with the run.
        interval_s: seconds between samples (default 1 s, at least 0.05 s).
        flush_interval_s: the run is saved at least this often while it runs (default 10 s).
        scope: ``"machine"`` (every process) or ``"process"`` (the tracked process tree) for estimates.
        db: the ledger's URL (``sqlite:///path`` or ``postgresql://...``); default per-user SQLite file.
        meters: meters to read instead of discovering them (the caller keeps ownership).
        clock: the clock (tests pass a ``FakeClock``).
        store: an open ``RunStore`` to save to instead of opening ``db`` (the caller keeps ownership).
        providers: meter providers to open instead of the default discovery order.
        pid: the process whose tree ``scope="process"`` measures (default: this process); the
            ``pid`` attribute may also be set after construction, before ``start()``.
        command: the command line being tracked (stored with the run).
        intensity_series: an intensity series (a CSV path, a ``SeriesSet`` or an ``IntensitySeries``);
            when it covers the whole run, CO2e is time-resolved (each sample interval's energy at that
            interval's intensity); otherwise the annual figure is used and the record says why.
        zone: the series' zone (column); alone, without a series, the shipped 2022 subset is used.
        start_plan: the plan the run was deferred by (``reduce.schedule.plan_start`` on the same
            series); the record's ``extra["schedule"]`` then compares the run with starting at once.
        keep_samples: samples per meter kept at full resolution (default 10,000); older ones are
            folded into 5-minute aggregates with exact energy; ``"all"`` keeps every sample.

    Unspecified settings come from ``MLFOOTPRINT_*`` environment variables, then the config file
    (``MLFOOTPRINT_SERIES`` and ``MLFOOTPRINT_ZONE`` for the series).

    Raises:
        UnknownNameError: unknown region, datacenter or zone (before anything is measured).
        InvalidValueError: a bad interval, PUE or scope, or a start plan without a series.
        SeriesError: the series file is unreadable or malformed.
    """

    def __init__(
        self,
        *,
        project: str | None = None,
        name: str | None = None,
        region: str | None = None,
        pue: float | str | None = None,
        tags: Mapping[str, str] | None = None,
        interval_s: float | None = None,
        flush_interval_s: float | None = None,
        scope: str | None = None,
        db: str | None = None,
        meters: Sequence[Meter] | None = None,
        clock: Clock | None = None,
        store: RunStore | None = None,
        providers: Sequence[MeterProvider] | None = None,
        pid: int | None = None,
        command: Sequence[str] = (),
        intensity_series: str | Path | IntensitySeries | SeriesSet | None = None,
        zone: str | None = None,
        start_plan: StartPlan | None = None,
        keep_samples: int | str | None = None,
    ) -> None:
        datacenter: str | None = None
        pue_value: float | None = None
        if isinstance(pue, str):
            try:
                pue_value = float(pue)
            except ValueError:
                datacenter = pue
        elif pue is not None:
            pue_value = float(pue)
        if pue_value is not None and not pue_value >= 1.0:
            raise InvalidValueError("pue", pue, "must be a number of at least 1.0")
        if interval_s is not None and not interval_s >= MIN_INTERVAL_S:
            raise InvalidValueError("interval_s", interval_s, f"must be at least {MIN_INTERVAL_S} s")
        if flush_interval_s is not None and not flush_interval_s > 0:
            raise InvalidValueError(
                "flush_interval_s", flush_interval_s, "must be a positive number of seconds"
            )
        if scope is not None and scope not in ("machine", "process"):
            raise InvalidValueError("scope", scope, "must be 'machine' or 'process'")
        self._options: dict[str, Any] = dict(
            project=project, name=name, region=region, pue=pue, tags=tags, interval_s=interval_s,
            flush_interval_s=flush_interval_s, scope=scope, db=db, meters=meters, clock=clock, store=store,
            providers=providers, pid=pid, command=command, intensity_series=intensity_series, zone=zone,
            start_plan=start_plan, keep_samples=keep_samples,
        )  # fmt: skip
        self.settings = load_settings(
            project=project,
            region=region,
            pue=pue_value,
            interval_s=interval_s,
            flush_interval_s=flush_interval_s,
            scope=scope,
            db=db,
            series=str(intensity_series) if isinstance(intensity_series, (str, Path)) else None,
            zone=zone,
            keep_samples=keep_samples,
        )
        self.series = self._load_series(intensity_series)
        if start_plan is not None and self.series is None:
            raise InvalidValueError(
                "start_plan", start_plan.start, "needs intensity_series= (the series it was planned on)"
            )
        self.start_plan = start_plan
        series_zone = self.series.zone if self.series is not None else None
        self.factors: Factors = cached_factors(self.settings, datacenter=datacenter, series_zone=series_zone)
        self.name = name
        self.tags = dict(tags or {})
        self._clock: Clock = clock or SystemClock()
        self._given_meters = tuple(meters) if meters is not None else None
        self._given_store = store
        self._providers = tuple(providers) if providers is not None else None
        self.pid = pid
        self._command = tuple(command)
        self._store: RunStore | None = None
        self._meters: tuple[Meter, ...] = ()
        self._sampler: Sampler | None = None
        self._phases: PhaseBook | None = None
        self._info: RunInfo | None = None
        self._t0_s = 0.0
        self._previous: list[tuple[float, float]] = []
        self._extra: dict[str, object] = {}
        self._totals = SeriesTotals()
        self._fallback_warned = False
        self._stored: FlushState | None = None
        self.id: str | None = None
        self.result: RunRecord | None = None

    def _load_series(self, given: str | Path | IntensitySeries | SeriesSet | None) -> IntensitySeries | None:
        spec = given if given is not None else self.settings.series
        if spec is None and self.settings.zone:
            from mlfootprint.intensity.embedded import embedded_series

            spec = embedded_series()
        return None if spec is None else load_series(spec, self.settings.zone)

    # -- lifecycle ---------------------------------------------------------------------------------

    def start(self) -> Tracker:
        """Open the meters and the ledger, save the run as ``running`` and start sampling.

        Issues ``NoRegionWarning`` when no region is known (the world average is used).
        """
        if self._info is not None:
            raise TrackerError("this tracker was already started; make a new one for another run")
        from mlfootprint.store import new_run_id, open_store
        from mlfootprint.tracking.factors import NoRegionWarning
        from mlfootprint.tracking.incremental import FlushState

        for message in self.factors.warnings:
            warnings.warn(message, NoRegionWarning, stacklevel=2)
        settings = self.settings
        opened_store = self._given_store is None
        self._store = self._given_store or open_store(settings.db)
        try:
            self._meters = self._open_meters()
        except BaseException:
            if opened_store:
                self._store.close()
            raise
        clock = self._clock
        self._t0_s = clock.monotonic()
        self.id = new_run_id()
        self._info = RunInfo(
            id=self.id,
            project=settings.project,
            name=self.name or "run",
            tags=self.tags,
            started_at=clock.now(),
            interval_s=settings.interval_s,
            flush_interval_s=settings.flush_interval_s,
            scope=settings.scope,
            command=self._command,
            hostname=_hostname(),
            pid=os.getpid(),
        )
        self._previous = [(0.0, 0.0)] * len(self._meters)
        self._stored = FlushState([m.meter_id for m in self._meters], keep_samples=settings.keep_samples)
        self._totals = SeriesTotals.empty(len(self._meters))
        if self.series is not None:
            first = series_intensity(
                self._totals, self.series, annual_kind=self.factors.intensity_kind,
                started_at=self._info.started_at, now=self._info.started_at,
            )  # fmt: skip
            if first.fallback_reason is not None:
                self._fallback_warned = True
                warnings.warn(first.fallback_reason, SeriesFallbackWarning, stacklevel=2)
        self._sampler = Sampler(
            self._meters,
            clock=clock,
            t0_s=self._t0_s,
            interval_s=settings.interval_s,
            flush_interval_s=settings.flush_interval_s,
            flush=self._flush,
            name=f"mlfootprint-sampler-{self.id[-6:]}",
        )
        self._phases = PhaseBook([m.meter_id for m in self._meters], self._sampler.read_all, clock)
        self._sampler.start()  # its first act is a flush: the run is in the ledger from its first moment
        return self

    def _open_meters(self) -> tuple[Meter, ...]:
        if self._given_meters is not None:
            meters = self._given_meters
        else:
            from mlfootprint.meters.discovery import default_providers, open_meters

            providers = self._providers or default_providers(
                scope=self.settings.scope, pid=self.pid if self.pid is not None else os.getpid()
            )
            meter_set = open_meters(providers, clock=self._clock)
            meters = tuple(meter_set.meters)
            self._extra["meters_unavailable"] = [
                f"{p.provider}: {p.reason}" for p in meter_set.probes if not p.available
            ]
        if not meters:
            reasons = "; ".join(self._extra.get("meters_unavailable", []) or ["no meters given"])  # type: ignore[arg-type]
            raise TrackerError(f"no energy meter could be opened here ({reasons}); see `mlfootprint doctor`")
        return tuple(meters)

    def stop(self, *, status: RunStatus = "finished", exit_code: int | None = None) -> RunRecord:
        """Take a last reading, save the final record and return it (also in ``result``).

        Raises:
            TrackerError: not started, already stopped, or the sampler failed while running (the run
                is saved first, with everything measured until the failure).
            StoreError: the final save failed.
        """
        if self._info is None or self._sampler is None or self._phases is None:
            raise TrackerError("this tracker was not started")
        if self.result is not None:
            raise TrackerError(f"run {self.id} was already stopped")
        sampler = self._sampler
        ended = sampler.stop(timeout_s=JOIN_TIMEOUT_S)
        final_j = sampler.read_all(timeout_s=1.0)
        self._phases.close_all(final_j)
        if not ended:
            self._extra["sampler_stuck"] = f"the sampler thread did not end within {JOIN_TIMEOUT_S} s"
        if sampler.error is not None:
            self._extra["sampler_error"] = f"{type(sampler.error).__name__}: {sampler.error}"
        record, _ = self._record(status, exit_code, final_j, final=True, batch=sampler.peek_pending())
        try:
            if self._store is not None:
                sampler.final_flush(lambda batch: self._save(record, batch))
        finally:
            self.result = record
            self._close()
        reason = record.extra.get("intensity_fallback_reason")
        if reason and not self._fallback_warned:
            warnings.warn(str(reason), SeriesFallbackWarning, stacklevel=2)
        if sampler.error is not None:
            raise TrackerError(
                f"run {record.id}: a meter failed while sampling ({self._extra['sampler_error']}); "
                "the run was saved with the readings up to the failure"
            ) from sampler.error
        return record

    def _close(self) -> None:
        if self._given_meters is None:
            for meter in self._meters:
                meter.close()
        if self._given_store is None and self._store is not None:
            self._store.close()

    # -- records -----------------------------------------------------------------------------------

    def _record(
        self,
        status: RunStatus,
        exit_code: int | None,
        energies_j: Sequence[float],
        *,
        final: bool,
        batch: Sequence[RawSample] = (),
    ) -> tuple[RunRecord, SeriesTotals]:
        """The record from ``energies_j`` and the series totals with ``batch`` added (not yet kept)."""
        assert self._info is not None and self._phases is not None and self._sampler is not None
        clock = self._clock
        now = clock.now()
        components = components_from_readings(self._meters, energies_j, interval_s=self.settings.interval_s)
        extra: dict[str, object] = dict(self._extra)
        extra["samples_taken"] = self._sampler.samples_taken
        if final:
            extra["sampler_cpu_s"] = self._sampler.thread_cpu_s
        totals, resolved = self._totals, None
        if self.series is not None:
            start_s = self._info.started_at.timestamp()
            totals = add_batch(totals, batch, series=self.series, started_at_s=start_s)
            resolved = series_intensity(
                totals, self.series, annual_kind=self.factors.intensity_kind,
                started_at=self._info.started_at, now=now,
            )  # fmt: skip
        record = build_record(
            self._info,
            self.factors,
            components=components,
            phases=self._phases.ended,
            status=status,
            exit_code=exit_code,
            duration_s=clock.monotonic() - self._t0_s,
            ended_at=now if final else None,
            heartbeat_at=now,
            extra=extra,
            series=resolved,
        )
        if self.start_plan is not None and self.series is not None:
            from mlfootprint.tracking.deferred import schedule_extra

            schedule = schedule_extra(self.start_plan, self.series, record)
            record = replace(record, extra={**record.extra, "schedule": schedule})
        return record, totals

    def _save(self, record: RunRecord, batch: list[RawSample]) -> None:
        assert self._store is not None and self._info is not None and self._stored is not None
        samples = samples_from_raw(
            self._meters, batch, started_at=self._info.started_at, previous=self._previous
        )
        options = self._stored.options(record, batch)
        self._store.save(record, samples, **options)
        self._stored.saved(record, batch, options)

    def _flush(self, batch: list[RawSample]) -> None:
        """Save the totals so far (status ``running``) and the new samples: the heartbeat."""
        assert self._sampler is not None
        energies_j = self._sampler.last_energies_j()
        record, totals = self._record("running", None, energies_j, final=False, batch=batch)
        previous = list(self._previous)
        try:
            self._save(record, batch)
        except BaseException:
            self._previous = previous
            raise
        self._totals = totals

    def snapshot(self) -> RunRecord:
        """The run so far (status ``running``), from the latest readings; nothing is saved."""
        if self._sampler is None:
            raise TrackerError("this tracker was not started")
        sampler = self._sampler
        return self._record(
            "running", None, sampler.last_energies_j(), final=False, batch=sampler.peek_pending()
        )[0]

    # -- phases, context manager, decorator --------------------------------------------------------

    def phase(self, name: str) -> Phase:
        """A named window of this run, as a context manager (nestable): ``with run.phase("epoch-3"):``."""
        if self._phases is None or self.result is not None:
            raise TrackerError(f"phase {name!r}: the tracker is not running")
        return Phase(self._phases, name)

    @property
    def sampler(self) -> Sampler | None:
        """The sampler (for its counters: ``samples_taken``, ``flushes``, ``thread_cpu_s``)."""
        return self._sampler

    def __enter__(self) -> Tracker:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if exc_type is None:
            self.stop()
            return
        status: RunStatus = "interrupted" if issubclass(exc_type, KeyboardInterrupt) else "failed"
        try:
            self.stop(status=status)
        except TrackerError as error:  # the body's own exception is the one to propagate
            warnings.warn(str(error), RuntimeWarning, stacklevel=2)

    def __call__(self, func: F) -> F:
        """Use as a decorator: each call of ``func`` is tracked as its own run."""
        options = dict(self._options)
        options["name"] = options["name"] or func.__qualname__

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with Tracker(**options):
                return func(*args, **kwargs)

        return wrapper  # type: ignore[return-value]


def track(
    *,
    project: str | None = None,
    name: str | None = None,
    region: str | None = None,
    pue: float | str | None = None,
    tags: Mapping[str, str] | None = None,
    interval_s: float | None = None,
    flush_interval_s: float | None = None,
    scope: str | None = None,
    db: str | None = None,
    meters: Sequence[Meter] | None = None,
    clock: Clock | None = None,
    store: RunStore | None = None,
    intensity_series: str | Path | IntensitySeries | SeriesSet | None = None,
    zone: str | None = None,
    keep_samples: int | str | None = None,
) -> Tracker:
    """Track a block (``with track(...) as run:``) or a function (``@track(...)``); see ``Tracker``."""
    return Tracker(
        project=project, name=name, region=region, pue=pue, tags=tags, interval_s=interval_s,
        flush_interval_s=flush_interval_s, scope=scope, db=db, meters=meters, clock=clock, store=store,
        intensity_series=intensity_series, zone=zone, keep_samples=keep_samples,
    )  # fmt: skip
