"""The meters a tracker opens: discovery, filtered by the distributed-job rule (``docs/distributed.md``)."""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence

from mlfootprint.clock import Clock
from mlfootprint.meters.base import Meter, MeterProvider
from mlfootprint.tracking.job import JobIdentity

__all__ = ["current_cuda_device", "open_run_meters"]


def current_cuda_device() -> int | None:
    """The framework's current CUDA device, when torch is loaded and CUDA already initialised (else None).

    Never imports torch nor initialises CUDA: it only asks a framework the process already uses.
    """
    torch = sys.modules.get("torch")
    cuda = getattr(torch, "cuda", None)
    if cuda is None:
        return None
    try:
        if not (cuda.is_available() and cuda.is_initialized()):
            return None
        return int(cuda.current_device())
    except (RuntimeError, AssertionError):
        return None


def open_run_meters(
    job: JobIdentity,
    *,
    node_meters: str,
    scope: str,
    pid: int,
    env: Mapping[str, str],
    clock: Clock,
    providers: Sequence[MeterProvider] | None = None,
) -> tuple[tuple[Meter, ...], dict[str, object]]:
    """Open the meters this process reads, and what the record should say about the others.

    Returns the meters and ``extra`` entries: ``meters_unavailable`` (each provider not opened, and
    why) and, in a job, ``meter_ownership`` (the rule as applied to this rank).
    """
    from mlfootprint.meters.discovery import default_providers, open_meters
    from mlfootprint.meters.ownership import EVERYTHING, meter_ownership

    extra: dict[str, object] = {}
    ownership = EVERYTHING
    if job.distributed or node_meters != "auto":
        ownership = meter_ownership(
            local_rank=job.local_rank, local_world_size=job.local_world_size, node=job.node, env=env,
            current_device=current_cuda_device(), mode=node_meters, scope=scope,
        )  # fmt: skip
        extra["meter_ownership"] = ownership.reason
    chosen = tuple(providers) if providers else default_providers(scope=scope, pid=pid, env=dict(env))
    meter_set = open_meters(chosen, clock=clock, ownership=ownership)
    extra["meters_unavailable"] = [f"{p.provider}: {p.reason}" for p in meter_set.probes if not p.available]
    extra["reads_node_meters"] = ownership.node_meters
    return tuple(meter_set.meters), extra
