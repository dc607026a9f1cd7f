"""A small, real training job for ``mlfootprint demo`` and the overhead benchmark.

A two-layer MLP (ReLU hidden layer, softmax output) trained by mini-batch SGD on synthetic data: the
labels come from a fixed random "teacher" network, so there is something to learn and the accuracy
printed at the end means something. Needs only NumPy (imported when a job runs).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from typing import Any, TextIO

__all__ = ["DEFAULT", "QUICK", "DemoConfig", "DemoResult", "ProgressBar", "train_mlp"]


@dataclass(frozen=True, slots=True, kw_only=True)
class DemoConfig:
    """Size of the demo job. ``DEFAULT`` takes about 15-20 s on one laptop core."""

    n_train: int = 120_000
    n_test: int = 5_000
    n_features: int = 128
    n_classes: int = 8
    hidden: int = 2048
    epochs: int = 10
    batch_size: int = 128
    learning_rate: float = 0.1
    seed: int = 0


DEFAULT = DemoConfig()
QUICK = DemoConfig(n_train=30_000, n_test=2_000, hidden=1024, epochs=3)


@dataclass(frozen=True, slots=True, kw_only=True)
class DemoResult:
    """What the job achieved."""

    epochs: int
    train_loss: tuple[float, ...]  # mean cross-entropy per epoch
    test_accuracy: float
    n_parameters: int
    duration_s: float


class ProgressBar:
    """A plain-text progress bar on a stream: redrawn in place on a terminal, one line per epoch elsewhere."""

    def __init__(self, total: int, *, stream: TextIO | None = None, width: int = 30) -> None:
        self.total = max(1, total)
        self.stream = stream if stream is not None else sys.stderr
        self.width = width
        self._tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self._last_draw_s = 0.0

    def update(self, done: int, text: str = "", *, force: bool = False) -> None:
        now = time.monotonic()
        if not force and (not self._tty or now - self._last_draw_s < 0.1):
            return
        self._last_draw_s = now
        frac = min(1.0, done / self.total)
        filled = round(frac * self.width)
        bar = "#" * filled + "." * (self.width - filled)
        line = f"[{bar}] {frac:4.0%} {text}"
        if self._tty:
            self.stream.write("\r" + line.ljust(78))
        else:
            self.stream.write(line + "\n")
        self.stream.flush()

    def close(self) -> None:
        if self._tty:
            self.stream.write("\n")
            self.stream.flush()


PhaseFn = Callable[[str], AbstractContextManager[Any]]


def _data(cfg: DemoConfig) -> tuple[Any, Any, Any, Any]:
    import numpy as np

    rng = np.random.default_rng(cfg.seed)
    n = cfg.n_train + cfg.n_test
    x = rng.standard_normal((n, cfg.n_features)).astype(np.float32)
    teacher_1 = rng.standard_normal((cfg.n_features, 32)).astype(np.float32) / np.sqrt(cfg.n_features)
    teacher_2 = rng.standard_normal((32, cfg.n_classes)).astype(np.float32)
    y = np.argmax(np.tanh(x @ teacher_1) @ teacher_2, axis=1)
    return x[: cfg.n_train], y[: cfg.n_train], x[cfg.n_train :], y[cfg.n_train :]


def train_mlp(
    cfg: DemoConfig = DEFAULT,
    *,
    phase: PhaseFn | None = None,
    progress: ProgressBar | None = None,
) -> DemoResult:
    """Train the demo MLP.

    Args:
        cfg: the job's size.
        phase: called with ``"epoch-N"`` around each epoch (e.g. ``run.phase``), and ``"evaluate"``.
        progress: a progress bar to update (its ``total`` should be ``epochs x batches per epoch``).
    """
    import numpy as np

    started = time.monotonic()
    x_train, y_train, x_test, y_test = _data(cfg)
    rng = np.random.default_rng(cfg.seed + 1)
    w1 = (rng.standard_normal((cfg.n_features, cfg.hidden)) * np.sqrt(2.0 / cfg.n_features)).astype(
        np.float32
    )
    b1 = np.zeros(cfg.hidden, np.float32)
    w2 = (rng.standard_normal((cfg.hidden, cfg.n_classes)) * np.sqrt(1.0 / cfg.hidden)).astype(np.float32)
    b2 = np.zeros(cfg.n_classes, np.float32)
    batches = max(1, cfg.n_train // cfg.batch_size)
    lr = np.float32(cfg.learning_rate)
    losses: list[float] = []
    window: PhaseFn = phase if phase is not None else (lambda name: nullcontext())
    for epoch in range(cfg.epochs):
        with window(f"epoch-{epoch + 1}"):
            order = rng.permutation(cfg.n_train)
            total = 0.0
            for b in range(batches):
                idx = order[b * cfg.batch_size : (b + 1) * cfg.batch_size]
                xb, yb = x_train[idx], y_train[idx]
                h = np.maximum(xb @ w1 + b1, 0.0)
                logits = h @ w2 + b2
                logits -= logits.max(axis=1, keepdims=True)
                p = np.exp(logits)
                p /= p.sum(axis=1, keepdims=True)
                total += float(-np.log(p[np.arange(len(yb)), yb] + 1e-9).mean())
                p[np.arange(len(yb)), yb] -= 1.0
                p /= len(yb)
                dw2, db2 = h.T @ p, p.sum(axis=0)
                dh = (p @ w2.T) * (h > 0)
                dw1, db1 = xb.T @ dh, dh.sum(axis=0)
                w1 -= lr * dw1
                b1 -= lr * db1
                w2 -= lr * dw2
                b2 -= lr * db2
                if progress is not None:
                    progress.update(
                        epoch * batches + b + 1, f"epoch {epoch + 1}/{cfg.epochs} loss {total / (b + 1):.3f}"
                    )
            losses.append(total / batches)
            if progress is not None:
                progress.update(
                    (epoch + 1) * batches, f"epoch {epoch + 1}/{cfg.epochs} loss {losses[-1]:.3f}", force=True
                )
    with window("evaluate"):
        predicted = np.argmax(np.maximum(x_test @ w1 + b1, 0.0) @ w2 + b2, axis=1)
        accuracy = float((predicted == y_test).mean())
    if progress is not None:
        progress.close()
    return DemoResult(
        epochs=cfg.epochs,
        train_loss=tuple(losses),
        test_accuracy=accuracy,
        n_parameters=int(w1.size + b1.size + w2.size + b2.size),
        duration_s=time.monotonic() - started,
    )
