"""Which meters to use here: an explicit ordered tuple of providers, and opening them.

Order: NVIDIA GPUs (NVML), AMD GPUs (amdsmi), RAPL counters, then the estimates. An estimate provider
says which component it stands in for (``fallback_for``); it is used only when no counter opened
before it covers that component: the CPU estimate when RAPL has no readable package zone, the DRAM
model when RAPL has no readable DRAM zone. Unavailable providers never raise here: their
``ProbeResult`` says why, and ``mlfootprint doctor`` prints it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from mlfootprint import logs
from mlfootprint.clock import Clock
from mlfootprint.errors import MeterError
from mlfootprint.meters.amd import AMDSMIProvider
from mlfootprint.meters.base import Meter, MeterProvider, ProbeResult
from mlfootprint.meters.cpu_estimate import CpuEstimateProvider
from mlfootprint.meters.dram import DramEstimateProvider
from mlfootprint.meters.host import PsutilLike
from mlfootprint.meters.nvml import NVMLProvider
from mlfootprint.meters.ownership import EVERYTHING, GPU_PROVIDERS, MeterOwnership
from mlfootprint.meters.rapl import RAPLProvider

__all__ = ["MeterSet", "default_providers", "open_meters"]


logger = logs.get(__name__)


@dataclass(frozen=True, slots=True, kw_only=True)
class MeterSet:
    """The meters opened, and every provider's probe (available or not, and why)."""

    meters: tuple[Meter, ...]
    probes: tuple[ProbeResult, ...]

    def close(self) -> None:
        """Close every meter; raise the first failure after trying them all."""
        first: MeterError | None = None
        for meter in self.meters:
            try:
                meter.close()
            except MeterError as exc:
                first = first or exc
        if first is not None:
            raise first


def default_providers(
    *,
    scope: str = "machine",
    pid: int | None = None,
    nvml: Any = None,
    amdsmi: Any = None,
    rapl_root: Path = Path("/sys/class/powercap"),
    proc_root: Path = Path("/proc"),
    cgroup_root: Path = Path("/sys/fs/cgroup"),
    psutil: PsutilLike | None = None,
    env: dict[str, str] | None = None,
) -> tuple[MeterProvider, ...]:
    """The providers to try, in order. Every hardware access is injectable for tests."""
    return (
        NVMLProvider(nvml=nvml, env=env),
        AMDSMIProvider(amdsmi=amdsmi, env=env),
        RAPLProvider(rapl_root),
        CpuEstimateProvider(
            scope=scope, pid=pid, psutil=psutil, proc_root=proc_root, cgroup_root=cgroup_root
        ),
        DramEstimateProvider(scope=scope, pid=pid, psutil=psutil),
    )


def open_meters(
    providers: tuple[MeterProvider, ...], *, clock: Clock, ownership: MeterOwnership = EVERYTHING
) -> MeterSet:
    """Probe each provider in order and open the available ones (estimates only where needed).

    ``ownership`` says which of them this process reads in a distributed job (see
    ``mlfootprint.meters.ownership``): node-level providers it does not own are not opened, and of
    the GPUs only those it owns are kept. A lone process reads everything.
    """
    meters: list[Meter] = []
    probes: list[ProbeResult] = []
    for provider in providers:
        if not ownership.reads_provider(provider.name):
            probes.append(
                ProbeResult(
                    provider=provider.name, available=False, fix=None,
                    reason=f"not read by this process: {ownership.reason}",
                )
            )  # fmt: skip
            continue
        probe = provider.probe()
        stands_in_for = getattr(provider, "fallback_for", None)
        if stands_in_for is not None and any(m.component == stands_in_for for m in meters):
            probes.append(
                replace(probe, available=False, reason=f"not needed: a counter measures the {stands_in_for}")
            )
            continue
        if not probe.available:
            probes.append(probe)
            continue
        try:
            opened = provider.open(clock=clock)
        except MeterError as exc:
            logger.debug("provider %s failed to open: %s", provider.name, exc)
            probes.append(replace(probe, available=False, reason=f"failed to open: {exc}"))
            continue
        if provider.name in GPU_PROVIDERS:
            kept = [m for ordinal, m in enumerate(opened) if ownership.owns_gpu(ordinal)]
            for meter in opened:
                if not any(meter is k for k in kept):
                    meter.close()
            if len(kept) < len(opened):
                ids = ", ".join(m.meter_id for m in kept) or "none"
                note = f"this process reads {ids} ({ownership.reason})"
                probe = replace(probe, reason=f"{probe.reason}; {note}")
            opened = kept
        meters.extend(opened)
        probes.append(probe)
    return MeterSet(meters=tuple(meters), probes=tuple(probes))
