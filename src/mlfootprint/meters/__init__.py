"""Energy meters: one protocol, several backends (NVML, RAPL, amdsmi, estimates).

Discovery lives in ``mlfootprint.meters.discovery`` (``default_providers``, ``open_meters``).
"""

from mlfootprint.meters.base import BoundedMeter, Meter, MeterProvider, ParameterisedMeter, ProbeResult

__all__ = ["BoundedMeter", "Meter", "MeterProvider", "ParameterisedMeter", "ProbeResult"]
