"""``mlfootprint run [options] -- CMD ...``: run a command, track it, store the run, print the summary.

The command's stdin, stdout and stderr are inherited untouched; the summary goes to stderr.
SIGTERM and SIGHUP are forwarded to the command, and so is SIGINT unless it came from the terminal
(the terminal sends Ctrl-C to the command itself; forwarding it would deliver it twice).
Exit status: the command's own (``128 + N`` when a signal N ended it); 127 when the command is not
found and 126 when it cannot be executed (as a shell does; nothing is stored); 2 for bad options.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import warnings
from pathlib import Path
from types import FrameType
from typing import Any

from mlfootprint.cli._common import add_db_arg, emit, positive_float
from mlfootprint.errors import InvalidValueError, MlfootprintError, UsageError

__all__ = ["exit_status", "parse_tag", "register"]

_FORWARDED = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def parse_tag(text: str) -> tuple[str, str]:
    """argparse type for ``--tag KEY=VALUE``."""
    key, sep, value = text.partition("=")
    if not sep or not key.strip():
        raise argparse.ArgumentTypeError(f"{text!r} is not KEY=VALUE")
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
    parser.add_argument("--project", default=None, help="project the run belongs to")
    parser.add_argument("--name", default=None, help="the run's name (default: the command)")
    parser.add_argument(
        "--tag", action="append", type=parse_tag, default=[], metavar="KEY=VALUE", help="label (repeatable)"
    )
    parser.add_argument(
        "--interval", type=positive_float, default=None, metavar="S", help="sampling interval"
    )
    parser.add_argument(
        "--flush-interval",
        type=positive_float,
        default=None,
        metavar="S",
        help="save the run at least this often",
    )
    parser.add_argument(
        "--scope", choices=["machine", "process"], default=None, help="what CPU estimates cover"
    )
    parser.add_argument("--region", default=None, help="grid region (country, grid or cloud region)")
    parser.add_argument("--pue", default=None, help="PUE number, or a datacenter operator's name")
    add_db_arg(parser)
    parser.add_argument("--json-out", default=None, metavar="FILE", help="also write the run record as JSON")
    parser.add_argument("cmd", nargs=argparse.REMAINDER, metavar="-- CMD ...", help="the command to run")
    parser.set_defaults(func=run_command)


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
    from mlfootprint.serialize import run_to_dict
    from mlfootprint.store import open_store
    from mlfootprint.tracking.summary import format_summary
    from mlfootprint.tracking.tracker import Tracker

    cmd = list(args.cmd)
    if cmd and cmd[0] == "--":
        cmd = cmd[1:]
    if not cmd:
        raise UsageError("run: no command given (usage: mlfootprint run [options] -- CMD ...)")
    if args.interval is not None and args.interval < 0.05:
        raise InvalidValueError("--interval", args.interval, "must be at least 0.05 s")
    name = args.name or " ".join([Path(cmd[0]).name, *cmd[1:2]])[:80]

    store = open_store(args.db)  # a bad --db fails here, before anything runs
    try:
        tracker = Tracker(
            project=args.project, name=name, region=args.region, pue=args.pue, tags=dict(args.tag),
            interval_s=args.interval, flush_interval_s=args.flush_interval, scope=args.scope, store=store,
            command=cmd,
        )  # fmt: skip
        return _supervise(cmd, tracker, store.url, args.json_out, run_to_dict, format_summary)
    finally:
        store.close()


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

    previous = {s: signal.signal(s, forward) for s in _FORWARDED}
    try:
        try:
            child = subprocess.Popen(cmd)
        except FileNotFoundError:
            print(f"mlfootprint: error: command not found: {cmd[0]}", file=sys.stderr)
            return 127
        except PermissionError:
            print(f"mlfootprint: error: command cannot be executed: {cmd[0]}", file=sys.stderr)
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
        status = exit_status(child.wait())
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    if not tracked:
        return status
    error: MlfootprintError | None = None
    try:
        tracker.stop(status="finished" if status == 0 else "failed", exit_code=status)
    except MlfootprintError as exc:
        error = exc
    record = tracker.result
    if record is not None:
        print(summary(record, db_url=db_url), file=sys.stderr)
        if json_out:
            emit(json.dumps(to_dict(record), indent=2), json_out)
    if error is not None:
        print(f"mlfootprint: error: {error}", file=sys.stderr)
    return status
