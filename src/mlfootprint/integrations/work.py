"""Framework-side work accounting, one call per callback hook: counts, metrics, progress, budget stop.

The Lightning, Hugging Face and Keras callbacks call these with the objects the framework hands them;
nothing here imports a framework (the objects are duck-typed). Each function takes the running
``Tracker`` (or ``None``, when this process does not measure) and does nothing then.

- ``count_batch(run, batch)``: samples from the batch's leading dimension; tokens from ``input_ids``
  (non-padding positions when an ``attention_mask`` is given).
- ``log_metrics(run, metrics, step)``: every finite number (tensors with one element included).
- ``report_progress(run, done, total)``: the end of an epoch or step, with the prediction as a log line.
- ``lightning_length(trainer)`` / ``hf_length(args, state)`` / ``keras_length(params)``: how long the
  run will be, from ``max_epochs`` / ``max_steps``, ``num_train_epochs`` / ``max_steps``, ``epochs``.
- ``stop_lightning(run, trainer)`` / ``stop_hf(run, control)`` / ``stop_keras(run, model)``: end the
  training through the framework when the budget asks (``on_exceed="stop"``).
- ``hf_total_flos(run, state)``: the Trainer's own FLOPs count, when nothing else counted FLOPs.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from mlfootprint import logs

if TYPE_CHECKING:
    from mlfootprint.tracking.tracker import Tracker
    from mlfootprint.work.predict import Prediction

__all__ = [
    "batch_size_of",
    "count_batch",
    "count_hf_step",
    "hf_length",
    "hf_step_samples",
    "hf_tokens_seen",
    "hf_total_flos",
    "keras_length",
    "lightning_length",
    "log_metrics",
    "prediction_line",
    "report_progress",
    "set_parameters",
    "stop_hf",
    "stop_keras",
    "stop_lightning",
    "tokens_of",
]

logger = logs.get(__name__)


def _first_dim(value: Any) -> int | None:
    shape = getattr(value, "shape", None)
    if shape is not None and len(shape) > 0:
        return int(shape[0])
    return None


def batch_size_of(batch: Any) -> int | None:
    """The number of samples in a batch: a tensor/array's first dimension, or of its first tensor."""
    size = _first_dim(batch)
    if size is not None:
        return size
    if isinstance(batch, Mapping):
        for key in ("input_ids", "pixel_values", "x", "inputs"):
            if key in batch and (size := _first_dim(batch[key])) is not None:
                return size
        items: list[Any] = list(batch.values())
    elif isinstance(batch, (list, tuple)):
        items = list(batch)
    else:
        return None
    for item in items:
        size = _first_dim(item)
        if size is not None:
            return size
    return None


def tokens_of(batch: Any) -> int | None:
    """Tokens in a batch with ``input_ids``: the attention mask's sum, else the ids' element count."""
    if not isinstance(batch, Mapping) or "input_ids" not in batch:
        return None
    mask = batch.get("attention_mask")
    if mask is not None and hasattr(mask, "sum"):
        return int(mask.sum())
    ids = batch["input_ids"]
    numel = getattr(ids, "numel", None)
    if callable(numel):
        return int(numel())
    size = getattr(ids, "size", None)
    return int(size) if isinstance(size, int) else None


def count_batch(run: Tracker | None, batch: Any) -> None:
    """Count one batch's samples (and tokens, for token batches)."""
    if run is None or run.result is not None:
        return
    samples, tokens = batch_size_of(batch), tokens_of(batch)
    if samples is not None or tokens is not None:
        run.count(samples=samples, tokens=tokens)


def _number(value: Any) -> float | None:
    item = getattr(value, "item", None)
    if callable(item) and getattr(value, "numel", lambda: 1)() == 1:
        value = item()
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if math.isfinite(value) else None


def log_metrics(run: Tracker | None, metrics: Mapping[str, Any], step: int | None = None) -> None:
    """Log every finite number in ``metrics`` (skipping the tracker's own ``mlfootprint/`` entries)."""
    if run is None or run.result is not None:
        return
    for name, value in metrics.items():
        number = _number(value)
        if number is not None and not str(name).startswith("mlfootprint"):
            run.log_metric(str(name), number, step=step)


def prediction_line(prediction: Prediction) -> str:
    """``mlfootprint: 20% done; whole run predicted 1.2 kWh (1.1 kWh-1.3 kWh), 48 g CO2e, 3.1 h (...)``."""
    from mlfootprint.report.fmt import fmt_duration, fmt_kg, fmt_kwh

    p = prediction
    low, high = fmt_kwh(p.energy_j_low / 3.6e6), fmt_kwh(p.energy_j_high / 3.6e6)
    return (
        f"mlfootprint: {p.progress_frac:.0%} done; whole run predicted "
        f"{fmt_kwh(p.energy_j / 3.6e6)} ({low}-{high}), "
        f"{fmt_kg(p.co2e_g / 1e3)} CO2e, {fmt_duration(p.duration_s)} "
        f"({fmt_duration(p.duration_s_low)}-{fmt_duration(p.duration_s_high)})"
    )


#: progress reported from step hooks more often than this is skipped (each report reads the meters)
MIN_PROGRESS_INTERVAL_S = 5.0


