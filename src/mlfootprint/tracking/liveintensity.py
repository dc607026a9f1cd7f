"""A tracked run's CO2e at the live grid intensity of its own window, fetched once at stop.

``track(live="electricitymaps" | "uk" | "watttime")`` (or any object with ``series(zone, start, end)``,
e.g. a client with an injected transport) asks the provider, when the run stops, for the zone's
intensity over the run's window, and the record uses its time-weighted mean (training draws nearly
constant power, and the record says the mean is time-weighted). When the provider fails, the record
keeps the figure it had (series or annual) and says why (``extra["intensity_fallback_reason"]``): a
visible fallback, never a silent one.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from mlfootprint.errors import IntensityError, UnknownNameError
from mlfootprint.intensity.base import IntensitySeries, epoch_s
from mlfootprint.records import Assumption, RunRecord

__all__ = ["apply_live_intensity", "live_window_mean"]


def live_window_mean(series: IntensitySeries, start: datetime, end: datetime) -> float:
    """Time-weighted mean intensity of ``series`` over ``[start, end)`` (IntensityError if uncovered)."""
    a, b = epoch_s(start), max(epoch_s(end), epoch_s(start))
    mean, frac = series.mean_over([a], [b])
    if not float(frac[0]) > 0.5:
        raise IntensityError(f"{series.source}: covers {float(frac[0]) * 100:.0f} % of the run's window")
    return float(mean[0])


def _fetch(live: Any, zone: str, start: datetime, end: datetime) -> IntensitySeries:
    if isinstance(live, str):
        from mlfootprint.intensity.now import live_series

        return live_series(live, zone, start, end, ahead=False)
    result: IntensitySeries = live.series(zone, start, end)
    return result


def apply_live_intensity(record: RunRecord, live: Any, zone: str | None) -> RunRecord:
    """``record`` with its CO2e at the live intensity of its window, or with the reason it kept its own."""
    from datetime import timedelta

    name = live if isinstance(live, str) else getattr(live, "name", type(live).__name__)
    end = record.ended_at or record.started_at + timedelta(seconds=record.duration_s)
    if not zone:
        return _kept(record, f"live intensity from {name} needs a zone (zone= or --zone)")
    try:
        series = _fetch(live, zone, record.started_at - timedelta(hours=1), end + timedelta(hours=1))
        mean = live_window_mean(series, record.started_at, end)
    except (IntensityError, UnknownNameError) as exc:
        return _kept(record, f"live intensity from {name} unavailable ({exc})")
    ratio = mean / record.intensity_g_per_kwh if record.intensity_g_per_kwh > 0 else 0.0
    source = f"{zone} from {series.source}, live, time-weighted mean over the run's window ({series.license})"
    assumptions = tuple(
        Assumption(name="intensity", value=mean, unit="gCO2e/kWh", source=source)
        if a.name == "intensity"
        else a
        for a in record.assumptions
    )
    co2e = record.energy_j / 3.6e6 * mean
    return replace(
        record,
        intensity_g_per_kwh=mean,
        intensity_source=source,
        intensity_zone=zone,
        intensity_resolution="live",
        co2e_g=co2e,
        co2e_g_low=record.co2e_g_low * ratio if ratio else co2e,
        co2e_g_high=record.co2e_g_high * ratio if ratio else co2e,
        assumptions=assumptions,
    )


def _kept(record: RunRecord, reason: str) -> RunRecord:
    extra = dict(record.extra)
    extra["intensity_fallback_reason"] = f"{reason}; kept {record.intensity_source.split(' (')[0]}"
    return replace(record, extra=extra)
