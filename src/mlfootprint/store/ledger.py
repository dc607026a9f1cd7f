# size: the ledger is one class over shared SQL for both databases; its methods are its API
"""The run ledger: one class over shared SQL, for SQLite and PostgreSQL alike."""

from __future__ import annotations

import math
import threading
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any, TypeVar

from mlfootprint.bounds import LIMIT
from mlfootprint.clock import Clock
from mlfootprint.errors import InvalidValueError, RunNotFoundError, StoreError
from mlfootprint.records import ComponentEnergy, MetricValue, PhaseRecord, RunRecord, Sample, WorkCounts
from mlfootprint.serialize import RUN_STATUSES
from mlfootprint.store.dialect import Dialect, one_line
from mlfootprint.store.liveness import with_effective_status
from mlfootprint.store.rows import (
    MalformedRowError,
    MalformedRowWarning,
    component_from_row,
    phase_from_row,
    run_from_row,
)
from mlfootprint.store.schema import current_version, migrate
from mlfootprint.store.series import DEFAULT_MAX_POINTS, downsampled_samples, points_to_samples
from mlfootprint.store.sql import (
    CHUNK,
    COMPONENT_COLUMNS,
    INSERT_PHASE,
    INSERT_SAMPLE,
    PHASE_COLUMNS,
    RUN_COLUMNS,
    SELECT_RUNS,
    TIME_COLUMNS,
    UPSERT_COMPONENT,
    UPSERT_RUN,
    to_json,
)
from mlfootprint.store.work_sql import WORK_TABLES, read_work, write_work

if TYPE_CHECKING:  # compaction loads once a run's recent window is full; the group sums for summary
    from mlfootprint.store.compaction import Compaction, SampleAggregate
    from mlfootprint.sums import GroupSums

__all__ = ["MIN_PREFIX_LENGTH", "SQLStore"]

T = TypeVar("T")

#: the shortest id prefix that ``get_run`` accepts in place of a whole id
MIN_PREFIX_LENGTH = 6


