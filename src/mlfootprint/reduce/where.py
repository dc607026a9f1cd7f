"""Where to run: spatial shifting across zones (pure NumPy on a ``SeriesSet``).

* **one migration**: move every zone's load to the zone with the lowest mean; reduction
  ``mean_r(mean_t CI) - min_r(mean_t CI)``.
* **infinite migration**: move every hour to that hour's cleanest zone; reduction
  ``mean_r mean_t (CI_r,t - min_r' CI_r',t)``.
* **per-job best region**: for each job, the candidate zone (and start, with slack) that emits least.

All in gCO2e/kWh (Sukprasert et al., EuroSys 2024).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mlfootprint.errors import InvalidValueError, UnknownNameError
from mlfootprint.intensity.base import SeriesSet
from mlfootprint.intensity.zones import read_zone_groups
from mlfootprint.reduce.shifting import deferral

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    FloatArray = NDArray[np.float64]
    IntArray = NDArray[np.int64]
else:
    FloatArray = Any
    IntArray = Any

__all__ = [
    "RegionChoice",
    "WhereSummary",
    "best_regions",
    "read_zone_groups",
    "select_group",
    "where_summary",
]


@dataclass(frozen=True, slots=True, kw_only=True)
class WhereSummary:
    """Spatial-shifting potential of a set of zones (all in gCO2e/kWh)."""

    zones: tuple[str, ...]
    mean_g_per_kwh: float
    lowest_zone: str
    lowest_g_per_kwh: float
    highest_zone: str
    highest_g_per_kwh: float
    one_migration_reduction_g_per_kwh: float
    infinite_migration_reduction_g_per_kwh: float
    series_source: str
    series_sha256: str


def where_summary(series: SeriesSet, zones: Sequence[str] | None = None) -> WhereSummary:
    """Compare zones over the whole series (each zone's mean, one and infinite migration).

    Raises:
        UnknownNameError: a zone is not in the series.
        InvalidValueError: no zones were given.
    """
    import numpy as np

    chosen = series if zones is None else series.subset(zones)
    if not chosen.zones:
        raise InvalidValueError("zones", list(zones or []), "must name at least one zone")
    matrix = chosen.values_g_per_kwh
    means = matrix.mean(axis=0)
    low = int(np.argmin(means))
    high = int(np.argmax(means))
    overall = float(means.mean())
    hourly_min = matrix.min(axis=1)
    return WhereSummary(
        zones=chosen.zones,
        mean_g_per_kwh=overall,
        lowest_zone=chosen.zones[low],
        lowest_g_per_kwh=float(means[low]),
        highest_zone=chosen.zones[high],
        highest_g_per_kwh=float(means[high]),
        one_migration_reduction_g_per_kwh=overall - float(means[low]),
        infinite_migration_reduction_g_per_kwh=overall - float(hourly_min.mean()),
        series_source=series.source,
        series_sha256=series.sha256,
    )


@dataclass(frozen=True, slots=True, kw_only=True, eq=False)
class RegionChoice:
    """Per job: the best zone, its start slot and emissions, and the emissions at home.

    Attributes:
        zone_index: index into ``zones`` of the chosen zone per job.
        start: chosen start slot per job.
        emissions: intensity × slots in the chosen zone.
        home_emissions: intensity × slots at arrival in the home zone (the first candidate).
        zones: the candidate zones, home first.
    """

    zone_index: IntArray
    start: IntArray
    emissions: FloatArray
    home_emissions: FloatArray
    zones: tuple[str, ...]


def best_regions(
    series: SeriesSet, candidates: Sequence[str], *, arrivals: IntArray, length: int, slack: int = 0
) -> RegionChoice:
    """Best candidate zone for each job of ``length`` slots (optionally deferred up to ``slack``).

    The first candidate is the home zone; its baseline (start at arrival) is ``home_emissions``.
    """
    import numpy as np

    if not candidates:
        raise InvalidValueError("candidates", [], "must name at least one zone")
    chosen = series.subset(candidates)
    arrivals = np.asarray(arrivals, dtype=np.int64)
    n = chosen.times_s.shape[0]
    last_start = np.minimum(arrivals + slack, n - length)
    starts = np.empty((len(chosen.zones), arrivals.shape[0]), dtype=np.int64)
    emissions = np.empty((len(chosen.zones), arrivals.shape[0]))
    for k in range(len(chosen.zones)):
        starts[k], emissions[k] = deferral(chosen.values_g_per_kwh[:, k], arrivals, length, last_start)
    best = np.argmin(emissions, axis=0)
    cols = np.arange(arrivals.shape[0])
    home = deferral(chosen.values_g_per_kwh[:, 0], arrivals, length, arrivals)[1]
    return RegionChoice(
        zone_index=best,
        start=starts[best, cols],
        emissions=emissions[best, cols],
        home_emissions=home,
        zones=chosen.zones,
    )


def select_group(groups: dict[str, tuple[str, ...]], name: str) -> tuple[str, ...]:
    """The zones of a group by name (case-insensitive), else ``UnknownNameError``."""
    for group, zones in groups.items():
        if group.lower() == name.strip().lower():
            return zones
    raise UnknownNameError("zone group", name, groups)
