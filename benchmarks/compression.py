"""The compression study, timed: how long ``--quick`` takes here, and the full study's measured table.

Runs ``mlfootprint.study.compression.run_study`` (the same code as ``mlfootprint study compression``) in
this process, with its runs stored in a ledger under ``--out-dir``, and prints the wall time, the CPU
time, the hardware it ran on and the table; writes the table as text, Markdown, LaTeX and JSON and the
Pareto plot beside the ledger. The target for ``--quick`` is under 2 minutes on a 2-core machine without
a GPU. On a machine shared with other jobs the wall time is pessimistic (the CPU time is not).

Usage: ``python benchmarks/compression.py [--full] [--family mlp|cnn] [--out-dir DIR] [--region R]``
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import sys
import time
from dataclasses import replace
from pathlib import Path


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="the full study (default: --quick)")
    parser.add_argument("--family", choices=["mlp", "cnn"], default="mlp")
    parser.add_argument("--out-dir", default="compression-study", help="where outputs and the ledger go")
    parser.add_argument("--region", default=None)
    args = parser.parse_args()

    from mlfootprint.study.compression import (
        FULL,
        QUICK,
        QUICK_WIDTH,
        render_json,
        render_latex,
        render_markdown,
        render_text,
        run_study,
    )
    from mlfootprint.study.compression.plot import save_pareto

    config = replace(FULL if args.full else QUICK, family=args.family)
    if not args.full:
        config = replace(config, teacher_width=QUICK_WIDTH[args.family])
    out = Path(args.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    stem = f"{'full' if args.full else 'quick'}-{args.family}"
    started = time.monotonic()
    cpu0 = resource.getrusage(resource.RUSAGE_SELF)
    result = run_study(
        config,
        db=f"sqlite:///{(out / 'runs.sqlite3').resolve()}",
        region=args.region,
        progress=lambda line: print(f"  {line}", file=sys.stderr, flush=True),
    )
    wall_s = time.monotonic() - started
    cpu1 = resource.getrusage(resource.RUSAGE_SELF)
    cpu_s = (cpu1.ru_utime - cpu0.ru_utime) + (cpu1.ru_stime - cpu0.ru_stime)
    load = os.getloadavg()
    (out / f"{stem}.txt").write_text(render_text(result))
    (out / f"{stem}.json").write_text(render_json(result))
    (out / f"{stem}.tex").write_text(render_latex(result))
    plot = save_pareto(result, out / f"{stem}.png")
    (out / f"{stem}.md").write_text(render_markdown(result, plot=plot.name))
    print(
        f"compression study ({stem}): {wall_s:.1f} s wall, {cpu_s:.1f} s CPU in this process, on "
        f"{_cpu_model()} x {os.cpu_count()} CPUs (device {result.device}); load average at the end "
        f"{load[0]:.2f} (other jobs on the machine make the wall time pessimistic)"
    )
    if not args.full:
        verdict = "within" if wall_s < 120 else "OVER"
        print(f"target: --quick under 120 s on 2 cores without a GPU: {verdict} ({wall_s:.1f} s)")
    print(render_text(result))
    print(f"outputs: {out}/{stem}.{{txt,md,tex,json,png}}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
