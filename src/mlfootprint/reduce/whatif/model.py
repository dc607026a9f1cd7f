"""Model: a more efficient model scales the training time (and may change the device power)."""

from __future__ import annotations

from dataclasses import dataclass, replace

from mlfootprint import fmt
from mlfootprint.errors import InvalidValueError
from mlfootprint.reduce.whatif.baseline import Baseline, _positive
from mlfootprint.reduce.whatif.factor import Factor, _factor


@dataclass(frozen=True, slots=True, kw_only=True)
class ModelChange:
    """A different model: ``flops_factor`` = new FLOPs / old; ``time_factor`` = measured time ratio."""

    name: str = "new model"
    flops_factor: float | None = None
    time_factor: float | None = None
    power_w: float | None = None
    basis: str = ""


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
