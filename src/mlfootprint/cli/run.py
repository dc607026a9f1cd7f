# size: argument handling, deferred start and child process of `run`; to split into those three
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
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

from mlfootprint.bounds import FLUSH_INTERVAL_S, INTERVAL_S, PUE, YEAR, arg_type, number_from_text
from mlfootprint.cli._common import add_db_arg, check_output_paths, duration_s, emit, iso_time
from mlfootprint.cli.orphan import parent_death_signal
from mlfootprint.cli.term import add_verbosity_args, use_color
from mlfootprint.clock import Clock, SystemClock
from mlfootprint.errors import MlfootprintError, UsageError

if TYPE_CHECKING:
    from mlfootprint.intensity.base import IntensitySeries
    from mlfootprint.meters.base import Meter
    from mlfootprint.reduce.schedule import StartPlan

__all__ = ["RunDeps", "exit_status", "main_with", "parse_tag", "register", "run_status"]

#: expected duration of a deferred command when --expected-duration is not given
DEFAULT_EXPECTED_DURATION_S = 3600.0


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


_FORWARDED = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


#: the longest project, name or tag the ledger takes
MAX_LABEL_CHARS = 1000


def label(text: str) -> str:
    """argparse type for a project, name or tag: printable text, at most ``MAX_LABEL_CHARS`` characters."""
    if len(text) > MAX_LABEL_CHARS:
        raise argparse.ArgumentTypeError(f"{text[:40]!r}... is longer than {MAX_LABEL_CHARS} characters")
    if any(ord(c) < 0x20 and c != "\t" for c in text) or "\x7f" in text:
        raise argparse.ArgumentTypeError(f"{text[:60]!r} holds a control character")
    if not text.strip():
        raise argparse.ArgumentTypeError(f"{text!r} is empty")
    return text


def parse_tag(text: str) -> tuple[str, str]:
    """argparse type for ``--tag KEY=VALUE``."""
    key, sep, value = text.partition("=")
    if not sep or not key.strip():
        raise argparse.ArgumentTypeError(f"{text[:60]!r} is not KEY=VALUE")
    label(key)
    if value:
        label(value)
    return key.strip(), value


