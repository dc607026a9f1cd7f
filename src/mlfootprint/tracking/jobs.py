"""A distributed job as one thing: its ranks' runs added into one total, per node and per rank.

Each rank stores its own run (``job_id``, ``node``, ``rank``); the meter rule (``docs/distributed.md``)
makes each joule appear in exactly one of them, so the job's energy is the plain sum. Phases are merged
by name (energy summed over ranks, the window from the first start to the last end). A rank that
stopped reporting (``interrupted``), failed, or never reported makes the job *partial*, and
``missing`` says what is missing.

::

    from mlfootprint.tracking.jobs import load_job
    job = load_job("torchrun-0b1cf0f2", db="postgresql://me@db/ml")
    print(job.status, job.record.energy_j, [(n.node, n.energy_j) for n in job.nodes])
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from mlfootprint.errors import RunNotFoundError
from mlfootprint.records import ComponentEnergy, PhaseRecord, RunRecord, RunStatus

__all__ = ["JobSummary", "NodeRow", "RankRow", "load_job", "summarise_job"]


@dataclass(frozen=True, slots=True, kw_only=True)
class RankRow:
    """One rank's run."""

    rank: int
    local_rank: int
    node: str
    run_id: str
    status: RunStatus
    energy_j: float
    co2e_g: float
    duration_s: float
    meters: tuple[str, ...]
    error: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class NodeRow:
    """One node: the ranks that ran there and their energy together."""

    node: str
    ranks: tuple[int, ...]
    energy_j: float
    co2e_g: float


@dataclass(frozen=True, slots=True, kw_only=True)
class JobSummary:
    """The job: ``record`` is its total as one run record (components named ``node/rankN/meter``).

    ``status`` is ``running`` (every rank alive), ``finished``, ``failed`` (every rank failed) or
    ``partial`` (some rank died, failed or never reported; ``missing`` says which).
    """

    job_id: str
    status: str
    record: RunRecord
    nodes: tuple[NodeRow, ...]
    ranks: tuple[RankRow, ...]
    world_size: int
    live_ranks: tuple[int, ...]
    missing: tuple[str, ...]


def _combined_status(statuses: Sequence[str]) -> RunStatus:
    if any(s == "running" for s in statuses):
        return "running"
    if all(s == "finished" for s in statuses):
        return "finished"
    return "failed" if any(s == "failed" for s in statuses) else "interrupted"


def _merge_phases(runs: Sequence[RunRecord]) -> tuple[PhaseRecord, ...]:
    order: list[str] = []
    merged: dict[str, PhaseRecord] = {}
    for run in runs:
        for p in run.phases:
            prefix = f"{run.node}/rank{run.rank}/"
            components = {prefix + k: v for k, v in p.components.items()}
            old = merged.get(p.name)
            if old is None:
                order.append(p.name)
                merged[p.name] = PhaseRecord(
                    name=p.name, parent=p.parent, started_at=p.started_at, ended_at=p.ended_at,
                    duration_s=p.duration_s, energy_j=p.energy_j, components=components,
                )  # fmt: skip
                continue
            ends = [e for e in (old.ended_at, p.ended_at) if e is not None]
            ended = max(ends) if len(ends) == 2 else None
            started = min(old.started_at, p.started_at)
            merged[p.name] = PhaseRecord(
                name=p.name, parent=old.parent, started_at=started, ended_at=ended,
                duration_s=(ended - started).total_seconds() if ended else max(old.duration_s, p.duration_s),
                energy_j=old.energy_j + p.energy_j, components={**old.components, **components},
            )  # fmt: skip
    return tuple(merged[name] for name in order)


def summarise_job(runs: Sequence[RunRecord]) -> JobSummary:
    """Add up the runs of one job (pure).

    Raises:
        RunNotFoundError: no runs were given.
    """
    if not runs:
        raise RunNotFoundError("a job needs at least one stored run")
    runs = sorted(runs, key=lambda r: (r.rank if r.rank is not None else 0, r.node, r.started_at))
    first = runs[0]
    job_id = first.job_id or first.id
    world = max([r.world_size or 1 for r in runs] + [len(runs)])
    seen = {r.rank if r.rank is not None else 0 for r in runs}
    missing = [
        f"rank {rank}: no run stored (it never started tracking, or its node cannot reach the ledger)"
        for rank in range(world)
        if rank not in seen
    ]
    for r in runs:
        if r.status == "interrupted":
            last = (r.heartbeat_at or r.started_at).isoformat(timespec="seconds")
            missing.append(f"rank {r.rank} on {r.node}: stopped reporting (last heartbeat {last}); "
                           "its energy after that is missing")  # fmt: skip
        elif r.status == "failed":
            cause = f" ({r.error_type}: {r.error_message})" if r.error_type else ""
            missing.append(f"rank {r.rank} on {r.node}: failed{cause}")
    statuses = [r.status for r in runs]
    if all(s == "failed" for s in statuses):
        status = "failed"
    elif missing:
        status = "partial"
    else:
        status = "running" if "running" in statuses else "finished"
    ranks = tuple(
        RankRow(
            rank=r.rank if r.rank is not None else 0, local_rank=r.local_rank or 0, node=r.node or r.hostname,
            run_id=r.id, status=r.status, energy_j=r.energy_j, co2e_g=r.co2e_g, duration_s=r.duration_s,
            meters=tuple(c.meter_id for c in r.components),
            error=f"{r.error_type}: {r.error_message}" if r.error_type else None,
        )
        for r in runs
    )  # fmt: skip
    node_names = list(dict.fromkeys(row.node for row in ranks))
    nodes = tuple(
        NodeRow(
            node=n,
            ranks=tuple(row.rank for row in ranks if row.node == n),
            energy_j=sum(row.energy_j for row in ranks if row.node == n),
            co2e_g=sum(row.co2e_g for row in ranks if row.node == n),
        )
        for n in node_names
    )
    record = _record(job_id, runs, world, node_names, missing, status)
    live = tuple(row.rank for row in ranks if row.status == "running")
    return JobSummary(
        job_id=job_id, status=status, record=record, nodes=nodes, ranks=ranks, world_size=world,
        live_ranks=live, missing=tuple(missing),
    )  # fmt: skip


