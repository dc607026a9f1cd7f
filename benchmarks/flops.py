"""Overhead of counting FLOPs: sampled FlopCounterMode steps against the bare training loop.

A CPU MLP (512-1024-1024-10, batch 64) trains for ``--steps`` steps: bare; with
``TorchFlops(sample_steps=3)`` (three steps counted exactly, the rest extrapolated); and with that
counter inside ``mlfootprint.track()`` (1 s sampling, a real SQLite ledger, ``run.count`` per step).
The three alternate for ``--repetitions`` rounds so drift hits them alike. Times are the process's
CPU time (all its threads, the sampler's included): on a shared machine wall time swings by tens of
percent with the neighbours' load, CPU time much less. Printed: the median wall time of each, the
overhead in percent, the cost of one counted step against a plain one (why only a few are counted),
and the FLOPs counted against the analytic count.

Usage: ``python benchmarks/flops.py [--steps N] [--repetitions R]``
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

import torch

from mlfootprint.work.torch_flops import TorchFlops

DIMS = (512, 1024, 1024, 10)
BATCH = 64


def make() -> tuple[torch.nn.Module, torch.optim.Optimizer]:
    torch.manual_seed(0)
    layers: list[torch.nn.Module] = []
    for n_in, n_out in itertools.pairwise(DIMS):
        layers += [torch.nn.Linear(n_in, n_out), torch.nn.ReLU()]
    model = torch.nn.Sequential(*layers[:-1])
    return model, torch.optim.SGD(model.parameters(), lr=0.01)


def loop(steps: int, flops: TorchFlops | None, run: object = None) -> float:
    model, opt = make()
    x = torch.randn(BATCH, DIMS[0])
    y = torch.randint(0, DIMS[-1], (BATCH,))
    t0 = time.process_time()
    for _ in range(steps):
        ctx = flops.step(batch_size=BATCH) if flops is not None else contextlib.nullcontext()
        with ctx:
            loss = torch.nn.functional.cross_entropy(model(x), y)
            loss.backward()
            opt.step()
            opt.zero_grad()
        if run is not None:
            run.count(samples=BATCH)  # type: ignore[attr-defined]
    return time.process_time() - t0


def tracked_loop(steps: int, db: str) -> tuple[float, float]:
    """(seconds, FLOPs stored) of the loop with the counter inside a tracked run."""
    import mlfootprint

    t0 = time.process_time()
    with mlfootprint.track(project="bench-flops", region="FR", db=db, interval_s=1.0) as run:
        flops = TorchFlops(run, sample_steps=3)
        loop(steps, flops, run)
    elapsed = time.process_time() - t0
    record = run.result
    assert record is not None
    total = next(w for w in record.work if w.phase == "")
    return elapsed, float(total.flops or 0.0)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=400)
    parser.add_argument("--repetitions", type=int, default=3)
    args = parser.parse_args()
    torch.set_num_threads(1)
    loop(20, None)  # warm up the allocator and kernels
    import tempfile

    bare, counted, tracked = [], [], []
    flops = TorchFlops(None)
    stored = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        db = f"sqlite:///{tmp}/runs.sqlite3"
        tracked_loop(2, db)  # the first tracker of a process loads the tables (README: 48-58 ms)
        for _ in range(args.repetitions):
            bare.append(loop(args.steps, None))
            flops = TorchFlops(None, sample_steps=3)
            counted.append(loop(args.steps, flops))
            seconds, stored = tracked_loop(args.steps, db)
            tracked.append(seconds)
    b, c, t = statistics.median(bare), statistics.median(counted), statistics.median(tracked)
    one_plain = b / args.steps
    probe = TorchFlops(None, sample_steps=1)
    one_counted = loop(1, probe)
    analytic = 0.0
    for i, (n_in, n_out) in enumerate(itertools.pairwise(DIMS)):
        analytic += 2.0 * BATCH * n_in * n_out * (2 if i == 0 else 3)
    analytic *= args.steps
    print(f"steps {args.steps}, repetitions {args.repetitions}, torch {torch.__version__}, 1 thread")
    print(f"bare loop            {b:8.3f} s CPU (median)")
    print(f"with sampled counter {c:8.3f} s CPU (median)  overhead {100 * (c - b) / b:+.2f} %")
    print(f"tracked, with counter{t:8.3f} s CPU (median)  overhead {100 * (t - b) / b:+.2f} %")
    print(f"one plain step       {1000 * one_plain:8.2f} ms; one counted step {1000 * one_counted:8.2f} ms")
    deviation = 100 * (flops.total - analytic) / analytic
    print(f"FLOPs counted {flops.total:.4g}; analytic {analytic:.4g} ({deviation:+.2f} %)")
    print(f"FLOPs stored in the tracked run's record: {stored:.4g}")
    expected = 100 * 3 * (one_counted - one_plain) / (args.steps * one_plain)
    print(f"expected overhead of 3 counted steps in {args.steps}: {expected:.2f} % (less in longer runs)")


if __name__ == "__main__":
    main()