def exit_status(returncode: int) -> int:
    """A child's ``returncode`` as a shell reports it: ``128 + N`` for a child ended by signal N."""
    return 128 - returncode if returncode < 0 else returncode


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "run",
        help="track any command; store the run; print the summary",
        description="Run CMD, measure its energy and CO2e, store the run and print a summary on stderr. "
        "Exits with CMD's exit status.",
    )
    parser.add_argument("--project", type=label, default=None, help="project the run belongs to")
    parser.add_argument("--name", type=label, default=None, help="the run's name (default: the command)")
    parser.add_argument(
        "--tag", action="append", type=parse_tag, default=[], metavar="KEY=VALUE", help="label (repeatable)"
    )
    parser.add_argument(
        "--interval", type=arg_type(INTERVAL_S), default=None, metavar="S", help="sampling interval"
    )
    parser.add_argument(
        "--flush-interval",
        type=arg_type(FLUSH_INTERVAL_S),
        default=None,
        metavar="S",
        help="save the run at least this often",
    )
    parser.add_argument(
        "--scope", choices=["machine", "process"], default=None, help="what CPU estimates cover"
    )
    parser.add_argument(
        "--keep-samples",
        type=_keep_samples,
        default=None,
        metavar="all|N",
        help="samples per meter kept at full resolution (default 10000); older ones are stored as "
        "5-minute aggregates with exact energy; 'all' keeps every sample",
    )
    parser.add_argument("--region", default=None, help="grid region (country, grid or cloud region)")
    parser.add_argument(
        "--detect-region",
        action="store_true",
        help="ask the cloud's instance metadata service for the region (0.3 s timeout; off the cloud, "
        "says so and goes on)",
    )
    parser.add_argument("--pue", default=None, help="PUE number, or a datacenter operator's name")
    parser.add_argument(
        "--year", type=arg_type(YEAR), default=None, metavar="Y",
        help="year of the PUE and intensity figures (default: the run's own year; nearest year stated)",
    )  # fmt: skip
    parser.add_argument(
        "--series",
        metavar="FILE",
        help="intensity series CSV: CO2e is time-resolved when it covers the run "
        "(default with --zone: the shipped 2022 hourly subset)",
    )
    parser.add_argument("--zone", default=None, help="the series' grid zone, e.g. DE")
    parser.add_argument(
        "--live",
        choices=["electricitymaps", "uk", "watttime"],
        default=None,
        help="use this provider's live intensity for the run's window, fetched at the end (and its "
        "forecast for --start-when-cleaner); keys from the environment; falls back visibly",
    )
    parser.add_argument(
        "--start-when-cleaner",
        action="store_true",
        help="wait for the cleanest start within --slack or --deadline (with a countdown), then run",
    )
    window = parser.add_mutually_exclusive_group()
    window.add_argument(
        "--slack", type=duration_s, default=None, help="how long the start may wait, e.g. 12h"
    )
    window.add_argument(
        "--deadline", type=_when, default=None, help="latest finish (ISO 8601, UTC if no offset)"
    )
    parser.add_argument(
        "--expected-duration",
        type=duration_s,
        default=None,
        metavar="D",
        help="how long CMD runs, for the plan (default 1h)",
    )
    parser.add_argument(
        "--prometheus-port", type=int, default=None, metavar="P",
        help="serve the run's metrics for Prometheus on 127.0.0.1:P while it runs",
    )  # fmt: skip
    parser.add_argument(
        "--prometheus-push", default=None, metavar="URL",
        help="push the run's metrics to this Pushgateway (start, every 10 s, end)",
    )  # fmt: skip
    add_verbosity_args(parser)
    parser.add_argument(
        "--budget",
        default=None,
        metavar="AMOUNT",
        help="energy or CO2e budget, e.g. 2kWh or 5kg (mWh..MWh, g..t); checked on the prediction and the "
        "energy used",
    )
    parser.add_argument(
        "--on-exceed",
        choices=("warn", "stop"),
        default="warn",
        help="over budget: warn (default), or stop the command with SIGTERM",
    )
    add_db_arg(parser)
    parser.add_argument(
        "--job", default=None, metavar="ID", help="the job this run belongs to (wins over torchrun/Slurm/MPI)"
    )
    parser.add_argument(
        "--node", default=None, metavar="NAME", help="this node's name in the job (default: the host name)"
    )
    parser.add_argument("--json-out", default=None, metavar="FILE", help="also write the run record as JSON")
    parser.add_argument("cmd", nargs=argparse.REMAINDER, metavar="-- CMD ...", help="the command to run")
    parser.set_defaults(func=run_command)


def _when(text: str) -> datetime:
    """argparse type for ISO 8601 times (UTC when no offset is given), between 1970 and 2100."""
    return iso_time(text)


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


def _from_terminal() -> bool:
    """Whether we are in the terminal's foreground group (a Ctrl-C there reaches the child too)."""
    try:
        return os.tcgetpgrp(sys.stdin.fileno()) == os.getpgrp()
    except (OSError, ValueError, AttributeError):
        return False


def _warn_line(message: warnings.WarningMessage) -> None:
    print(f"mlfootprint: warning: {message.message}", file=sys.stderr)


def run_command(args: argparse.Namespace) -> int:
    """Handler of ``mlfootprint run``."""
    return _run(args, RunDeps())


