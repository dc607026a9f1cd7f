"""Carbon-intensity series: value types, the source protocol, time-weighted resampling.

A series is piecewise constant: value ``i`` holds over ``[times_s[i], times_s[i + 1])`` and the last
value over ``[times_s[-1], times_s[-1] + resolution_s)``. Times are epoch seconds (UTC), values are
gCO2e/kWh. NumPy is imported lazily so that ``import mlfootprint`` stays light.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from mlfootprint.errors import InvalidValueError, SeriesError, UnknownNameError

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    FloatArray = NDArray[np.float64]
    IntArray = NDArray[np.int64]
else:
    FloatArray = Any
    IntArray = Any

__all__ = [
    "IntensitySeries",
    "IntensitySource",
    "SeriesSet",
    "epoch_s",
    "format_utc",
]


def epoch_s(when: datetime) -> float:
    """Seconds since the epoch of an aware datetime (a naive one is read as UTC)."""
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return when.timestamp()


def format_utc(t_s: float) -> str:
    """``2022-01-01T00:00:00Z`` for an epoch second."""
    return datetime.fromtimestamp(t_s, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True, slots=True, kw_only=True, eq=False)
class IntensitySeries:
    """One zone's carbon intensity over time.

    Attributes:
        zone: zone code, e.g. ``"DE"``.
        times_s: start of each interval, epoch seconds (int64, strictly increasing).
        values_g_per_kwh: intensity of each interval in gCO2e/kWh.
        resolution_s: nominal interval length in seconds (the last value holds this long).
        source: where the numbers came from (file name, provider).
        license: the data's licence, e.g. ``"ODbL-1.0"``.
        sha256: SHA-256 of the file the series was read from ("" for live data).
        signal: ``"lca"``, ``"direct"``, ``"average"`` or ``"marginal"``.
        fallback_reason: set when this is a stand-in (annual figure) for an unavailable source.
    """

    zone: str
    times_s: IntArray
    values_g_per_kwh: FloatArray
    resolution_s: float
    source: str
    license: str = "unknown"
    sha256: str = ""
    signal: str = "lca"
    fallback_reason: str | None = None

    def __len__(self) -> int:
        return int(self.times_s.shape[0])

    @property
    def start_s(self) -> float:
        return float(self.times_s[0])

    @property
    def end_s(self) -> float:
        """End of the last interval (exclusive)."""
        return float(self.times_s[-1]) + self.resolution_s

    def index_of(self, t_s: float) -> int:
        """Index of the interval that contains ``t_s`` (``SeriesError`` outside the series)."""
        import numpy as np

        if not self.start_s <= t_s < self.end_s:
            raise SeriesError(
                f"{format_utc(t_s)} is outside the series {self.source} for {self.zone} "
                f"({format_utc(self.start_s)} to {format_utc(self.end_s)})"
            )
        return int(np.searchsorted(self.times_s, t_s, side="right") - 1)

    def _integral(self) -> tuple[FloatArray, FloatArray]:
        import numpy as np

        knots = np.append(self.times_s.astype(np.float64), self.end_s)
        widths = np.diff(knots)
        cumulative = np.concatenate(([0.0], np.cumsum(self.values_g_per_kwh * widths)))
        return knots, cumulative

    def mean_over(
        self, starts_s: Sequence[float] | FloatArray, ends_s: Sequence[float] | FloatArray
    ) -> tuple[FloatArray, FloatArray]:
        """Time-weighted mean intensity over each ``[start, end)``, clipped to the series.

        Returns:
            ``(mean_g_per_kwh, covered_frac)``: the mean over the covered part of each interval
            (NaN where nothing is covered) and the covered fraction of each interval. A zero-length
            interval takes the value at its instant.
        """
        import numpy as np

        a = np.asarray(starts_s, dtype=np.float64)
        b = np.asarray(ends_s, dtype=np.float64)
        if a.shape != b.shape:
            raise InvalidValueError(
                "intervals", f"{a.shape} vs {b.shape}", "starts and ends differ in length"
            )
        if np.any(b < a):
            bad = int(np.argmax(b < a))
            raise InvalidValueError("interval", f"[{a[bad]}, {b[bad]})", "ends before it starts")
        knots, cumulative = self._integral()
        lo = np.clip(a, knots[0], knots[-1])
        hi = np.clip(b, knots[0], knots[-1])
        covered = hi - lo
        integral = np.interp(hi, knots, cumulative) - np.interp(lo, knots, cumulative)
        width = b - a
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = np.where(covered > 0, integral / np.where(covered > 0, covered, 1.0), np.nan)
            frac = np.where(width > 0, covered / np.where(width > 0, width, 1.0), 0.0)
        instant = (width == 0) & (a >= knots[0]) & (a < knots[-1])
        if np.any(instant):
            idx = np.searchsorted(self.times_s, a[instant], side="right") - 1
            mean[instant] = self.values_g_per_kwh[idx]
            frac[instant] = 1.0
        return mean, frac


@dataclass(frozen=True, slots=True, kw_only=True, eq=False)
class SeriesSet:
    """Several zones on one shared time axis (the shape of every series file).

    Attributes:
        zones: zone codes, one per column of ``values_g_per_kwh``.
        times_s: start of each interval, epoch seconds.
        values_g_per_kwh: matrix of shape ``(len(times_s), len(zones))``.
        resolution_s, source, license, sha256, signal: as in ``IntensitySeries``.
    """

    zones: tuple[str, ...]
    times_s: IntArray
    values_g_per_kwh: FloatArray
    resolution_s: float
    source: str
    license: str = "unknown"
    sha256: str = ""
    signal: str = "lca"
    notes: tuple[str, ...] = field(default_factory=tuple)

    def resolve(self, zone: str) -> str:
        """The zone code as spelled in the file (case-insensitive), else ``UnknownNameError``."""
        for known in self.zones:
            if known.lower() == zone.strip().lower():
                return known
        raise UnknownNameError("zone", zone, self.zones)

    def column(self, zone: str) -> FloatArray:
        return self.values_g_per_kwh[:, self.zones.index(self.resolve(zone))]

    def series(self, zone: str) -> IntensitySeries:
        """One zone as an ``IntensitySeries``."""
        code = self.resolve(zone)
        return IntensitySeries(
            zone=code,
            times_s=self.times_s,
            values_g_per_kwh=self.column(code),
            resolution_s=self.resolution_s,
            source=self.source,
            license=self.license,
            sha256=self.sha256,
            signal=self.signal,
        )

    def subset(self, zones: Sequence[str]) -> SeriesSet:
        codes = [self.resolve(z) for z in zones]
        cols = [self.zones.index(c) for c in codes]
        return _replace_values(self, tuple(codes), self.times_s, self.values_g_per_kwh[:, cols])

    def between(self, start_s: float, end_s: float) -> SeriesSet:
        """The rows with ``start_s <= t < end_s``."""
        keep = (self.times_s >= start_s) & (self.times_s < end_s)
        return _replace_values(self, self.zones, self.times_s[keep], self.values_g_per_kwh[keep])

    def aligned(self, step_s: int) -> SeriesSet:
        """Keep only the rows whose time is a multiple of ``step_s`` (e.g. minutes 0 and 30)."""
        import numpy as np

        keep = self.times_s % int(step_s) == 0
        out = _replace_values(self, self.zones, self.times_s[keep], self.values_g_per_kwh[keep])
        steps = np.diff(out.times_s)
        if steps.size and int(steps.max()) > step_s:
            at = int(np.argmax(steps > step_s))
            raise SeriesError(
                f"{self.source}: gap of {int(steps[at])} s after {format_utc(float(out.times_s[at]))} "
                f"on the {step_s} s grid"
            )
        return SeriesSet(
            zones=out.zones,
            times_s=out.times_s,
            values_g_per_kwh=out.values_g_per_kwh,
            resolution_s=float(step_s),
            source=self.source,
            license=self.license,
            sha256=self.sha256,
            signal=self.signal,
            notes=self.notes,
        )


def _replace_values(
    base: SeriesSet, zones: tuple[str, ...], times_s: IntArray, values: FloatArray
) -> SeriesSet:
    return SeriesSet(
        zones=zones,
        times_s=times_s,
        values_g_per_kwh=values,
        resolution_s=base.resolution_s,
        source=base.source,
        license=base.license,
        sha256=base.sha256,
        signal=base.signal,
        notes=base.notes,
    )


@runtime_checkable
class IntensitySource(Protocol):
    """Anything that yields a zone's intensity series over a time range (files, live APIs)."""

    @property
    def name(self) -> str: ...

    def series(self, zone: str, start: datetime, end: datetime) -> IntensitySeries:
        """The series covering ``[start, end)`` as far as the source knows it.

        Raises:
            IntensityError: the source failed (network, API error).
            UnknownNameError: the zone is not served.
        """
        ...
