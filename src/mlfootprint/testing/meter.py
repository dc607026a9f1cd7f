"""``FakeMeter``: a meter whose energy follows a power trace on the injected clock."""

from __future__ import annotations

from collections.abc import Callable

from mlfootprint.testing.clock import FakeClock

__all__ = ["FakeMeter"]


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
