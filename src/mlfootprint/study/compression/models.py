"""The built-in model families. A model factory maps a width (fraction of the teacher's) to a module.

Factories return an ``nn.Sequential`` of ``Linear``/``Conv2d`` layers with activations, pooling and
``Flatten`` between them: the form structured pruning can rebuild as a smaller dense model.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from mlfootprint.study.compression._deps import require

if TYPE_CHECKING:
    from torch import nn

__all__ = ["ModelFactory", "cnn_factory", "mlp_factory"]

#: width fraction (1.0 for the teacher) -> a freshly initialised model (seed the RNG before calling)
ModelFactory = Callable[[float], "nn.Module"]


def _scaled(width: int, frac: float) -> int:
    return max(1, round(width * frac))


def mlp_factory(*, inputs: int = 64, classes: int = 10, width: int = 1024) -> ModelFactory:
    """MLP ``inputs -> width -> width -> classes`` with ReLU (widths scaled by the fraction)."""

    def build(frac: float) -> nn.Module:
        nn = require("torch.nn")
        hidden = _scaled(width, frac)
        return nn.Sequential(  # type: ignore[no-any-return]
            nn.Linear(inputs, hidden),
            nn.ReLU(),
            nn.Linear(hidden, hidden),
            nn.ReLU(),
            nn.Linear(hidden, classes),
        )

    return build


def cnn_factory(*, channels: int = 1, side: int = 8, classes: int = 10, width: int = 64) -> ModelFactory:
    """Small CNN: conv3x3(width/2) -> conv3x3(width) -> maxpool 2 -> fc(2 x width) -> classes, ReLU."""

    def build(frac: float) -> nn.Module:
        nn = require("torch.nn")
        c1, c2, fc = _scaled(width // 2, frac), _scaled(width, frac), _scaled(2 * width, frac)
        pooled = side // 2
        return nn.Sequential(  # type: ignore[no-any-return]
            nn.Conv2d(channels, c1, 3, padding=1),
            nn.ReLU(),
            nn.Conv2d(c1, c2, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Flatten(),
            nn.Linear(c2 * pooled * pooled, fc),
            nn.ReLU(),
            nn.Linear(fc, classes),
        )

    return build
