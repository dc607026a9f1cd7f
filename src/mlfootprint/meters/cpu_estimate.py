# size: one model (TDP share x utilisation, machine or process scope), its inputs and documented parameters
"""The CPU estimate used when no energy counter is readable (VMs, containers, locked-down RAPL).

Model (all parameters are reported with the result)::

    per_thread_w = tdp_w / threads_per_package      (table TDP; fallback: tdp_per_core_w / smt)
    share_w      = per_thread_w x cpus_available    (affinity and cgroup cpu.max, whichever is tighter)
    power_w      = share_w x (idle_frac + (1 - idle_frac) x utilisation)          scope="machine"
    power_w      = share_w x utilisation_of_the_process_tree                     scope="process"

``utilisation`` is the busy fraction of the CPUs this process may use over each interval, from psutil's
cumulative CPU times, so the energy of an interval is exact for the linear model whatever the sampling
interval. A 2-vCPU slice of a 64-core / 128-thread EPYC gets 2/128 of the package TDP, not all of it.

``idle_frac`` = 0.30: the package draws about 30 % of its full-load power when idle (SPECpower_ssj2008
active-idle results for recent x86 servers sit between roughly a fifth and two fifths of full-load
power; see Tröpgen et al. 2024, "16 Years of SPEC Power"). The interval uses 0.15..0.45 for it and
0.8..1.2 x TDP for the full-load power (turbo can exceed TDP; many parts never reach it), widened to
0.5..2 x when the CPU model is unknown and the per-core fallback is used.

For ``scope="process"`` the tracked tree is charged its CPU time at the full-load rate per thread: its
dynamic power plus the idle floor in proportion to its use; the rest of the idle floor belongs to the
machine.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from mlfootprint.clock import Clock
from mlfootprint.errors import InvalidValueError, MeterError
from mlfootprint.meters.base import Meter, ProbeResult
from mlfootprint.meters.host import CpuInfo, PsutilLike, RealPsutil, available_cpus, read_cpuinfo

__all__ = [
    "IDLE_FRAC",
    "IDLE_FRAC_SOURCE",
    "SCOPES",
    "CpuEstimateMeter",
    "CpuEstimateProvider",
    "CpuPowerModel",
    "CpuSpec",
    "build_cpu_model",
]

SCOPES = ("machine", "process")
IDLE_FRAC = 0.30
IDLE_FRAC_LOW, IDLE_FRAC_HIGH = 0.15, 0.45
PEAK_FRAC_LOW, PEAK_FRAC_HIGH = 0.8, 1.2
UNKNOWN_CPU_LOW, UNKNOWN_CPU_HIGH = 0.5, 2.0
IDLE_FRAC_SOURCE = (
    "idle power about 30 % of full-load package power (range 15-45 %), from SPECpower_ssj2008 "
    "active-idle results for x86 servers (Tröpgen et al. 2024, 16 Years of SPEC Power)"
)


class CpuSpec(Protocol):
    """What the estimate needs from a CPU table row (``mlfootprint.reference.Cpu``)."""

    @property
    def name(self) -> str: ...
    @property
    def cores(self) -> int | None: ...
    @property
    def threads(self) -> int | None: ...
    @property
    def tdp_w(self) -> float: ...
    @property
    def tdp_per_core_w(self) -> float: ...
    @property
    def source(self) -> str: ...
    @property
    def is_fallback(self) -> bool: ...


@dataclass(frozen=True, slots=True, kw_only=True)
class CpuPowerModel:
    """The estimate's parameters; ``power_w`` is pure."""

    cpu_name: str
    cpu_source: str
    detected_model: str | None
    is_fallback: bool
    tdp_w: float | None  # of the whole package; None for the per-core fallback
    per_thread_w: float
    threads_per_package: int | None
    cpus_available: float
    idle_frac: float = IDLE_FRAC

    @property
    def share_w(self) -> float:
        """Full-load power of the CPUs this process may use."""
        return self.per_thread_w * self.cpus_available

    @property
    def cores_share(self) -> float:
        """Fraction of the package those CPUs are (1.0 when the package size is unknown)."""
        if self.threads_per_package:
            return self.cpus_available / self.threads_per_package
        return 1.0

    def power_w(self, utilisation: float, *, include_idle: bool = True) -> tuple[float, float, float]:
        """(central, low, high) watts at ``utilisation`` (0..1) of the available CPUs."""
        u = min(max(utilisation, 0.0), 1.0)
        wide_low, wide_high = (UNKNOWN_CPU_LOW, UNKNOWN_CPU_HIGH) if self.is_fallback else (1.0, 1.0)
        if not include_idle:
            central = self.share_w * u
            return (central, central * PEAK_FRAC_LOW * wide_low, central * PEAK_FRAC_HIGH * wide_high)

        def at(idle: float, peak: float) -> float:
            return self.share_w * peak * (idle + (1.0 - idle) * u)

        return (
            at(self.idle_frac, 1.0),
            at(IDLE_FRAC_LOW, PEAK_FRAC_LOW) * wide_low,
            at(IDLE_FRAC_HIGH, PEAK_FRAC_HIGH) * wide_high,
        )

    def parameters(self) -> dict[str, float | str]:
        return {
            "cpu": self.cpu_name,
            "cpu_detected": self.detected_model or "unknown",
            "cpu_source": self.cpu_source,
            "tdp_w": self.tdp_w if self.tdp_w is not None else float("nan"),
            "per_thread_w": self.per_thread_w,
            "threads_per_package": float(self.threads_per_package or 0),
            "cores_share": self.cores_share,
            "cpus_available": self.cpus_available,
            "share_w": self.share_w,
            "idle_frac": self.idle_frac,
            "idle_frac_source": IDLE_FRAC_SOURCE,
        }


