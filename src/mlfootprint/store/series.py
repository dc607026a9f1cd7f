"""Reading a run's power over time at a bounded number of points, from samples and aggregates alike.

Samples hold cumulative energy, so a run's curve is downsampled by keeping, per meter and per time
bucket, the last cumulative reading: the energy between two kept points is exact, and dE/dt between
them is the true mean power of that stretch. The database does the work: aggregates are bucketed with
``GROUP BY``, and samples are picked by one index seek per point, so a plot of a 10^6-sample run reads
a few thousand rows, not a million.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from mlfootprint.records import Sample

__all__ = ["DEFAULT_MAX_POINTS", "downsampled_samples", "points_to_samples"]

#: points per meter a plot asks for by default
DEFAULT_MAX_POINTS = 2000


def _bucket(dialect_name: str, column: str) -> str:
    if dialect_name == "sqlite":
        return f"CAST({column} / ? AS INTEGER)"
    return f"FLOOR({column} / ?)"


_SAMPLE_ENDS = (
    "WITH RECURSIVE b(k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM b WHERE k < ?), "
    "ends(t) AS (SELECT DISTINCT (SELECT t_s FROM samples WHERE run_id = ? AND meter_id = ? "
    "AND t_s <= ? + k * ? ORDER BY t_s DESC LIMIT 1) FROM b) "
    # CROSS JOIN fixes SQLite's join order: each end point is one key lookup in samples
    "SELECT s.t_s, s.energy_j FROM ends CROSS JOIN samples s "
    "WHERE s.run_id = ? AND s.meter_id = ? AND s.t_s = ends.t ORDER BY s.t_s"
)


def _sample_points(q: Any, run_id: str, meter_id: str, max_points: int) -> list[tuple[float, float]]:
    """The first sample of a meter, then the last one at or before each of ``max_points`` even steps.

    Each step is one seek in the ``(run_id, meter_id, t_s)`` key (the last ``t_s`` below a bound), so the
    cost is O(max_points x log n), not O(n): a 10^6-sample meter reads ``max_points`` rows.
    """
    ends = [
        q(
            f"SELECT t_s FROM samples WHERE run_id = ? AND meter_id = ? ORDER BY t_s {order} LIMIT 1",
            [run_id, meter_id],
        )
        for order in ("ASC", "DESC")  # two seeks (MIN and MAX in one query would scan every row)
    ]
    if not ends[0]:
        return []
    t_first, t_last = float(ends[0][0][0]), float(ends[1][0][0])
    width = (t_last - t_first) / max(1, max_points)
    rows = q(
        "SELECT t_s, energy_j FROM samples WHERE run_id = ? AND meter_id = ? AND t_s IN (?, ?)",
        [run_id, meter_id, t_first, t_last],
    )
    if width > 0:
        rows += q(_SAMPLE_ENDS, [max_points, run_id, meter_id, t_first, width, run_id, meter_id])
    return sorted({float(t): (float(t), float(e)) for t, e in rows}.values())


def downsampled_samples(
    q: Any,
    dialect_name: str,
    run_id: str,
    *,
    span_s: float,
    max_points: int,
    meter_ids: Sequence[str],
) -> dict[str, list[tuple[float, float]]]:
    """Per meter, ``(t_s, cumulative energy_j)`` points: the first reading, then about ``max_points``
    evenly spread ones from the aggregates of older samples (the last reading of each time bucket) and
    as many from the samples kept whole.

    ``q(sql, params)`` runs a query (``?`` placeholders) and returns its rows.
    """
    width = max(span_s, 1e-9) / max(1, max_points)
    bucket = _bucket(dialect_name, "t_s")
    out: dict[str, list[tuple[float, float]]] = {}
    for meter in meter_ids:
        points: dict[float, tuple[float, float]] = {}
        rows = q(
            f"SELECT {bucket}, MIN(first_t_s), MIN(energy_j_first), MAX(last_t_s), MAX(energy_j_last) "
            "FROM sample_aggregates WHERE run_id = ? AND meter_id = ? GROUP BY 1 ORDER BY 1",
            [width, run_id, meter],
        )
        for i, (_, t_first, e_first, t_last, e_last) in enumerate(rows):
            if i == 0:
                points[float(t_first)] = (float(t_first), float(e_first))
            points[float(t_last)] = (float(t_last), float(e_last))
        for t_s, energy_j in _sample_points(q, run_id, meter, max_points):
            points[t_s] = (t_s, energy_j)
        if points:
            out[meter] = [points[t] for t in sorted(points)]
    return out


def points_to_samples(points: dict[str, list[tuple[float, float]]], *, started_at: datetime) -> list[Sample]:
    """``Sample`` records (power = dE/dt since the previous point) in time order, then by meter."""
    out: list[Sample] = []
    for meter, series in points.items():
        prev: tuple[float, float] | None = None
        for t_s, energy_j in series:
            power = None
            if prev is not None and t_s > prev[0]:
                power = (energy_j - prev[1]) / (t_s - prev[0])
            out.append(
                Sample(
                    meter_id=meter,
                    at=started_at + timedelta(seconds=t_s),
                    t_s=t_s,
                    energy_j=energy_j,
                    power_w=power,
                )
            )
            prev = (t_s, energy_j)
    out.sort(key=lambda s: (s.t_s, s.meter_id))
    return out
