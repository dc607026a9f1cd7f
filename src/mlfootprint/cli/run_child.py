"""The command ``mlfootprint run`` starts: its start, the signals forwarded to it, its exit status."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import warnings
from pathlib import Path
from types import FrameType
from typing import Any

from mlfootprint.cli._common import emit
from mlfootprint.cli.orphan import parent_death_signal
from mlfootprint.errors import MlfootprintError

__all__ = ["INTERRUPTED_STATUSES", "exit_status", "run_status", "supervise"]

_FORWARDED = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def exit_status(returncode: int) -> int:
    """A child's ``returncode`` as a shell reports it: ``128 + N`` for a child ended by signal N."""
    return 128 - returncode if returncode < 0 else returncode


def _from_terminal() -> bool:
    """Whether we are in the terminal's foreground group (a Ctrl-C there reaches the child too)."""
    try:
        return os.tcgetpgrp(sys.stdin.fileno()) == os.getpgrp()
    except (OSError, ValueError, AttributeError):
        return False


def _warn_line(message: warnings.WarningMessage) -> None:
    print(f"mlfootprint: warning: {message.message}", file=sys.stderr)


def _progress_path(tracker: Any) -> Path:
    """A fresh file the command appends its progress to (``MLFOOTPRINT_PROGRESS_FILE``)."""
    import tempfile

    fd, name = tempfile.mkstemp(prefix="mlfootprint-progress-", suffix=".txt")
    os.close(fd)
    return Path(name)


def supervise(
    cmd: list[str], tracker: Any, db_url: str, json_out: str | None, to_dict: Any, summary: Any
) -> int:
    """Start ``cmd``, track it while it runs, forward signals, store and summarise; its exit status."""
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
