"""Overhead of counting FLOPs: sampled FlopCounterMode steps against the bare training loop.

A CPU MLP (512-1024-1024-10, batch 64) trains for ``--steps`` steps, bare and with
``TorchFlops(sample_steps=3)`` (three steps counted exactly, the rest extrapolated); the two alternate
for ``--repetitions`` rounds so drift hits both alike. Printed: the median wall time of each, the
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


def loop(steps: int, flops: TorchFlops | None) -> float:
    model, opt = make()
    x = torch.randn(BATCH, DIMS[0])
    y = torch.randint(0, DIMS[-1], (BATCH,))
    t0 = time.perf_counter()
    for _ in range(steps):
        ctx = flops.step(batch_size=BATCH) if flops is not None else contextlib.nullcontext()
        with ctx:
            loss = torch.nn.functional.cross_entropy(model(x), y)
            loss.backward()
            opt.step()
            opt.zero_grad()
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=400)
    parser.add_argument("--repetitions", type=int, default=3)
    args = parser.parse_args()
    torch.set_num_threads(1)
    loop(20, None)  # warm up the allocator and kernels
    bare, counted = [], []
    flops = TorchFlops(None)
    for _ in range(args.repetitions):
        bare.append(loop(args.steps, None))
        flops = TorchFlops(None, sample_steps=3)
        counted.append(loop(args.steps, flops))
    b, c = statistics.median(bare), statistics.median(counted)
    one_plain = b / args.steps
    probe = TorchFlops(None, sample_steps=1)
    one_counted = loop(1, probe)
    analytic = 0.0
    for i, (n_in, n_out) in enumerate(itertools.pairwise(DIMS)):
        analytic += 2.0 * BATCH * n_in * n_out * (2 if i == 0 else 3)
    analytic *= args.steps
    print(f"steps {args.steps}, repetitions {args.repetitions}, torch {torch.__version__}, 1 thread")
    print(f"bare loop            {b:8.3f} s (median)")
    print(f"with sampled counter {c:8.3f} s (median)  overhead {100 * (c - b) / b:+.2f} %")
    print(f"one plain step       {1000 * one_plain:8.2f} ms; one counted step {1000 * one_counted:8.2f} ms")
    deviation = 100 * (flops.total - analytic) / analytic
    print(f"FLOPs counted {flops.total:.4g}; analytic {analytic:.4g} ({deviation:+.2f} %)")
    expected = 100 * 3 * (one_counted - one_plain) / (args.steps * one_plain)
    print(f"expected overhead of 3 counted steps in {args.steps}: {expected:.2f} % (less in longer runs)")


if __name__ == "__main__":
    main()
