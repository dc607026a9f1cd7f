# size: the run's lifecycle: start, stop, at-exit, context manager, decorator, and its phase and work methods
"""Track the energy and CO2e of a block of code, a function or a whole process.

::

    with mlfootprint.track(project="bert", region="FR") as run:
        for epoch in range(3):
            with run.phase(f"epoch-{epoch}"):
                train_one_epoch()
    print(run.result.co2e_g)

One background sampler thread reads every meter each ``interval_s`` and flushes the run (totals so far,
status ``running``, a heartbeat) and its new samples to the ledger at least every ``flush_interval_s``;
``stop()`` takes a last reading, saves the final record and returns it. This module is the run's
lifecycle; building the record from readings and saving it belong to the started run
(``tracking.started``).
"""

from __future__ import annotations

import atexit
import functools
import os
import sys
import warnings
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypeVar

from mlfootprint.clock import Clock, SystemClock
from mlfootprint.errors import MlfootprintError, StoreError, TrackerError
from mlfootprint.meters.base import Meter, MeterProvider
from mlfootprint.records import RunRecord, RunStatus
from mlfootprint.tracking import run_work
from mlfootprint.tracking.factors import Factors
from mlfootprint.tracking.job import JobIdentity, detect_job
from mlfootprint.tracking.options import TrackerOptions, resolve_options
from mlfootprint.tracking.phases import Phase
from mlfootprint.tracking.record import RunInfo
from mlfootprint.tracking.sampler import Sampler
from mlfootprint.tracking.saving import SaveGuard
from mlfootprint.tracking.sinks import RunSink, SinkSet, with_prometheus
from mlfootprint.tracking.started import StartedRun
from mlfootprint.tracking.timeresolved import SeriesFallbackWarning
from mlfootprint.work.book import WorkBook

if TYPE_CHECKING:
    from mlfootprint.store import RunStore
    from mlfootprint.work.predict import Prediction

__all__ = ["Tracker", "TrackerOptions"]

F = TypeVar("F", bound=Callable[..., Any])

#: how long stop() waits for the sampler thread
JOIN_TIMEOUT_S = 5.0


def _hostname() -> str:
    from mlfootprint.store.liveness import this_host

    return this_host()


