"""``track()``: the public entry point, light to import.

``from mlfootprint import track`` loads this module only; the tracker, its options and everything a run
needs load when ``track(...)`` is called, so a script or notebook that imports it and tracks later (or
never) pays nothing at import.
"""

from __future__ import annotations

TYPE_CHECKING = False  # not typing's: importing typing costs a fresh process milliseconds
if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from pathlib import Path
    from typing import Any

    from mlfootprint.clock import Clock
    from mlfootprint.intensity.base import IntensitySeries, SeriesSet
    from mlfootprint.meters.base import Meter, MeterProvider
    from mlfootprint.store import RunStore
    from mlfootprint.tracking.job import JobIdentity
    from mlfootprint.tracking.sinks import RunSink
    from mlfootprint.tracking.tracker import Tracker

__all__ = ["track"]


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
    intensity_series: str | Path | IntensitySeries | SeriesSet | None = None,
    zone: str | None = None,
    job: str | None = None,
    node: str | None = None,
    node_meters: str = "auto",
    placement: JobIdentity | None = None,
    keep_samples: int | str | None = None,
    meters: Sequence[Meter] | None = None,
    clock: Clock | None = None,
    store: RunStore | None = None,
    providers: Sequence[MeterProvider] | None = None,
    env: Mapping[str, str] | None = None,
    sinks: Sequence[RunSink] = (),
    prometheus_port: int | None = None,
    live: Any = None,
    budget_kwh: float | None = None,
    budget_co2e_kg: float | None = None,
    on_exceed: str = "warn",
    year: int | None = None,
) -> Tracker:
    """Track a block (``with track(...) as run:``) or a function (``@track(...)``).

    The keywords other than ``meters``, ``clock``, ``store``, ``providers``, ``env`` and ``sinks`` are
    ``TrackerOptions`` fields; the rest are ``Tracker``'s collaborators.
    """
    from mlfootprint.tracking.options import TrackerOptions
    from mlfootprint.tracking.tracker import Tracker

    options = TrackerOptions(
        project=project, name=name, region=region, pue=pue, tags=tags or {}, interval_s=interval_s,
        flush_interval_s=flush_interval_s, scope=scope, db=db, intensity_series=intensity_series, zone=zone,
        job=job, node=node, node_meters=node_meters, placement=placement, prometheus_port=prometheus_port,
        live=live,
        budget_kwh=budget_kwh, budget_co2e_kg=budget_co2e_kg, on_exceed=on_exceed,
        year=year,
        keep_samples=keep_samples,
    )  # fmt: skip
    return Tracker(
        options, meters=meters, store=store, clock=clock, providers=providers, env=env, sinks=sinks
    )
