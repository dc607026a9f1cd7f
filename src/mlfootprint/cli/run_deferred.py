"""``mlfootprint run --start-when-cleaner``: plan the start on an intensity series, announce it, wait."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from mlfootprint.clock import Clock
from mlfootprint.errors import UsageError

if TYPE_CHECKING:
    from mlfootprint.intensity.base import IntensitySeries
    from mlfootprint.reduce.schedule import StartPlan

__all__ = ["DEFAULT_EXPECTED_DURATION_S", "announce", "plan_deferred_start", "wait"]

#: expected duration of a deferred command when --expected-duration is not given
DEFAULT_EXPECTED_DURATION_S = 3600.0


def plan_deferred_start(args: argparse.Namespace, now: datetime) -> tuple[StartPlan, IntensitySeries]:
    """The planned start for ``--start-when-cleaner`` (on a file, a live forecast or the shipped data)."""
    from mlfootprint.reduce.schedule import plan_start

    if not args.zone:
        raise UsageError("run: --start-when-cleaner needs --zone (the grid zone to plan on, e.g. DE)")
    if args.slack is None and args.deadline is None:
        raise UsageError("run: --start-when-cleaner needs --slack (e.g. 12h) or --deadline (a time)")
    from datetime import timedelta

    from mlfootprint.intensity.now import planning_series

    duration = args.expected_duration or DEFAULT_EXPECTED_DURATION_S
    end = args.deadline if args.deadline is not None else now + timedelta(seconds=duration + args.slack)
    planned = planning_series(args.zone, now, end, series_path=args.series, live=getattr(args, "live", None))
    one = planned.series
    plan = plan_start(
        one, zone=one.zone, arrival=now, duration_s=duration, slack_s=args.slack, deadline=args.deadline
    )
    print(f"mlfootprint: planning on {planned.label}", file=sys.stderr)
    return plan, one


def announce(plan: StartPlan, series: IntensitySeries | None, default_duration: bool) -> None:
    from mlfootprint.intensity.base import epoch_s, format_utc

    def iso(when: datetime | None) -> str:
        return "?" if when is None else format_utc(epoch_s(when))

    from mlfootprint import fmt

    said = " (the default; set --expected-duration)" if default_duration else ""
    print(
        f"mlfootprint: start when cleaner: zone {plan.zone}, expected duration "
        f"{fmt.duration(plan.duration_s)}{said}, window {iso(plan.arrival)} to {iso(plan.deadline)}",
        file=sys.stderr,
    )
    print(
        f"mlfootprint: planned start {iso(plan.start)}: expected {fmt.number(plan.expected_g_per_kw)} gCO2e "
        f"per kW of load vs {fmt.number(plan.baseline_g_per_kw)} starting now "
        f"({fmt.percent(plan.saving_pct)} less)",
        file=sys.stderr,
    )


def wait(plan: StartPlan, *, clock: Clock, sleep: Callable[[float], None], tty: bool) -> None:
    """Count down on stderr until the planned start (Ctrl-C aborts)."""
    from mlfootprint.tracking.deferred import wait_for_start

    wait_for_start(plan, clock=clock, sleep=sleep, out=sys.stderr, tty=tty)
    print("mlfootprint: starting the command now", file=sys.stderr)
