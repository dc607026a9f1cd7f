"""A run's options as one frozen value, and their resolution against environment and config.

``TrackerOptions`` holds what the user asked for (``None`` = not given); ``resolve_options`` turns it into
a ``ResolvedOptions`` with the settings resolved in the usual order (arguments > ``MLFOOTPRINT_*``
environment > config file > defaults), the PUE and carbon-intensity factors and the intensity series.
New run options are new fields here, never new ``Tracker`` parameters.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlfootprint.bounds import MAX_YEAR, MIN_YEAR, YEAR
from mlfootprint.config import Settings, load_settings
from mlfootprint.errors import InvalidValueError
from mlfootprint.tracking.factor_cache import cached_factors
from mlfootprint.tracking.factors import Factors
from mlfootprint.tracking.saving import check_options

if TYPE_CHECKING:
    from mlfootprint.intensity.base import IntensitySeries, SeriesSet
    from mlfootprint.reduce.schedule import StartPlan
    from mlfootprint.tracking.job import JobIdentity
    from mlfootprint.work.budget import Budget

__all__ = ["ResolvedOptions", "TrackerOptions", "resolve_options"]

SCOPES = ("machine", "process")
OWNERSHIP = ("auto", "all", "none")


@dataclass(frozen=True, slots=True, kw_only=True)
class TrackerOptions:
    """What a run was asked to be; ``None`` means "from the environment, the config file or the default".

    Attributes:
        project: project the run belongs to (default: settings, else ``"default"``).
        name: the run's name (default: the decorated function's name, else ``"run"``).
        region: grid region for the carbon intensity (country, subnational grid or cloud region).
        pue: a PUE number, or a datacenter/operator name whose published PUE to use.
        tags: free-form labels stored with the run.
        interval_s: seconds between samples (default 1 s, at least 0.05 s).
        flush_interval_s: the run is saved at least this often while it runs (default 10 s).
        scope: ``"machine"`` (every process) or ``"process"`` (the tracked process tree) for estimates.
        db: the ledger's URL (``sqlite:///path`` or ``postgresql://...``); default per-user SQLite file.
        pid: the process whose tree ``scope="process"`` measures (default: this process).
        command: the command line being tracked (stored with the run).
        intensity_series: an intensity series (a CSV path, a ``SeriesSet`` or an ``IntensitySeries``);
            when it covers the whole run, CO2e is time-resolved.
        zone: the series' zone (column); alone, without a series, the shipped 2022 subset is used.
        start_plan: the plan the run was deferred by (``reduce.schedule.plan_start`` on the same series).
        job: the job id this run belongs to; wins over the launcher's (``MLFOOTPRINT_JOB``, then
            torchrun, Slurm, MPI); see ``mlfootprint.tracking.job``.
        node: this node's name in the job (default ``MLFOOTPRINT_NODE``, else the host name).
        placement: this process's place in its job as a framework knows it (rank, local rank, world
            size, job id); wins over the environment. Framework callbacks set it (Lightning's
            ``ddp_spawn`` children carry no launcher variables).
        node_meters: who reads node-level meters (CPU, DRAM, machine estimates, unowned GPUs):
            ``"auto"`` (local rank 0 of each node), ``"all"`` (this process, whatever its rank) or
            ``"none"`` (this process reads only its own GPUs).
        live: a live intensity provider (``"electricitymaps"``, ``"uk"``, ``"watttime"`` or an object with
            ``series(zone, start, end)``) whose intensity over the run's window is used at stop.
        prometheus_port: serve the run's metrics for Prometheus on this port of 127.0.0.1
            (``sinks.prometheus.PrometheusSink``; needs ``prometheus_client``).
        budget_kwh: an energy budget for the run (facility kWh); exclusive with ``budget_co2e_kg``.
        budget_co2e_kg: a CO2e budget for the run (kg).
        on_exceed: ``"warn"`` (default) or ``"stop"``: when the predicted or used amount exceeds the
            budget, warn once; with ``"stop"`` also set ``Tracker.stop_requested`` (callbacks stop
            training, ``mlfootprint run`` sends SIGTERM). See ``mlfootprint.work.budget``.
        year: year of the PUE and intensity figures (default ``MLFOOTPRINT_YEAR``, the config file,
            else the run's calendar year); a year the tables lack falls back to the nearest one,
            stated in the factor's source, with its range widened.
        keep_samples: samples per meter kept at full resolution (default 10,000, or
            ``MLFOOTPRINT_KEEP_SAMPLES`` / the config file); older ones are folded into 5-minute
            aggregates with exact energy; ``"all"`` keeps every sample.
    """

    project: str | None = None
    name: str | None = None
    region: str | None = None
    pue: float | str | None = None
    tags: Mapping[str, str] = field(default_factory=dict)
    interval_s: float | None = None
    flush_interval_s: float | None = None
    scope: str | None = None
    db: str | None = None
    pid: int | None = None
    command: tuple[str, ...] = ()
    intensity_series: str | Path | IntensitySeries | SeriesSet | None = None
    zone: str | None = None
    start_plan: StartPlan | None = None
    job: str | None = None
    node: str | None = None
    node_meters: str = "auto"
    placement: JobIdentity | None = None
    prometheus_port: int | None = None
    live: Any = None
    budget_kwh: float | None = None
    budget_co2e_kg: float | None = None
    on_exceed: str = "warn"
    year: int | None = None
    keep_samples: int | str | None = None

    def __post_init__(self) -> None:
        pue = self.pue
        number = _number(pue) if isinstance(pue, str) else (None if pue is None else float(pue))
        # the documented bounds (mlfootprint.bounds): PUE 1-3, sampling 0.05-3600 s, flushes 0.05 s-1 day
        check_options(pue=number, interval_s=self.interval_s, flush_interval_s=self.flush_interval_s)
        if self.scope is not None and self.scope not in SCOPES:
            raise InvalidValueError("scope", self.scope, "must be 'machine' or 'process'")
        if self.node_meters not in OWNERSHIP:
            raise InvalidValueError("node_meters", self.node_meters, "must be 'auto', 'all' or 'none'")
        if self.year is not None and (
            isinstance(self.year, bool) or not isinstance(self.year, int) or YEAR.problem(self.year)
        ):
            raise InvalidValueError("year", self.year, f"must be a year between {MIN_YEAR} and {MAX_YEAR}")
        if self.job is not None and not self.job.strip():
            raise InvalidValueError("job", self.job, "must be a non-empty id")
        self.budget  # noqa: B018 -- validates budget_kwh, budget_co2e_kg and on_exceed
        _check_keep_samples(self.keep_samples)
        object.__setattr__(self, "tags", dict(self.tags))
        object.__setattr__(self, "command", tuple(self.command))

    @property
    def budget(self) -> Budget | None:
        """The run's energy or CO2e budget (``None`` without one)."""
        if self.budget_kwh is None and self.budget_co2e_kg is None and self.on_exceed in ("warn", "stop"):
            return None  # no budget: its module is not loaded
        from mlfootprint.work.budget import budget_from_kwargs

        return budget_from_kwargs(self.budget_kwh, self.budget_co2e_kg, self.on_exceed)

    def with_(self, **changes: Any) -> TrackerOptions:
        """A copy with ``changes`` applied (validated again)."""
        return replace(self, **changes)


def _check_keep_samples(value: int | str | None) -> None:
    """``keep_samples`` is None, ``"all"``, or a whole number of samples of at least 1."""
    if value is None or (isinstance(value, str) and value.strip().lower() == "all"):
        return
    number: int | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and value.strip().isdigit():
        number = int(value)
    if number is None or number < 1:
        raise InvalidValueError("keep_samples", value, "must be 'all' or a whole number of samples >= 1")


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


@dataclass(frozen=True, slots=True, kw_only=True)
class ResolvedOptions:
    """Options resolved against the environment and the config file, with the run's factors."""

    options: TrackerOptions
    settings: Settings
    factors: Factors
    series: IntensitySeries | None


def resolve_options(
    options: TrackerOptions, *, env: Mapping[str, str] | None = None, now: datetime | None = None
) -> ResolvedOptions:
    """Resolve ``options`` (arguments > ``MLFOOTPRINT_*`` env > config file > defaults).

    Raises:
        UnknownNameError: unknown region, datacenter or zone.
        InvalidValueError: a start plan without a series.
        SeriesError: the series file is unreadable or malformed.
        ConfigError: a bad value in the environment or the config file.
    """
    pue_value: float | None = None
    datacenter: str | None = None
    if isinstance(options.pue, str):
        pue_value = _number(options.pue)
        datacenter = None if pue_value is not None else options.pue
    elif options.pue is not None:
        pue_value = float(options.pue)
    given_series = options.intensity_series
    settings = load_settings(
        env,
        project=options.project,
        region=options.region,
        pue=pue_value,
        interval_s=options.interval_s,
        flush_interval_s=options.flush_interval_s,
        scope=options.scope,
        db=options.db,
        series=str(given_series) if isinstance(given_series, (str, Path)) else None,
        zone=options.zone,
        year=options.year,
        keep_samples=options.keep_samples,
    )
    series = _load_series(given_series, settings, now)
    if options.start_plan is not None and series is None:
        raise InvalidValueError(
            "start_plan", options.start_plan.start, "needs intensity_series= (the series it was planned on)"
        )
    # resolved factors are cached per user (keyed by the settings that name them and the tables' files)
    factors = cached_factors(
        settings, datacenter=datacenter, series_zone=series.zone if series is not None else None
    )
    return ResolvedOptions(options=options, settings=settings, factors=factors, series=series)


def _load_series(
    given: str | Path | IntensitySeries | SeriesSet | None, settings: Settings, now: datetime | None
) -> IntensitySeries | None:
    """The run's series: the one given, else for a zone alone the shipped data (its typical-year profile
    when the run is outside the shipped year, labelled so)."""
    from mlfootprint.tracking.timeresolved import load_series

    spec: Any = given if given is not None else settings.series
    if spec is None and settings.zone:
        from datetime import timezone

        from mlfootprint.intensity.typical import run_series_for

        spec = run_series_for(settings.zone, now if now is not None else datetime.now(timezone.utc))
    return None if spec is None else load_series(spec, settings.zone)
