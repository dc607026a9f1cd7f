"""One rank of a test job: track, meet the other ranks, wait for the test's signal, stop.

Usage: python rank.py DB_URL SYNC_DIR [RAPL_ROOT]

With RAPL_ROOT, the meters are a fake RAPL zone (real files the test writes) and no GPU; without, the
default discovery of this machine (the CPU estimate). Rank 0 writes SYNC_DIR/ready once every rank is
tracking; every rank waits for SYNC_DIR/done (keeping the CPU busy), then they stop together.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import torch.distributed as dist

import mlfootprint
from mlfootprint.meters.discovery import default_providers
from mlfootprint.testing import FakeAMDSMI, FakeClock, FakeNVML


def main() -> None:
    db, sync = sys.argv[1], Path(sys.argv[2])
    providers = None
    if len(sys.argv) > 3:
        clock = FakeClock()
        providers = default_providers(
            rapl_root=Path(sys.argv[3]),
            nvml=FakeNVML([], clock=clock, init_error=12),
            amdsmi=FakeAMDSMI([], clock=clock, init_error=1),
        )
    dist.init_process_group("gloo")
    with mlfootprint.track(project="dist", name="rank", db=db, region="FR", pue=1.0, interval_s=0.1,
                           providers=providers) as run:  # fmt: skip
        dist.barrier()
        if dist.get_rank() == 0:
            (sync / "ready").write_text(str(time.time()))
        with run.phase("work"):
            while not (sync / "done").exists():
                sum(i * i for i in range(20_000))  # keep a core busy
        dist.barrier()
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
