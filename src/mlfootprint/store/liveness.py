"""Whether a run stored as ``running`` is still alive: the heartbeat, then the tracking process."""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime

from mlfootprint.records import RunRecord, RunStatus

__all__ = ["HEARTBEAT_GRACE_S", "effective_status", "pid_alive", "this_host", "with_effective_status"]

#: slack added to three missed flushes before a silent run counts as interrupted
HEARTBEAT_GRACE_S = 5.0


def this_host() -> str:
    """This machine's host name (``uname``'s node name where there is one: what ``gethostname`` returns
    on POSIX, without importing ``socket``)."""
    if hasattr(os, "uname"):
        return os.uname().nodename
    import socket

    return socket.gethostname()


def pid_alive(pid: int) -> bool:
    """True when a process with this id exists on this machine (it may belong to another user)."""
    if pid <= 0 or pid > 2**22:
        return True  # not a process id we can check; 0 and negatives would address process groups
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


#: the longest heartbeat timeout: a run silent for a day is interrupted, whatever interval it asked for
MAX_HEARTBEAT_TIMEOUT_S = 86400.0 * 3 + HEARTBEAT_GRACE_S


def heartbeat_timeout_s(flush_interval_s: object) -> float:
    """``3 x flush_interval_s + 5 s``, clamped to at most three days; any bad stored value counts as 10 s.

    Plain float arithmetic that cannot overflow whatever the ledger holds.
    """
    interval = flush_interval_s if isinstance(flush_interval_s, (int, float)) else 10.0
    if not math.isfinite(interval) or interval <= 0:
        interval = 10.0
    return min(3.0 * min(float(interval), 86400.0) + HEARTBEAT_GRACE_S, MAX_HEARTBEAT_TIMEOUT_S)


def silent_s(now: datetime, last: datetime) -> float:
    """Seconds from ``last`` to ``now`` as a float (no ``timedelta`` overflow)."""
    return now.timestamp() - last.timestamp()


def effective_status(
    run: RunRecord,
    *,
    now: datetime,
    hostname: str | None = None,
    is_alive: Callable[[int], bool] = pid_alive,
) -> RunStatus:
    """The status to report for ``run``.

    A run stored as ``running`` is ``interrupted`` when its last heartbeat (or its start, before the first
    flush) is older than ``3 x flush_interval_s + 5 s``, or when it ran on this machine and its tracking
    process is gone. Nothing is written: a reader never races the writer.
    """
    if run.status != "running":
        return run.status
    last = run.heartbeat_at or run.started_at
    if silent_s(now, last) > heartbeat_timeout_s(run.flush_interval_s):
        return "interrupted"
    here = this_host() if hostname is None else hostname
    if run.pid is not None and run.hostname and run.hostname == here and not is_alive(run.pid):
        return "interrupted"
    return "running"


def with_effective_status(run: RunRecord, *, now: datetime) -> RunRecord:
    """``run`` with its status replaced by ``effective_status`` (the same object when unchanged)."""
    status = effective_status(run, now=now)
    return run if status == run.status else replace(run, status=status)
