"""A typical-year intensity profile: planning "from now" offline, on the shipped hourly data.

The shipped series covers one past year (2022). For a time outside it, the profile takes the value of
the same hour of the year on the same weekday of that year: the time is moved to the base year and then
by at most three days to land on the same weekday (weekday patterns, e.g. lower weekend demand, matter
more to a plan than the exact calendar day). The result is an ordinary ``IntensitySeries`` whose
``source`` says plainly that it is a typical-year profile, not a forecast.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import TYPE_CHECKING

from mlfootprint.intensity.base import IntensitySeries, SeriesSet, epoch_s

if TYPE_CHECKING:
    from mlfootprint.intensity.base import IntArray

__all__ = ["TYPICAL_LABEL", "covers", "run_series_for", "typical_profile", "zone_series_for"]

TYPICAL_LABEL = "typical-year profile (same hour of the year and weekday)"
_H = 3600
_DAY = 86400


def _base_year(series: SeriesSet | IntensitySeries) -> int:
    return datetime.fromtimestamp(float(series.times_s[0]), tz=timezone.utc).year


def _to_base_year(t_s: int, year: int) -> int:
    """``t_s`` moved to ``year`` on the same weekday and hour (within three days of the same date)."""
    when = datetime.fromtimestamp(t_s, tz=timezone.utc)
    day = min(when.day, 28) if when.month == 2 else when.day
    moved = when.replace(year=year, day=day)
    shift = (when.weekday() - moved.weekday()) % 7
    if shift > 3:
        shift -= 7
    return int(moved.timestamp()) + shift * _DAY


def covers(series: IntensitySeries, start_s: float, end_s: float) -> bool:
    """Whether ``series`` covers ``[start_s, end_s)`` entirely."""
    return series.start_s <= start_s and end_s <= series.end_s


def typical_profile(base: SeriesSet, zone: str, start: datetime, end: datetime) -> IntensitySeries:
    """An hourly profile of ``zone`` over ``[start, end)`` built from the base year of ``base``.

    Args:
        base: an hourly series set covering one whole year (the shipped 2022 data).
        zone: the zone (case-insensitive).
        start, end: the span to cover (widened to whole hours).
    """
    import numpy as np

    one = base.series(zone)
    year = _base_year(base)
    first = int(epoch_s(start)) // _H * _H
    last = -(-int(epoch_s(end)) // _H) * _H
    times: IntArray = np.arange(first, max(last, first + _H), _H, dtype=np.int64)
    # one shift for the whole span keeps hours and weekdays continuous; whole weeks wrap it into the year
    offset = _to_base_year(int(times[0]), year) - int(times[0])
    mapped = (times + offset).astype(np.float64)
    week = 7 * _DAY
    span = one.end_s - one.start_s
    wrap = 52 * week if span >= 52 * week else max(week, span // week * week)
    mapped = one.start_s + np.mod(mapped - one.start_s, wrap)
    mapped = np.clip(mapped, one.start_s, one.end_s - 1)
    idx = np.searchsorted(one.times_s, mapped, side="right") - 1
    return IntensitySeries(
        zone=one.zone,
        times_s=times,
        values_g_per_kwh=one.values_g_per_kwh[idx],
        resolution_s=float(_H),
        source=f"{TYPICAL_LABEL} from {one.source}, {year}",
        license=one.license,
        sha256=one.sha256,
        signal=one.signal,
    )


def zone_series_for(zone: str, start: datetime, end: datetime) -> IntensitySeries:
    """The shipped series of ``zone`` if it covers ``[start, end)``, else its typical-year profile."""
    from mlfootprint.intensity.embedded import embedded_series

    base = embedded_series()
    one = base.series(zone)
    if covers(one, epoch_s(start), epoch_s(end)):
        return one
    return typical_profile(base, zone, start, end)


def run_series_for(zone: str, now: datetime) -> IntensitySeries:
    """The series a run starting ``now`` in ``zone`` uses when no series is given.

    The shipped series when it holds ``now``; else the typical-year profile from an hour before ``now``
    to 400 days after it (longer than any training run), so the run is always covered.
    """
    from datetime import timedelta

    from mlfootprint.intensity.embedded import embedded_series

    base = embedded_series()
    one = base.series(zone)
    if covers(one, epoch_s(now), epoch_s(now)):
        return one
    return typical_profile(base, zone, now - timedelta(hours=1), now + timedelta(days=400))
