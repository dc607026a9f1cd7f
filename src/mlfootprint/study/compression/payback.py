"""When does a compressed model pay back the extra energy it took to obtain? (pure arithmetic)

``payback = extra_obtain_j / (baseline_j_per_inference - model_j_per_inference)``: the number of
inferences after which the energy saved at inference equals the extra energy spent obtaining the
model (beyond training the baseline). No measured saving means it never pays back (``None``), and a
difference within the measurement's spread (``noise_j_per_inference``) is no saving.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from mlfootprint.errors import InvalidValueError

__all__ = ["Payback", "payback_inferences"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Payback:
    """Inferences to pay back (None: never, no saving measured) and why, in words."""

    inferences: float | None
    saving_j_per_inference: float
    reason: str


def payback_inferences(
    *,
    extra_obtain_j: float,
    baseline_j_per_inference: float,
    model_j_per_inference: float,
    noise_j_per_inference: float = 0.0,
) -> Payback:
    """Inferences after which the inference saving repays ``extra_obtain_j``.

    Args:
        extra_obtain_j: energy to obtain the model minus the energy to obtain the baseline (J).
        baseline_j_per_inference: measured energy of one inference of the baseline (J).
        model_j_per_inference: measured energy of one inference of the compressed model (J).
        noise_j_per_inference: the smallest difference the measurement resolves (J); a saving no larger
            than this counts as none.

    Returns:
        ``inferences`` None when the model saves nothing per inference (it never pays back);
        0 when it cost nothing extra to obtain and saves something.
    """
    for name, value in (
        ("extra_obtain_j", extra_obtain_j),
        ("baseline_j_per_inference", baseline_j_per_inference),
        ("model_j_per_inference", model_j_per_inference),
        ("noise_j_per_inference", noise_j_per_inference),
    ):
        if not math.isfinite(value):
            raise InvalidValueError(name, value, "must be a finite number")
    smallest = min(baseline_j_per_inference, model_j_per_inference, noise_j_per_inference)
    if smallest < 0:
        raise InvalidValueError("energy per inference", smallest, "must not be negative")
    saving = baseline_j_per_inference - model_j_per_inference
    if 0 < saving <= noise_j_per_inference:
        return Payback(
            inferences=None,
            saving_j_per_inference=saving,
            reason=f"never: the measured saving ({saving:.3g} J per inference) is within the measurement's "
            f"spread ({noise_j_per_inference:.3g} J)",
        )
    if saving <= 0:
        return Payback(
            inferences=None,
            saving_j_per_inference=saving,
            reason="never: no inference energy saving was measured "
            f"({model_j_per_inference:.3g} J against {baseline_j_per_inference:.3g} J per inference)",
        )
    if extra_obtain_j <= 0:
        return Payback(
            inferences=0.0,
            saving_j_per_inference=saving,
            reason="at once: it took no extra energy to obtain",
        )
    n = extra_obtain_j / saving
    return Payback(
        inferences=n,
        saving_j_per_inference=saving,
        reason=f"{extra_obtain_j:.3g} J extra to obtain / {saving:.3g} J saved per inference",
    )
