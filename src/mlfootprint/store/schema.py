"""The ledger's schema as an ordered list of migrations, and how they are applied.

Each migration is a version number and SQL statements with ``{time}``, ``{float}``, ``{int}`` and
``{text}`` type slots. ``schema_version`` holds one row per applied migration. Migrations run in one
write transaction that also holds the migration lock, so several processes opening a new ledger at
once apply each migration exactly once. Never edit a released migration: append a new one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from mlfootprint.errors import StoreError
from mlfootprint.store.dialect import Dialect

__all__ = ["MIGRATIONS", "SCHEMA_VERSION", "Migration", "current_version", "migrate"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Migration:
    version: int
    description: str
    statements: tuple[str, ...]


MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        version=1,
        description="runs, components, phases, samples",
        statements=(
            """CREATE TABLE runs (
                id TEXT PRIMARY KEY,
                project TEXT NOT NULL,
                name TEXT NOT NULL,
                status TEXT NOT NULL,
                exit_code {int},
                started_at {time} NOT NULL,
                ended_at {time},
                heartbeat_at {time},
                duration_s {float} NOT NULL,
                it_energy_j {float} NOT NULL,
                energy_j {float} NOT NULL,
                energy_j_low {float} NOT NULL,
                energy_j_high {float} NOT NULL,
                co2e_g {float} NOT NULL,
                co2e_g_low {float} NOT NULL,
                co2e_g_high {float} NOT NULL,
                co2e_g_net {float},
                pue {float} NOT NULL,
                pue_source TEXT NOT NULL,
                intensity_g_per_kwh {float} NOT NULL,
                intensity_source TEXT NOT NULL,
                intensity_zone TEXT,
                intensity_resolution TEXT NOT NULL,
                region TEXT,
                hostname TEXT NOT NULL,
                pid {int},
                flush_interval_s {float} NOT NULL,
                scope TEXT NOT NULL,
                tags_json TEXT NOT NULL,
                command_json TEXT NOT NULL,
                assumptions_json TEXT NOT NULL,
                extra_json TEXT NOT NULL
            )""",
            "CREATE INDEX runs_started_at ON runs (started_at)",
            "CREATE INDEX runs_project_started_at ON runs (project, started_at)",
            """CREATE TABLE components (
                run_id TEXT NOT NULL REFERENCES runs (id),
                position {int} NOT NULL,
                meter_id TEXT NOT NULL,
                component TEXT NOT NULL,
                source TEXT NOT NULL,
                method TEXT NOT NULL,
                is_estimate {int} NOT NULL,
                energy_j {float} NOT NULL,
                energy_j_low {float} NOT NULL,
                energy_j_high {float} NOT NULL,
                PRIMARY KEY (run_id, position)
            )""",
            """CREATE TABLE phases (
                run_id TEXT NOT NULL REFERENCES runs (id),
                position {int} NOT NULL,
                name TEXT NOT NULL,
                parent TEXT,
                started_at {time} NOT NULL,
                ended_at {time},
                duration_s {float} NOT NULL,
                energy_j {float} NOT NULL,
                components_json TEXT NOT NULL,
                PRIMARY KEY (run_id, position)
            )""",
            """CREATE TABLE samples (
                run_id TEXT NOT NULL REFERENCES runs (id),
                meter_id TEXT NOT NULL,
                t_s {float} NOT NULL,
                at {time} NOT NULL,
                energy_j {float} NOT NULL,
                power_w {float},
                PRIMARY KEY (run_id, meter_id, t_s)
            )""",
        ),
    ),
    Migration(
        version=2,
        description="job identity (job, node, rank) and failure cause of each run",
        statements=(
            "ALTER TABLE runs ADD COLUMN job_id TEXT",
            "ALTER TABLE runs ADD COLUMN node TEXT NOT NULL DEFAULT ''",
            "ALTER TABLE runs ADD COLUMN rank {int}",
            "ALTER TABLE runs ADD COLUMN local_rank {int}",
            "ALTER TABLE runs ADD COLUMN world_size {int}",
            "ALTER TABLE runs ADD COLUMN launcher TEXT NOT NULL DEFAULT ''",
            "ALTER TABLE runs ADD COLUMN error_type TEXT",
            "ALTER TABLE runs ADD COLUMN error_message TEXT",
            "CREATE INDEX runs_job ON runs (job_id, node, rank)",
        ),
    ),
    Migration(
        version=3,
        description="work (FLOPs, samples, tokens, requests per run and phase) and quality metrics",
        statements=(
            """CREATE TABLE work (
                run_id TEXT NOT NULL REFERENCES runs (id),
                phase TEXT NOT NULL,
                flops {float},
                flops_method TEXT,
                samples {float} NOT NULL,
                tokens {float} NOT NULL,
                requests {float} NOT NULL,
                PRIMARY KEY (run_id, phase)
            )""",
            """CREATE TABLE metrics (
                run_id TEXT NOT NULL REFERENCES runs (id),
                position {int} NOT NULL,
                name TEXT NOT NULL,
                value {float} NOT NULL,
                step {int},
                t_s {float} NOT NULL,
                PRIMARY KEY (run_id, position)
            )""",
        ),
    ),
    Migration(
        version=7,
        description="sample aggregates (bounded storage); indexes for status and name",
        statements=(
            """CREATE TABLE sample_aggregates (
                run_id TEXT NOT NULL REFERENCES runs (id),
                meter_id TEXT NOT NULL,
                t_s {float} NOT NULL,
                width_s {float} NOT NULL,
                first_t_s {float} NOT NULL,
                last_t_s {float} NOT NULL,
                samples {int} NOT NULL,
                energy_j_first {float} NOT NULL,
                energy_j_last {float} NOT NULL,
                power_samples {int} NOT NULL,
                power_w_min {float},
                power_w_mean {float},
                power_w_max {float},
                PRIMARY KEY (run_id, meter_id, t_s)
            )""",
            "CREATE INDEX runs_status_started_at ON runs (status, started_at)",
            "CREATE INDEX runs_name_started_at ON runs (name, started_at)",
        ),
    ),
)

#: the schema version this release writes
SCHEMA_VERSION = MIGRATIONS[-1].version

_VERSION_TABLE = (
    "CREATE TABLE schema_version "
    "(version {int} PRIMARY KEY, description TEXT NOT NULL, applied_at {time} NOT NULL)"
)


def current_version(dialect: Dialect, conn: Any) -> int:
    """The highest applied migration (0 for an empty database)."""
    if not dialect.has_table(conn, "schema_version"):
        return 0
    row = conn.execute("SELECT MAX(version) FROM schema_version").fetchone()
    return int(row[0]) if row and row[0] is not None else 0


#: a schema version this far ahead of ours is a damaged file, not a newer release
IMPLAUSIBLE_VERSION_AHEAD = 100


def _check_not_corrupt(dialect: Dialect, conn: Any, display: str, found: int) -> None:
    """``StoreError`` saying "corrupt" when a version ahead of ours comes from damage, not a newer release."""
    rows = conn.execute("SELECT version FROM schema_version ORDER BY version").fetchall()
    versions = [r[0] for r in rows]
    plausible = (
        found - MIGRATIONS[-1].version < IMPLAUSIBLE_VERSION_AHEAD
        and all(isinstance(v, int) for v in versions)
        and versions[:1] == [1]
    )
    if plausible and dialect.name == "sqlite":
        check = conn.execute("PRAGMA quick_check").fetchone()
        plausible = bool(check) and check[0] == "ok"
    if not plausible:
        raise StoreError(
            f"run ledger {display} is corrupt (its schema_version table says {found!r}); "
            "restore it from a backup or move it aside"
        )


def migrate(
    dialect: Dialect, conn: Any, *, display: str, now: Any, migrations: Sequence[Migration] = MIGRATIONS
) -> int:
    """Bring the schema up to the last of ``migrations``; return the version found before.

    Raises:
        StoreError: the database was written by a newer release (its schema is ahead of this one).
    """
    latest = migrations[-1].version
    found = current_version(dialect, conn)
    if found == latest:
        return found
    with dialect.migration_lock(conn), dialect.transaction(conn, write=True):
        found = current_version(dialect, conn)  # again, under the lock: another process may have won
        if found > latest:
            _check_not_corrupt(dialect, conn, display, found)
            raise StoreError(
                f"run ledger {display} has schema version {found}, newer than this mlfootprint understands "
                f"({latest}); upgrade mlfootprint"
            )
        if found == 0:
            conn.execute(_VERSION_TABLE.format(**dialect.types))
        for migration in migrations:
            if migration.version <= found:
                continue
            for statement in migration.statements:
                conn.execute(statement.format(**dialect.types))
            conn.execute(
                dialect.sql("INSERT INTO schema_version (version, description, applied_at) VALUES (?, ?, ?)"),
                (migration.version, migration.description, dialect.to_db_time(now)),
            )
    return found
