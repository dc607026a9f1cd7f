"""Real multi-process jobs under torchrun (CPU, gloo): each joule counted once, on one node and on two.

The tolerance of the real-CPU comparison (``CPU_TOLERANCE_FRAC``) is documented in docs/distributed.md:
the job's window is a little wider than the reference's (the ranks start tracking before the signal
that starts the reference and stop after it), and the CPU estimate samples utilisation at different
instants in different processes.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.frameworks
pytest.importorskip("torch")

from helpers.net import free_port  # noqa: E402
from mlfootprint.store import open_store  # noqa: E402
from mlfootprint.testing import make_rapl_zone, write_energy_uj  # noqa: E402
from mlfootprint.tracking.entry import track  # noqa: E402
from mlfootprint.tracking.jobs import load_job  # noqa: E402

RANK = Path(__file__).parent / "scripts" / "rank.py"
#: how far a two-rank job's CPU-estimate energy may be from one measurement of the machine
CPU_TOLERANCE_FRAC = 0.35
#: how far the job's average power may be from the machine's over the same seconds
POWER_TOLERANCE_FRAC = 0.15


def torchrun(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "torch.distributed.run", *args],
        env={**os.environ, "OMP_NUM_THREADS": "1", **(env or {})},
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip


def wait_for(path: Path, procs: list[subprocess.Popen[str]], timeout_s: float = 120.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not path.exists():
        for p in procs:
            if p.poll() is not None:
                pytest.fail(f"torchrun ended early ({p.returncode}):\n{p.stdout.read() if p.stdout else ''}")
        if time.monotonic() > deadline:
            pytest.fail(f"no {path.name} within {timeout_s} s")
        time.sleep(0.02)


def finish(procs: list[subprocess.Popen[str]]) -> None:
    for p in procs:
        out, _ = p.communicate(timeout=120)
        assert p.returncode == 0, out[-4000:]


def test_two_ranks_on_one_node_count_the_machine_once(tmp_path: Path) -> None:
    """Fake RAPL zone (package + DRAM) that the test advances while both ranks track: the job gets it once."""
    powercap = tmp_path / "powercap"
    zone = make_rapl_zone(powercap, energy_uj=0, subzones={"dram": 0})
    db = f"sqlite:///{tmp_path / 'runs.sqlite3'}"
    sync = tmp_path / "sync"
    sync.mkdir()
    procs = [torchrun("--standalone", "--nproc_per_node=2", str(RANK), db, str(sync), str(powercap))]
    wait_for(sync / "ready", procs)
    write_energy_uj(zone, 900_000_000)  # the machine: 900 J of package energy
    write_energy_uj(next(zone.glob("intel-rapl:*:0")), 300_000_000)  # and 300 J of DRAM
    time.sleep(0.5)  # at least one sample of each rank after the change
    (sync / "done").write_text("")
    finish(procs)
    with open_store(db) as store:
        runs = store.list_runs()
    assert len(runs) == 2 and len({r.job_id for r in runs}) == 1
    job = load_job(runs[0].job_id or "", db=db)
    assert job.status == "finished" and job.world_size == 2 and [n.node for n in job.nodes] == [runs[0].node]
    assert job.record.it_energy_j == pytest.approx(1200.0)  # once, not 2400 J
    by_rank = {r.rank: r for r in job.ranks}
    assert by_rank[0].meters == ("rapl:package-0", "rapl:package-0/dram") and by_rank[1].meters == ()
    (work,) = [p for p in job.record.phases if p.name == "work"]
    assert work.energy_j == pytest.approx(1200.0)


def test_two_ranks_with_the_real_cpu_estimate_match_one_measurement_of_the_machine(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'runs.sqlite3'}"
    sync = tmp_path / "sync"
    sync.mkdir()
    procs = [torchrun("--standalone", "--nproc_per_node=2", str(RANK), db, str(sync))]
    wait_for(sync / "ready", procs)
    with track(project="reference", region="FR", pue=1.0, interval_s=0.1,
               db=f"sqlite:///{tmp_path / 'reference.sqlite3'}", env={}) as reference:  # fmt: skip
        time.sleep(4.0)
    (sync / "done").write_text("")
    finish(procs)
    with open_store(db) as store:
        (job_id,) = {r.job_id for r in store.list_runs()}
    job = load_job(job_id or "", db=db)
    assert reference.result is not None
    machine_j = reference.result.it_energy_j
    (work,) = [p for p in job.record.phases if p.name == "work"]
    assert work.energy_j == pytest.approx(machine_j, rel=CPU_TOLERANCE_FRAC)
    machine_w = machine_j / reference.result.duration_s  # the same power: the windows differ, not the rate
    assert work.energy_j / work.duration_s == pytest.approx(machine_w, rel=POWER_TOLERANCE_FRAC)
    assert job.record.it_energy_j < 1.5 * machine_j * (job.record.duration_s / reference.result.duration_s)


def test_two_nodes_on_one_host_over_postgresql_are_one_job(tmp_path: Path) -> None:
    url = os.environ.get("MLFOOTPRINT_TEST_POSTGRES_URL")
    if not url:
        pytest.skip("MLFOOTPRINT_TEST_POSTGRES_URL is not set (source .ci/postgres.sh && start_postgres)")
    zones = {}
    for node in ("a", "b"):
        zones[node] = make_rapl_zone(tmp_path / f"powercap-{node}", energy_uj=0, subzones={"dram": 0})
    sync = tmp_path / "sync"
    sync.mkdir()
    port, job_id = free_port(), f"two-nodes-{os.getpid()}-{time.time_ns()}"
    procs = []
    for rank, node in enumerate(("a", "b")):
        args = [f"--node_rank={rank}", f"--rdzv-endpoint=127.0.0.1:{port}", f"--rdzv-id={job_id}"]
        script = [str(RANK), url, str(sync), str(tmp_path / f"powercap-{node}")]
        node_env = {"MLFOOTPRINT_NODE": f"node-{node}"}
        procs.append(
            torchrun("--nnodes=2", "--nproc_per_node=1", "--rdzv-backend=c10d", *args, *script, env=node_env)
        )
    wait_for(sync / "ready", procs)
    write_energy_uj(zones["a"], 1_000_000_000)  # node a: 1000 J
    write_energy_uj(zones["b"], 400_000_000)  # node b: 400 J
    time.sleep(0.5)
    (sync / "done").write_text("")
    finish(procs)
    job = load_job(f"torchrun-{job_id}", db=url)
    assert job.status == "finished" and job.world_size == 2
    assert [(n.node, n.ranks) for n in job.nodes] == [("node-a", (0,)), ("node-b", (1,))]
    assert [n.energy_j for n in job.nodes] == [pytest.approx(1000.0), pytest.approx(400.0)]
    assert job.record.it_energy_j == pytest.approx(1400.0)


def test_hugging_face_trainer_under_torchrun_is_one_job_and_logs_the_job_total(tmp_path: Path) -> None:
    pytest.importorskip("transformers")
    pytest.importorskip("accelerate")
    db = f"sqlite:///{tmp_path / 'runs.sqlite3'}"
    out = tmp_path / "out"
    out.mkdir()
    script = Path(__file__).parent / "scripts" / "hf_rank.py"
    finish([torchrun("--standalone", "--nproc_per_node=2", str(script), db, str(out))])
    with open_store(db) as store:
        runs = store.list_runs()
    assert len(runs) == 2 and len({r.job_id for r in runs}) == 1
    job = load_job(runs[0].job_id or "", db=db)
    assert job.status == "finished" and [r.rank for r in job.ranks] == [0, 1]
    assert job.ranks[1].meters == ()  # the machine is read by local rank 0 only
    logs = [json.loads((out / f"rank{r}.json").read_text())["logged"] for r in (0, 1)]
    assert logs[0] and [e["mlfootprint/energy_kwh"] for e in logs[0]] == [
        e["mlfootprint/energy_kwh"] for e in logs[1]
    ]
    assert 0 < logs[0][-1]["mlfootprint/energy_kwh"] <= job.record.energy_j / 3.6e6  # summed over ranks
