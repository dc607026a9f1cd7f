"""Which job, node and rank this process is: a pure function of the environment.

Launchers are recognised in this order (the first that applies wins):

1. an explicit job id: ``track(job=...)``, ``mlfootprint run --job``, then ``$MLFOOTPRINT_JOB``;
2. torchrun / torch elastic: ``RANK``, ``LOCAL_RANK``, ``WORLD_SIZE``, ``LOCAL_WORLD_SIZE``, ``GROUP_RANK``,
   the job id from ``TORCHELASTIC_RUN_ID`` (``--rdzv-id``; ``none`` when not given, then the Slurm job
   id if there is one, else the master's address and port);
3. Slurm tasks (``srun``): ``SLURM_JOB_ID`` (``SLURM_ARRAY_JOB_ID_SLURM_ARRAY_TASK_ID`` for arrays),
   ``SLURM_STEP_ID``, ``SLURM_PROCID``, ``SLURM_LOCALID``, ``SLURM_NODEID``, ``SLURM_NTASKS``;
4. Open MPI (``OMPI_COMM_WORLD_*``) and PMI/PMIx (``PMI_RANK``, ``PMIX_RANK``, ``MPI_LOCALRANKID``), with
   the job id from ``PMIX_NAMESPACE`` / ``OMPI_MCA_orte_ess_jobid``;
5. none: a lone process (rank 0 of 1), with no job id.

With an explicit job id, ranks still come from the launcher. The node is ``$MLFOOTPRINT_NODE`` (or the
``node`` option), else Slurm's node name, else the host name: two "nodes" on one host (a test, or
containers sharing a host name) are told apart by setting it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from mlfootprint.errors import ConfigError

__all__ = ["JobIdentity", "detect_job"]


@dataclass(frozen=True, slots=True, kw_only=True)
class JobIdentity:
    """This process's place in a job.

    ``job_id`` is None for a process outside any job. ``rank``/``world_size`` count processes over the
    whole job, ``local_rank``/``local_world_size`` on this node; ``node_rank`` is the node's index when
    the launcher gives it. ``launcher`` says where the identity came from (``explicit``, ``torchrun``,
    ``slurm``, ``mpi``, ``none``) and ``job_source`` which variable gave the job id.
    """

    job_id: str | None
    launcher: str
    job_source: str
    node: str
    rank: int = 0
    local_rank: int = 0
    world_size: int = 1
    local_world_size: int = 1
    node_rank: int | None = None

    @property
    def distributed(self) -> bool:
        return self.world_size > 1 or self.job_id is not None

    @property
    def is_node_leader(self) -> bool:
        """True for the process that reads this node's shared meters (local rank 0)."""
        return self.local_rank == 0


def _int(env: Mapping[str, str], *names: str) -> int | None:
    for name in names:
        raw = env.get(name)
        if raw is None or raw.strip() == "":
            continue
        try:
            value = int(raw.strip())
        except ValueError:
            raise ConfigError(f"${name} {raw!r} is not a whole number (set by the launcher)") from None
        if value < 0:
            raise ConfigError(f"${name} {raw!r} must not be negative (set by the launcher)")
        return value
    return None


def _slurm_job(env: Mapping[str, str]) -> tuple[str, str] | None:
    array, task = env.get("SLURM_ARRAY_JOB_ID"), env.get("SLURM_ARRAY_TASK_ID")
    if array and task:
        return f"slurm-{array}_{task}", "$SLURM_ARRAY_JOB_ID/$SLURM_ARRAY_TASK_ID"
    job = env.get("SLURM_JOB_ID") or env.get("SLURM_JOBID")
    if job:
        step = env.get("SLURM_STEP_ID")
        suffix = f".{step}" if step and env.get("SLURM_PROCID") is not None else ""
        return f"slurm-{job}{suffix}", "$SLURM_JOB_ID" + ("/$SLURM_STEP_ID" if suffix else "")
    return None


