"""Predict a whole run's time, energy and CO2e from its first units of work (epochs or steps).

The run reports its progress as work done out of a known total: epochs of ``max_epochs`` /
``num_train_epochs``, or steps (or samples) of ``max_steps`` / the estimated stepping batches. When
epochs differ in length, report steps: each report's share of the work is then the steps since the
last one, which is what carbontracker's per-epoch extrapolation cannot see. At each report (a
*checkpoint*) the time and energy so far are known; the prediction is

    remaining = rate x (total - done)          rate: time (energy) per unit of work over the
                                               checkpoints, the first interval left out once there
                                               are three or more (warm-up, compilation, caches)
    interval  = remaining +- t(0.975, k-1) x s x sqrt(R + R^2 / k)

where ``s`` is the standard deviation between checkpoint intervals of their amount per interval
(scaled to an interval of mean size), ``k`` how many intervals there are and ``R`` how many
interval-sizes remain: the prediction interval of a sum of R further draws around a mean estimated
from k (each interval independent).
With one or two units there is no spread to go on; a floor of +-10 % of the remainder is used and
said so. CO2e is the predicted energy at the run's intensity, or, where an hourly intensity series
covers the hours ahead, the remaining energy spread evenly over the predicted remaining time at the
series' intensity for those hours.

carbontracker's baseline (Anthony et al. 2020) is ``total = first epoch x epochs``:
``linear_baseline`` gives it for the benchmark in ``benchmarks/prediction.py``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from mlfootprint.errors import InvalidValueError

__all__ = ["Checkpoint", "Prediction", "linear_baseline", "predict", "t_quantile_975"]

#: the relative half-width used while there is no between-unit spread to estimate from
FLOOR_FRAC = 0.10
#: two-sided 95 % quantiles of Student's t for 1..30 degrees of freedom
_T975 = (
    12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
    2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
    2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
)  # fmt: skip


def t_quantile_975(df: int) -> float:
    """Student's t 97.5 % quantile (1.96 beyond 30 degrees of freedom)."""
    if df < 1:
        raise InvalidValueError("df", df, "must be at least 1")
    return _T975[df - 1] if df <= len(_T975) else 1.96


@dataclass(frozen=True, slots=True, kw_only=True)
class Checkpoint:
    """The state at the end of a unit: cumulative time, facility energy and CO2e since the start."""

    done: float  # work done so far: epochs, steps or samples (cumulative)
    t_s: float
    energy_j: float
    co2e_g: float


@dataclass(frozen=True, slots=True, kw_only=True)
class Prediction:
    """The predicted totals of the run, with 95 % intervals."""

    done: float
    total: float
    progress_frac: float
    t_s: float  # when the prediction was made (seconds into the run)
    duration_s: float
    duration_s_low: float
    duration_s_high: float
    energy_j: float
    energy_j_low: float
    energy_j_high: float
    co2e_g: float
    co2e_g_low: float
    co2e_g_high: float
    method: str

    def to_dict(self) -> dict[str, object]:
        """Canonical units (s, J, g) with the method."""
        return {
            "done": self.done,
            "total": self.total,
            "progress_frac": self.progress_frac,
            "t_s": self.t_s,
            "duration_s": self.duration_s,
            "duration_s_low": self.duration_s_low,
            "duration_s_high": self.duration_s_high,
            "energy_j": self.energy_j,
            "energy_j_low": self.energy_j_low,
            "energy_j_high": self.energy_j_high,
            "co2e_g": self.co2e_g,
            "co2e_g_low": self.co2e_g_low,
            "co2e_g_high": self.co2e_g_high,
            "method": self.method,
        }


def _increments(points: Sequence[Checkpoint], attr: str) -> list[float]:
    values = [getattr(p, attr) for p in points]
    return [b - a for a, b in zip([0.0, *values[:-1]], values, strict=True)]


