"""Vectorised kernels of temporal shifting on a slotted intensity array (pure NumPy).

A job of ``length`` slots that arrives at slot ``a`` emits ``Σ ci[t]`` over the slots it runs in
(power 1 kW, slot length 1 h gives g). Two policies:

* **deferral** (non-interrupting): start at the ``s`` in ``[a, last_start]`` with the lowest window sum;
* **interrupt** (pause and resume): run in the ``length`` cleanest slots of ``[a, window_end)``.

Decisions can be made on a different array (a noisy forecast, ``decide``) while emissions are
counted on the true one. There is no Python loop over arrivals: sliding windows, ``argmin`` and
``np.partition`` work on all arrivals at once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mlfootprint.errors import ScheduleError

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    FloatArray = NDArray[np.float64]
    IntArray = NDArray[np.int64]
else:
    FloatArray = Any
    IntArray = Any

__all__ = ["deferral", "interrupt", "window_sums"]


def window_sums(ci: FloatArray, length: int) -> FloatArray:
    """``W[s] = ci[s] + ... + ci[s + length - 1]`` for ``s = 0 .. len(ci) - length``."""
    import numpy as np

    if length < 1 or length > ci.shape[0]:
        raise ScheduleError(f"job of {length} slot(s) does not fit a series of {ci.shape[0]} slot(s)")
    cumulative = np.concatenate(([0.0], np.cumsum(ci, dtype=np.float64)))
    sums: FloatArray = cumulative[length:] - cumulative[:-length]
    return sums


def _check(arrivals: IntArray, bound: IntArray, n: int, what: str) -> None:
    import numpy as np

    if arrivals.shape != bound.shape:
        raise ScheduleError(f"{what}: {arrivals.shape[0]} arrivals but {bound.shape[0]} bounds")
    if arrivals.size and (int(arrivals.min()) < 0 or int(bound.max()) > n):
        raise ScheduleError(f"{what}: a window reaches outside the series of {n} slots")
    if np.any(bound < arrivals):
        raise ScheduleError(f"{what}: a window ends before its arrival")


def deferral(
    ci: FloatArray,
    arrivals: IntArray,
    length: int,
    last_start: IntArray,
    *,
    decide: FloatArray | None = None,
) -> tuple[IntArray, FloatArray]:
    """Best uninterrupted start for each arrival.

    Args:
        ci: true intensity per slot.
        arrivals: arrival slot of each job.
        length: job length in slots (the same for all arrivals given).
        last_start: latest allowed start slot of each job (inclusive, at most ``len(ci) - length``).
        decide: the array decisions are made on (default ``ci``).

    Returns:
        ``(start_slot, emissions)`` per arrival; emissions on ``ci``, in intensity × slots.
    """
    import numpy as np
    from numpy.lib.stride_tricks import sliding_window_view

    arrivals = np.asarray(arrivals, dtype=np.int64)
    last_start = np.asarray(last_start, dtype=np.int64)
    true_sums = window_sums(ci, length)
    _check(arrivals, last_start, true_sums.shape[0] - 1, "deferral")
    if arrivals.size == 0:
        return arrivals, np.zeros(0)
    decide_sums = true_sums if decide is None else window_sums(decide, length)
    span = int((last_start - arrivals).max()) + 1
    padded = np.concatenate((decide_sums, np.full(span, np.inf)))
    view = sliding_window_view(padded, span)[arrivals]
    allowed = np.arange(span)[None, :] <= (last_start - arrivals)[:, None]
    view = np.where(allowed, view, np.inf)
    starts = arrivals + np.argmin(view, axis=1)
    emissions: FloatArray = true_sums[starts]
    return starts, emissions


def interrupt(
    ci: FloatArray,
    arrivals: IntArray,
    length: int,
    window_end: IntArray,
    *,
    decide: FloatArray | None = None,
) -> FloatArray:
    """Emissions of running each job in the ``length`` cleanest slots of ``[arrival, window_end)``.

    Args:
        ci: true intensity per slot.
        arrivals: arrival slot of each job.
        length: job length in slots.
        window_end: end of each job's window (exclusive, at most ``len(ci)``); at least ``length``
            slots after the arrival.
        decide: the array decisions are made on (default ``ci``).
    """
    import numpy as np
    from numpy.lib.stride_tricks import sliding_window_view

    arrivals = np.asarray(arrivals, dtype=np.int64)
    window_end = np.asarray(window_end, dtype=np.int64)
    _check(arrivals, window_end, ci.shape[0], "interrupt")
    if arrivals.size == 0:
        return np.zeros(0)
    widths = window_end - arrivals
    if int(widths.min()) < length:
        raise ScheduleError(f"a window of {int(widths.min())} slot(s) cannot hold a job of {length}")
    span = int(widths.max())
    source = ci if decide is None else decide
    padded = np.concatenate((source, np.full(span, np.inf)))
    view = sliding_window_view(padded, span)[arrivals]
    if int(widths.min()) != span:
        view = np.where(np.arange(span)[None, :] < widths[:, None], view, np.inf)
    if decide is None:
        if length == span:
            return view.sum(axis=1)  # type: ignore[no-any-return]
        return np.partition(view, length - 1, axis=1)[:, :length].sum(axis=1)  # type: ignore[no-any-return]
    chosen = np.argpartition(view, length - 1, axis=1)[:, :length]
    true_padded = np.concatenate((ci, np.zeros(span)))
    true_view = sliding_window_view(true_padded, span)[arrivals]
    return np.take_along_axis(true_view, chosen, axis=1).sum(axis=1)  # type: ignore[no-any-return]
