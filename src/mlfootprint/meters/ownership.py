"""Who reads which meter in a distributed job, so that summing a job's ranks counts each joule once.

The rule (documented with a diagram in ``docs/distributed.md``):

* **Node-level meters** — RAPL packages and DRAM, the machine-scope CPU and DRAM estimates, anything
  that sees the whole machine — are read by exactly one process per node: local rank 0 (``"auto"``).
  Estimates of a process tree (``scope="process"``) belong to each rank, which reads its own.
* **GPUs** are read by the rank that uses them. In CUDA order of the GPUs this process sees:
  the framework's current device when it is known (``torch.cuda.current_device()``, once CUDA is
  initialised); else the only GPU when ``CUDA_VISIBLE_DEVICES`` narrows this process to one; else the
  GPUs whose position ``i`` satisfies ``i % LOCAL_WORLD_SIZE == LOCAL_RANK`` (GPU ``i`` for rank ``i``
  when there is one GPU per rank; spare GPUs go round the ranks, so each is read once).
* A process outside any job reads everything. ``node_meters="all"`` makes a process read the
  node-level meters whatever its rank; ``"none"`` makes it read only its GPUs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

__all__ = ["GPU_PROVIDERS", "PROCESS_ESTIMATES", "MeterOwnership", "meter_ownership"]

#: providers whose meters are GPUs (one meter per visible device, in CUDA order)
GPU_PROVIDERS = frozenset({"nvml", "amdsmi"})
#: providers that estimate for a process tree when the scope is "process"
PROCESS_ESTIMATES = frozenset({"cpu-estimate", "dram-estimate"})


@dataclass(frozen=True, slots=True, kw_only=True)
class MeterOwnership:
    """Which meters this process reads.

    GPUs: every visible one when ``gpu_ordinal`` is None and ``gpu_stride`` is 1; the one at
    ``gpu_ordinal`` when it is set; else those whose CUDA ordinal ``i`` has ``i % gpu_stride == gpu_offset``.
    """

    node_meters: bool
    gpu_ordinal: int | None = None
    gpu_stride: int = 1
    gpu_offset: int = 0
    scope: str = "machine"
    reason: str = "a lone process reads every meter"

    def reads_provider(self, provider: str) -> bool:
        """Whether this process opens ``provider`` at all (GPU providers are then filtered per device)."""
        if provider in GPU_PROVIDERS:
            return True
        if provider in PROCESS_ESTIMATES and self.scope == "process":
            return True
        return self.node_meters

    def owns_gpu(self, ordinal: int) -> bool:
        """Whether this process reads the GPU at CUDA ordinal ``ordinal`` (of the GPUs it sees)."""
        if self.gpu_ordinal is not None:
            return ordinal == self.gpu_ordinal
        return ordinal % self.gpu_stride == self.gpu_offset


#: a process outside any job: it reads everything
EVERYTHING = MeterOwnership(node_meters=True)


def meter_ownership(
    *,
    local_rank: int,
    local_world_size: int,
    node: str = "",
    env: Mapping[str, str],
    current_device: int | None = None,
    mode: str = "auto",
    scope: str = "machine",
) -> MeterOwnership:
    """The meters the process at ``local_rank`` of ``local_world_size`` on its node reads (pure).

    Args:
        local_rank: this process's rank on its node.
        local_world_size: how many processes of the job run on this node.
        node: the node's name (for the reason only).
        env: the environment (for ``CUDA_VISIBLE_DEVICES``).
        current_device: the framework's current CUDA device of this process, when known.
        mode: ``"auto"``, ``"all"`` or ``"none"`` (see the module's rule).
        scope: the estimates' scope (``"machine"`` or ``"process"``).
    """
    lws = max(1, local_world_size, local_rank + 1)
    node_meters = mode == "all" or (mode == "auto" and local_rank == 0)
    ordinal: int | None = None
    stride, offset = 1, 0
    if current_device is not None:
        ordinal = current_device
        rule = f"reads its framework's current GPU (CUDA device {current_device})"
    elif lws == 1:
        rule = "the only process of its job on this node reads every GPU it sees"
    elif _narrowed_to_one(env.get("CUDA_VISIBLE_DEVICES")):
        ordinal = 0
        rule = "CUDA_VISIBLE_DEVICES gives this process one GPU, which it reads"
    else:
        stride, offset = lws, local_rank
        rule = f"reads the GPUs i it sees with i % {lws} == {local_rank}"
    who = "reads" if node_meters else "leaves to local rank 0"
    where = f" on node {node}" if node else ""
    reason = f"local rank {local_rank} of {lws}{where} {who} the node-level meters and {rule}"
    return MeterOwnership(
        node_meters=node_meters, gpu_ordinal=ordinal, gpu_stride=stride, gpu_offset=offset, scope=scope,
        reason=reason,
    )  # fmt: skip


def _narrowed_to_one(value: str | None) -> bool:
    if value is None:
        return False
    return len([t for t in value.split(",") if t.strip()]) == 1
