"""Shifting studies: every arrival of a series, or a job trace, under explicit semantics.

Semantics (say which one a result used):

* ``"strict"``: the baseline starts at arrival; a job with slack ``S`` may start up to ``a + S`` and
  must finish by ``a + J + S`` (its deadline), truncated at the end of the data.
* ``"lwa"``: compatible with the Let's Wait Awhile simulator (Wiesner et al. 2021): its forecast
  window holds one slot more than the deadline allows, so a job may end one slot after its
  deadline, and its baseline picks the better of starting at arrival or one slot later.

Aggregations: ``"per-job"`` (mean of per-job savings), ``"total"`` (ratio of totals,
``1 - ΣE_policy / ΣE_0``) and ``"global"`` (per arrival, Σ over zones saved / Σ over zones E_0, then
the mean over arrivals; needs several zones on one time axis).

Forecast error: decisions on ``ci + N(0, σ)`` with ``σ = pct/100 × mean(ci)`` drawn with
``numpy.random.default_rng(seed)`` for ``seed = 0 .. seeds-1``; emissions on the true ``ci``,
averaged over the draws.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mlfootprint.errors import InvalidValueError, ScheduleError
from mlfootprint.reduce.shifting import deferral, interrupt, window_sums

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    FloatArray = NDArray[np.float64]
    IntArray = NDArray[np.int64]
else:
    FloatArray = Any
    IntArray = Any

__all__ = [
    "AGGREGATES",
    "SEMANTICS",
    "ShiftEmissions",
    "global_savings_pct",
    "savings_pct",
    "shift_every_arrival",
    "shift_jobs",
]

SEMANTICS = ("strict", "lwa")
AGGREGATES = ("per-job", "total", "global")


@dataclass(frozen=True, slots=True, kw_only=True, eq=False)
class ShiftEmissions:
    """Emissions per arrival (intensity × slots; multiply by kW × slot hours for grams).

    Attributes:
        arrivals: arrival slot of each job.
        baseline: carbon-agnostic emissions.
        deferral: best uninterrupted start (mean over draws with forecast error).
        interrupt: pause and resume in the cleanest slots (mean over draws).
        semantics: ``"strict"`` or ``"lwa"``.
    """

    arrivals: IntArray
    baseline: FloatArray
    deferral: FloatArray
    interrupt: FloatArray
    semantics: str


def _noisy(ci: FloatArray, forecast_error_pct: float, seeds: int) -> list[FloatArray | None]:
    import numpy as np

    if forecast_error_pct < 0:
        raise InvalidValueError("forecast error", forecast_error_pct, "must not be negative")
    if forecast_error_pct == 0:
        return [None]
    if seeds < 1:
        raise InvalidValueError("seeds", seeds, "must be at least 1")
    sigma = forecast_error_pct / 100.0 * float(ci.mean())
    return [ci + np.random.default_rng(seed).normal(0.0, sigma, size=ci.shape[0]) for seed in range(seeds)]


def _check_semantics(semantics: str) -> None:
    if semantics not in SEMANTICS:
        raise InvalidValueError("semantics", semantics, f"must be one of {', '.join(SEMANTICS)}")


def _one_length(
    ci: FloatArray,
    arrivals: IntArray,
    length: int,
    deadlines: IntArray,
    semantics: str,
    draws: list[FloatArray | None],
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Baseline, deferral, interrupt for jobs of one length with deadlines (exclusive slot)."""
    import numpy as np

    n = ci.shape[0]
    sums = window_sums(ci, length)
    extra = 1 if semantics == "lwa" else 0
    if semantics == "lwa":
        baseline = np.minimum(sums[arrivals], sums[np.minimum(arrivals + 1, n - length)])
    else:
        baseline = sums[arrivals]
    last_start = np.minimum(deadlines - length + extra, n - length)
    window_end = np.minimum(deadlines + extra, n)
    defer = np.zeros(arrivals.shape[0])
    inter = np.zeros(arrivals.shape[0])
    for decide in draws:
        defer += deferral(ci, arrivals, length, last_start, decide=decide)[1]
        inter += interrupt(ci, arrivals, length, window_end, decide=decide)
    return baseline, defer / len(draws), inter / len(draws)


