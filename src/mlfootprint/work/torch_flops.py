"""FLOPs of a PyTorch training or inference loop: count a few steps exactly, extrapolate the rest.

``torch.utils.flop_counter.FlopCounterMode`` counts the FLOPs of every matrix multiply, convolution
and attention kernel that runs under it (2 x m x n x k for a matmul, forward and backward), but slows
the step it watches. So only ``sample_steps`` steps are counted (after ``skip_steps`` warm-up steps);
every other step adds the mean FLOPs per sample of the counted steps times its own batch size (or
the mean per step when no batch size is given). The tracker's overhead budget (<= 1 % of wall time)
holds: ``benchmarks/flops.py`` measures it. Element-wise operations (activations, norms, the
optimizer's update) are not counted, as in the usual model-FLOPs definition (Kaplan et al. 2020;
Chowdhery et al. 2022, App. B); they are a few percent of a dense model's total.

::

    flops = TorchFlops(run)
    for x, y in loader:
        with flops.step(batch_size=len(x)):
            loss = loss_fn(model(x), y); loss.backward(); opt.step(); opt.zero_grad()

torch is imported only when a step is counted.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Protocol

from mlfootprint.errors import InvalidValueError

__all__ = ["METHOD", "FlopSink", "TorchFlops", "count_flops"]

METHOD = "flop-counter"


class FlopSink(Protocol):
    """Anything that takes FLOPs: a ``Tracker`` (``run.add_flops``)."""

    def add_flops(self, flops: float, *, method: str = ...) -> None: ...


def _counter_mode() -> Any:
    try:
        from torch.utils.flop_counter import FlopCounterMode
    except ImportError:
        from mlfootprint.errors import MlfootprintError

        raise MlfootprintError("counting FLOPs needs PyTorch: pip install torch") from None
    return FlopCounterMode(display=False)


def count_flops(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> tuple[Any, int]:
    """Run ``fn(*args, **kwargs)`` under ``FlopCounterMode``; return (its result, the FLOPs counted)."""
    mode = _counter_mode()
    with mode:
        result = fn(*args, **kwargs)
    return result, int(mode.get_total_flops())


class TorchFlops:
    """Counts the FLOPs of a loop's steps into ``sink`` (a tracker), sampling a few steps exactly.

    Args:
        sink: where the FLOPs go (``run.add_flops``); ``None`` keeps them in ``total`` only.
        sample_steps: how many steps to count with ``FlopCounterMode`` (default 3).
        skip_steps: steps to leave uncounted first (default 0: FLOPs do not warm up, time does).
    """

    def __init__(self, sink: FlopSink | None = None, *, sample_steps: int = 3, skip_steps: int = 0) -> None:
        if isinstance(sample_steps, bool) or not isinstance(sample_steps, int) or sample_steps < 1:
            raise InvalidValueError("sample_steps", sample_steps, "must be a whole number of at least 1")
        if isinstance(skip_steps, bool) or not isinstance(skip_steps, int) or skip_steps < 0:
            raise InvalidValueError("skip_steps", skip_steps, "must be a whole number of at least 0")
        self._sink = sink
        self.sample_steps = sample_steps
        self.skip_steps = skip_steps
        self.steps = 0
        self.counted_steps = 0
        self._counted_flops = 0.0
        self._counted_samples = 0.0
        self._pending: list[float | None] = []  # batch sizes of skipped steps, added once a rate is known
        self.total = 0.0

    @property
    def method(self) -> str:
        return f"{METHOD} (torch FlopCounterMode on {self.counted_steps} of {self.steps} steps, extrapolated)"

    def _rate(self, batch_size: float | None) -> float:
        if batch_size is not None and self._counted_samples > 0:
            return self._counted_flops / self._counted_samples * batch_size
        return self._counted_flops / self.counted_steps

    def _add(self, flops: float) -> None:
        self.total += flops
        if self._sink is not None and flops > 0:
            self._sink.add_flops(flops, method=METHOD)

    @contextmanager
    def step(self, batch_size: float | None = None) -> Iterator[None]:
        """One step of the loop; counted exactly when it is one of the sampled steps."""
        if batch_size is not None and (isinstance(batch_size, bool) or not batch_size >= 0):
            raise InvalidValueError("batch_size", batch_size, "must be a number of at least 0")
        index = self.steps
        self.steps += 1
        sampled = self.skip_steps <= index < self.skip_steps + self.sample_steps
        if not sampled:
            yield
            if self.counted_steps:
                self._add(self._rate(batch_size))
            else:
                self._pending.append(batch_size)
            return
        mode = _counter_mode()
        with mode:
            yield
        flops = float(mode.get_total_flops())
        self.counted_steps += 1
        self._counted_flops += flops
        if batch_size is not None:
            self._counted_samples += batch_size
        self._add(flops)
        if self._pending:
            pending, self._pending = self._pending, []
            for size in pending:
                self._add(self._rate(size))
