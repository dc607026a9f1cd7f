"""Deadline rules for job traces (vectorised over epoch seconds, UTC)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    IntArray = NDArray[np.int64]
else:
    IntArray = Any

__all__ = ["next_workday_deadline_s"]

_DAY = 86400
_NINE = 9 * 3600


def next_workday_deadline_s(finish_s: IntArray) -> IntArray:
    """The "next workday" deadline of Wiesner et al. 2021 for each original finish time.

    A job that would finish (if started at arrival) on a Saturday may finish by Monday 09:00; on a
    Sunday or after 17:00, by 09:00 the next day; before 09:00, by 09:00 the same day; otherwise it
    has no flexibility (its deadline is its finish). Note that a Friday-evening finish gives a
    Saturday 09:00 deadline, as in the original rule.
    """
    import numpy as np

    finish = np.asarray(finish_s, dtype=np.int64)
    day_start = finish // _DAY * _DAY
    weekday = (finish // _DAY + 3) % 7  # 1970-01-01 was a Thursday; Monday is 0
    hour = (finish - day_start) / 3600.0
    out: IntArray = np.where(
        weekday == 5,
        day_start + 2 * _DAY + _NINE,
        np.where(
            (weekday == 6) | (hour > 17.0),
            day_start + _DAY + _NINE,
            np.where(hour < 9.0, day_start + _NINE, finish),
        ),
    )
    return out
