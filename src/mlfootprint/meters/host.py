"""What the estimates need to know about this host, read from files and injected calls only.

No subprocess and no network: the CPU model comes from ``/proc/cpuinfo``, the CPUs this process may
use from ``os.sched_getaffinity`` and the cgroup v2 ``cpu.max`` quota, and the load from psutil
through the small ``PsutilLike`` protocol (tests pass ``mlfootprint.testing.FakePsutil``).
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from mlfootprint.errors import MeterError

if TYPE_CHECKING:
    import psutil

__all__ = [
    "CpuInfo",
    "PsutilLike",
    "RealPsutil",
    "available_cpus",
    "cgroup_cpu_limit",
    "read_cpuinfo",
]


class PsutilLike(Protocol):
    """The psutil calls the estimates make, in canonical units."""

    def per_cpu_times_s(self) -> dict[int, tuple[float, float]]:
        """Per logical CPU: (busy seconds, idle seconds), cumulative since boot."""
        ...

    def process_tree_cpu_s(self, pid: int) -> float:
        """CPU seconds (user + system) of ``pid`` and its descendants, cumulative."""
        ...

    def process_tree_rss_bytes(self, pid: int) -> int:
        """Resident memory of ``pid`` and its descendants."""
        ...

    def virtual_memory_total_bytes(self) -> int: ...


def proc_stat_cpu_times_s(path: str = "/proc/stat") -> dict[int, tuple[float, float]] | None:
    """Per-CPU ``(busy, idle)`` seconds from Linux's ``/proc/stat`` (what psutil reads), without psutil.

    Busy is user + nice + system + irq + softirq, idle is idle + iowait (the split psutil's fields give
    the caller below). None where the file is absent or not in the expected form (then psutil is used).
    """
    try:
        lines = Path(path).read_text(encoding="ascii").splitlines()
        hz = float(os.sysconf("SC_CLK_TCK"))
    except (OSError, ValueError, AttributeError):
        return None
    result: dict[int, tuple[float, float]] = {}
    for line in lines:
        if not line.startswith("cpu") or line.startswith("cpu "):
            continue
        parts = line.split()
        try:
            cpu = int(parts[0][3:])
            user, nice, system, idle, iowait, irq, softirq = (float(v) for v in parts[1:8])
        except ValueError:
            return None
        result[cpu] = ((user + nice + system + irq + softirq) / hz, (idle + iowait) / hz)
    return result or None


class RealPsutil:
    """``PsutilLike`` backed by psutil (imported on first use)."""

    def per_cpu_times_s(self) -> dict[int, tuple[float, float]]:
        fast = proc_stat_cpu_times_s()
        if fast is not None:
            return fast
        import psutil

        result: dict[int, tuple[float, float]] = {}
        for cpu, times in enumerate(psutil.cpu_times(percpu=True)):
            idle = times.idle + getattr(times, "iowait", 0.0)
            busy = times.user + times.system + getattr(times, "nice", 0.0)
            busy += getattr(times, "irq", 0.0) + getattr(times, "softirq", 0.0)
            result[cpu] = (busy, idle)
        return result

    def _tree(self, pid: int) -> list[psutil.Process]:
        import psutil

        try:
            root = psutil.Process(pid)
            return [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess as exc:
            raise MeterError(f"tracked process {pid} is gone") from exc

    def process_tree_cpu_s(self, pid: int) -> float:
        import psutil

        total = 0.0
        for proc in self._tree(pid):
            try:
                t = proc.cpu_times()
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                continue  # exited between listing and reading; its time moves to its parent
            total += t.user + t.system + t.children_user + t.children_system
        return total

    def process_tree_rss_bytes(self, pid: int) -> int:
        import psutil

        total = 0
        for proc in self._tree(pid):
            try:
                total += int(proc.memory_info().rss)
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                continue
        return total

    def virtual_memory_total_bytes(self) -> int:
        try:  # what psutil reports on Linux (MemTotal), without importing it
            total = int(os.sysconf("SC_PAGE_SIZE")) * int(os.sysconf("SC_PHYS_PAGES"))
        except (ValueError, OSError, AttributeError):
            total = 0
        if total > 0:
            return total
        import psutil

        return int(psutil.virtual_memory().total)


@dataclass(frozen=True, slots=True, kw_only=True)
class CpuInfo:
    """The CPU as ``/proc/cpuinfo`` describes it (in a VM: as the hypervisor presents it)."""

    model_name: str | None
    logical_cpus: int
    smt: int  # hardware threads per core (siblings / cpu cores), 1 when unknown


def read_cpuinfo(path: Path = Path("/proc/cpuinfo")) -> CpuInfo:
    """Parse the first processor's model name, the logical CPU count and threads per core."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return CpuInfo(model_name=None, logical_cpus=os.cpu_count() or 1, smt=1)
    model: str | None = None
    siblings = cores = None
    processors = 0
    for line in text.splitlines():
        key, sep, value = line.partition(":")
        if not sep:
            continue
        key, value = key.strip().lower(), value.strip()
        if key == "processor":
            processors += 1
        elif key in ("model name", "cpu model", "hardware") and model is None and value:
            model = value
        elif key == "siblings" and siblings is None and value.isdigit():
            siblings = int(value)
        elif key == "cpu cores" and cores is None and value.isdigit():
            cores = int(value)
    smt = siblings // cores if siblings and cores and siblings >= cores else 1
    return CpuInfo(model_name=model, logical_cpus=max(processors, 1), smt=max(smt, 1))


def cgroup_cpu_limit(
    cgroup_root: Path = Path("/sys/fs/cgroup"), proc_root: Path = Path("/proc")
) -> float | None:
    """CPUs allowed by the cgroup v2 ``cpu.max`` quota of this process (the tightest ancestor), or None.

    ``cpu.max`` holds ``"<quota_us> <period_us>"`` or ``"max <period_us>"``.
    """
    relative = ""
    try:
        for line in (proc_root / "self" / "cgroup").read_text(encoding="utf-8").splitlines():
            if line.startswith("0::"):
                relative = line[3:].strip().lstrip("/")
                break
    except OSError:
        relative = ""
    limits: list[float] = []
    current = cgroup_root / relative if relative else cgroup_root
    while True:
        limit = _cpu_max(current / "cpu.max")
        if limit is not None:
            limits.append(limit)
        if current == cgroup_root or cgroup_root not in current.parents:
            break
        current = current.parent
    return min(limits) if limits else None


def _cpu_max(path: Path) -> float | None:
    try:
        fields = path.read_text(encoding="ascii").split()
    except OSError:
        return None
    if len(fields) != 2 or fields[0] == "max":
        return None
    try:
        quota, period = float(fields[0]), float(fields[1])
    except ValueError:
        return None
    return quota / period if quota > 0 and period > 0 and math.isfinite(quota / period) else None


def available_cpus(
    *,
    affinity: Callable[[], set[int]] | None = None,
    cgroup_root: Path = Path("/sys/fs/cgroup"),
    proc_root: Path = Path("/proc"),
) -> tuple[frozenset[int], float]:
    """(the logical CPUs this process may run on, how many CPUs' worth it may use: min of both limits)."""
    if affinity is not None:
        cpus = frozenset(affinity())
    elif hasattr(os, "sched_getaffinity"):
        cpus = frozenset(os.sched_getaffinity(0))
    else:  # pragma: no cover - not Linux
        cpus = frozenset(range(os.cpu_count() or 1))
    quota = cgroup_cpu_limit(cgroup_root, proc_root)
    count = float(len(cpus)) if quota is None else min(float(len(cpus)), quota)
    return cpus, max(count, 0.0)