def _remaining(
    amounts: Sequence[float], sizes: Sequence[float], remaining_size: float
) -> tuple[float, float, float]:
    """(remaining, low, high) for one quantity from per-unit amounts and sizes."""
    use = list(range(len(amounts)))
    if len(use) >= 3:
        use = use[1:]  # the first unit pays for warm-up; leave it out once others exist
    size = sum(sizes[i] for i in use)
    rate = sum(amounts[i] for i in use) / size
    centre = rate * remaining_size
    k = len(use)
    if k < 2:
        half = FLOOR_FRAC * centre
    else:
        mean_size = size / k
        per_unit = [amounts[i] / sizes[i] * mean_size for i in use]
        import statistics  # only once a prediction is made

        s = statistics.stdev(per_unit)
        r_units = remaining_size / mean_size
        half = t_quantile_975(k - 1) * s * math.sqrt(r_units + r_units * r_units / k)
        half = max(half, 0.01 * centre)
    return centre, max(0.0, centre - half), centre + half


def predict(
    points: Sequence[Checkpoint],
    *,
    total: float,
    intensity_ahead: Callable[[float, float], float | None] | None = None,
) -> Prediction:
    """Predict the run's totals after ``points`` (one per completed unit, in order).

    Args:
        points: the checkpoints at the end of each completed unit.
        total: the number of units the run will do.
        intensity_ahead: ``f(t_from_s, t_to_s) -> g/kWh`` (mean over that window of the run, seconds
            since its start), or ``None`` where no series covers it; ``None`` uses the run's mean so far.

    Raises:
        InvalidValueError: no checkpoints, or a total below the units done.
    """
    if not points:
        raise InvalidValueError("progress", 0, "needs at least one completed unit to predict from")
    last = points[-1]
    if not total >= last.done:
        raise InvalidValueError("total", total, f"is below the {last.done:g} units already done")
    sizes = _increments(points, "done")
    if any(size <= 0 for size in sizes):
        raise InvalidValueError("progress", last.done, "must increase from one checkpoint to the next")
    remaining_size = total - last.done
    d_mid, d_low, d_high = _remaining(_increments(points, "t_s"), sizes, remaining_size)
    e_mid, e_low, e_high = _remaining(_increments(points, "energy_j"), sizes, remaining_size)
    so_far_g_per_j = last.co2e_g / last.energy_j if last.energy_j > 0 else 0.0
    g_per_j = so_far_g_per_j
    method = "mean rate of the completed units"
    if len(points) >= 3:
        method += " (first left out as warm-up)"
    if len(points) == 1:
        method += f"; +-{FLOOR_FRAC:.0%} (one unit: no spread to estimate yet)"
    if intensity_ahead is not None and d_mid > 0:
        ahead = intensity_ahead(last.t_s, last.t_s + d_mid)
        if ahead is not None:
            g_per_j = ahead / 3.6e6
            method += "; CO2e ahead at the hourly series' intensity"
    return Prediction(
        done=last.done,
        total=total,
        progress_frac=last.done / total if total else 1.0,
        t_s=last.t_s,
        duration_s=last.t_s + d_mid,
        duration_s_low=last.t_s + d_low,
        duration_s_high=last.t_s + d_high,
        energy_j=last.energy_j + e_mid,
        energy_j_low=last.energy_j + e_low,
        energy_j_high=last.energy_j + e_high,
        co2e_g=last.co2e_g + e_mid * g_per_j,
        co2e_g_low=last.co2e_g + e_low * g_per_j,
        co2e_g_high=last.co2e_g + e_high * g_per_j,
        method=method,
    )


def linear_baseline(points: Sequence[Checkpoint], *, total: float) -> tuple[float, float]:
    """carbontracker's prediction: (duration, energy) = mean of the units seen x ``total``.

    carbontracker measures ``epochs_before_pred`` epochs (default 1) and multiplies their mean by the
    number of epochs; it neither weights epochs by size nor gives an interval.
    """
    if not points:
        raise InvalidValueError("progress", 0, "needs at least one completed unit to predict from")
    last = points[-1]
    return last.t_s * total / last.done, last.energy_j * total / last.done
