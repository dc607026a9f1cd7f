"""The labels every exported series carries: run id, project, name, job, node and rank (pure)."""

from __future__ import annotations

import socket
from collections.abc import Mapping

from mlfootprint.records import RunRecord

__all__ = ["LABEL_NAMES", "run_labels"]

LABEL_NAMES = ("run_id", "project", "name", "job", "node", "rank")

#: launcher variables naming the job, first found wins (Slurm, torchrun, Kubernetes job, generic)
_JOB_VARS = ("MLFOOTPRINT_JOB", "SLURM_JOB_ID", "TORCHELASTIC_RUN_ID", "JOB_NAME")
#: launcher variables giving this process's global rank
_RANK_VARS = ("RANK", "SLURM_PROCID", "OMPI_COMM_WORLD_RANK", "PMI_RANK")


def _first(env: Mapping[str, str], names: tuple[str, ...]) -> str | None:
    for name in names:
        value = env.get(name, "").strip()
        if value:
            return value
    return None


def run_labels(run: RunRecord, env: Mapping[str, str]) -> dict[str, str]:
    """Label values of ``run``: job and rank from its tags (``job``, ``rank``), else the launcher's
    environment (single-process runs: job = the run id, rank ``0``); node = the run's host."""
    job = run.tags.get("job") or _first(env, _JOB_VARS) or run.id
    rank = run.tags.get("rank") or _first(env, _RANK_VARS) or "0"
    node = run.hostname or socket.gethostname()
    return {
        "run_id": run.id,
        "project": run.project,
        "name": run.name,
        "job": job,
        "node": node,
        "rank": rank,
    }