def _run(args: argparse.Namespace, deps: RunDeps) -> int:
    from mlfootprint.serialize import run_to_dict
    from mlfootprint.store import open_store
    from mlfootprint.tracking.summary import format_summary

    cmd = list(args.cmd)
    if cmd and cmd[0] == "--":
        cmd = cmd[1:]
    if not cmd:
        raise UsageError("run: no command given (usage: mlfootprint run [options] -- CMD ...)")
    if args.pue is not None and number_from_text(args.pue) is not None:
        args.pue = str(PUE.parse(args.pue, "--pue"))  # a number: bounded; else a datacenter's name
    name = args.name or " ".join([Path(cmd[0]).name, *cmd[1:2]])[:80]
    plan, series = _plan(args, deps.clock.now()) if args.start_when_cleaner else (None, None)
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
    store = open_store(args.db)  # a bad --db, region or PUE fails here, before anything runs or waits
    try:
        tracker = _tracker(args, deps, store, cmd, name, plan, series, export=plan is None)
        if plan is not None:
            store.close()  # not held open through a wait of hours
            _announce(plan, series, args.expected_duration is None)
            _wait(plan, deps)
            store = open_store(args.db)
            tracker = _tracker(args, deps, store, cmd, name, plan, series, export=True)
        verbose, quiet = getattr(args, "verbose", False), getattr(args, "quiet", False)

        def summary(record: Any, *, db_url: str) -> str | None:
            if quiet:
                return None
            return format_summary(record, db_url=db_url, verbose=verbose, color=use_color(sys.stderr))

        return _supervise(cmd, tracker, store.url, args.json_out, run_to_dict, summary)
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


def _tracker(
    args: argparse.Namespace,
    deps: RunDeps,
    store: Any,
    cmd: list[str],
    name: str,
    plan: StartPlan | None,
    series: IntensitySeries | None,
    *,
    export: bool,
) -> Any:
    from mlfootprint.tracking.options import TrackerOptions
    from mlfootprint.tracking.tracker import Tracker

    sinks: list[Any] = []
    if export and (args.prometheus_port is not None or args.prometheus_push):
        from mlfootprint.sinks.prometheus import PrometheusSink

        exporter = PrometheusSink(port=args.prometheus_port, push_url=args.prometheus_push)
        sinks.append(exporter)
        if exporter.bound_port is not None:
            print(
                f"mlfootprint: Prometheus metrics at http://127.0.0.1:{exporter.bound_port}/metrics "
                "while the command runs",
                file=sys.stderr,
            )

    options = TrackerOptions(
        project=args.project, name=name, region=args.region, pue=args.pue, tags=dict(args.tag),
        interval_s=args.interval, flush_interval_s=args.flush_interval, scope=args.scope, command=tuple(cmd),
        intensity_series=series if series is not None else args.series, zone=args.zone, start_plan=plan,
        live=getattr(args, "live", None),
        job=args.job, node=args.node, budget_kwh=getattr(args, "budget_kwh", None),
        budget_co2e_kg=getattr(args, "budget_co2e_kg", None), on_exceed=args.on_exceed,
        year=None if args.year is None else int(args.year),
        keep_samples=args.keep_samples,
    )  # fmt: skip
    meters = deps.meters(deps.clock) if deps.meters else None
    tracker = Tracker(options, store=store, clock=deps.clock, meters=meters, sinks=sinks)
    if getattr(args, "budget_as_given", None) is not None:
        tracker.work.budget = args.budget_as_given  # the same budget, with its unit as written (0.5mWh)
    return tracker


def _keep_samples(text: str) -> str:
    """argparse type for ``--keep-samples``: ``all`` or a whole number of at least 1."""
    if text.strip().lower() == "all":
        return "all"
    try:
        number = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not 'all' or a whole number (e.g. 10000)") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"{text!r} must be 'all' or at least 1")
    return str(number)


def _plan(args: argparse.Namespace, now: datetime) -> tuple[StartPlan, IntensitySeries]:
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


def _announce(plan: StartPlan, series: IntensitySeries | None, default_duration: bool) -> None:
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


def _wait(plan: StartPlan, deps: RunDeps) -> None:
    from mlfootprint.tracking.deferred import wait_for_start

    wait_for_start(plan, clock=deps.clock, sleep=deps.sleep, out=sys.stderr, tty=deps.stderr_is_tty())
    print("mlfootprint: starting the command now", file=sys.stderr)


