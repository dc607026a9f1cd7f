"""A job as one thing: ranks and nodes added into one total, phases merged, a dead rank makes it partial."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

import mlfootprint
from mlfootprint.cli.main import main
from mlfootprint.store import SQLStore, open_store
from mlfootprint.testing import FakeClock, FakeMeter
from mlfootprint.tracking.entry import track
from mlfootprint.tracking.tracker import Tracker

GPU_W = 300.0
CPU_W = 50.0


@pytest.fixture
def store_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'runs.sqlite3'}"


@pytest.fixture
def store(store_url: str, clock: FakeClock) -> Iterator[SQLStore]:
    s = open_store(store_url, clock=clock)
    yield s
    s.close()


def rank_env(rank: int, *, nodes: int = 2, per_node: int = 2) -> dict[str, str]:
    return {
        "RANK": str(rank), "LOCAL_RANK": str(rank % per_node), "WORLD_SIZE": str(nodes * per_node),
        "LOCAL_WORLD_SIZE": str(per_node), "GROUP_RANK": str(rank // per_node), "TORCHELASTIC_RUN_ID": "j42",
        "MLFOOTPRINT_NODE": f"node{rank // per_node}",
    }  # fmt: skip


def rank_tracker(rank: int, clock: FakeClock, store: SQLStore, **env: str) -> Tracker:
    """A rank's tracker with the meters the ownership rule gives it: its GPU, and the CPU on local rank 0."""
    meters = [FakeMeter(clock, meter_id=f"nvml:{rank % 2}", component="gpu", power_w=GPU_W)]
    if rank % 2 == 0:
        meters.append(FakeMeter(clock, meter_id="rapl:package-0", component="cpu", power_w=CPU_W))
    return track(
        name="bert",
        region="FR",
        pue=1.0,
        meters=meters,
        clock=clock,
        store=store,
        env={**rank_env(rank), **env},
    )


def test_two_nodes_two_ranks_each_add_up_with_phases_merged(clock: FakeClock, store: SQLStore) -> None:
    trackers = [rank_tracker(rank, clock, store).start() for rank in range(4)]
    with ExitStack() as phases:
        for t in trackers:
            phases.enter_context(t.phase("epoch-0"))
        clock.advance(10.0)
    for t in trackers:
        t.stop()
    job = mlfootprint.load_job("torchrun-j42", store=store)
    assert job.status == "finished" and job.world_size == 4 and job.missing == ()
    assert job.record.it_energy_j == pytest.approx(4 * GPU_W * 10 + 2 * CPU_W * 10)
    assert [(n.node, n.ranks, n.energy_j) for n in job.nodes] == [
        ("node0", (0, 1), pytest.approx(2 * GPU_W * 10 + CPU_W * 10)),
        ("node1", (2, 3), pytest.approx(2 * GPU_W * 10 + CPU_W * 10)),
    ]
    assert [r.rank for r in job.ranks] == [0, 1, 2, 3]
    (phase,) = job.record.phases
    assert phase.name == "epoch-0" and phase.energy_j == pytest.approx(job.record.it_energy_j)
    assert "node1/rank3/nvml:1" in {c.meter_id for c in job.record.components}


def test_a_live_job_shows_its_live_ranks_and_a_dead_rank_makes_it_partial(
    clock: FakeClock, store: SQLStore, store_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    trackers = [rank_tracker(rank, clock, store).start() for rank in range(3)]  # rank 3 never reports
    deadline = time.monotonic() + 10.0
    while len(store.job_runs("torchrun-j42")) < 3 and time.monotonic() < deadline:
        time.sleep(0.02)  # each tracker's first flush comes from its sampler thread
    clock.advance(5.0)
    job = mlfootprint.load_job("torchrun-j42", store=store)
    assert job.live_ranks == (0, 1, 2) and job.status == "partial"
    assert job.missing == (
        "rank 3: no run stored (it never started tracking, or its node cannot reach the ledger)",
    )
    trackers[1].stop(status="failed", error=RuntimeError("NCCL timeout"))
    trackers[0].stop()
    trackers[2].stop()
    assert main(["runs", "show", "torchrun-j42", "--db", store_url]) == 0
    text = capsys.readouterr().out
    assert "job torchrun-j42: partial; 3 of 4 rank(s) on 2 node(s)" in text
    assert "rank 1 on node0: failed (RuntimeError: NCCL timeout)" in text
    assert "rank 3: no run stored" in text
    assert main(["runs", "show", "torchrun-j4", "--db", store_url, "--format", "json"]) == 0  # a prefix
    doc = json.loads(capsys.readouterr().out)
    assert doc["status"] == "partial" and [n["node"] for n in doc["nodes"]] == ["node0", "node1"]


def test_summary_by_job_and_report_of_a_job(
    clock: FakeClock, store: SQLStore, store_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    trackers = [rank_tracker(rank, clock, store).start() for rank in range(4)]
    clock.advance(10.0)
    with track(name="solo", region="FR", pue=1.0, meters=[FakeMeter(clock, power_w=10.0)], clock=clock,
               store=store, env={}):  # fmt: skip
        clock.advance(1.0)  # a lone run beside the job
    for t in reversed(trackers):
        t.stop()
    assert main(["summary", "--by", "job", "--db", store_url, "--format", "json"]) == 0
    groups = {g["group"]: g for g in json.loads(capsys.readouterr().out)["groups"]}
    assert groups["torchrun-j42"]["runs"] == 4
    assert groups["torchrun-j42"]["energy_kwh"] == pytest.approx((4 * GPU_W * 11 + 2 * CPU_W * 11) / 3.6e6)
    assert main(["report", "torchrun-j42", "--db", store_url, "--format", "markdown"]) == 0
    report = capsys.readouterr().out
    assert "Job torchrun-j42: 4 rank run(s) of 4 on 2 node(s) (node0, node1)" in report


def test_report_of_a_job_in_every_format(
    clock: FakeClock, store: SQLStore, store_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    trackers = [rank_tracker(rank, clock, store).start() for rank in range(2)]
    clock.advance(10.0)
    for t in trackers:
        t.stop()
    for fmt in ("markdown", "latex", "html"):
        assert main(["report", "torchrun-j42", "--db", store_url, "--format", fmt]) == 0
        assert "torchrun-j42" in capsys.readouterr().out
    assert main(["report", "torchrun-j42", "--db", store_url, "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert "rank 3: no run stored" in json.dumps(doc)  # 2 of the 4 ranks: partial, and it says so
