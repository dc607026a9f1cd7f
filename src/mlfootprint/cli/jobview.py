"""A job as text and JSON: its total, then per node and per rank, live ranks and what is missing."""

from __future__ import annotations

from typing import Any

from mlfootprint.cli.runs import energy_text, format_run, mass_text
from mlfootprint.tracking.jobs import JobSummary
from mlfootprint.units import kg_from_g, kwh_from_j

__all__ = ["format_job", "job_to_dict"]


def format_job(job: JobSummary) -> str:
    """The job's total (as a run), then its nodes and ranks."""
    status = job.status
    if job.live_ranks:
        status += f"; live ranks: {', '.join(str(r) for r in job.live_ranks)}"
    lines = [
        f"job {job.job_id}: {status}; {len(job.ranks)} of {job.world_size} rank(s) "
        f"on {len(job.nodes)} node(s)",
        "each joule counted once: node-level meters are read by local rank 0, each GPU by its rank "
        "(docs/distributed.md)",
        "",
        format_run(job.record),
        "",
        "per node:",
    ]
    for n in job.nodes:
        ranks = ", ".join(str(r) for r in n.ranks)
        lines.append(f"  {n.node:<20} ranks {ranks:<12} {energy_text(n.energy_j):>12}  {mass_text(n.co2e_g)}")
    lines.append("per rank:")
    for r in job.ranks:
        meters = ", ".join(r.meters) or "none (its share is read by local rank 0)"
        line = (
            f"  rank {r.rank:<3} (local {r.local_rank}) {r.node:<16} {r.status:<11} "
            f"{energy_text(r.energy_j):>12}  run {r.run_id}  meters: {meters}"
        )
        if r.error:
            line += f"  error: {r.error}"
        lines.append(line)
    if job.missing:
        lines.append("partial: the total lacks")
        lines.extend(f"  - {m}" for m in job.missing)
    return "\n".join(lines)


def job_to_dict(job: JobSummary) -> dict[str, Any]:
    """The JSON form (display units)."""
    from mlfootprint.serialize import run_to_dict

    return {
        "job_id": job.job_id,
        "status": job.status,
        "world_size": job.world_size,
        "live_ranks": list(job.live_ranks),
        "missing": list(job.missing),
        "total": run_to_dict(job.record),
        "nodes": [
            {
                "node": n.node,
                "ranks": list(n.ranks),
                "energy_kwh": kwh_from_j(n.energy_j),
                "co2e_kg": kg_from_g(n.co2e_g),
            }
            for n in job.nodes
        ],
        "ranks": [
            {
                "rank": r.rank,
                "local_rank": r.local_rank,
                "node": r.node,
                "run_id": r.run_id,
                "status": r.status,
                "energy_kwh": kwh_from_j(r.energy_j),
                "co2e_kg": kg_from_g(r.co2e_g),
                "duration_s": r.duration_s,
                "meters": list(r.meters),
                "error": r.error,
            }
            for r in job.ranks
        ],
    }
