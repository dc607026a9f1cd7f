"""Bounded sample storage: older samples folded into fixed-width aggregates, recent ones kept whole.

A meter's samples are cumulative energy readings, so folding a stretch of them into one aggregate loses
no energy: the aggregate keeps the first and last cumulative reading of its interval (the energy of the
interval is the difference from the previous aggregate's last reading), the number of samples, and the
minimum, mean and maximum of the sample powers. The run's total energy stays in its components (the
counters), exact at any resolution.

At each flush the tracker passes a ``Compaction``: every sample older than ``before_s`` (rounded down
to a whole aggregate) moves into ``sample_aggregates``, inside the flush's transaction. Only samples
that crossed the boundary since the previous flush are touched, so a flush costs O(new samples)
whatever the length of the run. See ``docs/store.md``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from mlfootprint.errors import InvalidValueError

__all__ = [
    "DEFAULT_AGGREGATE_S",
    "DEFAULT_KEEP_SAMPLES",
    "Compaction",
    "SampleAggregate",
    "compact",
    "compaction_for",
    "parse_keep_samples",
]

#: samples per meter kept at full resolution by default (2.8 hours at the default 1 s interval)
DEFAULT_KEEP_SAMPLES = 10_000
#: the width of one aggregate by default (5 minutes: 8,640 points per meter for a 30-day run)
DEFAULT_AGGREGATE_S = 300.0


@dataclass(frozen=True, slots=True, kw_only=True)
class Compaction:
    """Fold the samples of ``meter_ids`` older than ``before_s`` into aggregates ``width_s`` wide.

    ``after_s`` is where the previous compaction stopped (its ``boundary_s``): only samples from there on
    are looked at. On PostgreSQL the rows deleted by earlier compactions stay in the index until a
    vacuum, and a scan from the start of the run would walk all of them at every flush.
    """

    meter_ids: tuple[str, ...]
    before_s: float
    width_s: float = DEFAULT_AGGREGATE_S
    after_s: float = 0.0

    @property
    def boundary_s(self) -> float:
        """``before_s`` rounded down to a whole aggregate: samples before it are folded."""
        return math.floor(self.before_s / self.width_s) * self.width_s


@dataclass(frozen=True, slots=True, kw_only=True)
class SampleAggregate:
    """The samples of one meter in ``[t_s, t_s + width_s)``, folded (see the module docstring).

    ``energy_j_first`` / ``energy_j_last`` are the cumulative readings of the first and last sample in
    the interval; the energy used up to the end of this aggregate since the end of the previous one is
    ``energy_j_last`` minus the previous aggregate's ``energy_j_last``.
    """

    meter_id: str
    t_s: float
    width_s: float
    first_t_s: float
    last_t_s: float
    samples: int
    energy_j_first: float
    energy_j_last: float
    power_w_min: float | None
    power_w_mean: float | None
    power_w_max: float | None


def parse_keep_samples(value: object) -> int | None:
    """``"all"`` or None -> None (keep every sample); a positive whole number -> itself.

    Raises:
        InvalidValueError: anything else.
    """
    if value is None or (isinstance(value, str) and value.strip().lower() == "all"):
        return None
    try:
        number = int(str(value).strip())
    except ValueError:
        raise InvalidValueError("keep_samples", value, "must be 'all' or a whole number of samples") from None
    if number < 1:
        raise InvalidValueError("keep_samples", value, "must be 'all' or at least 1")
    return number


def compaction_for(
    meter_ids: Sequence[str], *, before_s: float, width_s: float = DEFAULT_AGGREGATE_S, after_s: float = 0.0
) -> Compaction | None:
    """The compaction that folds samples in ``[after_s, before_s)`` rounded down to whole aggregates
    (None when no new whole aggregate is due)."""
    plan = Compaction(meter_ids=tuple(meter_ids), before_s=before_s, width_s=width_s, after_s=after_s)
    if plan.boundary_s <= max(0.0, after_s):
        return None
    return plan


def _bucket(dialect_name: str, column: str) -> str:
    if dialect_name == "sqlite":
        return f"CAST({column} / ? AS INTEGER)"  # t_s >= 0: truncation is floor
    return f"FLOOR({column} / ?)"


def _least(a: str, b: str, op: str) -> str:
    return f"CASE WHEN {a} IS NULL THEN {b} WHEN {b} IS NULL THEN {a} WHEN {a} {op} {b} THEN {a} ELSE {b} END"


def _upsert_sql(dialect_name: str) -> str:
    old, new = "sample_aggregates", "excluded"
    n_old, n_new = f"{old}.power_samples", f"{new}.power_samples"
    mean = (
        f"CASE WHEN {n_old} + {n_new} = 0 THEN NULL ELSE "
        f"(COALESCE({old}.power_w_mean, 0) * {n_old} + COALESCE({new}.power_w_mean, 0) * {n_new}) "
        f"/ ({n_old} + {n_new}) END"
    )
    bucket = _bucket(dialect_name, "t_s")
    return (
        "INSERT INTO sample_aggregates (run_id, meter_id, t_s, width_s, first_t_s, last_t_s, samples, "
        "energy_j_first, energy_j_last, power_samples, power_w_min, power_w_mean, power_w_max) "
        f"SELECT run_id, meter_id, {bucket} * ?, ?, MIN(t_s), MAX(t_s), COUNT(*), MIN(energy_j), "
        "MAX(energy_j), COUNT(power_w), MIN(power_w), AVG(power_w), MAX(power_w) FROM samples "
        "WHERE run_id = ? AND meter_id = ? AND t_s >= ? AND t_s < ? GROUP BY 1, 2, 3 "
        "ON CONFLICT (run_id, meter_id, t_s) DO UPDATE SET "
        f"first_t_s = {_least(f'{old}.first_t_s', f'{new}.first_t_s', '<')}, "
        f"last_t_s = {_least(f'{old}.last_t_s', f'{new}.last_t_s', '>')}, "
        f"samples = {old}.samples + {new}.samples, "
        f"energy_j_first = {_least(f'{old}.energy_j_first', f'{new}.energy_j_first', '<')}, "
        f"energy_j_last = {_least(f'{old}.energy_j_last', f'{new}.energy_j_last', '>')}, "
        f"power_w_mean = {mean}, "
        f"power_samples = {n_old} + {n_new}, "
        f"power_w_min = {_least(f'{old}.power_w_min', f'{new}.power_w_min', '<')}, "
        f"power_w_max = {_least(f'{old}.power_w_max', f'{new}.power_w_max', '>')}"
    )


def compact(conn: Any, dialect: Any, run_id: str, plan: Compaction) -> None:
    """Fold the run's samples before ``plan.boundary_s`` into aggregates (inside the caller's transaction).

    The samples index ``(run_id, meter_id, t_s)`` makes both statements range scans over exactly the
    samples being folded: the ones folded at earlier flushes are already gone.
    """
    boundary = plan.boundary_s
    if boundary <= 0:
        return
    upsert = dialect.sql(_upsert_sql(dialect.name))
    delete = dialect.sql("DELETE FROM samples WHERE run_id = ? AND meter_id = ? AND t_s >= ? AND t_s < ?")
    w, after = plan.width_s, plan.after_s
    for meter_id in plan.meter_ids:
        conn.execute(upsert, (w, w, w, run_id, meter_id, after, boundary))
        conn.execute(delete, (run_id, meter_id, after, boundary))
