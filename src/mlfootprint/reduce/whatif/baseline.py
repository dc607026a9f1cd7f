"""The run a what-if starts from: its devices, power, duration, PUE and grid, and the CO2e they give."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mlfootprint.errors import InvalidValueError
from mlfootprint.units import kg_from_g, kwh_from_j

if TYPE_CHECKING:
    from mlfootprint.records import RunRecord

__all__ = ["Baseline", "baseline_from_run"]


def _positive(name: str, value: float | None) -> None:
    if value is not None and (not math.isfinite(value) or value <= 0):
        raise InvalidValueError(name, value, "must be a positive number")


@dataclass(frozen=True, slots=True, kw_only=True)
class Baseline:
    """The run (measured or estimated) that the what-if starts from."""

    label: str
    hardware: str | None
    count: int
    duration_s: float
    device_power_w: float  # average per device
    host_power_w: float = 0.0  # other IT power (CPU, DRAM, ...), scales with time only
    pue: float
    pue_source: str = ""
    intensity_g_per_kwh: float
    intensity_source: str = ""
    net_intensity_g_per_kwh: float | None = None

    def __post_init__(self) -> None:
        _positive("duration_s", self.duration_s)
        _positive("pue", self.pue)
        if self.count < 1:
            raise InvalidValueError("count", self.count, "must be at least 1")
        for name in ("device_power_w", "host_power_w", "intensity_g_per_kwh"):
            value = getattr(self, name)
            if not math.isfinite(value) or value < 0:
                raise InvalidValueError(name, value, "must not be negative")

    @property
    def it_energy_j(self) -> float:
        return (self.count * self.device_power_w + self.host_power_w) * self.duration_s

    @property
    def energy_j(self) -> float:
        return self.it_energy_j * self.pue

    @property
    def net_g_per_kwh(self) -> float:
        return (
            self.intensity_g_per_kwh if self.net_intensity_g_per_kwh is None else self.net_intensity_g_per_kwh
        )

    @property
    def co2e_g(self) -> float:
        return kwh_from_j(self.energy_j) * self.intensity_g_per_kwh

    @property
    def co2e_g_net(self) -> float:
        return kwh_from_j(self.energy_j) * self.net_g_per_kwh

    @property
    def device_hours(self) -> float:
        return self.count * self.duration_s / 3600.0

    def to_dict(self) -> dict[str, Any]:
        """Display units (kWh, kg, kg/kWh)."""
        return {
            "label": self.label,
            "hardware": self.hardware,
            "count": self.count,
            "duration_s": self.duration_s,
            "device_hours": self.device_hours,
            "device_power_w": self.device_power_w,
            "host_power_w": self.host_power_w,
            "pue": self.pue,
            "intensity_kg_per_kwh": self.intensity_g_per_kwh / 1000.0,
            "net_intensity_kg_per_kwh": self.net_g_per_kwh / 1000.0,
            "energy_kwh": kwh_from_j(self.energy_j),
            "co2e_kg": kg_from_g(self.co2e_g),
            "co2e_kg_net": kg_from_g(self.co2e_g_net),
        }


def baseline_from_run(run: RunRecord, *, hardware: str | None = None) -> Baseline:
    """The baseline of a stored run: GPU components are the devices, everything else is host power.

    A run with no GPU component is treated as one device drawing all of its IT power. The net intensity
    is the run's net CO2e over its facility energy, when the run has a net figure.

    Raises:
        InvalidValueError: the run has no duration (nothing to scale).
    """
    if run.duration_s <= 0:
        raise InvalidValueError("run duration_s", run.duration_s, "must be positive for a what-if")
    gpus = [c for c in run.components if c.component == "gpu"]
    it_j = sum(c.energy_j for c in run.components) or run.it_energy_j
    device_j = sum(c.energy_j for c in gpus) if gpus else it_j
    count = max(1, len(gpus))
    kwh = kwh_from_j(run.energy_j)
    net = None if run.co2e_g_net is None or kwh <= 0 else run.co2e_g_net / kwh
    return Baseline(
        label=f"run {run.name or run.id}",
        hardware=hardware,
        count=count,
        duration_s=run.duration_s,
        device_power_w=device_j / run.duration_s / count,
        host_power_w=max(0.0, it_j - device_j) / run.duration_s,
        pue=run.pue,
        pue_source=run.pue_source,
        intensity_g_per_kwh=run.intensity_g_per_kwh,
        intensity_source=run.intensity_source,
        net_intensity_g_per_kwh=net,
    )
