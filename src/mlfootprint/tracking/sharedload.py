"""Is the machine shared? The CPU time of other processes during a run, for machine-scope estimates.

A machine-scope CPU figure (RAPL package energy, or the TDP x utilisation estimate) counts every process
on the machine. When other processes used a large share of the CPU during the run, the figure is mostly
theirs, and the run should say so and suggest ``--scope process``. Pure arithmetic over two snapshots;
the readers (``/proc/stat`` through psutil, ``getrusage``) are injected for tests.
"""

from __future__ import annotations

import resource
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["SHARED_THRESHOLD_FRAC", "CpuSnapshot", "other_share", "shared_machine_warning", "snapshot"]

#: warn when other processes used more than this share of the machine's busy CPU time
SHARED_THRESHOLD_FRAC = 0.5
#: below this much busy CPU time (s) in the run, shares mean nothing
_MIN_BUSY_S = 0.5


@dataclass(frozen=True, slots=True, kw_only=True)
class CpuSnapshot:
    """Cumulative busy CPU seconds of the machine (all CPUs) and of this process with its children."""

    machine_busy_s: float
    own_s: float


def _machine_busy_s() -> float:
    import psutil

    t = psutil.cpu_times()
    idle = t.idle + getattr(t, "iowait", 0.0)
    return float(sum(t) - idle - getattr(t, "guest", 0.0) - getattr(t, "guest_nice", 0.0))


def _own_s() -> float:
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return float(me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime)


def snapshot(
    machine: Callable[[], float] = _machine_busy_s, own: Callable[[], float] = _own_s
) -> CpuSnapshot | None:
    """The counters now (None where the machine's counters cannot be read)."""
    try:
        return CpuSnapshot(machine_busy_s=machine(), own_s=own())
    except (ImportError, OSError, AttributeError):
        return None


def other_share(before: CpuSnapshot, after: CpuSnapshot) -> float | None:
    """The share of the machine's busy CPU time between the snapshots that was not ours (0..1)."""
    busy = after.machine_busy_s - before.machine_busy_s
    if busy < _MIN_BUSY_S:
        return None
    own = max(0.0, after.own_s - before.own_s)
    return min(1.0, max(0.0, (busy - own) / busy))


def shared_machine_warning(
    before: CpuSnapshot | None, after: CpuSnapshot | None, *, scope: str,
    threshold: float = SHARED_THRESHOLD_FRAC,
) -> str | None:  # fmt: skip
    """One line when other processes used a large share of the CPU under a machine-scope figure."""
    if scope != "machine" or before is None or after is None:
        return None
    share = other_share(before, after)
    if share is None or share <= threshold:
        return None
    return (
        f"other processes used {share * 100:.0f} % of the CPU time during the run, and the machine-scope "
        "CPU figure counts them; use --scope process to count only this command"
    )
