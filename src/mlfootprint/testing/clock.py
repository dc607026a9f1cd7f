"""A clock that moves only when told to (stands in for ``mlfootprint.clock.Clock``)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

__all__ = ["FakeClock"]


class FakeClock:
    """A clock that moves only when told to."""

    def __init__(self, start: datetime | None = None, monotonic_s: float = 1000.0) -> None:
        self._start = start or datetime(2022, 6, 1, 12, 0, tzinfo=timezone.utc)
        self._t0 = monotonic_s
        self._t = monotonic_s

    def monotonic(self) -> float:
        return self._t

    def now(self) -> datetime:
        return self._start + timedelta(seconds=self._t - self._t0)

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("a clock does not go backwards")
        self._t += seconds
