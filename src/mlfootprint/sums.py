"""Sums over a group of runs: what the ledger adds up for ``mlfootprint summary``, as plain values.

The ledger computes them with one ``GROUP BY`` (``SQLStore.group_sums``); ``report.totals.sums_of_runs``
computes the same from run records (for the rows the database cannot vouch for, and as the reference the
tests hold the database to). ``report.totals`` turns them into the totals summary prints. Conventions are
those of ``report.totals``: intervals sum each run's bounds widened to include its own point estimate.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

__all__ = ["GroupSums", "UnitSums", "WORK_UNITS"]

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
        values: dict[str, object] = {}
        for f in fields(self):
            a, b = getattr(self, f.name), getattr(other, f.name)
            if f.name == "group":
                values[f.name] = self.group if group is None else group
            elif f.name == "gpu_hours_unstored":
                hours: dict[str, float] = dict(a)
                for source, h in b:
                    hours[source] = hours.get(source, 0.0) + h
                values[f.name] = tuple(sorted(hours.items()))
            elif isinstance(a, UnitSums):
                values[f.name] = a.plus(b)
            else:
                values[f.name] = a + b
        return GroupSums(**values)  # type: ignore[arg-type]
