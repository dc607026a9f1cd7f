"""Energy meters: one protocol, several backends (NVML, RAPL, amdsmi, estimates)."""

from mlfootprint.meters.base import Meter, MeterProvider, ProbeResult

__all__ = ["Meter", "MeterProvider", "ProbeResult"]