def report_progress(run: Tracker | None, done: float, total: float | None, *, throttle: bool = False) -> None:
    """Record ``done`` of ``total`` units (predicts and checks the budget); log the prediction.

    With ``throttle`` (for per-step hooks), reports closer than ``MIN_PROGRESS_INTERVAL_S`` apart are
    skipped, except the last.
    """
    if run is None or run.result is not None or not done > 0:
        return
    if throttle and total is not None and done < total:
        import time

        now = time.monotonic()
        last = getattr(run.work, "last_report_s", None)
        if last is not None and now - last < MIN_PROGRESS_INTERVAL_S:
            return
        run.work.last_report_s = now
    prediction = run.progress(done, total)
    if prediction is not None:
        logger.info("%s", prediction_line(prediction))


def _positive(value: Any) -> float | None:
    number = _number(value)
    return number if number is not None and number > 0 else None


def lightning_length(trainer: Any) -> tuple[str, float | None]:
    """(``"epoch"`` or ``"step"``, the total).

    Steps when Lightning knows the total (``max_steps``, or ``estimated_stepping_batches`` from the
    epochs and the loader's length: epochs of different lengths are then weighed right), else epochs.
    """
    max_steps = _positive(getattr(trainer, "max_steps", None))
    if max_steps is not None:
        return "step", max_steps
    try:
        estimated = _positive(getattr(trainer, "estimated_stepping_batches", None))
    except Exception:  # noqa: BLE001 -- Lightning raises when the loader has no length
        estimated = None
    if estimated is not None and math.isfinite(estimated):
        return "step", estimated
    return "epoch", _positive(getattr(trainer, "max_epochs", None))


def hf_length(args: Any, state: Any) -> tuple[str, float | None]:
    """``max_steps`` (TrainingArguments or TrainerState) when > 0, else ``num_train_epochs``."""
    for source in (args, state):
        max_steps = _positive(getattr(source, "max_steps", None))
        if max_steps is not None:
            return "step", max_steps
    return "epoch", _positive(getattr(args, "num_train_epochs", None))


def keras_length(params: Mapping[str, Any] | None) -> tuple[str, float | None]:
    """Keras callbacks' ``self.params``: ``epochs``."""
    return "epoch", None if not params else _positive(params.get("epochs"))


def set_parameters(run: Tracker | None, model: Any) -> None:
    """Record the parameter count of a PyTorch module (or anything with ``count_params()``, Keras)."""
    if run is None:
        return
    count_params = getattr(model, "count_params", None)
    if callable(count_params):
        run.work.parameters = int(count_params())
        return
    parameters = getattr(model, "parameters", None)
    if callable(parameters):
        run.work.parameters = int(sum(p.numel() for p in parameters()))


def _stop_reason(run: Tracker | None) -> str | None:
    return None if run is None else run.stop_requested


def stop_lightning(run: Tracker | None, trainer: Any) -> bool:
    """Set ``trainer.should_stop`` when the budget asks; return whether it did."""
    reason = _stop_reason(run)
    if reason is not None and not getattr(trainer, "should_stop", False):
        trainer.should_stop = True
        logger.warning("mlfootprint: %s; stopping training", reason)
    return reason is not None


def stop_hf(run: Tracker | None, control: Any) -> bool:
    """Set ``control.should_training_stop`` when the budget asks; return whether it did."""
    reason = _stop_reason(run)
    if reason is not None:
        control.should_training_stop = True
    return reason is not None


def stop_keras(run: Tracker | None, model: Any) -> bool:
    """Set ``model.stop_training`` when the budget asks; return whether it did."""
    reason = _stop_reason(run)
    if reason is not None:
        model.stop_training = True
    return reason is not None


def hf_total_flos(run: Tracker | None, state: Any) -> None:
    """Add the Trainer's ``state.total_flos`` unless FLOPs were already counted for this run."""
    if run is None or run.result is not None:
        return
    flos = _positive(getattr(state, "total_flos", None))
    counted = any(w.flops for w in run.work.counts() if w.phase == "")
    if flos is not None and not counted:
        run.add_flops(flos, method="hf-total-flos")


def hf_step_samples(args: Any) -> float | None:
    """Samples of one optimizer step: per-device batch x gradient accumulation x processes."""
    batch = _positive(getattr(args, "per_device_train_batch_size", None))
    if batch is None:
        return None
    accumulation = _positive(getattr(args, "gradient_accumulation_steps", None)) or 1.0
    world = _positive(getattr(args, "world_size", None)) or 1.0
    return batch * accumulation * world


def count_hf_step(run: Tracker | None, args: Any) -> None:
    """Count the samples of one optimizer step (``hf_step_samples``)."""
    if run is None or run.result is not None:
        return
    samples = hf_step_samples(args)
    if samples is not None:
        run.count(samples=samples)


def hf_tokens_seen(run: Tracker | None, state: Any) -> None:
    """Tokens from ``state.num_input_tokens_seen`` (when the Trainer counts them) if none were counted."""
    if run is None or run.result is not None:
        return
    seen = _positive(getattr(state, "num_input_tokens_seen", None))
    counted = any(c.tokens for c in run.work.counts() if c.phase == "")
    if seen is not None and not counted:
        run.count(tokens=seen)