def build_cpu_model(info: CpuInfo, spec: CpuSpec, cpus_available: float) -> CpuPowerModel:
    """Scale a CPU table row to the CPUs this process may use."""
    threads = spec.threads or (spec.cores * info.smt if spec.cores else None)
    tdp = spec.tdp_w if math.isfinite(spec.tdp_w) and spec.tdp_w > 0 else None
    if tdp is not None and threads and not spec.is_fallback:
        per_thread = tdp / threads
    elif math.isfinite(spec.tdp_per_core_w) and spec.tdp_per_core_w > 0:
        per_thread = spec.tdp_per_core_w / info.smt
    else:
        raise MeterError(f"CPU row {spec.name!r} has neither TDP with a thread count nor TDP per core")
    return CpuPowerModel(
        cpu_name=spec.name,
        cpu_source=spec.source,
        detected_model=info.model_name,
        is_fallback=spec.is_fallback,
        tdp_w=None if spec.is_fallback else tdp,
        per_thread_w=per_thread,
        threads_per_package=None if spec.is_fallback else threads,
        cpus_available=cpus_available,
    )


class CpuEstimateMeter:
    """Cumulative CPU energy from the power model and psutil's CPU times (``is_estimate = True``)."""

    def __init__(
        self,
        model: CpuPowerModel,
        *,
        clock: Clock,
        psutil: PsutilLike,
        scope: str = "machine",
        pid: int | None = None,
        cpus: frozenset[int] = frozenset(),
    ) -> None:
        if scope not in SCOPES:
            raise InvalidValueError("scope", scope, f"must be one of {', '.join(SCOPES)}")
        self._model = model
        self._clock = clock
        self._psutil = psutil
        self._scope = scope
        self._pid = os.getpid() if pid is None else pid
        self._cpus = cpus
        self._last_t = clock.monotonic()
        self._last_busy_s = self._busy_s()
        self._energy = [0.0, 0.0, 0.0]
        self._closed = False

    def _busy_s(self) -> float:
        if self._scope == "process":
            try:
                busy = self._psutil.process_tree_cpu_s(self._pid)
            except MeterError:
                if getattr(self, "_last_busy_s", None) is None:
                    raise  # gone before the first reading: a wrong pid
                return float(self._last_busy_s)  # the process has ended: it uses no more CPU
            return busy
        times = self._psutil.per_cpu_times_s()
        chosen = [cpu for cpu in times if not self._cpus or cpu in self._cpus]
        return sum(times[cpu][0] for cpu in chosen)

    @property
    def meter_id(self) -> str:
        return "cpu-estimate"

    @property
    def component(self) -> str:
        return "cpu"

    @property
    def method(self) -> str:
        return "tdp-utilisation"

    @property
    def source(self) -> str:
        m = self._model
        what = f"{m.cpu_name}, {m.tdp_w:g} W TDP" if m.tdp_w is not None else f"{m.cpu_name}"
        return (
            f"estimate: {what}, {m.per_thread_w:.3g} W per thread x {m.cpus_available:g} CPUs "
            f"x ({m.idle_frac:g} + {1 - m.idle_frac:g} x utilisation), {self._scope} scope"
        )

    @property
    def is_estimate(self) -> bool:
        return True

    @property
    def model(self) -> CpuPowerModel:
        return self._model

    def parameters(self) -> dict[str, float | str]:
        return {**self._model.parameters(), "scope": self._scope}

    def read_energy_j(self) -> float:
        if self._closed:
            raise MeterError("meter cpu-estimate is closed")
        now = self._clock.monotonic()
        busy = self._busy_s()
        wall = now - self._last_t
        if wall > 0:
            capacity = wall * self._model.cpus_available
            utilisation = max(busy - self._last_busy_s, 0.0) / capacity if capacity > 0 else 0.0
            powers = self._model.power_w(utilisation, include_idle=self._scope == "machine")
            for i, power in enumerate(powers):
                self._energy[i] += power * wall
            self._last_t = now
            self._last_busy_s = busy
        return self._energy[0]

    def energy_bounds_j(self) -> tuple[float, float]:
        return (self._energy[1], self._energy[2])

    def close(self) -> None:
        self._closed = True


