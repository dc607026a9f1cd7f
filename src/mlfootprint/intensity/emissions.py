"""Time-resolved emissions of a run: Σ energy in each interval × that interval's intensity."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from mlfootprint.errors import InvalidValueError
from mlfootprint.intensity.base import IntensitySeries

__all__ = ["TimeResolvedCO2e", "co2e_for_intervals"]

_J_PER_KWH = 3.6e6


@dataclass(frozen=True, slots=True, kw_only=True)
class TimeResolvedCO2e:
    """CO2e of the covered part of a run, with the data it came from.

    Attributes:
        co2e_g: grams CO2e of the energy the series covers.
        covered_energy_j: the energy that was covered (the rest needs another figure).
        total_energy_j: all the energy given.
        coverage_frac: covered share of the run's time (1.0 when the series covers it all); below 1
            the caller should use the annual figure for the whole run, or for the rest, and say so.
        mean_intensity_g_per_kwh: energy-weighted mean intensity over the covered energy (NaN if none).
        zone, resolution_s, source, license, sha256, signal: from the series.
        fallback_reason: copied from the series when it is a stand-in for an unavailable source.
    """

    co2e_g: float
    covered_energy_j: float
    total_energy_j: float
    coverage_frac: float
    mean_intensity_g_per_kwh: float
    zone: str
    resolution_s: float
    source: str
    license: str
    sha256: str
    signal: str
    fallback_reason: str | None = None


def co2e_for_intervals(
    starts_s: Sequence[float],
    ends_s: Sequence[float],
    energy_j: Sequence[float],
    series: IntensitySeries,
) -> TimeResolvedCO2e:
    """CO2e of energy spent in intervals ``[start, end)`` (epoch seconds), each at its own intensity.

    Each interval's intensity is the time-weighted mean of the series over the interval; an
    interval the series covers only in part contributes that share of its energy. Pure.

    Raises:
        InvalidValueError: lengths differ, an interval ends before it starts, or energy is negative.
    """
    import numpy as np

    energy = np.asarray(energy_j, dtype=np.float64)
    a = np.asarray(starts_s, dtype=np.float64)
    b = np.asarray(ends_s, dtype=np.float64)
    if not (energy.shape == a.shape == b.shape):
        raise InvalidValueError(
            "intervals", (a.shape, b.shape, energy.shape), "starts, ends and energy differ in length"
        )
    if np.any(energy < 0) or not np.all(np.isfinite(energy)):
        raise InvalidValueError(
            "energy_j", float(energy[~(energy >= 0)][0]), "must be finite and not negative"
        )
    mean, frac = series.mean_over(a, b)
    covered_energy = energy * frac
    has = frac > 0
    co2e_g = float((covered_energy[has] / _J_PER_KWH * mean[has]).sum())
    width = b - a
    total_time = float(width.sum())
    if total_time > 0:
        coverage = float((width * frac).sum() / total_time)
    else:
        coverage = float(frac.mean()) if frac.size else 0.0
    covered_j = float(covered_energy.sum())
    # energy-weighted mean intensity; normalising the weights first keeps tiny energies from underflowing
    mean_intensity = (
        float(((covered_energy[has] / covered_j) * mean[has]).sum()) if covered_j > 0 else float("nan")
    )
    return TimeResolvedCO2e(
        co2e_g=co2e_g,
        covered_energy_j=covered_j,
        total_energy_j=float(energy.sum()),
        coverage_frac=coverage,
        mean_intensity_g_per_kwh=mean_intensity,
        zone=series.zone,
        resolution_s=series.resolution_s,
        source=series.source,
        license=series.license,
        sha256=series.sha256,
        signal=series.signal,
        fallback_reason=series.fallback_reason,
    )