def shift_every_arrival(
    ci: FloatArray,
    *,
    length: int,
    slack: int,
    semantics: str = "strict",
    forecast_error_pct: float = 0.0,
    seeds: int = 10,
) -> ShiftEmissions:
    """One job of ``length`` slots arriving at every slot ``a = 0 .. n - length - 1``.

    The deadline is ``a + length + slack``, truncated at the end of the data.

    Raises:
        ScheduleError: the job does not fit the series, or the slack is negative.
    """
    import numpy as np

    _check_semantics(semantics)
    ci = np.asarray(ci, dtype=np.float64)
    n = ci.shape[0]
    if length < 1 or length >= n:
        raise ScheduleError(f"a job of {length} slot(s) needs a series longer than {n} slot(s)")
    if slack < 0:
        raise ScheduleError(f"slack of {slack} slot(s) must not be negative")
    arrivals = np.arange(n - length, dtype=np.int64)
    deadlines = arrivals + length + slack
    base, defer, inter = _one_length(
        ci, arrivals, length, deadlines, semantics, _noisy(ci, forecast_error_pct, seeds)
    )
    return ShiftEmissions(
        arrivals=arrivals, baseline=base, deferral=defer, interrupt=inter, semantics=semantics
    )


def shift_jobs(
    ci: FloatArray,
    *,
    arrivals: IntArray,
    lengths: IntArray,
    deadlines: IntArray,
    semantics: str = "strict",
    forecast_error_pct: float = 0.0,
    seeds: int = 10,
) -> ShiftEmissions:
    """A job trace: each job's arrival slot, length in slots and deadline (exclusive slot).

    Jobs are grouped by length; each group is vectorised. The noise draws are the same for all jobs.

    Raises:
        ScheduleError: a job arrives outside the series, or its deadline is before its finish.
    """
    import numpy as np

    _check_semantics(semantics)
    ci = np.asarray(ci, dtype=np.float64)
    arrivals = np.asarray(arrivals, dtype=np.int64)
    lengths = np.asarray(lengths, dtype=np.int64)
    deadlines = np.asarray(deadlines, dtype=np.int64)
    n = ci.shape[0]
    if np.any(lengths < 1):
        raise ScheduleError(f"job length {int(lengths.min())} slot(s) must be at least 1")
    late = arrivals + lengths + (1 if semantics == "lwa" else 0) > n
    if np.any((arrivals < 0) | late):
        bad = int(np.argmax((arrivals < 0) | late))
        raise ScheduleError(
            f"job {bad} (arrival slot {int(arrivals[bad])}) does not fit the series of {n} slots"
        )
    if np.any(deadlines < arrivals + lengths):
        bad = int(np.argmax(deadlines < arrivals + lengths))
        raise ScheduleError(f"job {bad}: deadline slot {int(deadlines[bad])} is before its finish")
    draws = _noisy(ci, forecast_error_pct, seeds)
    base = np.zeros(arrivals.shape[0])
    defer = np.zeros(arrivals.shape[0])
    inter = np.zeros(arrivals.shape[0])
    for length in np.unique(lengths):
        group = np.nonzero(lengths == length)[0]
        b, d, i = _one_length(ci, arrivals[group], int(length), deadlines[group], semantics, draws)
        base[group], defer[group], inter[group] = b, d, i
    return ShiftEmissions(
        arrivals=arrivals, baseline=base, deferral=defer, interrupt=inter, semantics=semantics
    )


def savings_pct(baseline: FloatArray, policy: FloatArray, aggregate: str = "per-job") -> float:
    """Saving of a policy over the baseline in %, ``"per-job"`` (mean of ratios) or ``"total"``.

    A job whose baseline is zero saves nothing (it counts as 0 % under ``"per-job"``).
    """
    import numpy as np

    if aggregate == "per-job":
        safe = np.where(baseline > 0, baseline, 1.0)
        per_job = np.where(baseline > 0, 1.0 - policy / safe, 0.0)
        return float(per_job.mean() * 100.0)
    if aggregate == "total":
        total = float(baseline.sum())
        return 0.0 if total <= 0 else (1.0 - float(policy.sum()) / total) * 100.0
    raise InvalidValueError("aggregate", aggregate, "must be 'per-job' or 'total' for one zone")


def global_savings_pct(baseline: FloatArray, policy: FloatArray) -> float:
    """The ``"global"`` aggregation over a zones × arrivals matrix (same arrivals in every zone)."""
    import numpy as np

    if baseline.ndim != 2 or baseline.shape != policy.shape:
        raise InvalidValueError("global aggregation", baseline.shape, "needs zones × arrivals matrices")
    per_arrival_base = baseline.sum(axis=0)
    saved = (baseline - policy).sum(axis=0)
    safe = np.where(per_arrival_base > 0, per_arrival_base, 1.0)
    return float(np.where(per_arrival_base > 0, saved / safe, 0.0).mean() * 100.0)
