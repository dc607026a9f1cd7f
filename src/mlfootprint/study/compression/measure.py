"""What a model costs to run: parameters, FLOPs, and measured inference energy and latency.

FLOPs are counted by ``torch.utils.flop_counter.FlopCounterMode`` on one sample (the dense computation
the model executes: multiply-adds x 2 of matrix products and convolutions). ``nonzero_flops`` is the
same count with each layer's weights limited to their non-zeros: what ideal sparse kernels would do.
Inference energy is never derived from these: it is measured by the tracker in one phase per model,
mode and round (see ``measure_inference``).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mlfootprint.study.compression._deps import require
from mlfootprint.study.compression.pruning import prunable_layers

if TYPE_CHECKING:
    import torch
    from torch import nn

__all__ = ["MODES", "InferenceWindow", "flops_per_sample", "measure_inference", "nonzero_flops_per_sample"]

#: "batch": the whole test set in one forward pass; "single": one sample per forward pass
MODES = ("batch", "single")


def flops_per_sample(model: nn.Module, example: torch.Tensor) -> int:
    """FLOPs of one forward pass on one sample, counted by ``FlopCounterMode``."""
    torch = require("torch")
    counter_module = require("torch.utils.flop_counter")
    model.eval()
    counter = counter_module.FlopCounterMode(display=False)
    with torch.inference_mode(), counter:
        model(example[:1])
    return int(counter.get_total_flops())


def nonzero_flops_per_sample(model: nn.Module, example: torch.Tensor) -> int:
    """FLOPs of one sample counting only non-zero weights: 2 x nnz(W) x output positions per layer."""
    torch = require("torch")
    total = 0
    handles = []

    def hook(module: Any, _inputs: Any, output: Any) -> None:
        nonlocal total
        nnz = int((module.weight != 0).sum())
        out_features = int(output.shape[1])
        positions = int(output[:1].numel()) // out_features
        total += 2 * nnz * positions

    for _, layer in prunable_layers(model):
        handles.append(layer.register_forward_hook(hook))
    try:
        model.eval()
        with torch.inference_mode():
            model(example[:1])
    finally:
        for handle in handles:
            handle.remove()
    return total


@dataclass(frozen=True, slots=True, kw_only=True)
class InferenceWindow:
    """One measured window: a model run in one mode for at least the window's length.

    ``energy_j`` is the phase's IT energy (the sum of its meters, PUE not applied); ``components`` splits
    it by meter; ``duration_s`` is the window's wall time from the phase.
    """

    model: str
    mode: str
    round: int
    samples: int
    forward_passes: int
    duration_s: float
    energy_j: float
    components: Mapping[str, float]
    phase: str


PhaseFn = Callable[[str], AbstractContextManager[Any]]


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch = require("torch")
        torch.cuda.synchronize(device)


def _run_window(model: nn.Module, x: torch.Tensor, mode: str, window_s: float) -> tuple[int, int]:
    """Forward passes for at least ``window_s``; returns (samples, forward passes)."""
    n = int(x.shape[0])
    samples = passes = 0
    deadline = time.perf_counter() + window_s
    while True:
        if mode == "batch":
            model(x)
            samples += n
            passes += 1
        else:
            for i in range(n):
                model(x[i : i + 1])
            samples += n
            passes += n
        _sync(x.device)
        if time.perf_counter() >= deadline:
            return samples, passes


def measure_inference(
    phase: PhaseFn,
    models: Mapping[str, nn.Module],
    x: torch.Tensor,
    *,
    window_s: float,
    rounds: int,
    on_window: Callable[[InferenceWindow], None] | None = None,
) -> list[InferenceWindow]:
    """Measure every model in both modes, ``rounds`` times, interleaved across models.

    Each window is one tracker phase named ``"<model>/<mode>/<round>"`` (``phase`` is ``run.phase``), so its
    energy is the meters' difference over exactly that window; interleaving spreads slow drifts (other
    load on a shared machine, frequency changes) over every model instead of one.
    """
    torch = require("torch")
    windows: list[InferenceWindow] = []
    for model in models.values():  # warm-up outside any phase: allocations, kernel selection
        model.eval()
        with torch.inference_mode():
            model(x)
            for i in range(min(8, int(x.shape[0]))):
                model(x[i : i + 1])
    for r in range(1, rounds + 1):
        for name, model in models.items():
            for mode in MODES:
                label = f"{name}/{mode}/{r}"
                with torch.inference_mode(), phase(label) as ph:
                    samples, passes = _run_window(model, x, mode, window_s)
                record = ph.record
                window = InferenceWindow(
                    model=name,
                    mode=mode,
                    round=r,
                    samples=samples,
                    forward_passes=passes,
                    duration_s=float(record.duration_s),
                    energy_j=float(record.energy_j),
                    components=dict(record.components),
                    phase=label,
                )
                windows.append(window)
                if on_window is not None:
                    on_window(window)
    return windows
