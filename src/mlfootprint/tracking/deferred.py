"""Starting a run when the grid is cleaner: waiting for a planned start, and what the wait saved.

``wait_for_start`` sleeps until a ``StartPlan``'s start, showing a countdown; the clock and the sleep
are injected. ``schedule_extra`` is what a deferred run records in ``extra["schedule"]``: the plan,
and the baseline, the CO2e its measured energy would have emitted had it started at arrival
(facility energy x the series' time-weighted mean over ``[arrival, arrival + actual duration]``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone
from typing import TextIO

from mlfootprint.clock import Clock
from mlfootprint.intensity.base import IntensitySeries, epoch_s, format_utc
from mlfootprint.records import RunRecord
from mlfootprint.reduce.schedule import StartPlan, countdown_text

__all__ = ["LOG_REFRESH_S", "TTY_REFRESH_S", "schedule_extra", "wait_for_start"]

#: seconds between countdown refreshes on a terminal (rewritten in place)
TTY_REFRESH_S = 10.0
#: seconds between countdown lines when stderr is a file or a pipe (a log stays short)
LOG_REFRESH_S = 600.0
_J_PER_KWH = 3.6e6


def _iso(when: datetime | None) -> str | None:
    return None if when is None else format_utc(epoch_s(when.astimezone(timezone.utc)))


def wait_for_start(
    plan: StartPlan,
    *,
    clock: Clock,
    sleep: Callable[[float], None],
    out: TextIO,
    tty: bool,
    prefix: str = "mlfootprint: ",
) -> float:
    """Sleep until ``plan.start``, writing ``countdown_text`` to ``out``; returns the seconds slept.

    On a terminal the line is rewritten every ``TTY_REFRESH_S``; otherwise one line is written every
    ``LOG_REFRESH_S``. The time left is read from ``clock`` before each sleep, so a late wake-up (a
    suspended machine) shortens the next one. ``KeyboardInterrupt`` from ``sleep`` propagates.
    """
    refresh_s = TTY_REFRESH_S if tty else LOG_REFRESH_S
    slept_s = 0.0
    while True:
        now = clock.now()
        left_s = (plan.start - now).total_seconds()
        if left_s <= 0:
            break
        text = countdown_text(plan, now)
        out.write(f"\r\x1b[K{prefix}{text}" if tty else f"{prefix}{text}\n")
        out.flush()
        step_s = min(refresh_s, left_s)
        sleep(step_s)
        slept_s += step_s
    if tty and slept_s:
        out.write("\r\x1b[K")
        out.flush()
    return slept_s


def schedule_extra(plan: StartPlan, series: IntensitySeries, record: RunRecord) -> dict[str, object]:
    """The ``extra["schedule"]`` of a deferred run: the plan, the baseline and the saving.

    ``baseline_co2e_g`` is None when the series does not cover ``[arrival, arrival + duration]``;
    ``saving_g`` is None unless the run's own CO2e is time-resolved from the series too (comparing a
    time-resolved baseline with an annual figure would mix two methods); ``baseline_note`` says why.
    """
    arrival = plan.arrival or record.started_at
    arrival_s = epoch_s(arrival)
    means, fracs = series.mean_over([arrival_s], [arrival_s + max(0.0, record.duration_s)])
    out: dict[str, object] = {
        "planned_start": _iso(plan.start),
        "arrival": _iso(arrival),
        "deadline": _iso(plan.deadline),
        "started_at": _iso(record.started_at),
        "waited_s": round(max(0.0, (record.started_at - arrival).total_seconds()), 3),
        "expected_duration_s": plan.duration_s,
        "zone": plan.zone,
        "series_source": plan.series_source,
        "series_sha256": plan.series_sha256,
        "baseline_g_per_kw": plan.baseline_g_per_kw,
        "expected_g_per_kw": plan.expected_g_per_kw,
        "saving_pct": plan.saving_pct,
        "baseline_co2e_g": None,
        "saving_g": None,
    }
    if float(fracs[0]) < 1.0 - 1e-9:
        out["baseline_note"] = (
            f"the series {series.source} ends {format_utc(series.end_s)}, before the run's length after "
            f"arrival; no baseline"
        )
        return out
    baseline_g_per_kwh = float(means[0])
    baseline_co2e_g = record.energy_j / _J_PER_KWH * baseline_g_per_kwh
    out["baseline_intensity_g_per_kwh"] = baseline_g_per_kwh
    out["baseline_co2e_g"] = baseline_co2e_g
    if record.intensity_resolution == "annual":
        out["baseline_note"] = (
            "the run's CO2e uses the annual figure (the series does not cover it), so no saving is stated"
        )
        return out
    out["saving_g"] = baseline_co2e_g - record.co2e_g
    return out
