"""``FakePsutil``: the psutil calls the CPU and DRAM estimates make, scripted."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

__all__ = ["FakePsutil"]


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


if TYPE_CHECKING:  # mypy checks that the fake implements the protocol of the calls we make
    from mlfootprint.meters.host import PsutilLike

    _psutil_fake: PsutilLike = FakePsutil()
