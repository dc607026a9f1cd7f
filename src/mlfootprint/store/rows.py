"""Rows read back from the ledger are checked like any other input: a malformed row (a bad timestamp, bad
JSON in a tags cell, text in a number column, an impossible value) becomes ``MalformedRowError`` naming the
run, the column and the value, so that readers skip it and say so instead of failing the whole ledger.
``mlfootprint runs delete ID`` removes such a row (it reads only the id).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from mlfootprint.bounds import INTENSITY_G_PER_KWH, PUE, TIME_MAX, TIME_MIN
from mlfootprint.errors import StoreError
from mlfootprint.records import Assumption, ComponentEnergy, PhaseRecord, RunRecord
from mlfootprint.serialize import RUN_STATUSES

__all__ = [
    "NONNEGATIVE_COLUMNS",
    "TEXT_COLUMNS",
    "MalformedRowError",
    "MalformedRowWarning",
    "component_from_row",
    "number_cell",
    "phase_from_row",
    "run_from_row",
]

#: columns holding non-negative energies and emissions (J, g): checked here for each row read, and by
#: the database in ``store.row_checks`` for the rows it sums
NONNEGATIVE_COLUMNS = (
    "duration_s", "it_energy_j", "energy_j", "energy_j_low", "energy_j_high", "co2e_g", "co2e_g_low",
    "co2e_g_high",
)  # fmt: skip
#: columns holding text
TEXT_COLUMNS = (
    "id",
    "project",
    "name",
    "pue_source",
    "intensity_source",
    "intensity_resolution",
    "hostname",
    "scope",
)


class MalformedRowError(StoreError):
    """A ledger row that cannot be read back (the message names run, column and value)."""

    def __init__(self, run_id: object, column: str, value: object, reason: str) -> None:
        shown = repr(value)
        shown = shown if len(shown) <= 60 else shown[:60] + "..."
        self.run_id = str(run_id)
        super().__init__(
            f"run {run_id} is malformed in the ledger: {column} {shown} {reason} "
            f"(delete it with: mlfootprint runs delete {run_id})"
        )


class MalformedRowWarning(UserWarning):
    """Readers skipped malformed rows; the message names them and how to delete them."""


def number_cell(run_id: object, column: str, value: object, *, nullable: bool = False) -> float | None:
    """A finite number cell (``MalformedRowError`` otherwise; ``None`` allowed when ``nullable``)."""
    if value is None and nullable:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise MalformedRowError(run_id, column, value, "is not a number")
    if not math.isfinite(value):
        raise MalformedRowError(run_id, column, value, "is not a finite number")
    return float(value)


def _time(
    run_id: object, column: str, value: object, parse: Callable[[Any], datetime | None], *, nullable: bool
) -> datetime | None:
    if value is None:
        if nullable:
            return None
        raise MalformedRowError(run_id, column, value, "is missing")
    try:
        at = parse(value)
    except (ValueError, TypeError, OverflowError, StoreError):
        raise MalformedRowError(run_id, column, value, "is not a time") from None
    if at is None or not TIME_MIN <= at <= TIME_MAX:
        raise MalformedRowError(run_id, column, value, "is outside 1970-2100")
    return at


def _json(run_id: object, column: str, value: object, kind: type) -> Any:
    if not isinstance(value, str):
        raise MalformedRowError(run_id, column, value, "is not JSON text")
    try:
        data = json.loads(value)
    except (ValueError, RecursionError):
        raise MalformedRowError(run_id, column, value, "is not valid JSON") from None
    if not isinstance(data, kind):
        raise MalformedRowError(run_id, column, value, f"is not a JSON {kind.__name__}")
    return data


def run_from_row(
    v: Mapping[str, Any],
    *,
    components: tuple[ComponentEnergy, ...],
    phases: tuple[PhaseRecord, ...],
    parse_time: Callable[[Any], datetime | None],
) -> RunRecord:
    """The run of one ``runs`` row (``MalformedRowError`` when any cell is malformed)."""
    rid = v.get("id")
    for column in TEXT_COLUMNS:
        if not isinstance(v.get(column), str):
            raise MalformedRowError(rid, column, v.get(column), "is not text")
    if v["status"] not in RUN_STATUSES:
        raise MalformedRowError(rid, "status", v["status"], f"is not one of {', '.join(RUN_STATUSES)}")
    numbers: dict[str, Any] = {}
    for column in NONNEGATIVE_COLUMNS:
        number = number_cell(rid, column, v[column])
        assert number is not None
        if number < 0:
            raise MalformedRowError(rid, column, v[column], "is negative")
        numbers[column] = number
    numbers["co2e_g_net"] = number_cell(rid, "co2e_g_net", v["co2e_g_net"], nullable=True)
    pue = number_cell(rid, "pue", v["pue"])
    if PUE.problem(pue or 0.0) is not None:
        raise MalformedRowError(rid, "pue", v["pue"], PUE.describe())
    intensity = number_cell(rid, "intensity_g_per_kwh", v["intensity_g_per_kwh"])
    if INTENSITY_G_PER_KWH.problem(intensity or 0.0) is not None:
        raise MalformedRowError(
            rid, "intensity_g_per_kwh", v["intensity_g_per_kwh"], INTENSITY_G_PER_KWH.describe()
        )
    flush = number_cell(rid, "flush_interval_s", v["flush_interval_s"])
    if flush is None or flush <= 0:
        raise MalformedRowError(rid, "flush_interval_s", v["flush_interval_s"], "must be positive")
    for column in ("exit_code", "pid"):
        cell = v[column]
        if cell is not None and (isinstance(cell, bool) or not isinstance(cell, int)):
            raise MalformedRowError(rid, column, cell, "is not a whole number")
    for column in ("region", "intensity_zone", "job_id", "error_type", "error_message"):
        if v.get(column) is not None and not isinstance(v[column], str):
            raise MalformedRowError(rid, column, v[column], "is not text")
    for column in ("node", "launcher"):  # NOT NULL text, '' when unknown
        if not isinstance(v.get(column, ""), str):
            raise MalformedRowError(rid, column, v[column], "is not text")
    job: dict[str, Any] = {}
    for column in ("rank", "local_rank", "world_size"):
        cell = v.get(column)
        if cell is not None and (isinstance(cell, bool) or not isinstance(cell, int) or cell < 0):
            raise MalformedRowError(rid, column, cell, "is not a whole number of at least 0")
        job[column] = cell
    tags = _json(rid, "tags_json", v["tags_json"], dict)
    command = _json(rid, "command_json", v["command_json"], list)
    raw_assumptions = _json(rid, "assumptions_json", v["assumptions_json"], list)
    extra = _json(rid, "extra_json", v["extra_json"], dict)
    try:
        assumptions = tuple(
            Assumption(
                name=str(a["name"]), value=a.get("value"), unit=str(a["unit"]), source=str(a["source"])
            )
            for a in raw_assumptions
        )
    except (TypeError, KeyError, AttributeError):
        raise MalformedRowError(
            rid, "assumptions_json", v["assumptions_json"], "has malformed entries"
        ) from None
    started = _time(rid, "started_at", v["started_at"], parse_time, nullable=False)
    assert started is not None
    return RunRecord(
        id=v["id"], project=v["project"], name=v["name"], status=v["status"], exit_code=v["exit_code"],
        started_at=started, ended_at=_time(rid, "ended_at", v["ended_at"], parse_time, nullable=True),
        heartbeat_at=_time(rid, "heartbeat_at", v["heartbeat_at"], parse_time, nullable=True),
        pue=float(pue or 1.0), pue_source=v["pue_source"], intensity_g_per_kwh=float(intensity or 0.0),
        intensity_source=v["intensity_source"], intensity_zone=v["intensity_zone"],
        intensity_resolution=v["intensity_resolution"], region=v["region"], hostname=v["hostname"],
        pid=v["pid"], flush_interval_s=float(flush), scope=v["scope"],
        tags={str(k): str(x) for k, x in tags.items()}, command=tuple(str(c) for c in command),
        assumptions=assumptions, extra=extra, components=components, phases=phases,
        job_id=v.get("job_id"), node=v.get("node") or "", launcher=v.get("launcher") or "",
        error_type=v.get("error_type"), error_message=v.get("error_message"),
        **job, **numbers,
    )  # fmt: skip


def component_from_row(run_id: str, r: tuple[Any, ...]) -> ComponentEnergy:
    """A component row ``(run_id, meter_id, component, source, method, is_estimate, j, j_low, j_high)``."""
    for column, cell in zip(("meter_id", "component", "source", "method"), r[1:5], strict=True):
        if not isinstance(cell, str):
            raise MalformedRowError(run_id, f"components.{column}", cell, "is not text")
    values = []
    for column, cell in zip(("energy_j", "energy_j_low", "energy_j_high"), r[6:9], strict=True):
        number = number_cell(run_id, f"components.{column}", cell)
        assert number is not None
        if number < 0:
            raise MalformedRowError(run_id, f"components.{column}", cell, "is negative")
        values.append(number)
    return ComponentEnergy(
        meter_id=r[1], component=r[2], source=r[3], method=r[4], is_estimate=bool(r[5]),
        energy_j=values[0], energy_j_low=values[1], energy_j_high=values[2],
    )  # fmt: skip


def phase_from_row(
    run_id: str, r: tuple[Any, ...], parse_time: Callable[[Any], datetime | None]
) -> PhaseRecord:
    """A phase row ``(run_id, name, parent, started_at, ended_at, duration_s, energy_j, components_json)``."""
    if not isinstance(r[1], str) or (r[2] is not None and not isinstance(r[2], str)):
        raise MalformedRowError(run_id, "phases.name", r[1], "is not text")
    started = _time(run_id, "phases.started_at", r[3], parse_time, nullable=False)
    assert started is not None
    duration = number_cell(run_id, "phases.duration_s", r[5])
    energy = number_cell(run_id, "phases.energy_j", r[6])
    components = _json(run_id, "phases.components_json", r[7], dict)
    if not all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in components.values()):
        raise MalformedRowError(run_id, "phases.components_json", r[7], "holds a value that is not a number")
    return PhaseRecord(
        name=r[1], parent=r[2], started_at=started,
        ended_at=_time(run_id, "phases.ended_at", r[4], parse_time, nullable=True),
        duration_s=float(duration or 0.0), energy_j=float(energy or 0.0),
        components={str(k): float(x) for k, x in components.items()},
    )  # fmt: skip