CpuLookup = Callable[[str], "CpuSpec | None"]


@dataclass(frozen=True, slots=True, kw_only=True)
class _CachedCpu:
    """A CPU table row as read back from the per-user cache (``mlfootprint.datacache``)."""

    name: str
    cores: int | None
    threads: int | None
    tdp_w: float
    tdp_per_core_w: float
    source: str
    is_fallback: bool


_CPU_FIELDS = ("name", "cores", "threads", "tdp_w", "tdp_per_core_w", "source", "is_fallback")


def _encode(spec: CpuSpec | None) -> dict[str, Any]:
    return {"found": None if spec is None else {f: getattr(spec, f) for f in _CPU_FIELDS}}


def _decode(doc: dict[str, Any]) -> CpuSpec | None:
    found = doc["found"]
    return None if found is None else _CachedCpu(**{f: found[f] for f in _CPU_FIELDS})


def _default_lookup(model_name: str) -> CpuSpec | None:
    from mlfootprint.datacache import cached

    def find() -> CpuSpec | None:
        from mlfootprint.reference.cpus import find_cpu

        found: CpuSpec | None = find_cpu(model_name)
        return found

    return cached("cpu", ["find", model_name], find, _encode, _decode)


def _default_fallback() -> CpuSpec:
    from mlfootprint.datacache import cached

    def fallback() -> CpuSpec:
        from mlfootprint.reference.cpus import cpu_fallback

        spec: CpuSpec = cpu_fallback()
        return spec

    spec = cached("cpu", ["fallback"], fallback, _encode, _decode)
    assert spec is not None  # the fallback always exists
    return spec


class CpuEstimateProvider:
    """The CPU estimate, used when no counter covers the CPU (``fallback_for = "cpu"``).

    Args:
        scope: ``"machine"`` (all CPUs this process may use) or ``"process"`` (the tree of ``pid``).
        pid: the tracked process (default: this one).
        psutil: the load source (default psutil itself).
        proc_root, cgroup_root: where ``cpuinfo``, ``self/cgroup`` and ``cpu.max`` are read.
        affinity: returns the allowed CPU numbers (default ``os.sched_getaffinity(0)``).
        lookup, fallback: CPU table access (default ``mlfootprint.reference``).
    """

    name = "cpu-estimate"
    fallback_for = "cpu"

    def __init__(
        self,
        *,
        scope: str = "machine",
        pid: int | None = None,
        psutil: PsutilLike | None = None,
        proc_root: Path = Path("/proc"),
        cgroup_root: Path = Path("/sys/fs/cgroup"),
        affinity: Callable[[], set[int]] | None = None,
        lookup: CpuLookup | None = None,
        fallback: Callable[[], CpuSpec] | None = None,
    ) -> None:
        if scope not in SCOPES:
            raise InvalidValueError("--scope", scope, f"must be one of {', '.join(SCOPES)}")
        self._scope = scope
        self._pid = pid
        self._psutil = psutil or RealPsutil()
        self._proc_root = proc_root
        self._cgroup_root = cgroup_root
        self._affinity = affinity
        self._lookup = lookup or _default_lookup
        self._fallback = fallback or _default_fallback

    def model(self) -> tuple[CpuPowerModel, frozenset[int]]:
        """The power model for this host and the CPUs it covers."""
        info = read_cpuinfo(self._proc_root / "cpuinfo")
        cpus, count = available_cpus(
            affinity=self._affinity, cgroup_root=self._cgroup_root, proc_root=self._proc_root
        )
        spec = self._lookup(info.model_name) if info.model_name else None
        return build_cpu_model(info, spec or self._fallback(), count), cpus

    def probe(self) -> ProbeResult:
        model, _ = self.model()
        detected = model.detected_model or "unknown"
        found = (
            "not in the CPU table: per-core fallback" if model.is_fallback else f"matched {model.cpu_name!r}"
        )
        return ProbeResult(
            provider=self.name,
            available=True,
            reason=(
                f"estimate from TDP x utilisation ({self._scope} scope): CPU {detected!r} "
                f"{found}; {model.cpus_available:g} CPUs available, full-load share {model.share_w:.3g} W"
            ),
            fix=None if not model.is_fallback else "add the CPU to a user CPU table to narrow the interval",
            devices=(f"{model.detected_model or 'unknown CPU'} x {model.cpus_available:g}",),
        )

    def open(self, *, clock: Clock) -> list[Meter]:
        model, cpus = self.model()
        return [
            CpuEstimateMeter(
                model, clock=clock, psutil=self._psutil, scope=self._scope, pid=self._pid, cpus=cpus
            )
        ]
