"""Accuracy of the meters on known power traces, with time driven by a fake clock (no sleeping).

Prints, for each trace: the true energy (computed analytically), what each path measured, and the
relative error. Run: ``python benchmarks/accuracy.py``.

- NVML counter path: exact up to NVML's 1 mJ resolution.
- NVML sampling path: trapezoid between samples; target within 2 % at 0.1 s on 1 s steps.
- RAPL across wraparound: exact (counter files rewritten as the kernel would, wrapping at the range).
"""

from __future__ import annotations

import random
import tempfile
from pathlib import Path

from mlfootprint.meters.nvml import NVMLProvider
from mlfootprint.meters.rapl import RAPLProvider
from mlfootprint.testing import FakeClock, FakeGPU, FakeNVML, StepTrace, make_rapl_zone, write_energy_uj

DURATION_S = 120.0


def _steps_1s(seed: int) -> StepTrace:
    rng = random.Random(seed)
    return StepTrace([(float(t), rng.choice([60.0, 150.0, 300.0, 400.0])) for t in range(int(DURATION_S))])


def _spikes() -> StepTrace:
    steps: list[tuple[float, float]] = []
    for t in range(int(DURATION_S)):
        steps += [(float(t), 250.0), (t + 0.45, 700.0), (t + 0.55, 250.0)]  # 0.1 s spike each second
    return StepTrace(steps)


def _idle_then_busy() -> StepTrace:
    return StepTrace([(0.0, 55.0), (30.0, 380.0), (90.0, 55.0)])


TRACES = {
    "1 s steps (random 60-400 W)": _steps_1s(1),
    "1 s steps, other seed": _steps_1s(2),
    "100 ms spikes to 700 W each second": _spikes(),
    "idle 55 W / busy 380 W / idle": _idle_then_busy(),
}


def nvml_error(trace: StepTrace, *, counter: bool, interval_s: float, phase_s: float) -> tuple[float, float]:
    """(true J, measured J) over DURATION_S, reading every interval_s after a phase offset."""
    clock = FakeClock()
    nvml = FakeNVML([FakeGPU(power_w=trace, has_energy_counter=counter)], clock=clock)
    clock.advance(phase_s)  # the meter opens part-way into a second: samples do not line up with steps
    (meter,) = NVMLProvider(nvml=nvml, env={}).open(clock=clock)
    steps = round(DURATION_S / interval_s)
    for _ in range(steps):
        clock.advance(interval_s)
        measured = meter.read_energy_j()
    true = trace.energy_j(phase_s, phase_s + steps * interval_s)
    meter.close()
    return true, measured


def rapl_wrap() -> tuple[float, float, int]:
    """(true J, measured J, wraps) for a 100-300 W package read every 0.1 s across hundreds of wraps."""
    max_range_uj = 50_000_000  # 50 J: wraps every 0.25 s at 200 W; read every 0.1 s
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        zone = make_rapl_zone(root, energy_uj=49_000_000, max_energy_range_uj=max_range_uj)
        clock = FakeClock()
        (meter,) = RAPLProvider(root).open(clock=clock)
        counter_uj, wraps, true_uj = 49_000_000, 0, 0
        rng = random.Random(3)
        for _ in range(1200):
            add = rng.randint(10_000_000, 30_000_000)  # 100-300 W over 0.1 s
            true_uj += add
            wraps += (counter_uj + add) // max_range_uj
            counter_uj = (counter_uj + add) % max_range_uj
            write_energy_uj(zone, counter_uj)
            clock.advance(0.1)
            measured = meter.read_energy_j()
        return true_uj / 1e6, measured, wraps


def main() -> None:
    print(f"{'trace':<38} {'path':<22} {'interval':>8} {'true J':>11} {'measured J':>11} {'error':>9}")
    worst_sampled = 0.0
    for name, trace in TRACES.items():
        for counter, interval_s in ((True, 1.0), (False, 1.0), (False, 0.1), (False, 0.05)):
            runs = []
            for phase_s in (0.0, 0.013, 0.37, 0.5):
                true, measured = nvml_error(trace, counter=counter, interval_s=interval_s, phase_s=phase_s)
                runs.append(((measured - true) / true, true, measured))
            worst, true, measured = max(runs, key=lambda r: abs(r[0]))  # the worst of four sampling phases
            if not counter and interval_s == 0.1:
                worst_sampled = max(worst_sampled, abs(worst))
            path = "NVML counter" if counter else "NVML power, trapezoid"
            print(f"{name:<38} {path:<22} {interval_s:>7.2f}s {true:>11.1f} {measured:>11.1f} {worst:>+9.4%}")
    true, measured, wraps = rapl_wrap()
    label, path = "RAPL 100-300 W, 50 J wrap range", "RAPL counter"
    error = (measured - true) / true
    print(
        f"{label:<38} {path:<22} {0.1:>7.2f}s {true:>11.1f} {measured:>11.1f} {error:>+9.4%}  ({wraps} wraps)"
    )
    print()
    print(
        f"sampling path at 0.1 s, worst error over all traces and phases: {worst_sampled:.3%} (target < 2 %)"
    )


if __name__ == "__main__":
    main()
