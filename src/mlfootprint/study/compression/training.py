"""Seeded mini-batch training and evaluation on in-memory tensors."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from mlfootprint.study.compression._deps import require

if TYPE_CHECKING:
    import torch
    from torch import nn

    from mlfootprint.study.compression.data import StudyData

__all__ = ["LossFn", "accuracy", "predict_logits", "seeded", "train"]

#: (model outputs, indices of the batch in the training set, labels) -> loss
LossFn = Callable[["torch.Tensor", "torch.Tensor", "torch.Tensor"], "torch.Tensor"]
#: called after each optimiser step with the 1-based iteration number and the model
IterationHook = Callable[[int, "nn.Module"], None]


def seeded(seed: int) -> None:
    """Seed PyTorch's generators (CPU and CUDA) before building or training a model."""
    torch = require("torch")
    torch.manual_seed(seed)


def train(
    model: nn.Module,
    data: StudyData,
    *,
    epochs: int,
    batch_size: int,
    learning_rate: float,
    seed: int,
    loss_fn: LossFn | None = None,
    on_iteration: IterationHook | None = None,
) -> int:
    """Train ``model`` in place with Adam; returns the number of iterations (optimiser steps) taken.

    Batch order comes from a generator seeded with ``seed``; the loss is cross-entropy unless
    ``loss_fn`` is given.
    """
    torch = require("torch")
    functional = require("torch.nn.functional")
    device = data.x_train.device
    generator = torch.Generator(device="cpu").manual_seed(seed)
    optimiser = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=learning_rate)
    n = int(data.x_train.shape[0])
    iteration = 0
    model.train()
    for _ in range(epochs):
        order = torch.randperm(n, generator=generator).to(device)
        for start in range(0, n, batch_size):
            idx = order[start : start + batch_size]
            x, y = data.x_train[idx], data.y_train[idx]
            out = model(x)
            loss = loss_fn(out, idx, y) if loss_fn is not None else functional.cross_entropy(out, y)
            optimiser.zero_grad(set_to_none=True)
            loss.backward()
            optimiser.step()
            iteration += 1
            if on_iteration is not None:
                on_iteration(iteration, model)
    model.eval()
    return iteration


def predict_logits(model: nn.Module, x: torch.Tensor, *, chunk: int = 1024) -> torch.Tensor:
    """The model's outputs on ``x`` (evaluation mode, no gradients)."""
    lib = require("torch")
    model.eval()
    with lib.inference_mode():
        out: torch.Tensor = lib.cat([model(x[i : i + chunk]) for i in range(0, int(x.shape[0]), chunk)])
    return out


def accuracy(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> float:
    """Fraction of ``x`` classified as ``y``."""
    predicted = predict_logits(model, x).argmax(dim=1)
    return float((predicted == y).float().mean())
