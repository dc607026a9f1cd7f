"""The what-if as a whole: the four Ms applied in order to a baseline, and their combined multipliers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mlfootprint.reduce.whatif.baseline import Baseline
from mlfootprint.reduce.whatif.factor import Factor, _ratio
from mlfootprint.reduce.whatif.machine import MachineChange, _apply_machine
from mlfootprint.reduce.whatif.map import MapChange, _apply_map
from mlfootprint.reduce.whatif.mechanization import MechanizationChange, _apply_mechanization
from mlfootprint.reduce.whatif.model import ModelChange, _apply_model

__all__ = ["WhatIfResult", "whatif"]


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