class Tracker:
    """Measures one run. Use as a context manager, a decorator, or with ``start()`` / ``stop()``.

    Args:
        options: the run's options (``TrackerOptions``; default: everything from the environment,
            the config file and the defaults). ``mlfootprint.track(...)`` builds them from keywords.
        meters: meters to read instead of discovering them (the caller keeps ownership).
        store: an open ``RunStore`` to save to instead of opening ``options.db`` (the caller keeps it).
        clock: the clock (tests pass a ``FakeClock``).
        providers: meter providers to open instead of the default discovery order.
        env: the environment the options and the job identity are resolved from (default ``os.environ``).
        sinks: what else receives the run while it runs (``tracking.sinks.RunSink``: Prometheus,
            MLflow, W&B, TensorBoard, ...); a failing sink is reported once and never stops the run.
        The run's options include ``live`` (``"electricitymaps"``, ``"uk"`` or ``"watttime"``, or an object
        with ``series(zone, start, end)``): at stop, the run's CO2e uses that provider's intensity over the
        run's window (``tracking.liveintensity``), with a visible fallback when it fails.

    The ``pid`` attribute (the process ``scope="process"`` measures) may be set before ``start()``.

    Raises:
        UnknownNameError: unknown region, datacenter or zone (before anything is measured).
        InvalidValueError: a start plan without a series.
        SeriesError: the series file is unreadable or malformed.
    """

    def __init__(
        self,
        options: TrackerOptions | None = None,
        *,
        meters: Sequence[Meter] | None = None,
        store: RunStore | None = None,
        clock: Clock | None = None,
        providers: Sequence[MeterProvider] | None = None,
        env: Mapping[str, str] | None = None,
        sinks: Sequence[RunSink] = (),
    ) -> None:
        self.options = options if options is not None else TrackerOptions()
        self._env: Mapping[str, str] = os.environ if env is None else env
        resolved = resolve_options(self.options, env=self._env, now=(clock or SystemClock()).now())
        self.settings = resolved.settings
        self.series = resolved.series
        self.factors: Factors = resolved.factors
        self.start_plan = self.options.start_plan
        self.name = self.options.name
        self.tags = dict(self.options.tags)
        self.live = self.options.live
        #: FLOPs, counts, metrics, predictions and the budget of this run (``mlfootprint.work``)
        self.work = WorkBook(budget=self.options.budget)
        self._clock: Clock = clock or SystemClock()
        self._given_meters = tuple(meters) if meters is not None else None
        self._given_store = store
        self._providers = tuple(providers) if providers is not None else None
        self.pid = self.options.pid
        self._command = tuple(self.options.command)
        self.job: JobIdentity = self.options.placement or detect_job(
            self._env, hostname=_hostname(), job=self.options.job, node=self.options.node
        )
        self._store: RunStore | None = None
        self._meters: tuple[Meter, ...] = ()
        self._run: StartedRun | None = None
        self._extra: dict[str, object] = {}
        self._fallback_warned = False
        self.id: str | None = None
        self.result: RunRecord | None = None
        self._sinks = SinkSet(with_prometheus(sinks, self.options.prometheus_port))
        self._saving = SaveGuard()

    # -- lifecycle ---------------------------------------------------------------------------------

    def start(self) -> Tracker:
        """Open the meters and the ledger, save the run as ``running`` and start sampling.

        Issues ``NoRegionWarning`` when no region is known (the world average is used).
        """
        if self._run is not None:
            raise TrackerError("this tracker was already started; make a new one for another run")
        from mlfootprint.store import new_run_id, open_store
        from mlfootprint.tracking.factors import NoRegionWarning

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
        t0_s = clock.monotonic()
        self.id = new_run_id()
        info = RunInfo(
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
            job=self.job,
        )
        run = self._run = StartedRun(
            info, self._meters, factors=self.factors, series=self.series, work=self.work,
            start_plan=self.start_plan, store=self._store, sinks=self._sinks, saving=self._saving,
            clock=clock, t0_s=t0_s, interval_s=settings.interval_s,
            flush_interval_s=settings.flush_interval_s, keep_samples=settings.keep_samples,
            extra=self._extra,
        )  # fmt: skip
        reason = run.first_series_intensity()
        if reason is not None:
            self._fallback_warned = True
            warnings.warn(reason, SeriesFallbackWarning, stacklevel=2)
        atexit.register(self._at_exit)  # a crash that reaches the interpreter is saved with its cause
        run.sampler.start()  # its first act is a flush: the run is in the ledger from its first moment
        return self

    def _open_meters(self) -> tuple[Meter, ...]:
        job = self.job
        if job.distributed:
            self._extra["job"] = {"source": job.job_source, "node_rank": job.node_rank,
                                  "local_world_size": job.local_world_size}  # fmt: skip
        if self._given_meters is not None:
            meters = self._given_meters
        else:
            from mlfootprint.tracking.run_meters import open_run_meters

            meters, extra = open_run_meters(
                job, node_meters=self.options.node_meters, scope=self.settings.scope,
                pid=self.pid if self.pid is not None else os.getpid(), env=self._env, clock=self._clock,
                providers=self._providers,
            )  # fmt: skip
            reads_node_meters = extra.pop("reads_node_meters")
            self._extra.update(extra)
            if not meters and not reads_node_meters:
                return ()  # this rank owns no meter here: its share is read by another process
        if not meters:
            reasons = "; ".join(self._extra.get("meters_unavailable", []) or ["no meters given"])  # type: ignore[arg-type]
            raise TrackerError(f"no energy meter could be opened here ({reasons}); see `mlfootprint doctor`")
        return tuple(meters)

    def stop(
        self,
        *,
        status: RunStatus = "finished",
        exit_code: int | None = None,
        error: BaseException | None = None,
    ) -> RunRecord:
        """Take a last reading, save the final record and return it (also in ``result``).

        ``error`` is the exception the run failed with: its type and message are stored with the run.

        Raises:
            TrackerError: not started, already stopped, or the sampler failed while running (the run
                is saved first, with everything measured until the failure).
            StoreError: the final save failed three times; ``result`` is still set, its
                ``extra["not_saved"]`` says why and where the record and unsaved samples were written
                (see ``tracking.saving``).
        """
        run = self._run
        if run is None:
            raise TrackerError("this tracker was not started")
        if self.result is not None:
            raise TrackerError(f"run {self.id} was already stopped")
        atexit.unregister(self._at_exit)
        if error is not None:
            run.error = (type(error).__name__, str(error))
        sampler = run.sampler
        ended = sampler.stop(timeout_s=JOIN_TIMEOUT_S)
        final_j = sampler.read_all(timeout_s=1.0)
        run.phases.close_all(final_j)
        if not ended:
            run.extra["sampler_stuck"] = f"the sampler thread did not end within {JOIN_TIMEOUT_S} s"
        if sampler.error is not None:
            run.extra["sampler_error"] = f"{type(sampler.error).__name__}: {sampler.error}"
        record, _ = run.record(status, exit_code, final_j, final=True, batch=sampler.peek_pending())
        save_error: Exception | None = None
        if self.live is not None:
            from mlfootprint.tracking.liveintensity import apply_live_intensity

            zone = self.settings.zone or self.factors.intensity_zone
            record = apply_live_intensity(record, self.live, zone)
        try:
            run.final_save(record)
        except Exception as exc:  # noqa: BLE001 - kept in a fallback file, reported, raised below
            save_error = exc
            record = self._saving.give_up(record, exc, ledger=run.store.url)
        finally:
            self.result = record
            self._close()
            self._sinks.stop(record)
        if save_error is not None:
            raise StoreError(f"run {record.id} {record.extra['not_saved']}") from save_error
        reason = record.extra.get("intensity_fallback_reason")
        if reason and not self._fallback_warned:
            warnings.warn(str(reason), SeriesFallbackWarning, stacklevel=2)
        if sampler.error is not None:
            raise TrackerError(
                f"run {record.id}: a meter failed while sampling ({run.extra['sampler_error']}); "
                "the run was saved with the readings up to the failure"
            ) from sampler.error
        return record

    def _at_exit(self) -> None:
        """At interpreter exit with the run still going: save it (failed if an exception ended the program).

        The crash is saved at once, with its cause, rather than left to look interrupted later.
        """
        if self.result is not None or self._run is None:
            return
        value = getattr(sys, "last_value", None)
        error = value if isinstance(value, BaseException) else None
        status: RunStatus = (
            "interrupted" if error is None or isinstance(error, KeyboardInterrupt) else "failed"
        )
        try:
            self.stop(status=status, error=error)
        except MlfootprintError as exc:
            warnings.warn(
                f"mlfootprint: run {self.id} could not be saved at exit: {exc}", RuntimeWarning, stacklevel=1
            )

    def _close(self) -> None:
        if self._given_meters is None:
            for meter in self._meters:
                meter.close()
        if self._given_store is None and self._store is not None:
            self._store.close()

    def snapshot(self) -> RunRecord:
        """The run so far (status ``running``), from the latest readings; nothing is saved."""
        if self._run is None:
            raise TrackerError("this tracker was not started")
        return self._run.snapshot()

    # -- work: FLOPs, counts, metrics, progress (mlfootprint.work) ----------------------------------

    def _open_phases(self) -> tuple[str, ...]:
        return () if self._run is None else self._run.phases.open_names

    def add_flops(self, flops: float, *, method: str = "user") -> None:
        """Add FLOPs done by this run (and by each phase open now); ``method`` says how they were counted."""
        self.work.add_flops(flops, phases=self._open_phases(), method=method)

    def count(
        self, *, samples: float | None = None, tokens: float | None = None, requests: float | None = None
    ) -> None:
        """Count work done: samples, tokens, requests (costs per sample, per 1k tokens, per request)."""
        self.work.count(phases=self._open_phases(), samples=samples, tokens=tokens, requests=requests)

    def log_metric(self, name: str, value: float, *, step: int | None = None) -> None:
        """Record a quality metric (``accuracy``, ``val_loss``, ...) beside the run's cost."""
        self.work.log_metric(name, value, step=step, t_s=self._elapsed_s())

    def request(self) -> AbstractContextManager[None]:
        """Time one request of a serving loop: ``with run.request(): answer(query)`` (see docs/work.md)."""
        return self.work.request(self._elapsed_s)

    def progress(self, done: float, total: float | None = None) -> Prediction | None:
        """Mark ``done`` units (epochs or steps) complete out of ``total``; predict the run; check the budget.

        Returns the prediction of the whole run once ``total`` is known (given now or before).
        """
        run = self._run
        if run is None or self.result is not None:
            raise TrackerError("progress: the tracker is not running")
        return run_work.progress(
            self.work, done, total, it_energy_j=sum(run.sampler.read_all(timeout_s=1.0)),
            t_s=run.elapsed_s(), factors=self.factors, series=self.series,
            started_at=run.info.started_at, snapshot=run.snapshot,
        )  # fmt: skip

    def _elapsed_s(self) -> float:
        return 0.0 if self._run is None else self._run.elapsed_s()

    @property
    def stop_requested(self) -> str | None:
        """Why the run should stop (its budget, under ``on_exceed="stop"``), else ``None``."""
        return self.work.stop_requested

    # -- phases, context manager, decorator --------------------------------------------------------

    def phase(self, name: str) -> Phase:
        """A named window of this run, as a context manager (nestable): ``with run.phase("epoch-3"):``."""
        if self._run is None or self.result is not None:
            raise TrackerError(f"phase {name!r}: the tracker is not running")
        return Phase(self._run.phases, name)

    @property
    def sampler(self) -> Sampler | None:
        """The sampler (for its counters: ``samples_taken``, ``flushes``, ``thread_cpu_s``)."""
        return None if self._run is None else self._run.sampler

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
            self.stop(status=status, error=exc)
        except (TrackerError, StoreError) as error:  # the body's own exception is the one to propagate
            warnings.warn(str(error), RuntimeWarning, stacklevel=2)

    def __call__(self, func: F) -> F:
        """Use as a decorator: each call of ``func`` is tracked as its own run."""
        options = self.options.with_(name=self.options.name or func.__qualname__)
        meters, store, clock = self._given_meters, self._given_store, self._clock
        providers, env = self._providers, self._env

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            tracker = Tracker(options, meters=meters, store=store, clock=clock, providers=providers, env=env)
            with tracker:
                return func(*args, **kwargs)

        return wrapper  # type: ignore[return-value]