def _record(
    job_id: str, runs: Sequence[RunRecord], world: int, nodes: list[str], missing: list[str], status: str
) -> RunRecord:
    first = runs[0]
    started = min(r.started_at for r in runs)
    running = any(r.status == "running" for r in runs)
    ends: list[datetime] = [r.ended_at or r.heartbeat_at or r.started_at for r in runs]
    ended = None if running else max(ends)
    duration_s = max((max(ends) - started).total_seconds(), max(r.duration_s for r in runs))
    components = tuple(
        ComponentEnergy(
            meter_id=f"{r.node}/rank{r.rank}/{c.meter_id}", component=c.component, source=c.source,
            method=c.method, is_estimate=c.is_estimate, energy_j=c.energy_j, energy_j_low=c.energy_j_low,
            energy_j_high=c.energy_j_high,
        )
        for r in runs
        for c in r.components
    )  # fmt: skip
    nets = [r.co2e_g_net for r in runs]
    regions = sorted({r.region or "-" for r in runs})
    extra: dict[str, object] = {
        "job": {
            "status": status,
            "nodes": nodes,
            "world_size": world,
            "runs": [r.id for r in runs],
            "missing": missing,
        },
    }
    if len(regions) > 1:
        extra["job_regions"] = regions
    return RunRecord(
        id=job_id, project=first.project, name=first.name, tags=dict(first.tags),
        status=_combined_status([r.status for r in runs]), exit_code=first.exit_code,
        started_at=started, ended_at=ended, heartbeat_at=max(r.heartbeat_at or r.started_at for r in runs),
        duration_s=duration_s, it_energy_j=sum(r.it_energy_j for r in runs),
        energy_j=sum(r.energy_j for r in runs), energy_j_low=sum(r.energy_j_low for r in runs),
        energy_j_high=sum(r.energy_j_high for r in runs), co2e_g=sum(r.co2e_g for r in runs),
        co2e_g_low=sum(r.co2e_g_low for r in runs), co2e_g_high=sum(r.co2e_g_high for r in runs),
        co2e_g_net=None if any(n is None for n in nets) else sum(n for n in nets if n is not None),
        pue=first.pue, pue_source=first.pue_source, intensity_g_per_kwh=first.intensity_g_per_kwh,
        intensity_source=first.intensity_source, region=first.region, components=components,
        phases=_merge_phases(runs), command=first.command, hostname=first.hostname, pid=None,
        flush_interval_s=first.flush_interval_s, scope=first.scope, intensity_zone=first.intensity_zone,
        intensity_resolution=first.intensity_resolution, assumptions=first.assumptions, extra=extra,
        job_id=job_id, node=f"{len(nodes)} node(s)", rank=None, local_rank=None, world_size=world,
        launcher=first.launcher,
    )  # fmt: skip


def load_job(job_id: str, *, db: str | None = None, store: object | None = None) -> JobSummary:
    """The job ``job_id`` (or a unique prefix of at least 6 characters) from the ledger.

    Args:
        job_id: the job's id (as ``runs list`` and the records show it).
        db: the ledger's URL (default ``$MLFOOTPRINT_DB`` or the per-user SQLite file).
        store: an open store to read instead (the caller keeps it).

    Raises:
        RunNotFoundError: no run of that job is stored.
    """
    from mlfootprint.store import RunStore, open_store

    if store is not None:
        given: RunStore = store  # type: ignore[assignment]
        runs = given.job_runs(job_id)
    else:
        with open_store(db) as opened:
            runs = opened.job_runs(job_id)
    if not runs:
        raise RunNotFoundError(f"no run of job {job_id!r} is stored")
    return summarise_job(runs)
