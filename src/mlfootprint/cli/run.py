"""``mlfootprint run [options] -- CMD ...``: run a command, track it, store the run, print the summary.

The command's stdin, stdout and stderr are inherited untouched; the summary goes to stderr.
SIGTERM and SIGHUP are forwarded to the command, and so is SIGINT unless it came from the terminal
(the terminal sends Ctrl-C to the command itself; forwarding it would deliver it twice).
Exit status: the command's own (``128 + N`` when a signal N ended it); 127 when the command is not
found and 126 when it cannot be executed (as a shell does; nothing is stored); 2 for bad options.

With ``--series``/``--zone`` the run's CO2e is time-resolved when the series covers it. With
``--start-when-cleaner`` the start is planned on the series (``reduce.schedule.plan_start``), a
countdown is shown on stderr until then (Ctrl-C aborts: exit 130, nothing stored), and the run records
the plan, its baseline (starting at once) and the saving. ``main_with(RunDeps(...), argv)`` runs the
command with an injected clock, sleep and meters.

The options are in ``cli.run_args``, the deferred start in ``cli.run_deferred`` and the child process
(start, signal forwarding, exit status) in ``cli.run_child``.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlfootprint.bounds import PUE, number_from_text
from mlfootprint.cli._common import check_output_paths
from mlfootprint.cli.run_args import add_run_parser, parse_tag
from mlfootprint.cli.run_child import exit_status, run_status, supervise
from mlfootprint.cli.run_deferred import announce, plan_deferred_start, wait
from mlfootprint.cli.term import use_color
from mlfootprint.clock import Clock, SystemClock
from mlfootprint.errors import MlfootprintError, UsageError

if TYPE_CHECKING:
    from mlfootprint.intensity.base import IntensitySeries
    from mlfootprint.meters.base import Meter
    from mlfootprint.reduce.schedule import StartPlan
    from mlfootprint.tracking.options import TrackerOptions

__all__ = ["RunDeps", "exit_status", "main_with", "parse_tag", "register", "run_status"]


@dataclass(frozen=True, slots=True, kw_only=True)
class RunDeps:
    """What ``mlfootprint run`` takes from the outside world (tests inject fakes).

    Attributes:
        clock: "now" for planning and the countdown, and the tracker's clock.
        sleep: waits that many seconds (interruptible by Ctrl-C).
        stderr_is_tty: whether the countdown may rewrite its line in place.
        meters: opens the meters to read (given the clock) instead of discovering them; called when
            the tracker is built, after any wait.
    """

    clock: Clock = field(default_factory=SystemClock)
    sleep: Callable[[float], None] = time.sleep
    stderr_is_tty: Callable[[], bool] = field(default=lambda: sys.stderr.isatty())
    meters: Callable[[Clock], Sequence[Meter]] | None = None


def register(subparsers: Any) -> None:
    add_run_parser(subparsers).set_defaults(func=run_command)


def main_with(deps: RunDeps, argv: Sequence[str]) -> int:
    """``mlfootprint run ARGV...`` with ``deps`` injected; errors are translated as ``cli.main`` does."""
    from mlfootprint.cli.main import build_parser

    try:
        args = build_parser().parse_args(["run", *argv])
    except SystemExit as exc:  # argparse's own errors and --help
        return exc.code if isinstance(exc.code, int) else 2
    try:
        check_output_paths(args)
        return _run(args, deps)
    except MlfootprintError as exc:
        print(f"mlfootprint: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("mlfootprint: interrupted", file=sys.stderr)
        return 130


def run_command(args: argparse.Namespace) -> int:
    """Handler of ``mlfootprint run``."""
    return _run(args, RunDeps())


def _run(args: argparse.Namespace, deps: RunDeps) -> int:
    from mlfootprint.config import default_db_url
    from mlfootprint.serialize import run_to_dict
    from mlfootprint.store import open_store, parse_store_url
    from mlfootprint.tracking.options import resolve_options
    from mlfootprint.tracking.summary import format_summary

    cmd = list(args.cmd)
    if cmd and cmd[0] == "--":
        cmd = cmd[1:]
    if not cmd:
        raise UsageError("run: no command given (usage: mlfootprint run [options] -- CMD ...)")
    if args.pue is not None and number_from_text(args.pue) is not None:
        args.pue = str(PUE.parse(args.pue, "--pue"))  # a number: bounded; else a datacenter's name
    name = args.name or " ".join([Path(cmd[0]).name, *cmd[1:2]])[:80]
    plan, series = plan_deferred_start(args, deps.clock.now()) if args.start_when_cleaner else (None, None)
    if plan is None and (args.slack or args.deadline or args.expected_duration):
        raise UsageError("run: --slack, --deadline and --expected-duration need --start-when-cleaner")

    from mlfootprint.config import load_settings

    load_settings()  # a bad $MLFOOTPRINT_* or config file is refused before the ledger is touched
    if getattr(args, "detect_region", False) and not args.region:
        _detect_region(args)
    if args.budget is not None:
        from mlfootprint.work.budget import parse_budget

        budget = parse_budget(args.budget, args.on_exceed)  # one line naming the value, exit 2
        kwh, kg = (budget.limit / 3.6e6, None) if budget.kind == "energy" else (None, budget.limit / 1e3)
        args.budget_kwh, args.budget_co2e_kg, args.budget_as_given = kwh, kg, budget
    options = _options(args, cmd, name, plan, series)
    parse_store_url(default_db_url() if args.db is None else args.db)  # a bad --db or $MLFOOTPRINT_DB
    # a bad region, zone, datacenter or series is refused before the ledger is created or touched
    resolve_options(options, now=deps.clock.now())
    sinks = _sinks(args) if plan is None else []  # a busy --prometheus-port, likewise
    try:
        store = open_store(args.db)  # a bad --db fails here, before anything runs or waits
    except BaseException:
        for sink in sinks:
            sink.close()
        raise
    try:
        try:
            tracker = _tracker(options, deps, store, sinks, args)
        except BaseException:
            for sink in sinks:
                sink.close()
            raise
        if plan is not None:
            store.close()  # not held open through a wait of hours
            announce(plan, series, args.expected_duration is None)
            wait(plan, clock=deps.clock, sleep=deps.sleep, tty=deps.stderr_is_tty())
            store = open_store(args.db)
            tracker = _tracker(options, deps, store, _sinks(args), args)
        verbose, quiet = getattr(args, "verbose", False), getattr(args, "quiet", False)

        def summary(record: Any, *, db_url: str) -> str | None:
            if quiet:
                return None
            return format_summary(record, db_url=db_url, verbose=verbose, color=use_color(sys.stderr))

        return supervise(cmd, tracker, store.url, args.json_out, run_to_dict, summary)
    finally:
        store.close()


def _detect_region(args: argparse.Namespace) -> None:
    from mlfootprint.cloudregion import detect_region
    from mlfootprint.errors import UnknownNameError
    from mlfootprint.reference import resolve_intensity

    found = detect_region()
    if found is None:
        print("mlfootprint: --detect-region: no cloud metadata service answered", file=sys.stderr)
        return
    try:
        resolve_intensity(found)
    except UnknownNameError:
        print(f"mlfootprint: --detect-region: {found} is not in the region table; not used", file=sys.stderr)
        return
    print(f"mlfootprint: --detect-region: {found} (from the instance metadata service)", file=sys.stderr)
    args.region = found


def _sinks(args: argparse.Namespace) -> list[Any]:
    """The exporters the options ask for (a Prometheus port is bound here, so a busy one fails early)."""
    if args.prometheus_port is None and not args.prometheus_push:
        return []
    from mlfootprint.sinks.prometheus import PrometheusSink

    exporter = PrometheusSink(port=args.prometheus_port, push_url=args.prometheus_push)
    if exporter.bound_port is not None:
        print(
            f"mlfootprint: Prometheus metrics at http://127.0.0.1:{exporter.bound_port}/metrics "
            "while the command runs",
            file=sys.stderr,
        )
    return [exporter]


def _options(
    args: argparse.Namespace,
    cmd: list[str],
    name: str,
    plan: StartPlan | None,
    series: IntensitySeries | None,
) -> TrackerOptions:
    from mlfootprint.tracking.options import TrackerOptions

    return TrackerOptions(
        project=args.project, name=name, region=args.region, pue=args.pue, tags=dict(args.tag),
        interval_s=args.interval, flush_interval_s=args.flush_interval, scope=args.scope, command=tuple(cmd),
        intensity_series=series if series is not None else args.series, zone=args.zone, start_plan=plan,
        live=getattr(args, "live", None),
        job=args.job, node=args.node, budget_kwh=getattr(args, "budget_kwh", None),
        budget_co2e_kg=getattr(args, "budget_co2e_kg", None), on_exceed=args.on_exceed,
        year=None if args.year is None else int(args.year),
        keep_samples=args.keep_samples,
    )  # fmt: skip


def _tracker(
    options: TrackerOptions, deps: RunDeps, store: Any, sinks: list[Any], args: argparse.Namespace
) -> Any:
    from mlfootprint.tracking.tracker import Tracker

    meters = deps.meters(deps.clock) if deps.meters else None
    tracker = Tracker(options, store=store, clock=deps.clock, meters=meters, sinks=sinks)
    if getattr(args, "budget_as_given", None) is not None:
        tracker.work.budget = args.budget_as_given  # the same budget, with its unit as written (0.5mWh)
    return tracker