class SQLStore:
    """A run ledger in SQLite or PostgreSQL (see ``mlfootprint.store.open_store``).

    Thread-safe (one connection, used under a lock). Write conflicts with other processes are retried
    with jittered back-off until ``timeout_s`` has passed, then ``StoreError`` is raised.
    """

    def __init__(self, *, display_url: str, dialect: Dialect, clock: Clock, timeout_s: float) -> None:
        self.url = display_url
        self.backend = dialect.name
        self._dialect = dialect
        self._clock = clock
        self._timeout_s = timeout_s
        self._lock = threading.Lock()
        self._conn: Any = None
        #: what readers skipped as malformed, one message each (also issued as ``MalformedRowWarning``)
        self.malformed: list[str] = []
        self._conn = self._retry("open", lambda: dialect.connect(), connected=False)
        try:
            self._retry("migrate", lambda: migrate(dialect, self._conn, display=self.url, now=clock.now()))
        except BaseException:
            self.close()
            raise

    # -- plumbing -------------------------------------------------------------------------------------

    def _retry(self, what: str, fn: Callable[[], T], *, connected: bool = True) -> T:
        if connected and self._conn is None:
            raise StoreError(f"run ledger {self.url} is closed")
        deadline = time.monotonic() + self._timeout_s
        attempt = 0
        while True:
            attempt += 1
            try:
                with self._lock:
                    return fn()
            except self._dialect.error_types as exc:
                transient = self._dialect.is_transient(exc)
                if transient and time.monotonic() < deadline:
                    import random  # only when the ledger is busy

                    time.sleep(min(0.25, 0.005 * 2**attempt) * random.uniform(0.5, 1.5))
                    continue
                hint = f" (still busy after {attempt} attempts in {self._timeout_s:g} s)" if transient else ""
                raise StoreError(f"cannot {what} run ledger {self.url}: {one_line(exc)}{hint}") from None

    def _q(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        rows: list[tuple[Any, ...]] = self._conn.execute(self._dialect.sql(sql), tuple(params)).fetchall()
        return rows

    def _many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        if rows:
            self._conn.cursor().executemany(self._dialect.sql(sql), [tuple(r) for r in rows])

    # -- writing --------------------------------------------------------------------------------------

    def save(
        self,
        run: RunRecord,
        samples: Sequence[Sample] = (),
        *,
        phases_from: int = 0,
        compaction: Compaction | None = None,
    ) -> None:
        """Upsert the run (totals so far, status, heartbeat, components, phases) and append ``samples``.

        One transaction: after a crash the ledger holds either the previous flush or this one, whole.
        Saving the same run and samples again changes nothing (samples are keyed by run, meter and t_s).

        Args:
            run: the run as it stands.
            samples: new samples.
            phases_from: how many of ``run.phases`` are already stored unchanged (a tracker's earlier
                flushes): only the phases from that position on are written, so a flush costs O(new).
            compaction: fold the samples older than its boundary into aggregates (bounded storage).
        """
        if run.status not in RUN_STATUSES:
            raise InvalidValueError("status", run.status, f"must be one of {', '.join(RUN_STATUSES)}")
        d = self._dialect
        values: dict[str, Any] = {c: getattr(run, c, None) for c in RUN_COLUMNS}
        for column in TIME_COLUMNS:
            values[column] = d.to_db_time(values[column])
        values["tags_json"] = to_json(dict(run.tags), "tags")
        values["command_json"] = to_json(list(run.command), "command")
        values["assumptions_json"] = to_json(
            [{"name": a.name, "value": a.value, "unit": a.unit, "source": a.source} for a in run.assumptions],
            "assumptions",
        )
        values["extra_json"] = to_json(dict(run.extra), "extra")
        run_row = [values[c] for c in RUN_COLUMNS]
        component_rows = [
            (
                run.id,
                i,
                c.meter_id,
                c.component,
                c.source,
                c.method,
                int(c.is_estimate),
                c.energy_j,
                c.energy_j_low,
                c.energy_j_high,
            )
            for i, c in enumerate(run.components)
        ]
        phase_rows = [
            (
                run.id,
                i,
                p.name,
                p.parent,
                d.to_db_time(p.started_at),
                d.to_db_time(p.ended_at),
                p.duration_s,
                p.energy_j,
                to_json(dict(p.components), "phase components"),
            )
            for i, p in enumerate(run.phases[phases_from:], start=phases_from)
        ]
        sample_rows = [
            (run.id, s.meter_id, s.t_s, d.to_db_time(s.at), s.energy_j, s.power_w) for s in samples
        ]

        def write() -> None:
            with d.transaction(self._conn, write=True):
                self._conn.execute(d.sql(UPSERT_RUN), run_row)
                self._conn.execute(
                    d.sql("DELETE FROM components WHERE run_id = ? AND position >= ?"),
                    (run.id, len(component_rows)),
                )
                self._conn.execute(
                    d.sql("DELETE FROM phases WHERE run_id = ? AND position >= ?"), (run.id, phases_from)
                )
                self._many(UPSERT_COMPONENT, component_rows)
                self._many(INSERT_PHASE, phase_rows)
                self._many(INSERT_SAMPLE, sample_rows)
                write_work(self._conn.execute, self._many, d.sql, run)
                if compaction is not None:
                    from mlfootprint.store.compaction import compact

                    compact(self._conn, d, run.id, compaction)

        self._retry("write to", write)

    def delete_run(self, run_id: str) -> str:
        """Delete a run with its components, phases and samples; return its full id."""

        def delete() -> str:
            with self._dialect.transaction(self._conn, write=True):
                full = self._resolve(run_id)
                for table in ("samples", "sample_aggregates", "phases", "components", *WORK_TABLES):
                    self._conn.execute(self._dialect.sql(f"DELETE FROM {table} WHERE run_id = ?"), (full,))
                self._conn.execute(self._dialect.sql("DELETE FROM runs WHERE id = ?"), (full,))
                return full

        return self._retry("delete from", delete)

    # -- reading --------------------------------------------------------------------------------------

    def _resolve(self, run_id: str) -> str:
        """The full id of ``run_id``: an id, ``last``/``last~N``, a unique part of an id, or a name."""
        if self._q("SELECT id FROM runs WHERE id = ?", (run_id,)):
            return run_id
        from mlfootprint.store.runref import resolve_run_ref

        rows = self._q("SELECT id, project, name FROM runs ORDER BY started_at DESC, id DESC LIMIT 20000")
        refs = [(str(r[0]), str(r[1]), str(r[2])) for r in rows]
        return resolve_run_ref(run_id, refs, ledger=self.url)

    def _build(self, rows: list[tuple[Any, ...]], *, skip_malformed: bool = True) -> list[RunRecord]:
        """Runs from ``runs`` rows; a malformed row is skipped (with ``MalformedRowWarning``) or raised."""
        d = self._dialect
        ids = [str(r[0]) for r in rows]
        components: dict[str, list[ComponentEnergy]] = {i: [] for i in ids}
        phases: dict[str, list[PhaseRecord]] = {i: [] for i in ids}
        bad: dict[str, MalformedRowError] = {}
        work: dict[str, list[WorkCounts]] = {}
        metrics: dict[str, list[MetricValue]] = {}
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start : start + CHUNK]
            marks = ", ".join("?" * len(chunk))
            chunk_work, chunk_metrics = read_work(self._q, chunk, bad)
            work.update(chunk_work)
            metrics.update(chunk_metrics)
            for r in self._q(
                f"SELECT run_id, {', '.join(COMPONENT_COLUMNS)} FROM components "
                f"WHERE run_id IN ({marks}) ORDER BY run_id, position",
                chunk,
            ):
                if r[0] not in components:
                    continue  # a damaged key: the row belongs to no run asked for
                try:
                    components[r[0]].append(component_from_row(r[0], r))
                except MalformedRowError as exc:
                    bad.setdefault(r[0], exc)
            for r in self._q(
                f"SELECT run_id, {', '.join(PHASE_COLUMNS)} FROM phases "
                f"WHERE run_id IN ({marks}) ORDER BY run_id, position",
                chunk,
            ):
                if r[0] not in phases:
                    continue
                try:
                    phases[r[0]].append(phase_from_row(r[0], r, d.from_db_time))
                except MalformedRowError as exc:
                    bad.setdefault(r[0], exc)
        now = self._clock.now()
        runs = []
        for row in rows:
            v = dict(zip(RUN_COLUMNS, row, strict=True))
            rid = str(v["id"])
            try:
                if rid in bad:
                    raise bad[rid]
                run = run_from_row(
                    v, components=tuple(components[rid]), phases=tuple(phases[rid]), parse_time=d.from_db_time
                )
                if work.get(rid) or metrics.get(rid):
                    run = replace(run, work=tuple(work[rid]), metrics=tuple(metrics[rid]))
            except MalformedRowError as exc:
                if not skip_malformed:
                    raise
                self.malformed.append(str(exc))
                warnings.warn(str(exc), MalformedRowWarning, stacklevel=3)
                continue
            runs.append(with_effective_status(run, now=now))
        return runs

    def get_run(self, run_id: str) -> RunRecord:
        """The run with this id or unique id prefix (at least 6 characters).

        Raises:
            RunNotFoundError: no such run (the message names the closest ids), or an ambiguous prefix.
        """

        def read() -> RunRecord:
            with self._dialect.transaction(self._conn, write=False):
                full = self._resolve(run_id)
                return self._build(self._q(f"{SELECT_RUNS} WHERE id = ?", (full,)), skip_malformed=False)[0]

        return self._retry("read", read)

    def list_runs(self, *, project: str | None = None, limit: int | None = None) -> list[RunRecord]:
        """Runs, newest first, optionally of one project and at most ``limit`` of them."""
        sql, params = SELECT_RUNS, list[Any]()
        if project is not None:
            sql += " WHERE project = ?"
            params.append(project)
        sql += " ORDER BY started_at DESC, id DESC"
        if limit is not None:
            sql += " LIMIT ?"
            params.append(int(LIMIT.check(limit, "limit")))

        def read() -> list[RunRecord]:
            with self._dialect.transaction(self._conn, write=False):
                return self._build(self._q(sql, params))

        return self._retry("read", read)

    def job_runs(self, job_id: str) -> list[RunRecord]:
        """The runs (one per rank) of the job with this id or unique id prefix, by node then rank.

        An empty list when no job matches (the caller then tries a run id); an ambiguous prefix raises
        ``RunNotFoundError`` naming the jobs it matches.
        """

        def read() -> list[RunRecord]:
            with self._dialect.transaction(self._conn, write=False):
                rows = self._q(f"{SELECT_RUNS} WHERE job_id = ? ORDER BY node, rank, started_at", (job_id,))
                if rows or len(job_id) < MIN_PREFIX_LENGTH:
                    return self._build(rows)
                found = self._q(
                    "SELECT DISTINCT job_id FROM runs WHERE substr(job_id, 1, ?) = ? ORDER BY job_id LIMIT 6",
                    (len(job_id), job_id),
                )
                if len(found) > 1:
                    names = ", ".join(str(r[0]) for r in found[:5])
                    raise RunNotFoundError(f"job id prefix {job_id!r} is ambiguous: it matches {names}")
                if not found:
                    return []
                full = str(found[0][0])
                return self._build(
                    self._q(f"{SELECT_RUNS} WHERE job_id = ? ORDER BY node, rank, started_at", (full,))
                )

        return self._retry("read", read)

    def group_sums(
        self, *, project: str | None = None, by: str | None = None
    ) -> tuple[list[GroupSums], list[RunRecord]]:
        """Totals per group of runs (project, name, day, job or ``tag:KEY``), summed by the database.

        Returns the sums of the runs the database vouches for (see ``store.totals``), and the other runs
        of the selection built as records (a malformed one skipped, as ``list_runs`` skips it), for the
        caller to add (``report.group_totals.sums_of_runs``).
        """
        from mlfootprint.store.totals import group_sums  # summary's: not on a tracked run's path

        def built(ids: list[str]) -> list[RunRecord]:
            runs: list[RunRecord] = []
            for start in range(0, len(ids), CHUNK):
                chunk = ids[start : start + CHUNK]
                marks = ", ".join("?" * len(chunk))
                runs += self._build(self._q(f"{SELECT_RUNS} WHERE id IN ({marks}) ORDER BY id", chunk))
            return runs

        def read() -> tuple[list[GroupSums], list[RunRecord]]:
            try:
                with self._dialect.transaction(self._conn, write=False):
                    sums, ids = group_sums(self._q, self._dialect, project=project, by=by)
                    return sums, built(ids)
            except self._dialect.error_types as exc:
                if not self._dialect.is_unreadable_json(exc):
                    raise
            # a JSON cell the database cannot parse: every run of the selection is read as a record
            sql, params = "SELECT id FROM runs", list[Any]()
            if project is not None:
                sql += " WHERE project = ?"
                params.append(project)
            with self._dialect.transaction(self._conn, write=False):
                return [], built([str(r[0]) for r in self._q(sql, params)])

        return self._retry("read", read)

    def count_runs(self, *, project: str | None = None) -> int:
        """How many runs the ledger holds (of one project)."""
        sql, params = "SELECT COUNT(*) FROM runs", list[Any]()
        if project is not None:
            sql += " WHERE project = ?"
            params.append(project)
        return int(self._retry("read", lambda: self._q(sql, params))[0][0])

    def samples(self, run_id: str, meter_id: str | None = None) -> list[Sample]:
        """The run's samples in time order (then by meter), optionally of one meter."""

        def read() -> list[Sample]:
            with self._dialect.transaction(self._conn, write=False):
                full = self._resolve(run_id)
                sql, params = (
                    "SELECT meter_id, at, t_s, energy_j, power_w FROM samples WHERE run_id = ?",
                    [full],
                )
                if meter_id is not None:
                    sql += " AND meter_id = ?"
                    params.append(meter_id)
                rows = self._q(sql + " ORDER BY t_s, meter_id", params)
            out = []
            skipped = 0
            for r in rows:
                try:
                    at = self._dialect.from_db_time(r[1])
                except (ValueError, TypeError, OverflowError, StoreError):
                    at = None
                numbers_ok = all(
                    isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)
                    for x in r[2:4]
                ) and (r[4] is None or (isinstance(r[4], (int, float)) and math.isfinite(r[4])))
                if at is None or not numbers_ok or not isinstance(r[0], str):
                    skipped += 1
                    continue
                out.append(Sample(meter_id=r[0], at=at, t_s=float(r[2]), energy_j=float(r[3]), power_w=r[4]))
            if skipped:
                message = f"run {full}: skipped {skipped} malformed sample row(s) in the ledger"
                self.malformed.append(message)
                warnings.warn(message, MalformedRowWarning, stacklevel=3)
            return out

        return self._retry("read", read)

    def aggregates(self, run_id: str, meter_id: str | None = None) -> list[SampleAggregate]:
        """The run's folded older samples (see ``store.compaction``), in time order, then by meter."""
        from mlfootprint.store.compaction import SampleAggregate

        def read() -> list[tuple[Any, ...]]:
            with self._dialect.transaction(self._conn, write=False):
                full = self._resolve(run_id)
                sql, params = (
                    "SELECT meter_id, t_s, width_s, first_t_s, last_t_s, samples, energy_j_first, "
                    "energy_j_last, power_w_min, power_w_mean, power_w_max FROM sample_aggregates "
                    "WHERE run_id = ?",
                    [full],
                )
                if meter_id is not None:
                    sql += " AND meter_id = ?"
                    params.append(meter_id)
                return self._q(sql + " ORDER BY t_s, meter_id", params)

        return [
            SampleAggregate(
                meter_id=r[0], t_s=r[1], width_s=r[2], first_t_s=r[3], last_t_s=r[4], samples=int(r[5]),
                energy_j_first=r[6], energy_j_last=r[7], power_w_min=r[8], power_w_mean=r[9],
                power_w_max=r[10],
            )
            for r in self._retry("read", read)
        ]  # fmt: skip

    def _meter_ids(self, run_id: str) -> list[str]:
        """The meters that have samples or aggregates in the run (a loose index scan: one seek each)."""
        found: set[str] = set()
        for table in ("samples", "sample_aggregates"):
            rows = self._q(
                f"WITH RECURSIVE m(id) AS (SELECT (SELECT meter_id FROM {table} WHERE run_id = ? "
                f"ORDER BY meter_id LIMIT 1) UNION ALL SELECT (SELECT meter_id FROM {table} WHERE run_id = ? "
                "AND meter_id > m.id ORDER BY meter_id LIMIT 1) FROM m WHERE m.id IS NOT NULL) "
                "SELECT id FROM m WHERE id IS NOT NULL",
                (run_id, run_id),
            )
            found.update(str(r[0]) for r in rows)
        return sorted(found)

    def plot_samples(
        self, run_id: str, *, max_points: int = DEFAULT_MAX_POINTS, meter_id: str | None = None
    ) -> list[Sample]:
        """The run's curve at no more than about ``max_points`` points per meter, for plots.

        Each point is the last cumulative reading of a time bucket (from the samples or the aggregates
        of older ones), so energy between points is exact and ``power_w`` is the mean power since the
        previous point. The database does the bucketing: the cost does not grow with the samples kept.
        """

        def read() -> list[Sample]:
            with self._dialect.transaction(self._conn, write=False):
                full = self._resolve(run_id)
                row = self._q("SELECT started_at, duration_s FROM runs WHERE id = ?", (full,))[0]
                meters = [meter_id] if meter_id is not None else self._meter_ids(full)
                points = downsampled_samples(
                    self._q, self._dialect.name, full,
                    span_s=float(row[1]), max_points=max_points, meter_ids=meters,
                )  # fmt: skip
            started = self._dialect.from_db_time(row[0])
            assert started is not None  # NOT NULL column
            return points_to_samples(points, started_at=started)

        return self._retry("read", read)

    def schema_version(self) -> int:
        """The schema version of the open database."""
        return self._retry("read", lambda: current_version(self._dialect, self._conn))

    def close(self) -> None:
        """Close the connection (idempotent)."""
        with self._lock:
            conn, self._conn = self._conn, None
        if conn is not None:
            try:
                conn.close()
            except self._dialect.error_types as exc:
                raise StoreError(f"cannot close run ledger {self.url}: {one_line(exc)}") from None

    def __enter__(self) -> SQLStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
