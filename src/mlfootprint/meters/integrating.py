"""Counter arithmetic and the adapter that turns a power gauge into a cumulative-energy meter.

The pure helpers (``trapezoid_j``, ``counter_delta``) are the arithmetic every backend shares; the
``IntegratingMeter`` integrates a gauge (a callable returning watts) with the trapezoid rule between
consecutive reads. The sampler thread calls ``read_energy_j()`` at every interval, so the integration
step is the sampling interval.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from mlfootprint.clock import Clock
from mlfootprint.errors import MeterError

__all__ = ["IntegratingMeter", "counter_delta", "trapezoid_j"]


def trapezoid_j(power_start_w: float, power_end_w: float, duration_s: float) -> float:
    """Energy in joules of a segment whose power moves linearly from ``power_start_w`` to ``power_end_w``.

    Raises:
        MeterError: a power reading is negative or not finite, or the duration is negative.
    """
    for value in (power_start_w, power_end_w):
        if not math.isfinite(value) or value < 0:
            raise MeterError(f"power reading {value!r} W is not a non-negative number")
    if duration_s < 0 or not math.isfinite(duration_s):
        raise MeterError(f"duration {duration_s!r} s between reads is negative or not finite")
    return 0.5 * (power_start_w + power_end_w) * duration_s


def counter_delta(previous: int, current: int, max_range: int | None) -> int:
    """Increase of a hardware counter from ``previous`` to ``current``, corrected for one wraparound.

    A counter that counts up to ``max_range`` and wraps to 0 (RAPL's ``max_energy_range_uj``) has
    advanced by ``max_range - previous + current`` when ``current < previous``. The caller must read
    at least once per wrap period (minutes to hours for RAPL), which the sampler does.

    Raises:
        MeterError: the counter went backwards and no wrap range is known, or a value is outside it.
    """
    if current >= previous:
        return current - previous
    if max_range is None or max_range <= 0:
        raise MeterError(f"energy counter went backwards ({previous} -> {current}) and has no wrap range")
    if previous > max_range or current < 0:
        raise MeterError(f"energy counter value outside its range 0..{max_range} ({previous} -> {current})")
    return max_range - previous + current


class IntegratingMeter:
    """A cumulative-energy meter built on a power gauge, integrated with the trapezoid rule.

    Args:
        gauge: returns the present power in watts; raises ``MeterError`` on failure.
        clock: the clock whose ``monotonic()`` times the reads.
        meter_id, component, source: as in the ``Meter`` protocol.
        method: ``"sampled-power"`` for a hardware gauge, ``"tdp-utilisation"`` for an estimate.
        is_estimate: whether the gauge is a model rather than a measurement.

    The gauge is read once when the meter is opened, so the first segment starts at the open time.
    """

    def __init__(
        self,
        gauge: Callable[[], float],
        *,
        clock: Clock,
        meter_id: str,
        component: str,
        source: str,
        method: str = "sampled-power",
        is_estimate: bool = False,
    ) -> None:
        self._gauge = gauge
        self._clock = clock
        self._meter_id = meter_id
        self._component = component
        self._source = source
        self._method = method
        self._is_estimate = is_estimate
        self._last_power_w = gauge()
        self._last_t = clock.monotonic()
        self._energy_j = 0.0
        self._closed = False

    @property
    def meter_id(self) -> str:
        return self._meter_id

    @property
    def component(self) -> str:
        return self._component

    @property
    def method(self) -> str:
        return self._method

    @property
    def source(self) -> str:
        return self._source

    @property
    def is_estimate(self) -> bool:
        return self._is_estimate

    @property
    def last_power_w(self) -> float:
        """The power read at the latest ``read_energy_j()`` (or at open)."""
        return self._last_power_w

    def read_energy_j(self) -> float:
        """Read the gauge, add the trapezoid since the previous read, return the cumulative joules."""
        if self._closed:
            raise MeterError(f"meter {self._meter_id} is closed")
        power_w = self._gauge()
        now = self._clock.monotonic()
        if now > self._last_t:
            self._energy_j += trapezoid_j(self._last_power_w, power_w, now - self._last_t)
        self._last_power_w = power_w
        self._last_t = max(now, self._last_t)
        return self._energy_j

    def energy_bounds_j(self) -> tuple[float, float]:
        """Low and high cumulative energy at the latest read (equal: no model uncertainty here)."""
        return (self._energy_j, self._energy_j)

    def close(self) -> None:
        self._closed = True
