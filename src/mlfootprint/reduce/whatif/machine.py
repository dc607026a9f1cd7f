"""Machine: a more efficient accelerator scales time by its speedup and sets the device power."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from mlfootprint import fmt
from mlfootprint.errors import InvalidValueError
from mlfootprint.reduce.whatif.baseline import Baseline, _positive
from mlfootprint.reduce.whatif.factor import Factor, _factor


@dataclass(frozen=True, slots=True, kw_only=True)
class MachineChange:
    """A different accelerator: measured ``speedup`` or the ratio of peak throughputs."""

    name: str
    power_w: float
    power_source: str
    speedup: float | None = None
    from_peak_tflops: float | None = None
    to_peak_tflops: float | None = None


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
