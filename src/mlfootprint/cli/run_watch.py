"""``mlfootprint run`` while the command runs: progress, prediction status line, budget stop (SIGTERM)."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path
from typing import Any, TextIO

from mlfootprint.errors import MlfootprintError
from mlfootprint.work.progress_file import ProgressReader

__all__ = ["status_line", "watch_child"]

#: how often the progress file and the budget are looked at while the command runs
POLL_S = 1.0


def status_line(prediction: Any) -> str:
    """One status line for the terminal."""
    from mlfootprint.integrations.work import prediction_line

    return prediction_line(prediction)


def watch_child(
    child: subprocess.Popen[bytes], tracker: Any, progress_path: Path | None, *, out: TextIO | None = None,
    poll_s: float = POLL_S,
) -> int:  # fmt: skip
    """Wait for ``child``; meanwhile feed its progress to ``tracker`` and stop it when the budget asks.

    Returns the child's return code. A budget stop sends SIGTERM once (the command ends as it handles
    it); the tracker's record carries the reason.
    """
    stream = out if out is not None else sys.stderr
    reader = ProgressReader(progress_path) if progress_path is not None else None
    tty = stream.isatty()
    terminated = False

    def warn(message: str) -> None:
        stream.write(f"\nmlfootprint: warning: {message}\n" if tty else f"mlfootprint: warning: {message}\n")
        stream.flush()

    tracker.work.on_warning = warn
    while True:
        try:
            return child.wait(timeout=poll_s)
        except subprocess.TimeoutExpired:
            pass
        if reader is not None and tracker.result is None:
            lines = reader.read()
            if lines:  # several lines since the last poll share one reading: keep the latest
                done, _ = lines[-1]
                total = next((t for _, t in reversed(lines) if t is not None), None)
                try:
                    prediction = tracker.progress(done, total)
                except MlfootprintError as exc:  # never let the watch end the command or the tracking
                    warn(f"progress not used: {exc}")
                    reader = None
                    continue
                if prediction is not None:
                    line = status_line(prediction)
                    stream.write(f"\r{line}\033[K" if tty else f"{line}\n")
                    stream.flush()
        reason = tracker.stop_requested
        if reason is not None and not terminated and child.poll() is None:
            stream.write(f"\nmlfootprint: {reason}; sending SIGTERM to the command\n")
            stream.flush()
            child.send_signal(signal.SIGTERM)
            terminated = True
