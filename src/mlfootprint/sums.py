"""Sums over a group of runs: what the ledger adds up for ``mlfootprint summary``, as plain values.

The ledger computes them with one ``GROUP BY`` (``SQLStore.group_sums``);
``report.group_totals.sums_of_runs`` computes the same from run records (for the rows the database
cannot vouch for, and as the reference the tests hold the database to); ``report.group_totals`` turns
them into the totals summary prints. Intervals sum each run's bounds widened to include its own point.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["WORK_UNITS", "GroupSums", "UnitSums"]

#: the work units counted per run (``work`` table columns), in the order summary prints them
WORK_UNITS = ("samples", "tokens", "requests")


@dataclass(frozen=True, slots=True, kw_only=True)
class UnitSums:
    """One work unit over the runs that counted it (``amount > 0``): the amount, their energy and CO2e."""

    amount: float = 0.0
    energy_j: float = 0.0
    co2e_g: float = 0.0
    runs: int = 0

    def plus(self, other: UnitSums) -> UnitSums:
        return UnitSums(
            amount=self.amount + other.amount,
            energy_j=self.energy_j + other.energy_j,
            co2e_g=self.co2e_g + other.co2e_g,
            runs=self.runs + other.runs,
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class GroupSums:
    """The sums over one group of runs (canonical units; embodied in kg as runs store it).

    Embodied CO2e comes in two parts: the figures stored with the runs (summed), and, for runs that
    stored none, the device-hours of their GPU components by component source (the board name is in
    it), which ``embodied_run.embodied_of_gpu_hours`` turns into a figure. ``runs_without_embodied``
    counts runs stored without a figure and runs with neither a figure nor a GPU component.
    """

    group: str
    runs: int = 0
    duration_s: float = 0.0
    device_hours: float = 0.0
    energy_j: float = 0.0
    energy_j_low: float = 0.0
    energy_j_high: float = 0.0
    co2e_g: float = 0.0
    co2e_g_low: float = 0.0
    co2e_g_high: float = 0.0
    co2e_g_net: float = 0.0
    runs_without_net: int = 0
    embodied_kg: float = 0.0
    embodied_kg_low: float = 0.0
    embodied_kg_high: float = 0.0
    runs_without_embodied: int = 0
    #: (GPU component source, device-hours) of the runs without a stored embodied figure, by source
    gpu_hours_unstored: tuple[tuple[str, float], ...] = ()
    flops: float = 0.0
    runs_with_flops: int = 0
    samples: UnitSums = UnitSums()
    tokens: UnitSums = UnitSums()
    requests: UnitSums = UnitSums()

    def plus(self, other: GroupSums, *, group: str | None = None) -> GroupSums:
        """Field-wise sum (named ``group``, else this one's name)."""
        hours = dict(self.gpu_hours_unstored)
        for source, h in other.gpu_hours_unstored:
            hours[source] = hours.get(source, 0.0) + h
        return GroupSums(
            group=self.group if group is None else group,
            runs=self.runs + other.runs,
            duration_s=self.duration_s + other.duration_s,
            device_hours=self.device_hours + other.device_hours,
            energy_j=self.energy_j + other.energy_j,
            energy_j_low=self.energy_j_low + other.energy_j_low,
            energy_j_high=self.energy_j_high + other.energy_j_high,
            co2e_g=self.co2e_g + other.co2e_g,
            co2e_g_low=self.co2e_g_low + other.co2e_g_low,
            co2e_g_high=self.co2e_g_high + other.co2e_g_high,
            co2e_g_net=self.co2e_g_net + other.co2e_g_net,
            runs_without_net=self.runs_without_net + other.runs_without_net,
            embodied_kg=self.embodied_kg + other.embodied_kg,
            embodied_kg_low=self.embodied_kg_low + other.embodied_kg_low,
            embodied_kg_high=self.embodied_kg_high + other.embodied_kg_high,
            runs_without_embodied=self.runs_without_embodied + other.runs_without_embodied,
            gpu_hours_unstored=tuple(sorted(hours.items())),
            flops=self.flops + other.flops,
            runs_with_flops=self.runs_with_flops + other.runs_with_flops,
            samples=self.samples.plus(other.samples),
            tokens=self.tokens.plus(other.tokens),
            requests=self.requests.plus(other.requests),
        )
