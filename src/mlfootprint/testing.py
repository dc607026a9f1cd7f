"""Public fakes for tests of code that uses mlfootprint (and for mlfootprint's own tests).

``FakeClock`` stands in for the clock; ``FakeMeter`` is a meter whose energy follows a power trace.
Hardware fakes (``FakeNVML``, ``make_rapl_zone``) live beside them.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, timezone

__all__ = ["FakeClock", "FakeMeter"]


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


class FakeMeter:
    """A meter whose power follows ``power_w(t)`` exactly (integrated analytically by the caller's clock).

    Energy is ``power_w`` x elapsed clock time, accumulated at each read (rectangle rule on the power at
    the read time when ``power_w`` is a callable of clock seconds since open).
    """

    def __init__(
        self,
        clock: FakeClock,
        *,
        meter_id: str = "fake:0",
        component: str = "gpu",
        method: str = "counter",
        power_w: float | Callable[[float], float] = 100.0,
        is_estimate: bool = False,
        source: str = "fake meter",
    ) -> None:
        self._clock = clock
        self._opened = clock.monotonic()
        self._last = self._opened
        self._energy_j = 0.0
        self._power = power_w
        self.meter_id = meter_id
        self.component = component
        self.method = method
        self.is_estimate = is_estimate
        self.source = source
        self.closed = False
        self.reads = 0

    def _power_at(self, t_s: float) -> float:
        return self._power(t_s) if callable(self._power) else float(self._power)

    def read_energy_j(self) -> float:
        now = self._clock.monotonic()
        if now > self._last:
            self._energy_j += self._power_at(self._last - self._opened) * (now - self._last)
            self._last = now
        self.reads += 1
        return self._energy_j

    def close(self) -> None:
        self.closed = True
