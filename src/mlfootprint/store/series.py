"""Reading a run's power over time at a bounded number of points, from samples and aggregates alike.

Samples hold cumulative energy, so a run's curve is downsampled by keeping, per meter and per time
bucket, the last cumulative reading: the energy between two kept points is exact, and dE/dt between
them is the true mean power of that stretch. The bucketing is done by the database (``GROUP BY`` the
bucket), so a plot of a 10^6-sample run moves a few thousand rows, not a million.
"""

from __future__ import annotations

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


def downsampled_samples(
    q: Any, dialect_name: str, run_id: str, *, span_s: float, max_points: int, meter_id: str | None = None
) -> dict[str, list[tuple[float, float]]]:
    """Per meter, ``(t_s, cumulative energy_j)`` points: each meter's first reading, then the last one of
    each of at most ``max_points`` buckets, from the stored samples and the aggregates of older ones.

    ``q(sql, params)`` runs a query (``?`` placeholders) and returns its rows.
    """
    width = max(span_s, 1e-9) / max(1, max_points)
    meter_sql, meter_params = ("", []) if meter_id is None else (" AND meter_id = ?", [meter_id])
    bucket = _bucket(dialect_name, "t_s")
    points: dict[str, dict[int, tuple[float, float]]] = {}
    firsts: dict[str, tuple[float, float]] = {}
    queries = (
        (
            f"SELECT meter_id, {bucket}, MIN(first_t_s), MIN(energy_j_first), MAX(last_t_s), "
            f"MAX(energy_j_last) FROM sample_aggregates WHERE run_id = ?{meter_sql} "
            "GROUP BY 1, 2"
        ),
        (
            f"SELECT meter_id, {bucket}, MIN(t_s), MIN(energy_j), MAX(t_s), MAX(energy_j) "
            f"FROM samples WHERE run_id = ?{meter_sql} GROUP BY 1, 2"
        ),
    )
    for sql in queries:
        for meter, b, t_first, e_first, t_last, e_last in q(sql, [width, run_id, *meter_params]):
            key = int(b)
            per = points.setdefault(meter, {})
            old = per.get(key)
            if old is None or t_last > old[0]:
                per[key] = (float(t_last), float(e_last))
            first = firsts.get(meter)
            if first is None or t_first < first[0]:
                firsts[meter] = (float(t_first), float(e_first))
    out: dict[str, list[tuple[float, float]]] = {}
    for meter, per in points.items():
        series = [per[k] for k in sorted(per)]
        first = firsts[meter]
        if series and first[0] < series[0][0]:
            series.insert(0, first)
        out[meter] = series
    return out


def points_to_samples(
    points: dict[str, list[tuple[float, float]]], *, started_at: datetime
) -> list[Sample]:
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
