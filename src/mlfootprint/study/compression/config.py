"""The study's settings: one frozen value, with the full and the quick presets."""

from __future__ import annotations

import math
from dataclasses import dataclass, fields

from mlfootprint.bounds import (
    DURATION_S,
    EPOCHS,
    FINETUNE_EPOCHS,
    ITERATION,
    ROUNDS,
    SEEDS,
    SHARE,
    TEMPERATURE,
    THREADS,
    WEIGHT,
    WIDTH,
    Bound,
)
from mlfootprint.errors import InvalidValueError

__all__ = ["DEFAULT_WIDTH", "FAMILIES", "FULL", "QUICK", "QUICK_WIDTH", "StudyConfig"]

#: the built-in model families
FAMILIES = ("mlp", "cnn")
#: the teacher's width by family: hidden units (MLP), channels of the last convolution (CNN)
DEFAULT_WIDTH = {"mlp": 1024, "cnn": 64}
#: the teacher's width in the quick study
QUICK_WIDTH = {"mlp": 512, "cnn": 32}


@dataclass(frozen=True, slots=True, kw_only=True)
class StudyConfig:
    """What the compression study trains and how long it measures.

    Attributes:
        family: built-in model family, ``"mlp"`` or ``"cnn"`` (ignored when a model factory is given).
        teacher_width: hidden units per layer (MLP) or channels of the last convolution (CNN) of the
            teacher (None: ``DEFAULT_WIDTH`` of the family).
        student_width: the student's width as a fraction of the teacher's.
        seeds: repeats with seeds ``0 .. seeds-1`` (accuracy and energy are means with the seed spread).
        epochs: epochs of the teacher, the student, each lottery-ticket round and the random control.
        finetune_epochs: fine-tuning epochs after one-shot pruning.
        batch_size: training mini-batch size.
        learning_rate: Adam's learning rate.
        temperature: distillation temperature T (Hinton et al. 2015).
        alpha: weight of the hard-label cross-entropy; ``1 - alpha`` weighs the soft-target term.
        sparsities: fractions pruned, each for unstructured (weights) and structured (neurons/channels).
        ticket_rounds: rounds R of iterative magnitude pruning.
        ticket_rate: fraction of the remaining weights pruned in each round.
        rewind_iteration: training iteration whose weights the ticket rewinds to (Frankle et al. 2020).
        inference_window_s: seconds each inference measurement lasts at least (per model and mode).
        inference_rounds: measurement windows per model and mode, interleaved across models.
        device: ``"auto"`` (CUDA when present, else CPU), ``"cpu"`` or ``"cuda"``.
        threads: PyTorch intra-op threads on the CPU (default 1: CPU time, and so the estimated energy,
            is steadiest on a shared machine; None: PyTorch's default).
    """

    family: str = "mlp"
    teacher_width: int | None = None
    student_width: float = 0.125
    seeds: int = 3
    epochs: int = 30
    finetune_epochs: int = 8
    batch_size: int = 64
    learning_rate: float = 1e-3
    temperature: float = 4.0
    alpha: float = 0.1
    sparsities: tuple[float, ...] = (0.5, 0.8, 0.9)
    ticket_rounds: int = 4
    ticket_rate: float = 0.4
    rewind_iteration: int = 20
    inference_window_s: float = 2.0
    inference_rounds: int = 3
    device: str = "auto"
    threads: int | None = 1

    def __post_init__(self) -> None:
        if self.family not in FAMILIES:
            raise InvalidValueError("--family", self.family, f"must be one of {', '.join(FAMILIES)}")
        for name, bound in _BOUNDS:
            value = getattr(self, name)
            if not (value is None and name in ("teacher_width", "threads")):  # None: the default
                _check(bound, value, _option(name))
        if not (math.isfinite(self.learning_rate) and self.learning_rate > 0):
            raise InvalidValueError("learning_rate", self.learning_rate, "must be a positive number")
        if not self.sparsities:
            raise InvalidValueError("--sparsity", "", "needs at least one sparsity, e.g. 0.5")
        for s in self.sparsities:
            _check(SHARE, s, "--sparsity")
        if len(set(self.sparsities)) != len(self.sparsities):
            raise InvalidValueError("--sparsity", self.sparsities, "lists a sparsity twice")
        if self.device not in ("auto", "cpu", "cuda"):
            raise InvalidValueError("--device", self.device, "must be one of auto, cpu, cuda")

    def as_dict(self) -> dict[str, object]:
        """The settings as plain values (for JSON output and run tags)."""
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @property
    def width(self) -> int:
        """The teacher's width (given, else the family's default)."""
        return self.teacher_width if self.teacher_width is not None else DEFAULT_WIDTH[self.family]

    @property
    def ticket_sparsity(self) -> float:
        """Fraction of the prunable weights removed after all ticket rounds: ``1 - (1 - rate)^R``."""
        return 1.0 - (1.0 - self.ticket_rate) ** self.ticket_rounds


def _option(name: str) -> str:
    return "--" + name.replace("_", "-")


#: a mini-batch of digits (the training set has about 1,400)
BATCH = Bound(quantity="batch size", unit="", low=1, high=1_000_000, integer=True)
#: each setting's range: the bound its command-line option has (``mlfootprint.bounds``)
_BOUNDS = (
    ("teacher_width", WIDTH), ("student_width", SHARE), ("seeds", SEEDS), ("epochs", EPOCHS),
    ("finetune_epochs", FINETUNE_EPOCHS), ("batch_size", BATCH), ("temperature", TEMPERATURE),
    ("alpha", WEIGHT), ("ticket_rounds", ROUNDS), ("ticket_rate", SHARE),
    ("rewind_iteration", ITERATION), ("inference_window_s", DURATION_S), ("inference_rounds", ROUNDS),
    ("threads", THREADS),
)  # fmt: skip


def _check(bound: Bound, value: object, option: str) -> None:
    """``InvalidValueError`` naming ``option`` when ``value`` is outside ``bound`` (or not a whole number
    where one is needed: a float of epochs would reach ``range``)."""
    if bound.integer and (isinstance(value, bool) or not isinstance(value, int)):
        raise InvalidValueError(option, value, "is not a whole number")
    reason = bound.problem(value) if isinstance(value, (int, float)) else "is not a number"
    if reason is not None:
        raise InvalidValueError(option, value, reason)


#: the full study (docs/compression.md)
FULL = StudyConfig()

#: a smaller study that finishes in under 2 minutes on two CPU cores
QUICK = StudyConfig(
    teacher_width=QUICK_WIDTH["mlp"],
    seeds=2,
    epochs=10,
    finetune_epochs=3,
    sparsities=(0.5, 0.9),
    ticket_rounds=2,
    ticket_rate=0.5,
    inference_window_s=0.5,
    inference_rounds=2,
)