def _progress_path(tracker: Any) -> Path:
    """A fresh file the command appends its progress to (``MLFOOTPRINT_PROGRESS_FILE``)."""
    import tempfile

    fd, name = tempfile.mkstemp(prefix="mlfootprint-progress-", suffix=".txt")
    os.close(fd)
    return Path(name)


def _supervise(
    cmd: list[str], tracker: Any, db_url: str, json_out: str | None, to_dict: Any, summary: Any
) -> int:
    child: subprocess.Popen[bytes] | None = None
    pending: list[int] = []

    def forward(signum: int, frame: FrameType | None) -> None:
        if signum == signal.SIGINT and _from_terminal():
            return  # the terminal delivered it to the child already
        if child is None:
            pending.append(signum)
        elif child.poll() is None:
            child.send_signal(signum)

    from mlfootprint.cli.run_watch import watch_child
    from mlfootprint.tracking.sharedload import shared_machine_warning, snapshot
    from mlfootprint.work.progress_file import ENV

    progress = _progress_path(tracker)
    previous = {s: signal.signal(s, forward) for s in _FORWARDED}
    cpu_before = snapshot()
    try:
        try:
            child = subprocess.Popen(
                cmd, env={**os.environ, ENV: str(progress)}, preexec_fn=parent_death_signal()
            )
        except FileNotFoundError:
            print(f"mlfootprint: error: command not found: {cmd[0]}", file=sys.stderr)
            return 127
        except (PermissionError, IsADirectoryError):
            print(f"mlfootprint: error: command cannot be executed: {cmd[0]}", file=sys.stderr)
            return 126
        except (OSError, ValueError) as exc:  # e.g. an exec format error, a NUL byte in an argument
            print(f"mlfootprint: error: command cannot be executed: {cmd[0]!r}: {exc}", file=sys.stderr)
            return 126
        for signum in pending:
            child.send_signal(signum)
        tracker.pid = child.pid
        tracked = True
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                tracker.start()
            for message in caught:
                _warn_line(message)
        except MlfootprintError as exc:
            print(f"mlfootprint: error: not tracked: {exc}", file=sys.stderr)
            tracked = False
        status = exit_status(watch_child(child, tracker, progress) if tracked else child.wait())
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        progress.unlink(missing_ok=True)
    if not tracked:
        return status
    error: MlfootprintError | None = None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            ended = "interrupted" if tracker.stop_requested else run_status(status)
            tracker.stop(status=ended, exit_code=status)
        except MlfootprintError as exc:
            error = exc
    for message in caught:
        _warn_line(message)
    record = tracker.result
    shared = None if record is None else shared_machine_warning(cpu_before, snapshot(), scope=record.scope)
    if shared:
        print(f"mlfootprint: warning: {shared}", file=sys.stderr)
    if record is not None:
        text = summary(record, db_url=db_url)
        if text is not None:
            print(text, file=sys.stderr)
        if json_out:
            try:
                emit(json.dumps(to_dict(record), indent=2), json_out, option="--json-out")
            except MlfootprintError as exc:  # the command's status is what `run` returns, whatever happens
                print(f"mlfootprint: error: {exc}", file=sys.stderr)
    if error is not None:
        print(f"mlfootprint: error: {error}", file=sys.stderr)
    return status


#: statuses of a command ended by SIGINT, SIGTERM or SIGHUP: stored as ``interrupted``, as ``track()``
#: stores a KeyboardInterrupt
INTERRUPTED_STATUSES = frozenset({128 + signal.SIGINT, 128 + signal.SIGTERM, 128 + signal.SIGHUP})


def run_status(exit_status: int) -> str:
    """``finished`` for 0, ``interrupted`` for Ctrl-C / SIGTERM / SIGHUP, else ``failed``."""
    if exit_status == 0:
        return "finished"
    return "interrupted" if exit_status in INTERRUPTED_STATUSES else "failed"
