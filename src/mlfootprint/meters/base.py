"""The meter protocol every backend implements, and the provider protocol used for discovery.

A meter returns cumulative energy in joules since it was opened: non-decreasing and wrap-corrected.
Counters are read directly; power gauges are integrated by an adapter on each read; estimates say so
with ``is_estimate = True``. Windows and phases are then just subtraction.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from mlfootprint.clock import Clock

__all__ = ["BoundedMeter", "Meter", "MeterProvider", "ParameterisedMeter", "ProbeResult"]


@runtime_checkable
class Meter(Protocol):
    """One source of energy readings (a GPU, a RAPL zone, the CPU estimate, ...)."""

    @property
    def meter_id(self) -> str:
        """Stable id within a run, e.g. ``"nvml:0"`` or ``"rapl:package-0"``."""
        ...

    @property
    def component(self) -> str:
        """``gpu``, ``cpu``, ``dram``, ``psys`` or ``other``."""
        ...

    @property
    def method(self) -> str:
        """How the energy is obtained: one of ``mlfootprint.records.METHODS``."""
        ...

    @property
    def source(self) -> str:
        """Human-readable device and method, e.g. ``"NVML total-energy counter (NVIDIA H100 80GB HBM3)"``."""
        ...

    @property
    def is_estimate(self) -> bool: ...

    def read_energy_j(self) -> float:
        """Cumulative joules since the meter was opened (non-decreasing). Raises ``MeterError``."""
        ...

    def close(self) -> None: ...


@dataclass(frozen=True, slots=True, kw_only=True)
class ProbeResult:
    """Whether a provider can open meters here, and if not, why and how to fix it."""

    provider: str
    available: bool
    reason: str
    fix: str | None = None
    devices: tuple[str, ...] = ()


class MeterProvider(Protocol):
    """Discovers and opens the meters of one backend."""

    @property
    def name(self) -> str: ...

    def probe(self) -> ProbeResult: ...

    def open(self, *, clock: Clock) -> list[Meter]:
        """Open every meter this provider offers. Raises ``MeterUnavailableError`` if ``probe`` fails."""
        ...


@runtime_checkable
class BoundedMeter(Meter, Protocol):
    """A meter that also knows the low and high ends of its cumulative energy (estimates, rated accuracy).

    ``energy_bounds_j()`` returns ``(low_j, high_j)`` at the latest ``read_energy_j()`` without reading
    again; windows are subtraction, as for the central value.
    """

    def energy_bounds_j(self) -> tuple[float, float]: ...


@runtime_checkable
class ParameterisedMeter(Meter, Protocol):
    """A meter (usually an estimate) whose model parameters belong in the report, with their sources."""

    def parameters(self) -> dict[str, float | str]:
        """Named parameters, e.g. ``{"tdp_w": 180.0, "cores_share": 2.0, "idle_frac": 0.3, ...}``."""
        ...
