# size: the record's JSON in both directions kept side by side so they cannot drift apart
"""The JSON form of a run record (display units: kWh, kg, kg/kWh), and back.

``run_to_dict`` is what ``mlfootprint runs show --format json`` and ``mlfootprint run --json-out`` write.
``run_from_dict`` reads it back into a ``RunRecord``. Every field survives the round trip; quantities
converted to display units (J -> kWh, g -> kg, g/kWh -> kg/kWh) come back within one unit in the last
place of a float (a division by 3.6e6 is not exactly invertible in binary floating point), everything
else comes back exactly.

Timestamps are ISO 8601 in UTC with a ``Z`` suffix.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any, cast

from mlfootprint.errors import InvalidValueError
from mlfootprint.records import Assumption, ComponentEnergy, PhaseRecord, RunRecord, RunStatus
from mlfootprint.units import (
    g_from_kg,
    g_per_kwh_from_kg_per_kwh,
    j_from_kwh,
    kg_from_g,
    kg_per_kwh_from_g_per_kwh,
    kwh_from_j,
)

__all__ = ["RUN_STATUSES", "format_time", "parse_time", "run_from_dict", "run_to_dict"]

RUN_STATUSES: tuple[str, ...] = ("running", "finished", "failed", "interrupted")


def format_time(at: datetime | None) -> str | None:
    """ISO 8601 in UTC with a ``Z`` suffix; a naive datetime is taken to be UTC already."""
    if at is None:
        return None
    if at.tzinfo is None:
        at = at.replace(tzinfo=timezone.utc)
    return at.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


def parse_time(text: str | None, field: str = "time") -> datetime | None:
    """Parse an ISO 8601 timestamp (``Z`` or an offset) into an aware UTC datetime."""
    if text is None:
        return None
    raw = text.strip()
    if raw.endswith(("Z", "z")):
        raw = raw[:-1] + "+00:00"
    try:
        at = datetime.fromisoformat(raw)
    except ValueError:
        raise InvalidValueError(field, text, "is not an ISO 8601 timestamp") from None
    if at.tzinfo is None:
        at = at.replace(tzinfo=timezone.utc)
    return at.astimezone(timezone.utc)


def _kwh(energy_j: float) -> float:
    return kwh_from_j(energy_j)


def _component_to_dict(c: ComponentEnergy) -> dict[str, Any]:
    return {
        "meter_id": c.meter_id,
        "component": c.component,
        "source": c.source,
        "method": c.method,
        "is_estimate": c.is_estimate,
        "energy_kwh": _kwh(c.energy_j),
        "energy_kwh_low": _kwh(c.energy_j_low),
        "energy_kwh_high": _kwh(c.energy_j_high),
    }


def _phase_to_dict(p: PhaseRecord) -> dict[str, Any]:
    return {
        "name": p.name,
        "parent": p.parent,
        "started_at": format_time(p.started_at),
        "ended_at": format_time(p.ended_at),
        "duration_s": p.duration_s,
        "energy_kwh": _kwh(p.energy_j),
        "components_kwh": {meter: _kwh(j) for meter, j in p.components.items()},
    }


def run_to_dict(run: RunRecord) -> dict[str, Any]:
    """The JSON-able form of ``run`` in display units (kWh, kg, kg/kWh, ISO 8601 UTC)."""
    return {
        "id": run.id,
        "project": run.project,
        "name": run.name,
        "tags": dict(run.tags),
        "status": run.status,
        "exit_code": run.exit_code,
        "started_at": format_time(run.started_at),
        "ended_at": format_time(run.ended_at),
        "heartbeat_at": format_time(run.heartbeat_at),
        "duration_s": run.duration_s,
        "energy_kwh": _kwh(run.energy_j),
        "it_energy_kwh": _kwh(run.it_energy_j),
        "energy_kwh_low": _kwh(run.energy_j_low),
        "energy_kwh_high": _kwh(run.energy_j_high),
        "co2e_kg": kg_from_g(run.co2e_g),
        "co2e_kg_low": kg_from_g(run.co2e_g_low),
        "co2e_kg_high": kg_from_g(run.co2e_g_high),
        "co2e_kg_net": None if run.co2e_g_net is None else kg_from_g(run.co2e_g_net),
        "pue": run.pue,
        "pue_source": run.pue_source,
        "intensity_kg_per_kwh": kg_per_kwh_from_g_per_kwh(run.intensity_g_per_kwh),
        "intensity_source": run.intensity_source,
        "intensity_zone": run.intensity_zone,
        "intensity_resolution": run.intensity_resolution,
        "region": run.region,
        "components": [_component_to_dict(c) for c in run.components],
        "phases": [_phase_to_dict(p) for p in run.phases],
        "command": list(run.command),
        "hostname": run.hostname,
        "pid": run.pid,
        "flush_interval_s": run.flush_interval_s,
        "scope": run.scope,
        "assumptions": [
            {"name": a.name, "value": a.value, "unit": a.unit, "source": a.source} for a in run.assumptions
        ],
        "extra": dict(run.extra),
        "job_id": run.job_id,
        "node": run.node,
        "rank": run.rank,
        "local_rank": run.local_rank,
        "world_size": run.world_size,
        "launcher": run.launcher,
        "error_type": run.error_type,
        "error_message": run.error_message,
        **_work_dicts(run),
    }


def _work_dicts(run: RunRecord) -> dict[str, Any]:
    """``work``, ``metrics`` and the derived ``cost`` (per-unit costs, FLOP/s, MFU) when recorded."""
    if not run.work and not run.metrics:
        return {}
    from mlfootprint.work.costs import cost_of_result, work_to_dicts

    return {**work_to_dicts(run), "cost": cost_of_result(run)}


def _get(d: Mapping[str, Any], key: str, where: str = "run") -> Any:
    try:
        return d[key]
    except KeyError:
        raise InvalidValueError(f"{where}.{key}", None, "is missing") from None


def _float(d: Mapping[str, Any], key: str, where: str = "run") -> float:
    value = _get(d, key, where)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InvalidValueError(f"{where}.{key}", value, "must be a number")
    return float(value)


def _j(d: Mapping[str, Any], key: str, where: str = "run") -> float:
    return j_from_kwh(_float(d, key, where))


def _required_time(d: Mapping[str, Any], key: str, where: str = "run") -> datetime:
    at = parse_time(_get(d, key, where), f"{where}.{key}")
    if at is None:
        raise InvalidValueError(f"{where}.{key}", None, "is missing")
    return at


def _component_from_dict(c: Mapping[str, Any]) -> ComponentEnergy:
    w = "component"
    return ComponentEnergy(
        meter_id=str(_get(c, "meter_id", w)),
        component=str(_get(c, "component", w)),
        source=str(_get(c, "source", w)),
        method=str(_get(c, "method", w)),
        is_estimate=bool(_get(c, "is_estimate", w)),
        energy_j=_j(c, "energy_kwh", w),
        energy_j_low=_j(c, "energy_kwh_low", w),
        energy_j_high=_j(c, "energy_kwh_high", w),
    )


def _phase_from_dict(p: Mapping[str, Any]) -> PhaseRecord:
    w = "phase"
    parent = p.get("parent")
    return PhaseRecord(
        name=str(_get(p, "name", w)),
        parent=None if parent is None else str(parent),
        started_at=_required_time(p, "started_at", w),
        ended_at=parse_time(p.get("ended_at"), f"{w}.ended_at"),
        duration_s=_float(p, "duration_s", w),
        energy_j=_j(p, "energy_kwh", w),
        components={str(k): j_from_kwh(float(v)) for k, v in (p.get("components_kwh") or {}).items()},
    )


def _assumption_from_dict(a: Mapping[str, Any]) -> Assumption:
    w = "assumption"
    value = a.get("value")
    if value is not None and not isinstance(value, (int, float, str)):
        raise InvalidValueError(f"{w}.value", value, "must be a number, a string or null")
    return Assumption(
        name=str(_get(a, "name", w)),
        value=value,
        unit=str(_get(a, "unit", w)),
        source=str(_get(a, "source", w)),
    )


def run_from_dict(d: Mapping[str, Any]) -> RunRecord:
    """Read a run from its JSON form (as written by ``run_to_dict``).

    Raises:
        InvalidValueError: a required key is missing or has the wrong type.
    """
    status = str(_get(d, "status"))
    if status not in RUN_STATUSES:
        raise InvalidValueError("run.status", status, f"must be one of {', '.join(RUN_STATUSES)}")
    net = d.get("co2e_kg_net")
    pid = d.get("pid")
    exit_code = d.get("exit_code")
    return RunRecord(
        id=str(_get(d, "id")),
        project=str(_get(d, "project")),
        name=str(_get(d, "name")),
        tags={str(k): str(v) for k, v in (d.get("tags") or {}).items()},
        status=cast(RunStatus, status),
        exit_code=None if exit_code is None else int(exit_code),
        started_at=_required_time(d, "started_at"),
        ended_at=parse_time(d.get("ended_at"), "run.ended_at"),
        heartbeat_at=parse_time(d.get("heartbeat_at"), "run.heartbeat_at"),
        duration_s=_float(d, "duration_s"),
        it_energy_j=_j(d, "it_energy_kwh"),
        energy_j=_j(d, "energy_kwh"),
        energy_j_low=_j(d, "energy_kwh_low"),
        energy_j_high=_j(d, "energy_kwh_high"),
        co2e_g=g_from_kg(_float(d, "co2e_kg")),
        co2e_g_low=g_from_kg(_float(d, "co2e_kg_low")),
        co2e_g_high=g_from_kg(_float(d, "co2e_kg_high")),
        co2e_g_net=None if net is None else g_from_kg(_float(d, "co2e_kg_net")),
        pue=_float(d, "pue"),
        pue_source=str(_get(d, "pue_source")),
        intensity_g_per_kwh=g_per_kwh_from_kg_per_kwh(_float(d, "intensity_kg_per_kwh")),
        intensity_source=str(_get(d, "intensity_source")),
        region=None if d.get("region") is None else str(d["region"]),
        components=tuple(_component_from_dict(c) for c in d.get("components") or ()),
        phases=tuple(_phase_from_dict(p) for p in d.get("phases") or ()),
        command=tuple(str(a) for a in d.get("command") or ()),
        hostname=str(d.get("hostname") or ""),
        pid=None if pid is None else int(pid),
        flush_interval_s=float(d.get("flush_interval_s", 10.0)),
        scope=str(d.get("scope") or "machine"),
        intensity_zone=None if d.get("intensity_zone") is None else str(d["intensity_zone"]),
        intensity_resolution=str(d.get("intensity_resolution") or "annual"),
        assumptions=tuple(
            Assumption(
                name=str(a["name"]), value=a.get("value"), unit=str(a["unit"]), source=str(a["source"])
            )
            for a in d.get("assumptions") or ()
        ),
        extra=dict(d.get("extra") or {}),
        job_id=_opt_str(d, "job_id"),
        node=str(d.get("node") or ""),
        rank=_opt_int(d, "rank"),
        local_rank=_opt_int(d, "local_rank"),
        world_size=_opt_int(d, "world_size"),
        launcher=str(d.get("launcher") or ""),
        error_type=_opt_str(d, "error_type"),
        error_message=_opt_str(d, "error_message"),
        **_work_from(d),
    )


def _opt_str(d: Mapping[str, Any], key: str) -> str | None:
    value = d.get(key)
    return None if value is None else str(value)


def _opt_int(d: Mapping[str, Any], key: str) -> int | None:
    value = d.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidValueError(f"run.{key}", value, "must be a whole number or null")
    return value


def _work_from(d: Mapping[str, Any]) -> dict[str, Any]:
    if not d.get("work") and not d.get("metrics"):
        return {}
    from mlfootprint.work.costs import work_from_dicts

    try:
        work, metrics = work_from_dicts(dict(d))
    except (TypeError, ValueError, KeyError, AttributeError, OverflowError):
        shown = repr(d.get("work") or d.get("metrics"))
        raise InvalidValueError("run.work", shown[:60], "has malformed work or metrics entries") from None
    numbers = [x for w in work for x in (w.flops or 0.0, w.samples, w.tokens, w.requests)]
    if not all(math.isfinite(x) and x >= 0 for x in numbers) or not all(
        math.isfinite(m.value) and math.isfinite(m.t_s) for m in metrics
    ):
        raise InvalidValueError("run.work", repr(d.get("work"))[:60], "holds a negative or non-finite number")
    return {"work": work, "metrics": metrics}
