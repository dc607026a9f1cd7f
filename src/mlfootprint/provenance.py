"""The two records that say where a number came from: an input with its source, one meter's energy.

Value objects of ``mlfootprint.records`` (which re-exports them), kept in a module of their own so that
an estimate (``mlfootprint estimate``, ``papers``) does not create the tracker's run, phase and sample
records it never uses: each frozen dataclass costs a command's start about a millisecond to create.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Assumption", "ComponentEnergy"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Assumption:
    """One input that was filled in or resolved, with its value and where it came from."""

    name: str
    value: float | str | None
    unit: str
    source: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ComponentEnergy:
    """Energy of one meter over a run or window (IT energy, PUE not applied)."""

    meter_id: str  # e.g. "nvml:0", "rapl:package-0", "cpu-estimate", "dram-estimate"
    component: str  # gpu | cpu | dram | psys | other
    source: str  # human-readable: which device and how, e.g. "NVML total-energy counter (NVIDIA H100 ...)"
    method: str  # one of METHODS
    is_estimate: bool
    energy_j: float
    energy_j_low: float
    energy_j_high: float
