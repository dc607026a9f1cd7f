"""Job identity from launcher environments, and the rule of who reads which meter (each joule once)."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlfootprint.errors import ConfigError
from mlfootprint.meters.discovery import default_providers
from mlfootprint.meters.ownership import meter_ownership
from mlfootprint.store import SQLStore, open_store
from mlfootprint.testing import FakeClock, FakeGPU, FakeNVML, FakePsutil, make_rapl_zone, write_energy_uj
from mlfootprint.tracking.entry import track
from mlfootprint.tracking.job import detect_job

TORCHRUN_RANK1 = {
    "RANK": "1", "LOCAL_RANK": "1", "WORLD_SIZE": "4", "LOCAL_WORLD_SIZE": "2", "GROUP_RANK": "0",
    "TORCHELASTIC_RUN_ID": "0b1cf0f2-6146", "MASTER_ADDR": "localhost", "MASTER_PORT": "33197",
}  # fmt: skip
SLURM_TASK = {
    "SLURM_JOB_ID": "4242", "SLURM_STEP_ID": "0", "SLURM_PROCID": "5", "SLURM_LOCALID": "1",
    "SLURM_NODEID": "2", "SLURM_NTASKS": "8", "SLURM_TASKS_PER_NODE": "2(x4)", "SLURMD_NODENAME": "gpu017",
}  # fmt: skip


def test_torchrun_identity() -> None:
    job = detect_job(TORCHRUN_RANK1, hostname="h1")
    assert (job.job_id, job.launcher, job.job_source) == (
        "torchrun-0b1cf0f2-6146",
        "torchrun",
        "$TORCHELASTIC_RUN_ID",
    )
    assert (job.node, job.rank, job.local_rank, job.world_size, job.local_world_size, job.node_rank) == (
        "h1", 1, 1, 4, 2, 0,
    )  # fmt: skip
    assert not job.is_node_leader


def test_torchrun_without_rdzv_id_uses_slurm_then_master_address() -> None:
    env = {**TORCHRUN_RANK1, "TORCHELASTIC_RUN_ID": "none"}
    assert detect_job(env, hostname="h").job_id == "torchrun-localhost-33197"
    assert detect_job({**env, "SLURM_JOB_ID": "77"}, hostname="h").job_id == "slurm-77"


def test_slurm_task_identity_and_node_name() -> None:
    job = detect_job(SLURM_TASK, hostname="ignored")
    assert (job.job_id, job.launcher) == ("slurm-4242.0", "slurm")
    assert (job.node, job.rank, job.local_rank, job.world_size, job.local_world_size, job.node_rank) == (
        "gpu017", 5, 1, 8, 2, 2,
    )  # fmt: skip
    array = detect_job({**SLURM_TASK, "SLURM_ARRAY_JOB_ID": "90", "SLURM_ARRAY_TASK_ID": "3"}, hostname="h")
    assert array.job_id == "slurm-90_3"


def test_a_batch_script_outside_srun_is_a_lone_process() -> None:
    job = detect_job({"SLURM_JOB_ID": "4242"}, hostname="h")  # no SLURM_PROCID: not a task of a step
    assert (job.job_id, job.launcher, job.rank, job.world_size) == (None, "none", 0, 1)


def test_open_mpi_and_pmi() -> None:
    ompi = {"OMPI_COMM_WORLD_RANK": "3", "OMPI_COMM_WORLD_LOCAL_RANK": "1", "OMPI_COMM_WORLD_SIZE": "4",
            "OMPI_COMM_WORLD_LOCAL_SIZE": "2", "PMIX_NAMESPACE": "prterun-h-1234@1"}  # fmt: skip
    job = detect_job(ompi, hostname="h")
    assert (job.job_id, job.launcher, job.rank, job.local_rank, job.world_size) == (
        "mpi-prterun-h-1234@1", "mpi", 3, 1, 4,
    )  # fmt: skip
    pmi = detect_job({"PMI_RANK": "2", "PMI_SIZE": "3", "MPI_LOCALRANKID": "0"}, hostname="h")
    assert (pmi.launcher, pmi.rank, pmi.world_size, pmi.job_id) == ("mpi", 2, 3, None)


def test_explicit_job_wins_and_node_can_be_overridden() -> None:
    env = {**TORCHRUN_RANK1, "MLFOOTPRINT_JOB": "from-env", "MLFOOTPRINT_NODE": "node-b"}
    from_env = detect_job(env, hostname="h")
    assert (from_env.job_id, from_env.launcher, from_env.node, from_env.rank) == (
        "from-env", "explicit+torchrun", "node-b", 1,
    )  # fmt: skip
    given = detect_job(env, hostname="h", job="bert-42", node="n0")
    assert (given.job_id, given.job_source, given.node) == ("bert-42", "argument", "n0")
    assert detect_job({}, hostname="h", job="solo").launcher == "explicit"


def test_a_garbled_launcher_variable_is_named() -> None:
    with pytest.raises(ConfigError, match=r"\$LOCAL_RANK 'x'"):
        detect_job({**TORCHRUN_RANK1, "LOCAL_RANK": "x"}, hostname="h")


def test_gpu_ownership_rule() -> None:
    def owned(local_rank: int, lws: int, count: int, **kw: object) -> list[int]:
        own = meter_ownership(local_rank=local_rank, local_world_size=lws, env=kw.pop("env", {}), **kw)  # type: ignore[arg-type]
        return [i for i in range(count) if own.owns_gpu(i)]

    assert [owned(r, 2, 2) for r in (0, 1)] == [[0], [1]]  # one GPU per rank
    assert [owned(r, 2, 4) for r in (0, 1)] == [[0, 2], [1, 3]]  # spare GPUs go round the ranks
    assert [owned(r, 4, 2) for r in range(4)] == [[0], [1], [], []]  # shared GPUs: read once
    assert owned(1, 2, 1, env={"CUDA_VISIBLE_DEVICES": "1"}) == [0]  # narrowed to its own GPU
    assert owned(1, 2, 4, current_device=3) == [3]  # the framework said which
    assert owned(0, 1, 3) == [0, 1, 2]  # alone on its node: every GPU
    leader = meter_ownership(local_rank=0, local_world_size=2, env={})
    other = meter_ownership(local_rank=1, local_world_size=2, env={})
    assert leader.reads_provider("rapl") and not other.reads_provider("rapl")
    assert not other.reads_provider("cpu-estimate") and other.reads_provider("nvml")
    per_process = meter_ownership(local_rank=1, local_world_size=2, env={}, scope="process")
    assert per_process.reads_provider("cpu-estimate") and not per_process.reads_provider("rapl")
    assert meter_ownership(local_rank=1, local_world_size=2, env={}, mode="all").node_meters
    assert not meter_ownership(local_rank=0, local_world_size=2, env={}, mode="none").node_meters


def test_two_ranks_with_fake_gpus_count_each_joule_once(tmp_path: Path, clock: FakeClock) -> None:
    """Two ranks on one node, GPUs at 300 W and 200 W, RAPL package and DRAM: the job is the machine."""
    powercap = tmp_path / "powercap"
    zone = make_rapl_zone(powercap, energy_uj=0, subzones={"dram": 0})
    nvml = FakeNVML(
        [FakeGPU(uuid="GPU-aaaa", power_w=300.0), FakeGPU(uuid="GPU-bbbb", power_w=200.0)], clock=clock
    )
    store: SQLStore = open_store(f"sqlite:///{tmp_path / 'runs.sqlite3'}", clock=clock)
    trackers = []
    for rank in (0, 1):
        env = {"RANK": str(rank), "LOCAL_RANK": str(rank), "WORLD_SIZE": "2", "LOCAL_WORLD_SIZE": "2",
               "TORCHELASTIC_RUN_ID": "job-a"}  # fmt: skip
        providers = default_providers(
            nvml=nvml,
            rapl_root=powercap,
            proc_root=tmp_path,
            cgroup_root=tmp_path,
            psutil=FakePsutil(),
            env=env,
        )
        tracker = track(region="FR", pue=1.0, clock=clock, store=store, providers=providers, env=env)
        trackers.append(tracker.start())
    clock.advance(10.0)
    write_energy_uj(zone, 500_000_000)  # 500 J in 10 s
    write_energy_uj(next(zone.glob("intel-rapl:*:0")), 100_000_000)  # DRAM: 100 J
    rank0, rank1 = (t.stop() for t in trackers)
    store.close()
    assert [c.meter_id for c in rank0.components] == ["nvml:0", "rapl:package-0", "rapl:package-0/dram"]
    assert [c.meter_id for c in rank1.components] == ["nvml:1"]
    assert rank0.it_energy_j == pytest.approx(3000.0 + 500.0 + 100.0, rel=1e-3)
    assert rank1.it_energy_j == pytest.approx(2000.0, rel=1e-3)
    assert (rank0.job_id, rank0.rank, rank0.local_rank, rank1.rank) == ("torchrun-job-a", 0, 0, 1)
    assert "leaves to local rank 0" in str(rank1.extra["meter_ownership"])


def test_cuda_visible_devices_per_rank(tmp_path: Path, clock: FakeClock) -> None:
    nvml = FakeNVML(
        [FakeGPU(uuid="GPU-aaaa", power_w=300.0), FakeGPU(uuid="GPU-bbbb", power_w=200.0)], clock=clock
    )
    env = {"RANK": "1", "LOCAL_RANK": "1", "WORLD_SIZE": "2", "LOCAL_WORLD_SIZE": "2",
           "TORCHELASTIC_RUN_ID": "j", "CUDA_VISIBLE_DEVICES": "1"}  # fmt: skip
    providers = default_providers(
        nvml=nvml,
        rapl_root=tmp_path / "none",
        proc_root=tmp_path,
        cgroup_root=tmp_path,
        psutil=FakePsutil(),
        env=env,
    )
    with (
        open_store(f"sqlite:///{tmp_path / 'r.sqlite3'}", clock=clock) as store,
        track(region="FR", pue=1.0, clock=clock, store=store, providers=providers, env=env) as run,
    ):
        clock.advance(10.0)
    assert run.result is not None
    assert [c.meter_id for c in run.result.components] == ["nvml:1"]
    assert run.result.it_energy_j == pytest.approx(2000.0, rel=1e-3)
