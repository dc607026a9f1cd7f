"""When to run one job: the cleanest start, or the cleanest slots with pause and resume.

Pure functions over an ``IntensitySeries`` (piecewise constant). Emissions are per kW of load:
``g per kW = Σ intensity (g/kWh) × hours run``, so any constant power scales them linearly.
The deadline is ``arrival + duration + slack`` (or given); a job never finishes after it, and a
request that reaches beyond the series is refused rather than guessed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timezone

from mlfootprint.errors import InvalidValueError, ScheduleError
from mlfootprint.intensity.base import IntensitySeries, SeriesSet, epoch_s, format_utc

__all__ = ["SchedulePlan", "StartPlan", "countdown_text", "plan_schedule", "plan_start"]

_H = 3600.0


@dataclass(frozen=True, slots=True, kw_only=True)
class StartPlan:
    """The cleanest uninterrupted start of a job.

    Attributes:
        start: planned start (aware UTC).
        expected_g_per_kw: gCO2e per kW of load if started at ``start``.
        baseline_g_per_kw: gCO2e per kW of load if started at arrival.
        saving_pct: ``100 × (1 - expected / baseline)``.
        zone, series_source, series_sha256: which data the plan came from.
        arrival, deadline: the window the job had to fit in.
        duration_s: the job's length.
    """

    start: datetime
    expected_g_per_kw: float
    baseline_g_per_kw: float
    saving_pct: float
    zone: str
    series_source: str
    series_sha256: str = ""
    arrival: datetime | None = None
    deadline: datetime | None = None
    duration_s: float = 0.0


@dataclass(frozen=True, slots=True, kw_only=True)
class SchedulePlan:
    """A plan with the intervals to run in (one interval unless paused and resumed).

    Attributes:
        intervals: ``(start, end)`` pairs, aware UTC, in time order.
        pauses: number of pauses (``len(intervals) - 1``).
        checkpoint_overhead_s: extra run time added per pause (already inside ``intervals``).
        interruptible: whether pause and resume was allowed.
    """

    plan: StartPlan
    intervals: tuple[tuple[datetime, datetime], ...]
    pauses: int
    checkpoint_overhead_s: float
    interruptible: bool


def _utc(t_s: float) -> datetime:
    return datetime.fromtimestamp(t_s, tz=timezone.utc)


def _window(
    series: IntensitySeries,
    arrival: datetime,
    duration_s: float,
    slack_s: float | None,
    deadline: datetime | None,
) -> tuple[float, float]:
    if not math.isfinite(duration_s) or duration_s <= 0:
        raise InvalidValueError("duration", duration_s, "must be a positive number of seconds")
    if (slack_s is None) == (deadline is None):
        raise InvalidValueError(
            "slack/deadline", (slack_s, deadline), "give exactly one of slack or deadline"
        )
    a = epoch_s(arrival)
    if slack_s is not None:
        if not math.isfinite(slack_s) or slack_s < 0:
            raise InvalidValueError("slack", slack_s, "must not be negative")
        d = a + duration_s + slack_s
    else:
        assert deadline is not None
        d = epoch_s(deadline)
        if d < a + duration_s:
            raise ScheduleError(
                f"deadline {format_utc(d)} is before the job could finish ({format_utc(a + duration_s)})"
            )
    if a < series.start_s:
        raise ScheduleError(
            f"arrival {format_utc(a)} is before the series {series.source} "
            f"starts ({format_utc(series.start_s)})"
        )
    if d > series.end_s:
        raise ScheduleError(
            f"the window to {format_utc(d)} reaches beyond the series {series.source} for {series.zone} "
            f"(ends {format_utc(series.end_s)}); shorten the slack or give a longer series"
        )
    return a, d


def _as_series(series: IntensitySeries | SeriesSet, zone: str) -> IntensitySeries:
    return series.series(zone) if isinstance(series, SeriesSet) else series


def plan_start(
    series: IntensitySeries | SeriesSet,
    *,
    zone: str,
    arrival: datetime,
    duration_s: float,
    slack_s: float | None = None,
    deadline: datetime | None = None,
) -> StartPlan:
    """The start in ``[arrival, deadline - duration]`` with the lowest emissions (no interruption).

    Candidate starts are the arrival and every interval boundary of the series in the window
    (the optimum of a piecewise-constant series is at one of them). Ties go to the earliest.

    Raises:
        InvalidValueError: non-positive duration, negative slack, both or neither of slack/deadline.
        ScheduleError: the window reaches outside the series.
        UnknownNameError: the zone is not in the series set.
    """
    import numpy as np

    one = _as_series(series, zone)
    a, d = _window(one, arrival, duration_s, slack_s, deadline)
    latest = d - duration_s
    inside = one.times_s[(one.times_s > a) & (one.times_s <= latest)].astype(np.float64)
    starts = np.concatenate(([a], inside))
    means, _ = one.mean_over(starts, starts + duration_s)
    emissions = means * duration_s / _H
    best = int(np.argmin(emissions))
    expected, baseline = float(emissions[best]), float(emissions[0])
    return StartPlan(
        start=_utc(float(starts[best])),
        expected_g_per_kw=expected,
        baseline_g_per_kw=baseline,
        saving_pct=0.0 if baseline <= 0 else (1.0 - expected / baseline) * 100.0,
        zone=one.zone,
        series_source=one.source,
        series_sha256=one.sha256,
        arrival=_utc(a),
        deadline=_utc(d),
        duration_s=duration_s,
    )


def _cleanest(bounds: list[float], values: list[float], need_s: float) -> list[tuple[float, float]]:
    """The cleanest pieces totalling ``need_s``, merged into time-ordered runs."""
    order = sorted(range(len(values)), key=lambda i: (values[i], bounds[i]))
    chosen: list[tuple[float, float]] = []
    left = need_s
    for i in order:
        if left <= 0:
            break
        width = bounds[i + 1] - bounds[i]
        take = min(width, left)
        chosen.append((bounds[i], bounds[i] + take))
        left -= take
    chosen.sort()
    runs: list[tuple[float, float]] = []
    for lo, hi in chosen:
        if runs and abs(runs[-1][1] - lo) < 1e-6:
            runs[-1] = (runs[-1][0], hi)
        else:
            runs.append((lo, hi))
    return runs


def plan_schedule(
    series: IntensitySeries | SeriesSet,
    *,
    zone: str,
    arrival: datetime,
    duration_s: float,
    slack_s: float | None = None,
    deadline: datetime | None = None,
    interruptible: bool = False,
    checkpoint_overhead_s: float = 0.0,
) -> SchedulePlan:
    """Plan a job, optionally with pause and resume (each pause costs ``checkpoint_overhead_s`` of run time).

    With pause and resume the job runs in the cleanest pieces of the window; every extra run
    segment adds the overhead, and the choice is repeated until the segment count is stable. The
    uninterrupted plan is kept when it emits no more.
    """
    import numpy as np

    if not math.isfinite(checkpoint_overhead_s) or checkpoint_overhead_s < 0:
        raise InvalidValueError("checkpoint overhead", checkpoint_overhead_s, "must not be negative")
    start_plan = plan_start(
        series, zone=zone, arrival=arrival, duration_s=duration_s, slack_s=slack_s, deadline=deadline
    )
    start_s = epoch_s(start_plan.start)
    single = SchedulePlan(
        plan=start_plan,
        intervals=((start_plan.start, _utc(start_s + duration_s)),),
        pauses=0,
        checkpoint_overhead_s=checkpoint_overhead_s,
        interruptible=interruptible,
    )
    if not interruptible:
        return single
    one = _as_series(series, zone)
    a, d = epoch_s(arrival), epoch_s(start_plan.deadline or arrival)
    inner = one.times_s[(one.times_s > a) & (one.times_s < d)].astype(np.float64).tolist()
    bounds = [a, *inner, d]
    values = one.mean_over(bounds[:-1], bounds[1:])[0].tolist()
    runs: list[tuple[float, float]] = []
    need = duration_s
    for _ in range(8):
        if need > d - a:
            return single
        runs = _cleanest(bounds, values, need)
        new_need = duration_s + checkpoint_overhead_s * (len(runs) - 1)
        if abs(new_need - need) < 1e-9:
            break
        need = new_need
    else:
        return single
    lo = np.array([r[0] for r in runs])
    hi = np.array([r[1] for r in runs])
    expected = float((one.mean_over(lo, hi)[0] * (hi - lo)).sum() / _H)
    if expected >= start_plan.expected_g_per_kw:
        return single
    baseline = start_plan.baseline_g_per_kw
    plan = StartPlan(
        start=_utc(runs[0][0]),
        expected_g_per_kw=expected,
        baseline_g_per_kw=baseline,
        saving_pct=0.0 if baseline <= 0 else (1.0 - expected / baseline) * 100.0,
        zone=start_plan.zone,
        series_source=start_plan.series_source,
        series_sha256=start_plan.series_sha256,
        arrival=start_plan.arrival,
        deadline=start_plan.deadline,
        duration_s=duration_s,
    )
    return SchedulePlan(
        plan=plan,
        intervals=tuple((_utc(x), _utc(y)) for x, y in runs),
        pauses=len(runs) - 1,
        checkpoint_overhead_s=checkpoint_overhead_s,
        interruptible=True,
    )


def _span(seconds: float) -> str:
    minutes = round(seconds / 60.0)
    hours, minutes = divmod(minutes, 60)
    if hours and minutes:
        return f"{hours} h {minutes:02d} min"
    return f"{hours} h" if hours else f"{minutes} min"


def countdown_text(plan: StartPlan, now: datetime) -> str:
    """One line for a waiting job: time left, planned start and the expected saving."""
    left_s = (plan.start - now).total_seconds()
    when = plan.start.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    saving = (
        f"expected {plan.expected_g_per_kw:.1f} gCO2e per kW vs {plan.baseline_g_per_kw:.1f} now "
        f"({plan.saving_pct:.1f} % less; {plan.zone}, {plan.series_source})"
    )
    if left_s <= 0:
        return f"starting now (planned {when}); {saving}"
    return f"starting in {_span(left_s)} at {when}; {saving}"
