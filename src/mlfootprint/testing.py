"""Public fakes for tests of code that uses mlfootprint (and for mlfootprint's own tests).

``FakeClock`` stands in for the clock; ``FakeMeter`` is a meter whose energy follows a power trace.
Hardware fakes (``FakeNVML``, ``make_rapl_zone``) live beside them.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

__all__ = [
    "FakeAMDGPU",
    "FakeAMDSMI",
    "FakeAmdSmiError",
    "FakeClock",
    "FakeGPU",
    "FakeMeter",
    "FakeNVML",
    "FakeNVMLError",
    "FakePsutil",
    "StepTrace",
    "make_rapl_zone",
    "write_energy_uj",
]


class FakeClock:
    """A clock that moves only when told to."""

    def __init__(self, start: datetime | None = None, monotonic_s: float = 1000.0) -> None:
        self._start = start or datetime(2022, 6, 1, 12, 0, tzinfo=timezone.utc)
        self._t0 = monotonic_s
        self._t = monotonic_s

    def monotonic(self) -> float:
        return self._t

    def now(self) -> datetime:
        return self._start + timedelta(seconds=self._t - self._t0)

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("a clock does not go backwards")
        self._t += seconds


class FakeMeter:
    """A meter whose power follows ``power_w(t)`` exactly (integrated analytically by the caller's clock).

    Energy is ``power_w`` x elapsed clock time, accumulated at each read (rectangle rule on the power at
    the read time when ``power_w`` is a callable of clock seconds since open).
    """

    def __init__(
        self,
        clock: FakeClock,
        *,
        meter_id: str = "fake:0",
        component: str = "gpu",
        method: str = "counter",
        power_w: float | Callable[[float], float] = 100.0,
        is_estimate: bool = False,
        source: str = "fake meter",
    ) -> None:
        self._clock = clock
        self._opened = clock.monotonic()
        self._last = self._opened
        self._energy_j = 0.0
        self._power = power_w
        self.meter_id = meter_id
        self.component = component
        self.method = method
        self.is_estimate = is_estimate
        self.source = source
        self.closed = False
        self.reads = 0

    def _power_at(self, t_s: float) -> float:
        return self._power(t_s) if callable(self._power) else float(self._power)

    def read_energy_j(self) -> float:
        now = self._clock.monotonic()
        if now > self._last:
            self._energy_j += self._power_at(self._last - self._opened) * (now - self._last)
            self._last = now
        self.reads += 1
        return self._energy_j

    def close(self) -> None:
        self.closed = True


# --------------------------------------------------------------------------- power traces


class StepTrace:
    """A piecewise-constant power trace with an exact energy integral.

    Args:
        steps: ``(start_s, power_w)`` pairs, start times increasing; the first applies from 0 s and the
            power before the first start is the first step's power.
    """

    def __init__(self, steps: Sequence[tuple[float, float]]) -> None:
        if not steps:
            raise ValueError("a trace needs at least one step")
        starts = [s for s, _ in steps]
        if starts != sorted(starts):
            raise ValueError("step start times must increase")
        self.steps = tuple((float(s), float(p)) for s, p in steps)

    def __call__(self, t_s: float) -> float:
        power = self.steps[0][1]
        for start, value in self.steps:
            if t_s >= start:
                power = value
            else:
                break
        return power

    def energy_j(self, t0_s: float, t1_s: float) -> float:
        """Exact joules between ``t0_s`` and ``t1_s``."""
        total = 0.0
        starts = [-math.inf, *(s for s, _ in self.steps[1:])]
        ends = [*(s for s, _ in self.steps[1:]), math.inf]
        for (_, power), start, end in zip(self.steps, starts, ends, strict=True):
            lo = max(t0_s, start)
            hi = min(t1_s, end)
            if hi > lo:
                total += power * (hi - lo)
        return total


def _energy_between(trace: float | Callable[[float], float], t0_s: float, t1_s: float) -> float:
    if not callable(trace):
        return float(trace) * (t1_s - t0_s)
    exact = getattr(trace, "energy_j", None)
    if callable(exact):
        return float(exact(t0_s, t1_s))
    steps = max(1, math.ceil((t1_s - t0_s) / 1e-3))  # midpoint rule at 1 ms
    width = (t1_s - t0_s) / steps
    return sum(trace(t0_s + (i + 0.5) * width) for i in range(steps)) * width


# --------------------------------------------------------------------------- NVML


class FakeNVMLError(Exception):
    """Stands in for ``pynvml.NVMLError``: carries the NVML return code in ``value``."""

    def __init__(self, value: int, message: str = "") -> None:
        self.value = value
        super().__init__(message or f"NVML error {value}")


@dataclass
class FakeGPU:
    """One fake NVIDIA GPU. ``power_w`` is a constant or a function of clock seconds since the fake began.

    ``read_error`` (an NVML return code) makes every energy/power read fail until it is reset.
    """

    name: str = "NVIDIA A100-SXM4-40GB"
    uuid: str = "GPU-00000000-0000-0000-0000-000000000000"
    power_w: float | Callable[[float], float] = 250.0
    has_energy_counter: bool = True
    energy_start_mj: int = 123_456_789
    read_error: int | None = None


class FakeNVML:
    """Implements exactly the ``pynvml`` calls mlfootprint makes (``mlfootprint.meters.nvml.NVMLLibrary``).

    Time is the injected clock's; the energy counter is the exact integral of each GPU's trace
    (truncated to whole millijoules as NVML reports it); power is the trace at the present time (mW).
    """

    NVMLError = FakeNVMLError

    def __init__(
        self, devices: Sequence[FakeGPU], *, clock: FakeClock, init_error: int | None = None
    ) -> None:
        self.devices = list(devices)
        self._clock = clock
        self._t0 = clock.monotonic()
        self.init_error = init_error
        self.init_count = 0
        self.calls = 0

    def _t(self) -> float:
        return self._clock.monotonic() - self._t0

    def _device(self, handle: Any) -> FakeGPU:
        self.calls += 1
        if self.init_count <= 0:
            raise FakeNVMLError(1, "Uninitialized")
        if not isinstance(handle, int) or not 0 <= handle < len(self.devices):
            raise FakeNVMLError(2, "Invalid Argument")
        return self.devices[handle]

    def nvmlInit(self) -> None:
        if self.init_error is not None:
            raise FakeNVMLError(self.init_error)
        self.init_count += 1

    def nvmlShutdown(self) -> None:
        if self.init_count <= 0:
            raise FakeNVMLError(1, "Uninitialized")
        self.init_count -= 1

    def nvmlDeviceGetCount(self) -> int:
        if self.init_count <= 0:
            raise FakeNVMLError(1, "Uninitialized")
        return len(self.devices)

    def nvmlDeviceGetHandleByIndex(self, index: int) -> Any:
        self._device(index)
        return index

    def nvmlDeviceGetName(self, handle: Any) -> str:
        return self._device(handle).name

    def nvmlDeviceGetUUID(self, handle: Any) -> str:
        return self._device(handle).uuid

    def nvmlDeviceGetTotalEnergyConsumption(self, handle: Any) -> int:
        gpu = self._device(handle)
        if gpu.read_error is not None:
            raise FakeNVMLError(gpu.read_error)
        if not gpu.has_energy_counter:
            raise FakeNVMLError(3, "Not Supported")
        return gpu.energy_start_mj + int(_energy_between(gpu.power_w, 0.0, self._t()) * 1000.0)

    def nvmlDeviceGetPowerUsage(self, handle: Any) -> int:
        gpu = self._device(handle)
        if gpu.read_error is not None:
            raise FakeNVMLError(gpu.read_error)
        trace = gpu.power_w
        return round((trace(self._t()) if callable(trace) else float(trace)) * 1000.0)


# --------------------------------------------------------------------------- amdsmi


class FakeAmdSmiError(Exception):
    """Stands in for ``amdsmi.AmdSmiException`` (``err_code`` is the amdsmi status)."""

    def __init__(self, err_code: int, message: str = "") -> None:
        self.err_code = err_code
        super().__init__(message or f"amdsmi error {err_code}")


@dataclass
class FakeAMDGPU:
    """One fake AMD GPU; the energy accumulator counts ``counter_resolution_uj`` units."""

    name: str = "AMD Instinct MI250X"
    power_w: float | Callable[[float], float] = 300.0
    has_energy_counter: bool = True
    counter_resolution_uj: float = 15.3
    read_error: int | None = None
    legacy_keys: bool = False  # amdsmi 6.0 named the accumulator "power"


class FakeAMDSMI:
    """Implements the ``amdsmi`` calls mlfootprint makes (``mlfootprint.meters.amd.AMDSMILibrary``)."""

    AmdSmiException = FakeAmdSmiError

    def __init__(
        self, devices: Sequence[FakeAMDGPU], *, clock: FakeClock, init_error: int | None = None
    ) -> None:
        self.devices = list(devices)
        self._clock = clock
        self._t0 = clock.monotonic()
        self.init_error = init_error
        self.init_count = 0

    def _t(self) -> float:
        return self._clock.monotonic() - self._t0

    def _device(self, handle: Any) -> FakeAMDGPU:
        if self.init_count <= 0:
            raise FakeAmdSmiError(32, "not initialised")
        gpu = self.devices[int(handle)]
        if gpu.read_error is not None:
            raise FakeAmdSmiError(gpu.read_error)
        return gpu

    def amdsmi_init(self) -> None:
        if self.init_error is not None:
            raise FakeAmdSmiError(self.init_error)
        self.init_count += 1

    def amdsmi_shut_down(self) -> None:
        self.init_count -= 1

    def amdsmi_get_processor_handles(self) -> list[Any]:
        if self.init_count <= 0:
            raise FakeAmdSmiError(32, "not initialised")
        return list(range(len(self.devices)))

    def amdsmi_get_gpu_asic_info(self, handle: Any) -> dict[str, Any]:
        return {"market_name": self._device(handle).name}

    def amdsmi_get_energy_count(self, handle: Any) -> dict[str, Any]:
        gpu = self._device(handle)
        if not gpu.has_energy_counter:
            raise FakeAmdSmiError(2, "not supported")
        count = int(_energy_between(gpu.power_w, 0.0, self._t()) * 1e6 / gpu.counter_resolution_uj)
        key = "power" if gpu.legacy_keys else "energy_accumulator"
        return {key: count, "counter_resolution": gpu.counter_resolution_uj, "timestamp": 0}

    def amdsmi_get_power_info(self, handle: Any) -> dict[str, Any]:
        gpu = self._device(handle)
        trace = gpu.power_w
        power = trace(self._t()) if callable(trace) else float(trace)
        return {"current_socket_power": round(power), "average_socket_power": round(power)}


# --------------------------------------------------------------------------- RAPL (powercap sysfs)


def write_energy_uj(zone: Path, energy_uj: int) -> None:
    """Set a fake zone's ``energy_uj`` counter atomically (another process never reads it empty)."""
    staging = zone / f".energy_uj.{os.getpid()}"
    staging.write_text(f"{int(energy_uj)}\n", encoding="ascii")
    staging.replace(zone / "energy_uj")


def make_rapl_zone(
    root: Path,
    *,
    name: str = "package-0",
    energy_uj: int = 0,
    max_energy_range_uj: int = 262_143_328_850,
    subzones: Mapping[str, int] | None = None,
    prefix: str = "intel-rapl",
    index: int | None = None,
) -> Path:
    """Create a powercap zone as the kernel lays it out: ``root/<prefix>:<N>/{name,energy_uj,...}``.

    Sub-zones (``{"dram": 0, "core": 0}``) are nested directories ``<prefix>:<N>:<M>`` with the same
    wrap range. Returns the zone directory; change ``energy_uj`` with ``write_energy_uj``.
    """
    root.mkdir(parents=True, exist_ok=True)
    if index is None:
        taken = {p.name for p in root.iterdir()}
        index = next(i for i in range(1000) if f"{prefix}:{i}" not in taken)
    zone = root / f"{prefix}:{index}"
    _write_zone(zone, name, energy_uj, max_energy_range_uj)
    for sub_index, (sub_name, sub_energy_uj) in enumerate((subzones or {}).items()):
        _write_zone(zone / f"{prefix}:{index}:{sub_index}", sub_name, sub_energy_uj, max_energy_range_uj)
    return zone


def _write_zone(zone: Path, name: str, energy_uj: int, max_energy_range_uj: int) -> None:
    zone.mkdir(parents=True, exist_ok=True)
    (zone / "name").write_text(f"{name}\n", encoding="ascii")
    (zone / "max_energy_range_uj").write_text(f"{max_energy_range_uj}\n", encoding="ascii")
    (zone / "enabled").write_text("1\n", encoding="ascii")
    write_energy_uj(zone, energy_uj)


# --------------------------------------------------------------------------- psutil


@dataclass
class FakePsutil:
    """The psutil calls the estimates make (``mlfootprint.meters.cpu_estimate.PsutilLike``), scripted.

    ``busy_s`` / ``idle_s`` are per-CPU cumulative seconds; tests advance them with the clock.
    ``process_cpu_s`` is the tracked process tree's cumulative CPU seconds; ``rss_bytes`` its memory.
    """

    busy_s: dict[int, float] = field(default_factory=lambda: {0: 0.0, 1: 0.0})
    idle_s: dict[int, float] = field(default_factory=lambda: {0: 0.0, 1: 0.0})
    process_cpu_s: float = 0.0
    rss_bytes: int = 1 << 30
    total_memory_bytes: int = 8 << 30

    def run(self, seconds: float, utilisation: float, cpus: Sequence[int] | None = None) -> None:
        """Let ``seconds`` of wall time pass with the given CPUs ``utilisation`` busy."""
        for cpu in cpus if cpus is not None else list(self.busy_s):
            self.busy_s[cpu] += seconds * utilisation
            self.idle_s[cpu] += seconds * (1.0 - utilisation)

    def per_cpu_times_s(self) -> dict[int, tuple[float, float]]:
        return {cpu: (self.busy_s[cpu], self.idle_s[cpu]) for cpu in self.busy_s}

    def process_tree_cpu_s(self, pid: int) -> float:
        return self.process_cpu_s

    def process_tree_rss_bytes(self, pid: int) -> int:
        return self.rss_bytes

    def virtual_memory_total_bytes(self) -> int:
        return self.total_memory_bytes


if TYPE_CHECKING:  # mypy checks that each fake implements the protocol of the calls we make
    from mlfootprint.meters.amd import AMDSMILibrary
    from mlfootprint.meters.host import PsutilLike
    from mlfootprint.meters.nvml import NVMLLibrary

    _nvml_fake: NVMLLibrary = FakeNVML([], clock=FakeClock())
    _amdsmi_fake: AMDSMILibrary = FakeAMDSMI([], clock=FakeClock())
    _psutil_fake: PsutilLike = FakePsutil()
