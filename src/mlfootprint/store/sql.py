"""The shared SQL of the ledger: column lists and statements, written once for both backends.

Placeholders are ``?``; the dialect turns them into ``%s`` for PostgreSQL. ``INSERT ... ON CONFLICT``
is understood by SQLite (3.24+) and PostgreSQL (9.5+) alike.
"""

from __future__ import annotations

import json

from mlfootprint.errors import InvalidValueError

__all__ = [
    "CHUNK",
    "COMPONENT_COLUMNS",
    "INSERT_COMPONENT",
    "INSERT_PHASE",
    "INSERT_SAMPLE",
    "PHASE_COLUMNS",
    "RUN_COLUMNS",
    "SELECT_RUNS",
    "TIME_COLUMNS",
    "UPSERT_COMPONENT",
    "UPSERT_RUN",
    "to_json",
]

RUN_COLUMNS: tuple[str, ...] = (
    "id", "project", "name", "status", "exit_code", "started_at", "ended_at", "heartbeat_at", "duration_s",
    "it_energy_j", "energy_j", "energy_j_low", "energy_j_high", "co2e_g", "co2e_g_low", "co2e_g_high",
    "co2e_g_net", "pue", "pue_source", "intensity_g_per_kwh", "intensity_source", "intensity_zone",
    "intensity_resolution", "region", "hostname", "pid", "flush_interval_s", "scope",
    "tags_json", "command_json", "assumptions_json", "extra_json",
    # migration 2: job identity and failure cause
    "job_id", "node", "rank", "local_rank", "world_size", "launcher", "error_type", "error_message",
)  # fmt: skip
TIME_COLUMNS = {"started_at", "ended_at", "heartbeat_at"}
COMPONENT_COLUMNS: tuple[str, ...] = (
    "meter_id", "component", "source", "method", "is_estimate", "energy_j", "energy_j_low", "energy_j_high",
)  # fmt: skip
PHASE_COLUMNS: tuple[str, ...] = (
    "name", "parent", "started_at", "ended_at", "duration_s", "energy_j", "components_json",
)  # fmt: skip
SELECT_RUNS = f"SELECT {', '.join(RUN_COLUMNS)} FROM runs"
UPSERT_RUN = (
    f"INSERT INTO runs ({', '.join(RUN_COLUMNS)}) VALUES ({', '.join('?' * len(RUN_COLUMNS))}) "
    f"ON CONFLICT (id) DO UPDATE SET {', '.join(f'{c} = excluded.{c}' for c in RUN_COLUMNS[1:])}"
)
INSERT_COMPONENT = (
    f"INSERT INTO components (run_id, position, {', '.join(COMPONENT_COLUMNS)}) "
    f"VALUES ({', '.join('?' * (len(COMPONENT_COLUMNS) + 2))})"
)
UPSERT_COMPONENT = (
    f"{INSERT_COMPONENT} ON CONFLICT (run_id, position) DO UPDATE SET "
    f"{', '.join(f'{c} = excluded.{c}' for c in COMPONENT_COLUMNS)}"
)
INSERT_PHASE = (
    f"INSERT INTO phases (run_id, position, {', '.join(PHASE_COLUMNS)}) "
    f"VALUES ({', '.join('?' * (len(PHASE_COLUMNS) + 2))})"
)
INSERT_SAMPLE = (
    "INSERT INTO samples (run_id, meter_id, t_s, at, energy_j, power_w) VALUES (?, ?, ?, ?, ?, ?) "
    "ON CONFLICT (run_id, meter_id, t_s) DO NOTHING"
)
CHUNK = 400


def to_json(value: object, what: str) -> str:
    try:
        return json.dumps(value)
    except (TypeError, ValueError) as exc:
        raise InvalidValueError(what, value, f"cannot be stored as JSON ({exc})") from None
