"""Pure arithmetic from meter readings to a run record: components, facility energy, CO2e, intervals."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from mlfootprint.meters.base import Meter
from mlfootprint.records import Assumption, ComponentEnergy, PhaseRecord, RunRecord, RunStatus, Sample
from mlfootprint.tracking.factors import Factors
from mlfootprint.tracking.job import JobIdentity
from mlfootprint.tracking.sampler import RawSample
from mlfootprint.tracking.timeresolved import SeriesIntensity
from mlfootprint.uncertainty import footprint_interval, power_range

__all__ = ["RunInfo", "build_record", "components_from_readings", "samples_from_raw"]


@dataclass(frozen=True, slots=True, kw_only=True)
class RunInfo:
    """What a tracker knows about its run before any energy is read."""

    id: str
    project: str
    name: str
    tags: Mapping[str, str]
    started_at: datetime
    interval_s: float
    flush_interval_s: float
    scope: str
    command: tuple[str, ...] = ()
    hostname: str = ""
    pid: int | None = None
    assumptions: tuple[Assumption, ...] = ()
    extra: Mapping[str, object] | None = None
    job: JobIdentity | None = None


def components_from_readings(
    meters: Sequence[Meter], energies_j: Sequence[float], *, interval_s: float
) -> tuple[ComponentEnergy, ...]:
    """One ``ComponentEnergy`` per meter: its cumulative reading and the interval its method implies."""
    out = []
    for meter, energy_j in zip(meters, energies_j, strict=True):
        rng = power_range(meter.method, interval_s=interval_s if meter.method == "sampled-power" else None)
        low, high = rng.apply(energy_j)
        out.append(
            ComponentEnergy(
                meter_id=meter.meter_id,
                component=meter.component,
                source=meter.source,
                method=meter.method,
                is_estimate=meter.is_estimate,
                energy_j=energy_j,
                energy_j_low=low,
                energy_j_high=high,
            )
        )
    return tuple(out)


def samples_from_raw(
    meters: Sequence[Meter],
    raw: Sequence[RawSample],
    *,
    started_at: datetime,
    previous: list[tuple[float, float]],
) -> list[Sample]:
    """Turn raw ``(meter index, t_s, energy_j)`` tuples into ``Sample`` records with average power.

    ``previous`` holds ``(t_s, energy_j)`` of each meter's last sample (updated in place), so power is
    the average since the previous sample of the same meter, also across flushes; None for a first one.
    """
    out = []
    for index, t_s, energy_j in raw:
        prev_t, prev_e = previous[index]
        dt = t_s - prev_t
        power_w = (energy_j - prev_e) / dt if dt > 0 and prev_t >= 0 else None
        previous[index] = (t_s, energy_j)
        out.append(
            Sample(
                meter_id=meters[index].meter_id,
                at=started_at + timedelta(seconds=t_s),
                t_s=t_s,
                energy_j=energy_j,
                power_w=power_w,
            )
        )
    return out


def build_record(
    info: RunInfo,
    factors: Factors,
    *,
    components: Sequence[ComponentEnergy],
    phases: Sequence[PhaseRecord],
    status: RunStatus,
    exit_code: int | None,
    duration_s: float,
    ended_at: datetime | None,
    heartbeat_at: datetime | None,
    extra: Mapping[str, object] | None = None,
    series: SeriesIntensity | None = None,
) -> RunRecord:
    """The run record for the readings so far: facility energy = IT energy x PUE, CO2e = energy x intensity.

    Intervals follow ``mlfootprint.uncertainty``: each component's method, the PUE's and the intensity's kind.
    With ``series`` in use, the intensity is the run's time-resolved one (hourly range); a series that
    was not used adds its reason to the assumptions and ``extra["intensity_fallback_reason"]``.
    """
    assumptions = factors.assumptions + info.assumptions
    intensity_g_per_kwh, intensity_source = factors.intensity_g_per_kwh, factors.intensity_source
    kind, zone = factors.intensity_kind, factors.intensity_zone
    resolution = range_resolution = "annual"
    if series is not None and series.used:
        intensity_g_per_kwh, intensity_source = series.intensity_g_per_kwh, series.source
        kind, zone, resolution, range_resolution = series.kind, series.zone, series.resolution, "hourly"
        assumptions = tuple(a for a in assumptions if a.name != "intensity")
    if series is not None:
        assumptions = (*assumptions, series.assumption())
    interval = footprint_interval(
        components,
        pue=factors.pue,
        pue_kind=factors.pue_kind,
        intensity_g_per_kwh=intensity_g_per_kwh,
        intensity_kind=kind,
        intensity_resolution=range_resolution,
        pue_rel=factors.pue_rel,
        intensity_rel=factors.intensity_rel if range_resolution == "annual" else None,
    )
    it_energy_j = sum(c.energy_j for c in components)
    net = None
    if factors.cfe_pct is not None:
        net = interval.co2e_g * (1.0 - factors.cfe_pct / 100.0)
    merged: dict[str, object] = dict(info.extra or {})
    merged.update(extra or {})
    merged.setdefault("interval_s", info.interval_s)
    if series is not None and not series.used:
        merged["intensity_fallback_reason"] = series.fallback_reason
    if status != "running":  # the final figure; a running record's is computed when shown
        from mlfootprint.embodied_run import run_embodied  # its tables load at the end, not at import

        merged["embodied"] = run_embodied(components, duration_s)
    job = info.job
    return RunRecord(
        id=info.id,
        project=info.project,
        name=info.name,
        tags=dict(info.tags),
        status=status,
        exit_code=exit_code,
        started_at=info.started_at,
        ended_at=ended_at,
        heartbeat_at=heartbeat_at,
        duration_s=duration_s,
        it_energy_j=it_energy_j,
        energy_j=interval.energy_j,
        energy_j_low=interval.energy_j_low,
        energy_j_high=interval.energy_j_high,
        co2e_g=interval.co2e_g,
        co2e_g_low=interval.co2e_g_low,
        co2e_g_high=interval.co2e_g_high,
        co2e_g_net=net,
        pue=factors.pue,
        pue_source=factors.pue_source,
        intensity_g_per_kwh=intensity_g_per_kwh,
        intensity_source=intensity_source,
        region=factors.region,
        components=tuple(components),
        phases=tuple(phases),
        command=info.command,
        hostname=info.hostname,
        pid=info.pid,
        flush_interval_s=info.flush_interval_s,
        scope=info.scope,
        intensity_zone=zone,
        intensity_resolution=resolution,
        assumptions=assumptions,
        extra=merged,
        job_id=job.job_id if job is not None else None,
        node=job.node if job is not None else info.hostname,
        rank=job.rank if job is not None else None,
        local_rank=job.local_rank if job is not None else None,
        world_size=job.world_size if job is not None else None,
        launcher=job.launcher if job is not None else "",
    )
