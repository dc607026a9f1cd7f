"""From the work of a run (FLOPs) to its device-hours: the compute side of an estimate.

    FLOPs           given, or ~ 6 x P x D for training a dense transformer on D tokens
                    (Kaplan et al. 2020, "Scaling Laws for Neural Language Models", §2.1;
                    Patterson et al. 2021 §2.1), ~ 2 x P per token for inference (the forward pass);
                    P is the *active* parameter count for a mixture-of-experts model
    throughput      achieved FLOP/s per device: measured (given), or MFU x the device's peak
    device-seconds  FLOPs / achieved FLOP/s per device
    wall time       device-seconds / number of devices

Patterson 2021 Table 4 prints each model's FLOPs and its measured TFLOP/s per processor, from which
the days follow (GPT-3: 3.14e23 / (10,000 x 24.6e12 FLOP/s) = 14.8 days). Everything here is pure
arithmetic; each step is returned as an ``Assumption`` with its source.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from mlfootprint import fmt
from mlfootprint.errors import InvalidValueError, UsageError
from mlfootprint.provenance import Assumption
from mlfootprint.units import S_PER_HOUR

__all__ = [
    "INFERENCE_FLOPS_PER_PARAM_TOKEN",
    "PRECISIONS",
    "TRAINING_FLOPS_PER_PARAM_TOKEN",
    "ComputeDerivation",
    "derive_compute",
    "flops_from_params",
    "peak_flop_per_s",
]

#: forward + backward: 2 FLOPs per parameter per token forward, twice that backward (Kaplan 2020 §2.1)
TRAINING_FLOPS_PER_PARAM_TOKEN = 6.0
#: forward only
INFERENCE_FLOPS_PER_PARAM_TOKEN = 2.0
FORMULA_SOURCE = (
    "Kaplan et al. 2020, Scaling Laws for Neural Language Models (arXiv:2001.08361) §2.1; "
    "Patterson et al. 2021 (arXiv:2104.10350) §2.1"
)
#: precision name -> accelerator table column it reads
PRECISIONS = ("fp16", "fp32")
Precision = Literal["fp16", "fp32"]
Workload = Literal["training", "inference"]
MAX_FLOPS = 1e32
MAX_PARAMS = 1e16
MAX_TOKENS = 1e18
MAX_TFLOPS = 100_000.0


@dataclass(frozen=True, slots=True, kw_only=True)
class ComputeDerivation:
    """How the device-hours of a run follow from its work, step by step."""

    flops: float
    flops_method: str  # "given" | "6PD" | "2PD"
    achieved_flop_per_s_per_device: float
    throughput_method: str  # "measured" | "mfu"
    mfu_frac: float | None
    peak_flop_per_s: float | None
    precision: str | None
    count: int
    device_hours: float
    assumptions: tuple[Assumption, ...]

    @property
    def wall_hours(self) -> float:
        return self.device_hours / self.count

    def to_dict(self) -> dict[str, object]:
        """JSON-ready (display units: TFLOP/s, hours, days)."""
        return {
            "flops": self.flops,
            "flops_method": self.flops_method,
            "achieved_tflops_per_device": self.achieved_flop_per_s_per_device / 1e12,
            "throughput_method": self.throughput_method,
            "mfu_frac": self.mfu_frac,
            "peak_tflops_per_device": None if self.peak_flop_per_s is None else self.peak_flop_per_s / 1e12,
            "precision": self.precision,
            "device_hours": self.device_hours,
            "wall_hours": self.wall_hours,
            "wall_days": self.wall_hours / 24.0,
        }


def _positive(option: str, value: float, high: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InvalidValueError(option, value, "is not a number")
    number = float(value)
    if not math.isfinite(number) or number <= 0:
        raise InvalidValueError(option, value, "must be a positive number")
    if number > high:
        raise InvalidValueError(option, value, f"must be at most {high:g}")
    return number


def flops_from_params(params: float, tokens: float, workload: Workload = "training") -> float:
    """``6 x P x D`` for training, ``2 x P x D`` for inference over D tokens."""
    per = TRAINING_FLOPS_PER_PARAM_TOKEN if workload == "training" else INFERENCE_FLOPS_PER_PARAM_TOKEN
    return per * params * tokens


def peak_flop_per_s(hardware: str, precision: str) -> tuple[float, str, str]:
    """The table's peak FLOP/s per device: (value, canonical name, what the peak is).

    Raises:
        UnknownNameError: unknown hardware.
        UsageError: the table has no peak at that precision for the device.
    """
    from mlfootprint.reference.lookup import cached_accelerator as find_accelerator

    if precision not in PRECISIONS:
        raise InvalidValueError("--precision", precision, f"must be one of {', '.join(PRECISIONS)}")
    acc = find_accelerator(hardware)
    tflops = acc.peak_fp16_tflops if precision == "fp16" else acc.peak_fp32_tflops
    if tflops is None:
        other = "fp32" if precision == "fp16" else "fp16"
        raise UsageError(
            f"--mfu: the accelerator table has no {precision} peak for {acc.name!r}; "
            f"try --precision {other} or give --achieved-tflops"
        )
    what = "FP16/BF16 peak" if precision == "fp16" else "FP32 peak"
    return tflops * 1e12, acc.name, f"{what} of {acc.name} ({acc.source})"


def derive_compute(
    *,
    count: int,
    hardware: str | None = None,
    flops: float | None = None,
    params: float | None = None,
    active_params: float | None = None,
    tokens: float | None = None,
    workload: str = "training",
    achieved_tflops: float | None = None,
    mfu: float | None = None,
    precision: str = "fp16",
) -> ComputeDerivation:
    """Device-hours from the work (FLOPs, or parameters x tokens) and the throughput per device.

    Args:
        count: number of devices.
        hardware: accelerator name (needed for ``mfu``).
        flops: total floating-point operations of the run (exclusive with ``params``/``tokens``).
        params: parameter count P of a dense model.
        active_params: parameters active per token of a mixture-of-experts model (used instead of P).
        tokens: tokens D processed (trained on, or generated and read for inference).
        workload: ``"training"`` (6 P D) or ``"inference"`` (2 P D).
        achieved_tflops: measured TFLOP/s per device (exclusive with ``mfu``).
        mfu: model FLOPs utilisation as a fraction of the table's peak (0 < mfu <= 1).
        precision: which peak ``mfu`` refers to: ``"fp16"`` (FP16/BF16) or ``"fp32"``.

    Raises:
        UsageError: missing or conflicting inputs, values out of range.
    """
    if workload not in ("training", "inference"):
        raise InvalidValueError("--workload", workload, "must be 'training' or 'inference'")
    assumptions: list[Assumption] = []
    sized = params is not None or active_params is not None or tokens is not None
    if flops is not None and sized:
        raise UsageError("--flops cannot be combined with --params/--active-params/--tokens; give one")
    if flops is not None:
        total = _positive("--flops", flops, MAX_FLOPS)
        method = "given"
        assumptions.append(
            Assumption(name="flops", value=total, unit="FLOPs", source="given by the user (--flops)")
        )
    elif sized:
        if tokens is None or (params is None and active_params is None):
            raise UsageError("--tokens needs --params (or --active-params for a mixture-of-experts model)")
        d = _positive("--tokens", tokens, MAX_TOKENS)
        if active_params is not None:
            p = _positive("--active-params", active_params, MAX_PARAMS)
            which = "active parameters per token (mixture of experts)"
        else:
            assert params is not None
            p = _positive("--params", params, MAX_PARAMS)
            which = "parameters"
        per = TRAINING_FLOPS_PER_PARAM_TOKEN if workload == "training" else INFERENCE_FLOPS_PER_PARAM_TOKEN
        total = flops_from_params(p, d, "training" if workload == "training" else "inference")
        method = f"{per:g}PD"
        assumptions.append(
            Assumption(
                name="flops",
                value=total,
                unit="FLOPs",
                source=(
                    f"{workload}: {per:g} x {fmt.count(p, 4)} {which} x {fmt.count(d, 4)} tokens "
                    f"({FORMULA_SOURCE})"
                ),
            )
        )
    else:
        raise UsageError("give --flops, or --params with --tokens, to estimate from compute")
    if achieved_tflops is not None and mfu is not None:
        raise UsageError("--achieved-tflops and --mfu cannot be combined; give one")
    peak: float | None = None
    mfu_frac: float | None = None
    used_precision: str | None = None
    if achieved_tflops is not None:
        rate = _positive("--achieved-tflops", achieved_tflops, MAX_TFLOPS) * 1e12
        t_method = "measured"
        assumptions.append(
            Assumption(
                name="achieved_tflops",
                value=rate / 1e12,
                unit="TFLOP/s per device",
                source="given by the user (--achieved-tflops), measured throughput per device",
            )
        )
    elif mfu is not None:
        if hardware is None:
            raise UsageError("--mfu needs --hardware (its peak comes from the accelerator table)")
        mfu_frac = _positive("--mfu", mfu, 1.0)
        peak, _, what = peak_flop_per_s(hardware, precision)
        used_precision = precision
        rate = mfu_frac * peak
        t_method = "mfu"
        assumptions.append(
            Assumption(
                name="achieved_tflops",
                value=rate / 1e12,
                unit="TFLOP/s per device",
                source=f"--mfu {mfu_frac:g} x {peak / 1e12:g} TFLOP/s, the {what}",
            )
        )
    else:
        raise UsageError("estimating from compute needs --achieved-tflops or --mfu")
    device_hours = total / rate / S_PER_HOUR
    assumptions.append(
        Assumption(
            name="device_hours",
            value=device_hours,
            unit="device-hours",
            source=f"FLOPs / achieved FLOP/s per device / 3600; wall time = device-hours / {count} devices",
        )
    )
    return ComputeDerivation(
        flops=total,
        flops_method=method,
        achieved_flop_per_s_per_device=rate,
        throughput_method=t_method,
        mfu_frac=mfu_frac,
        peak_flop_per_s=peak,
        precision=used_precision,
        count=count,
        device_hours=device_hours,
        assumptions=tuple(assumptions),
    )
