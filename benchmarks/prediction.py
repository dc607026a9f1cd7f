"""Predicting a run's energy from its first 20 %: mlfootprint against carbontracker's linear extrapolation.

Synthetic runs of 20 epochs (each scenario 300 seeds), checkpoints at each epoch end:

- uniform        equal epochs, step time and power jitter 3 % per epoch, no warm-up
- steady         as uniform, the first epoch 30 % slower (warm-up); the other scenarios have this too
- curriculum     epochs growing from 50 to 150 steps (data added by difficulty)
- shuffled       epochs of 50..150 steps in random order (bucketing by sequence length)
- warm-up heavy  equal epochs, the first one twice as long (compilation, cache filling)

mlfootprint predicts from the checkpoints after 4 of 20 epochs (20 %), weighing each by the steps it
covered (the total steps are known: ``max_steps`` or Lightning's ``estimated_stepping_batches``).
carbontracker (Anthony et al. 2020) multiplies the mean of the epochs it measured by the number of
epochs: with its default ``epochs_before_pred=1`` (the first epoch), and with 4 (20 %) for fairness.
Printed per scenario: median and 90th percentile of |error| of the whole run's energy, and how often
mlfootprint's 95 % interval contains the actual energy.

Usage: ``python benchmarks/prediction.py [--seeds N]``
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from mlfootprint.work.predict import Checkpoint, linear_baseline, predict

EPOCHS = 20
AT = 4  # 20 % of the epochs


def scenario_steps(name: str, rng: random.Random) -> list[int]:
    if name == "curriculum":
        return [round(50 + 100 * i / (EPOCHS - 1)) for i in range(EPOCHS)]
    if name == "shuffled":
        return [rng.randint(50, 150) for _ in range(EPOCHS)]
    return [100] * EPOCHS


def simulate(name: str, seed: int) -> tuple[list[Checkpoint], list[Checkpoint], float]:
    """(checkpoints in steps, the same in epochs, actual total energy J)."""
    rng = random.Random(seed)
    steps = scenario_steps(name, rng)
    warm = {"uniform": 1.0, "warm-up heavy": 2.0}.get(name, 1.3)
    t = e = 0.0
    done = 0
    in_steps, in_epochs = [], []
    for i, n in enumerate(steps):
        step_s = 0.5 * (1 + rng.gauss(0, 0.03))
        power_w = 250.0 * (1 + rng.gauss(0, 0.03))
        d = n * step_s * (warm if i == 0 else 1.0)
        t += d
        e += d * power_w
        done += n
        in_steps.append(Checkpoint(done=float(done), t_s=t, energy_j=e, co2e_g=e / 3.6e6 * 300))
        in_epochs.append(Checkpoint(done=float(i + 1), t_s=t, energy_j=e, co2e_g=e / 3.6e6 * 300))
    return in_steps, in_epochs, e


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, default=300)
    args = parser.parse_args()
    header = (
        f"{'scenario':<14} {'mlfootprint @20%':>17} {'p90':>6} {'covered':>8}   "
        f"{'carbontracker @1 ep':>19} {'p90':>6}   {'carbontracker @4 ep':>19} {'p90':>6}"
    )
    print(header)
    for name in ("uniform", "steady", "curriculum", "shuffled", "warm-up heavy"):
        ours, ct1, ct4, covered = [], [], [], 0
        for seed in range(args.seeds):
            in_steps, in_epochs, actual = simulate(name, seed)
            total_steps = in_steps[-1].done
            p = predict(in_steps[:AT], total=total_steps)
            ours.append(abs(p.energy_j - actual) / actual * 100)
            covered += p.energy_j_low <= actual <= p.energy_j_high
            ct1.append(abs(linear_baseline(in_epochs[:1], total=EPOCHS)[1] - actual) / actual * 100)
            ct4.append(abs(linear_baseline(in_epochs[:AT], total=EPOCHS)[1] - actual) / actual * 100)

        def med_p90(xs: list[float]) -> tuple[float, float]:
            xs = sorted(xs)
            return statistics.median(xs), xs[int(0.9 * (len(xs) - 1))]

        (m0, q0), (m1, q1), (m4, q4) = med_p90(ours), med_p90(ct1), med_p90(ct4)
        print(
            f"{name:<14} {m0:>16.1f}% {q0:>5.1f}% {covered / args.seeds:>7.0%}   "
            f"{m1:>18.1f}% {q1:>5.1f}%   {m4:>18.1f}% {q4:>5.1f}%"
        )
    print("|error| of the whole run's energy: median and 90th percentile over seeds; covered = share of runs")
    print("whose actual energy lies inside mlfootprint's 95 % interval.")


if __name__ == "__main__":
    main()