def _ranks(env: Mapping[str, str]) -> tuple[str, int, int, int, int, int | None] | None:
    """(launcher, rank, local rank, world size, local world size, node rank) from the first launcher seen."""
    if env.get("RANK") is not None and (env.get("LOCAL_RANK") is not None or env.get("TORCHELASTIC_RUN_ID")):
        rank = _int(env, "RANK") or 0
        local = _int(env, "LOCAL_RANK") or 0
        world = _int(env, "WORLD_SIZE") or 1
        local_world = _int(env, "LOCAL_WORLD_SIZE") or 1
        return "torchrun", rank, local, world, local_world, _int(env, "GROUP_RANK")
    if env.get("SLURM_PROCID") is not None and (env.get("SLURM_JOB_ID") or env.get("SLURM_JOBID")):
        rank = _int(env, "SLURM_PROCID") or 0
        local = _int(env, "SLURM_LOCALID") or 0
        world = _int(env, "SLURM_NTASKS", "SLURM_NPROCS") or 1
        per_node = env.get("SLURM_TASKS_PER_NODE", "").split("(")[0].split(",")[0]
        local_world = int(per_node) if per_node.isdigit() else 1
        return "slurm", rank, local, world, local_world, _int(env, "SLURM_NODEID")
    if env.get("OMPI_COMM_WORLD_RANK") is not None:
        return (
            "mpi",
            _int(env, "OMPI_COMM_WORLD_RANK") or 0,
            _int(env, "OMPI_COMM_WORLD_LOCAL_RANK") or 0,
            _int(env, "OMPI_COMM_WORLD_SIZE") or 1,
            _int(env, "OMPI_COMM_WORLD_LOCAL_SIZE") or 1,
            _int(env, "OMPI_COMM_WORLD_NODE_RANK"),
        )
    if env.get("PMI_RANK") is not None or env.get("PMIX_RANK") is not None:
        return (
            "mpi",
            _int(env, "PMI_RANK", "PMIX_RANK") or 0,
            _int(env, "MPI_LOCALRANKID", "PALS_LOCAL_RANKID", "PMI_LOCAL_RANK") or 0,
            _int(env, "PMI_SIZE", "PMIX_SIZE") or 1,
            _int(env, "MPI_LOCALNRANKS", "PMI_LOCAL_SIZE") or 1,
            None,
        )
    return None


def _launcher_job(env: Mapping[str, str], launcher: str) -> tuple[str | None, str]:
    if launcher == "torchrun":
        run_id = env.get("TORCHELASTIC_RUN_ID", "")
        if run_id and run_id != "none":
            return f"torchrun-{run_id}", "$TORCHELASTIC_RUN_ID"
        slurm = _slurm_job(env)
        if slurm is not None:
            return slurm
        addr, port = env.get("MASTER_ADDR"), env.get("MASTER_PORT")
        if addr and port:
            return f"torchrun-{addr}-{port}", "$MASTER_ADDR:$MASTER_PORT (no --rdzv-id given)"
        return None, "none (no run id, Slurm job or master address)"
    if launcher == "slurm":
        found = _slurm_job(env)
        return found if found is not None else (None, "none")
    for name in ("PMIX_NAMESPACE", "OMPI_MCA_orte_ess_jobid", "OMPI_MCA_ess_base_jobid"):
        if env.get(name):
            return f"mpi-{env[name]}", f"${name}"
    slurm = _slurm_job(env)  # mpirun inside an allocation
    return slurm if slurm is not None else (None, "none (the MPI launcher gave no job id)")


def detect_job(
    env: Mapping[str, str], *, hostname: str, job: str | None = None, node: str | None = None
) -> JobIdentity:
    """This process's job identity from ``env`` (pure: no other input is read).

    Args:
        env: the environment (``os.environ`` in a real run).
        hostname: this machine's host name (the node unless overridden).
        job: an explicit job id (wins over ``$MLFOOTPRINT_JOB`` and the launcher's).
        node: an explicit node name (wins over ``$MLFOOTPRINT_NODE``).

    Raises:
        ConfigError: a launcher variable that is not a whole number.
    """
    ranks = _ranks(env)
    job_id: str | None
    launcher, rank, local, world, local_world, node_rank = ranks or ("none", 0, 0, 1, 1, None)
    if job is not None:
        job_id, job_source, launcher_name = job.strip(), "argument", "explicit"
    elif env.get("MLFOOTPRINT_JOB", "").strip():
        job_id, job_source, launcher_name = env["MLFOOTPRINT_JOB"].strip(), "$MLFOOTPRINT_JOB", "explicit"
    elif ranks is not None:
        (job_id, job_source), launcher_name = _launcher_job(env, launcher), launcher
    else:
        job_id, job_source, launcher_name = None, "none", "none"
    if ranks is not None and launcher_name == "explicit":
        launcher_name = f"explicit+{launcher}"
    node_name = (node or "").strip() or env.get("MLFOOTPRINT_NODE", "").strip()
    if not node_name and launcher == "slurm":
        node_name = env.get("SLURMD_NODENAME", "").strip()
    return JobIdentity(
        job_id=job_id,
        launcher=launcher_name,
        job_source=job_source,
        node=node_name or hostname,
        rank=rank,
        local_rank=local,
        world_size=max(world, rank + 1),
        local_world_size=max(local_world, local + 1),
        node_rank=node_rank,
    )
