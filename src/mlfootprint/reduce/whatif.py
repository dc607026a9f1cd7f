"""The 4M what-if: how Model, Machine, Mechanization and Map change a run's energy and CO2e.

Patterson et al. 2022 name four practices that compound: a more efficient **model**, a more efficient
**machine**, a more efficient datacenter (**mechanization**, i.e. PUE) and a cleaner grid (**map**).
This module applies them one after the other to a baseline and reports each factor's multiplier.

The model used (pure arithmetic, no I/O):

* baseline IT energy = (count x device power + host power) x duration; facility energy = IT x PUE;
  CO2e = facility kWh x intensity (gross) and x net intensity (after carbon-free-energy matching;
  equal to gross when no net figure is known, as Patterson 2021 does for the US average).
* **model**: training time scales by ``time_factor`` (a measured ratio new/old on the same machine, or
  else the FLOPs ratio, which assumes the same achieved throughput); the device power may change to a
  measured ``power_w``.
* **machine**: time scales by ``1 / speedup`` (measured) or else by ``old peak / new peak`` FP16/BF16
  throughput (time proportional to 1 / peak, a model that ignores utilisation differences); device power
  becomes the new machine's average power (measured where published, else TDP). Host power scales with
  time only.
* **mechanization**: energy scales by ``new PUE / old PUE``.
* **map**: CO2e scales by ``new intensity / old intensity`` (gross and net separately); energy unchanged.
  A time shift (``reduce.whatif_inputs.time_shift_change``) is a map change whose intensity is the
  baseline's scaled by the series' best-window / start-now ratio.

Every multiplier is ``new / old`` (``< 1`` is a saving); ``reduction_x`` is its inverse ("5.6x less").
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, Literal

from mlfootprint import fmt
from mlfootprint.errors import InvalidValueError
from mlfootprint.records import RunRecord
from mlfootprint.units import kg_from_g, kwh_from_j

__all__ = [
    "Baseline",
    "Factor",
    "MachineChange",
    "MapChange",
    "MechanizationChange",
    "ModelChange",
    "WhatIfResult",
    "baseline_from_run",
    "whatif",
]

M = Literal["model", "machine", "mechanization", "map"]


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


@dataclass(frozen=True, slots=True, kw_only=True)
class ModelChange:
    """A different model: ``flops_factor`` = new FLOPs / old; ``time_factor`` = measured time ratio."""

    name: str = "new model"
    flops_factor: float | None = None
    time_factor: float | None = None
    power_w: float | None = None
    basis: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class MachineChange:
    """A different accelerator: measured ``speedup`` or the ratio of peak throughputs."""

    name: str
    power_w: float
    power_source: str
    speedup: float | None = None
    from_peak_tflops: float | None = None
    to_peak_tflops: float | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class MechanizationChange:
    """A different datacenter (its PUE)."""

    name: str
    pue: float
    source: str


@dataclass(frozen=True, slots=True, kw_only=True)
class MapChange:
    """A different grid (its gross intensity, and net intensity after carbon-free-energy matching)."""

    name: str
    intensity_g_per_kwh: float
    source: str
    net_intensity_g_per_kwh: float | None = None
    detail: Mapping[str, object] | None = None  # e.g. the start plan of a time shift


@dataclass(frozen=True, slots=True, kw_only=True)
class Factor:
    """One of the 4Ms: its multipliers (new / old) and why."""

    m: M
    energy_factor: float
    co2e_factor: float
    co2e_net_factor: float
    reasoning: str
    from_: str
    to: str
    detail: Mapping[str, object] | None = None

    def to_dict(self) -> dict[str, Any]:
        extra = {} if self.detail is None else {"detail": dict(self.detail)}
        return {
            "m": self.m,
            "energy_factor": self.energy_factor,
            "co2e_factor": self.co2e_factor,
            "co2e_net_factor": self.co2e_net_factor,
            "energy_reduction_x": 1.0 / self.energy_factor,
            "co2e_reduction_x": 1.0 / self.co2e_factor,
            "co2e_net_reduction_x": 1.0 / self.co2e_net_factor,
            "reasoning": self.reasoning,
            "from": self.from_,
            "to": self.to,
            **extra,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class WhatIfResult:
    """The baseline, each factor applied in order, and the result."""

    baseline: Baseline
    factors: tuple[Factor, ...]
    result: Baseline

    @property
    def combined_energy_factor(self) -> float:
        return self.result.energy_j / self.baseline.energy_j

    @property
    def combined_co2e_factor(self) -> float:
        return _ratio(self.result.co2e_g, self.baseline.co2e_g)

    @property
    def combined_co2e_net_factor(self) -> float:
        return _ratio(self.result.co2e_g_net, self.baseline.co2e_g_net)

    def to_dict(self) -> dict[str, Any]:
        return {
            "baseline": self.baseline.to_dict(),
            "factors": [f.to_dict() for f in self.factors],
            "result": self.result.to_dict(),
            "combined_energy_factor": self.combined_energy_factor,
            "combined_co2e_factor": self.combined_co2e_factor,
            "combined_co2e_net_factor": self.combined_co2e_net_factor,
            "combined_energy_reduction_x": 1.0 / self.combined_energy_factor,
            "combined_co2e_reduction_x": 1.0 / self.combined_co2e_factor,
            "combined_co2e_net_reduction_x": 1.0 / self.combined_co2e_net_factor,
            "note": "factors are multipliers new/old (< 1 is a saving); reduction_x is old/new",
        }


def _ratio(new: float, old: float) -> float:
    if old == 0:
        return 1.0 if new == 0 else math.inf
    return new / old


def _factor(
    m: M,
    old: Baseline,
    new: Baseline,
    reasoning: str,
    from_: str,
    to: str,
    detail: Mapping[str, object] | None = None,
) -> Factor:
    return Factor(
        detail=detail,
        m=m,
        energy_factor=_ratio(new.energy_j, old.energy_j),
        co2e_factor=_ratio(new.co2e_g, old.co2e_g),
        co2e_net_factor=_ratio(new.co2e_g_net, old.co2e_g_net),
        reasoning=reasoning,
        from_=from_,
        to=to,
    )


def _apply_model(b: Baseline, c: ModelChange) -> tuple[Baseline, Factor]:
    _positive("--model-flops-factor", c.flops_factor)
    _positive("--model-time-factor", c.time_factor)
    _positive("--model-power-w", c.power_w)
    if c.time_factor is not None:
        time_factor = c.time_factor
        why = f"measured time ratio {fmt.number(time_factor)} on the same machine"
    elif c.flops_factor is not None:
        time_factor = c.flops_factor
        why = f"FLOPs ratio {fmt.number(time_factor)}, assuming the same achieved throughput"
    else:
        raise InvalidValueError("model", None, "needs a FLOPs factor or a measured time factor")
    power = b.device_power_w if c.power_w is None else c.power_w
    if c.power_w is not None:
        why += f"; device power {fmt.number(b.device_power_w, 4)} W -> {fmt.number(power, 4)} W (given)"
    if c.basis:
        why += f" ({c.basis})"
    new = replace(b, label=c.name, duration_s=b.duration_s * time_factor, device_power_w=power)
    return new, _factor("model", b, new, "time x " + why, "baseline model", c.name)


def _apply_machine(b: Baseline, c: MachineChange) -> tuple[Baseline, Factor]:
    _positive("--speedup", c.speedup)
    _positive("--machine-power-w", c.power_w)
    if c.speedup is not None:
        speedup = c.speedup
        why = f"measured speedup {fmt.number(speedup)}x"
    elif c.from_peak_tflops and c.to_peak_tflops:
        speedup = c.to_peak_tflops / c.from_peak_tflops
        why = (
            f"speedup {fmt.number(speedup)}x from peak FP16/BF16 throughput "
            f"{fmt.number(c.from_peak_tflops, 6)} -> {fmt.number(c.to_peak_tflops, 6)} TFLOPS "
            "(model: time proportional to 1/peak; ignores utilisation)"
        )
    else:
        raise InvalidValueError(
            "--speedup", None, f"is needed: no peak throughput in the table for {b.hardware!r} or {c.name!r}"
        )
    why += (
        f"; device power {fmt.number(b.device_power_w, 4)} W -> {fmt.number(c.power_w, 4)} W "
        f"({c.power_source})"
    )
    new = replace(
        b, label=c.name, hardware=c.name, duration_s=b.duration_s / speedup, device_power_w=c.power_w
    )
    perf_per_w = speedup * b.device_power_w / c.power_w if c.power_w else math.inf
    why += f"; perf/W {fmt.number(perf_per_w)}x"
    return new, _factor("machine", b, new, why, b.hardware or b.label, c.name)


def _apply_mechanization(b: Baseline, c: MechanizationChange) -> tuple[Baseline, Factor]:
    _positive("--to-pue", c.pue)
    new = replace(b, label=c.name, pue=c.pue, pue_source=c.source)
    why = f"PUE {fmt.number(b.pue)} -> {fmt.number(c.pue)} ({c.source}); {fmt.number(b.pue / c.pue)}x better"
    to = c.name if c.name.startswith("PUE") else f"{c.name} (PUE {fmt.number(c.pue, 6)})"
    return new, _factor("mechanization", b, new, why, f"PUE {fmt.number(b.pue, 6)}", to)


def _apply_map(b: Baseline, c: MapChange) -> tuple[Baseline, Factor]:
    _positive("--to-intensity", c.intensity_g_per_kwh)
    if c.net_intensity_g_per_kwh is not None and c.net_intensity_g_per_kwh < 0:
        raise InvalidValueError("net intensity", c.net_intensity_g_per_kwh, "must not be negative")
    new = replace(
        b,
        label=c.name,
        intensity_g_per_kwh=c.intensity_g_per_kwh,
        intensity_source=c.source,
        net_intensity_g_per_kwh=c.net_intensity_g_per_kwh,
    )
    why = (
        f"gross intensity {fmt.number(b.intensity_g_per_kwh / 1000)} -> "
        f"{fmt.number(c.intensity_g_per_kwh / 1000)} kg/kWh, net {fmt.number(b.net_g_per_kwh / 1000)} -> "
        f"{fmt.number(new.net_g_per_kwh / 1000)} kg/kWh ({c.source})"
    )
    if new.net_g_per_kwh > 0:
        why += f"; net {fmt.number(b.net_g_per_kwh / new.net_g_per_kwh)}x better"
    old = f"grid at {fmt.number(b.intensity_g_per_kwh / 1000)} kg/kWh"
    return new, _factor("map", b, new, why, old, c.name, c.detail)


def whatif(
    baseline: Baseline,
    *,
    model: ModelChange | None = None,
    machine: MachineChange | None = None,
    mechanization: MechanizationChange | None = None,
    map_: MapChange | None = None,
) -> WhatIfResult:
    """Apply the given changes in the order Model, Machine, Mechanization, Map.

    Each factor is measured against the state after the previous ones, so the combined multiplier
    is the product of the factors.

    Raises:
        InvalidValueError: a factor's input is not positive, or a machine change has neither a measured
            speedup nor peak throughputs for both machines.
    """
    state = baseline
    factors: list[Factor] = []
    if model is not None:
        state, f = _apply_model(state, model)
        factors.append(f)
    if machine is not None:
        state, f = _apply_machine(state, machine)
        factors.append(f)
    if mechanization is not None:
        state, f = _apply_mechanization(state, mechanization)
        factors.append(f)
    if map_ is not None:
        state, f = _apply_map(state, map_)
        factors.append(f)
    return WhatIfResult(baseline=baseline, factors=tuple(factors), result=state)


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
