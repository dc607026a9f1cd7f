"""Time-resolved CO2e of a tracked run: each sample interval's energy at that interval's grid intensity.

The tracker keeps running totals (``SeriesTotals``) that grow by one flush batch at a time, so each
flush costs a sum over its own new samples, never over the whole run. A sample interval is the time
between two readings of one meter; its energy is the difference of the two readings and its intensity
is the time-weighted mean of the series over the interval (``co2e_for_intervals``). The run's
intensity is the energy-weighted mean of those, and its CO2e is facility energy x that mean, which is
exactly ``PUE x Σ energy_k x intensity_k`` once every reading is in the totals (at ``stop()``; at an
intermediate flush the few joules read after the batch was taken count at the mean so far).

A series that does not cover the whole run (it ends before the run, or is from another year) is not
used: the annual figure is, and the record says why (``extra["intensity_fallback_reason"]``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from mlfootprint.errors import InvalidValueError
from mlfootprint.records import Assumption
from mlfootprint.tracking.sampler import RawSample

if TYPE_CHECKING:  # the series code loads with the first series (most runs use the annual figure)
    from mlfootprint.intensity.base import IntensitySeries, SeriesSet

__all__ = [
    "SeriesFallbackWarning",
    "SeriesIntensity",
    "SeriesTotals",
    "add_batch",
    "load_series",
    "resolution_label",
    "series_intensity",
]

_J_PER_KWH = 3.6e6
#: coverage below 1 - this is "not covered" (float sums of interval widths are not exact)
_COVERAGE_TOLERANCE = 1e-9
#: intensity kinds whose hourly range ``uncertainty.intensity_range`` knows
_ZONE_KINDS = ("country", "subnational", "cloud-region")


class SeriesFallbackWarning(UserWarning):
    """The intensity series does not cover the run, so the annual figure is used."""


def resolution_label(resolution_s: float) -> str:
    """``"hourly"``, ``"30 min"``, ``"15 min"``, ``"daily"`` or ``"N s"`` for a series resolution."""
    if resolution_s == 3600:
        return "hourly"
    if resolution_s == 86400:
        return "daily"
    if resolution_s < 3600 and resolution_s % 60 == 0:
        return f"{int(resolution_s // 60)} min"
    return f"{resolution_s:g} s"


def load_series(spec: str | Path | IntensitySeries | SeriesSet, zone: str | None) -> IntensitySeries:
    """The one zone's series a run uses, from a file path, a ``SeriesSet`` or an ``IntensitySeries``.

    Raises:
        SeriesError: the file is unreadable or malformed.
        UnknownNameError: the zone is not in the series (the closest ones are named).
        InvalidValueError: several zones and none chosen, or a zone that is not the series' own.
    """
    from mlfootprint.intensity.base import IntensitySeries

    if isinstance(spec, IntensitySeries):
        if zone is not None and zone.strip().lower() != spec.zone.lower():
            raise InvalidValueError("zone", zone, f"is not the zone of the given series ({spec.zone})")
        return spec
    if isinstance(spec, (str, Path)):
        from mlfootprint.intensity.files import read_series

        spec = read_series(spec)
    if zone is None:
        if len(spec.zones) != 1:
            shown = ", ".join(spec.zones[:8]) + (", ..." if len(spec.zones) > 8 else "")
            raise InvalidValueError(
                "zone", None, f"must name one of the zones of {spec.source} ({shown}); set zone= or --zone"
            )
        zone = spec.zones[0]
    return spec.series(zone)


@dataclass(frozen=True, slots=True, kw_only=True)
class SeriesTotals:
    """Running sums over the sample intervals seen so far (IT energy, before PUE).

    Attributes:
        co2e_g: Σ covered IT energy x its interval's intensity.
        covered_energy_j: IT energy in the part of the intervals the series covers.
        energy_j: all IT energy in the intervals.
        covered_s, span_s: covered and total interval time, summed over meters.
        last: per meter, ``(t_s, energy_j)`` of its last reading counted (the next interval's start).
    """

    co2e_g: float = 0.0
    covered_energy_j: float = 0.0
    energy_j: float = 0.0
    covered_s: float = 0.0
    span_s: float = 0.0
    last: tuple[tuple[float, float], ...] = ()

    @classmethod
    def empty(cls, meters: int) -> SeriesTotals:
        """Totals before any reading: every meter at 0 J at the start of the run."""
        return cls(last=((0.0, 0.0),) * meters)


def add_batch(
    totals: SeriesTotals, batch: Sequence[RawSample], *, series: IntensitySeries, started_at_s: float
) -> SeriesTotals:
    """The totals with the intervals ending at the readings of ``batch`` added (pure; ``totals`` is kept).

    Args:
        totals: the totals so far.
        batch: ``(meter index, t_s, cumulative energy_j)`` readings in time order per meter.
        series: the zone's intensity series.
        started_at_s: the run's start in epoch seconds (``t_s`` counts from it).
    """
    if not batch:
        return totals
    from mlfootprint.intensity.emissions import co2e_for_intervals

    last = list(totals.last)
    starts, ends, energies = [], [], []
    for index, t_s, energy_j in batch:
        prev_t, prev_e = last[index]
        if t_s < prev_t:
            continue  # a reading already counted (re-sent after a failed save)
        starts.append(started_at_s + prev_t)
        ends.append(started_at_s + t_s)
        energies.append(max(0.0, energy_j - prev_e))
        last[index] = (t_s, energy_j)
    if not starts:
        return totals
    part = co2e_for_intervals(starts, ends, energies, series)
    span_s = sum(b - a for a, b in zip(starts, ends, strict=True))
    covered_s = part.coverage_frac * span_s if span_s > 0 else 0.0
    return replace(
        totals,
        co2e_g=totals.co2e_g + part.co2e_g,
        covered_energy_j=totals.covered_energy_j + part.covered_energy_j,
        energy_j=totals.energy_j + part.total_energy_j,
        covered_s=totals.covered_s + covered_s,
        span_s=totals.span_s + span_s,
        last=tuple(last),
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class SeriesIntensity:
    """The time-resolved intensity of a run (when the series covers it), or why it was not used.

    Attributes:
        intensity_g_per_kwh: energy-weighted mean intensity over the run (NaN when not used).
        kind: intensity kind for ``uncertainty.intensity_range`` (at hourly resolution).
        resolution: ``"hourly"``, ``"15 min"``, ...
        zone: the series' zone.
        source: file name, sha256 prefix and licence of the series, and how it was applied.
        coverage_frac: share of the run's sample time the series covers.
        fallback_reason: None when used; else why the annual figure is used instead.
    """

    intensity_g_per_kwh: float
    kind: str
    resolution: str
    zone: str
    source: str
    coverage_frac: float
    fallback_reason: str | None = None

    @property
    def used(self) -> bool:
        return self.fallback_reason is None

    def assumption(self) -> Assumption:
        """The assumption the record lists for the intensity (the series, or the reason it was not used)."""
        if self.used:
            return Assumption(
                name="intensity", value=self.intensity_g_per_kwh, unit="gCO2e/kWh", source=self.source
            )
        return Assumption(
            name="intensity_series_not_used",
            value=round(self.coverage_frac * 100.0, 3),
            unit="% of the run covered",
            source=self.fallback_reason or "",
        )


def describe_series(series: IntensitySeries) -> str:
    """``"DE from em.csv (sha256 0123456789ab, ODbL-1.0), hourly lca series"``."""
    sha = f"sha256 {series.sha256[:12]}, " if series.sha256 else ""
    return (
        f"{series.zone} from {series.source} ({sha}{series.license}), "
        f"{resolution_label(series.resolution_s)} {series.signal} series"
    )


def series_intensity(
    totals: SeriesTotals,
    series: IntensitySeries,
    *,
    annual_kind: str,
    started_at: datetime,
    now: datetime,
) -> SeriesIntensity:
    """The run's intensity from its totals, or the reason to fall back to the annual figure.

    Args:
        totals: sums over the run's sample intervals so far.
        series: the zone's series.
        annual_kind: kind of the annual figure (its hourly range is used when it is a zone kind;
            otherwise ``"subnational"`` for a zone code with a dash, ``"country"`` without).
        started_at, now: the run's start and the current time (for a run without intervals yet).
    """
    from mlfootprint.intensity.base import epoch_s, format_utc

    kind = annual_kind if annual_kind in _ZONE_KINDS else ("subnational" if "-" in series.zone else "country")
    label = resolution_label(series.resolution_s)
    described = describe_series(series)
    span = f"{format_utc(series.start_s)} to {format_utc(series.end_s)}"
    start_s, now_s = epoch_s(started_at), epoch_s(now)
    if totals.span_s > 0:
        coverage = min(1.0, totals.covered_s / totals.span_s)
    else:
        coverage = 1.0 if series.start_s <= start_s < series.end_s else 0.0
    if coverage < 1.0 - _COVERAGE_TOLERANCE:
        reason = (
            f"the intensity series {described} covers {span}, {coverage:.1%} of the run "
            f"({format_utc(start_s)} to {format_utc(now_s)}); the annual figure is used instead"
        )
        return SeriesIntensity(
            intensity_g_per_kwh=float("nan"), kind=kind, resolution="annual", zone=series.zone,
            source=described, coverage_frac=coverage, fallback_reason=reason,
        )  # fmt: skip
    if totals.covered_energy_j > 0:
        mean = totals.co2e_g / (totals.covered_energy_j / _J_PER_KWH)
        how = "energy-weighted over the run's sample intervals"
    else:  # nothing measured yet: the series' mean over the run so far
        values, _ = series.mean_over([start_s], [max(start_s, min(now_s, series.end_s))])
        mean = float(values[0])
        how = "time-weighted over the run (no energy measured yet)"
    return SeriesIntensity(
        intensity_g_per_kwh=mean,
        kind=kind,
        resolution=label,
        zone=series.zone,
        source=f"{described}, {how}",
        coverage_frac=coverage,
    )
