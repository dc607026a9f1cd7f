"""The compression study: train the teacher, distil, prune, find the ticket, measure everything.

For each seed: the teacher (whose weights at ``rewind_iteration`` are kept for the ticket), the distilled
student, one-shot pruned and fine-tuned models (unstructured and structured at every sparsity), R rounds
of iterative magnitude pruning with rewinding, and the random reinitialisation of the final ticket mask.
Then one measurement run times and meters inference of seed 0's models, interleaved, in phases.
"""

from __future__ import annotations

import copy
import math
import secrets
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from mlfootprint.errors import InvalidValueError
from mlfootprint.study.compression._deps import require
from mlfootprint.study.compression.config import FULL, StudyConfig
from mlfootprint.study.compression.data import StudyData, digits_data
from mlfootprint.study.compression.distillation import distillation_loss
from mlfootprint.study.compression.lottery import apply_mask_of, imp_prune_and_rewind, snapshot
from mlfootprint.study.compression.measure import (
    flops_per_sample,
    measure_inference,
    nonzero_flops_per_sample,
)
from mlfootprint.study.compression.models import ModelFactory, cnn_factory, mlp_factory
from mlfootprint.study.compression.provenance import describe
from mlfootprint.study.compression.pruning import (
    count_params,
    make_permanent,
    prune_structured,
    prune_unstructured,
    rebuild_dense,
)
from mlfootprint.study.compression.results import ModelShape, RunCost, SeedOutcome, StudyResult, build_rows
from mlfootprint.study.compression.tracking import StudyRecorder
from mlfootprint.study.compression.training import accuracy, predict_logits, seeded, train

if TYPE_CHECKING:
    from torch import nn

    from mlfootprint.store import RunStore

__all__ = ["DEFAULT_PROJECT", "new_study_id", "run_study"]

DEFAULT_PROJECT = "study-compression"
#: seed offset of the ticket's random reinitialisation (a different draw from the teacher's)
RANDOM_INIT_OFFSET = 10_000

Progress = Callable[[str], None]


def new_study_id() -> str:
    """``cmp-YYYYmmddTHHMMSS-xxxx``: sortable and unique."""
    return f"cmp-{datetime.now(timezone.utc):%Y%m%dT%H%M%S}-{secrets.token_hex(2)}"


@contextmanager
def _torch_settings(threads: int | None) -> Iterator[None]:
    """Deterministic algorithms where PyTorch has them (warn elsewhere), the thread count; then restored."""
    torch = require("torch")
    was_deterministic = torch.are_deterministic_algorithms_enabled()
    was_warn_only = torch.is_deterministic_algorithms_warn_only_enabled()
    was_threads = torch.get_num_threads()
    torch.use_deterministic_algorithms(True, warn_only=True)
    if threads is not None:
        torch.set_num_threads(threads)
    try:
        yield
    finally:
        torch.use_deterministic_algorithms(was_deterministic, warn_only=was_warn_only)
        torch.set_num_threads(was_threads)


def _device(choice: str) -> str:
    torch = require("torch")
    available = bool(torch.cuda.is_available())
    if choice == "cuda" and not available:
        raise InvalidValueError("--device", choice, "is not available here (no CUDA device); use cpu or auto")
    return "cuda" if choice == "cuda" or (choice == "auto" and available) else "cpu"


def _default_factory(config: StudyConfig, data: StudyData) -> ModelFactory:
    shape = data.input_shape
    if config.family == "cnn":
        if len(shape) != 3 or shape[1] != shape[2]:
            raise InvalidValueError("--family", "cnn", f"needs square image inputs (C, H, W), not {shape}")
        return cnn_factory(channels=shape[0], side=shape[1], classes=data.classes, width=config.width)
    if len(shape) != 1:
        raise InvalidValueError("--family", "mlp", f"needs flat feature vectors, not inputs of shape {shape}")
    return mlp_factory(inputs=shape[0], classes=data.classes, width=config.width)


@dataclass(frozen=True, slots=True, kw_only=True)
class _Names:
    config: StudyConfig

    def unstructured(self, s: float) -> str:
        return f"pruned-unstructured-{s:g}"

    def structured(self, s: float) -> str:
        return f"pruned-structured-{s:g}"

    @property
    def ticket(self) -> str:
        return f"ticket-{self.config.ticket_rounds}"

    @property
    def ticket_random(self) -> str:
        return f"ticket-random-{self.config.ticket_rounds}"


def _seed(
    seed: int,
    config: StudyConfig,
    data: StudyData,
    factory: ModelFactory,
    rec: StudyRecorder,
    progress: Progress,
) -> tuple[list[SeedOutcome], dict[str, Any]]:
    """Every model of one seed: (outcomes, trained models by name)."""
    names = _Names(config=config)
    fit: dict[str, Any] = dict(batch_size=config.batch_size, learning_rate=config.learning_rate)
    device = data.x_train.device
    outcomes: list[SeedOutcome] = []
    models: dict[str, Any] = {}

    def done(name: str, model: nn.Module, own: list[RunCost], upstream: list[RunCost]) -> None:
        acc = accuracy(model, data.x_test, data.y_test)
        outcomes.append(SeedOutcome(model=name, seed=seed, accuracy=acc, own_runs=tuple(own),
                                    upstream_runs=tuple(upstream)))  # fmt: skip
        models[name] = model
        progress(f"seed {seed}: {name}: test accuracy {acc:.1%}")

    iterations = math.ceil(int(data.x_train.shape[0]) / config.batch_size) * config.epochs
    if config.rewind_iteration > iterations:
        raise InvalidValueError(
            "--rewind-iteration", config.rewind_iteration, f"is beyond the teacher's {iterations} iterations"
        )
    # the teacher; its weights at the rewind iteration are kept for the ticket
    seeded(seed)
    teacher = factory(1.0).to(device)
    early: dict[str, Any] = snapshot(teacher) if config.rewind_iteration == 0 else {}

    def keep_early(iteration: int, model: nn.Module) -> None:
        if iteration == config.rewind_iteration:
            early.update(snapshot(model))

    with rec.run("teacher", model="teacher", role="train", seed=seed):
        train(teacher, data, epochs=config.epochs, seed=seed, on_iteration=keep_early, **fit)
    dense = [rec.last_cost()]
    done("teacher", teacher, dense, [])

    # the distilled student
    seeded(seed)
    student = factory(config.student_width).to(device)
    with rec.run("student", model="student", role="train", seed=seed):
        soft = predict_logits(teacher, data.x_train)

        def loss(out: Any, idx: Any, y: Any) -> Any:
            return distillation_loss(out, soft[idx], y, temperature=config.temperature, alpha=config.alpha)

        train(student, data, epochs=config.epochs, seed=seed, loss_fn=loss, **fit)
    done("student", student, [rec.last_cost()], dense)

    # one-shot pruning of the trained teacher, then fine-tuning
    for s in config.sparsities:
        name = names.unstructured(s)
        with rec.run(name, model=name, role="train", seed=seed):
            pruned = copy.deepcopy(teacher)
            prune_unstructured(pruned, s)
            train(pruned, data, epochs=config.finetune_epochs, seed=seed, **fit)
            make_permanent(pruned)
        done(name, pruned, [rec.last_cost()], dense)
        name = names.structured(s)
        with rec.run(name, model=name, role="train", seed=seed):
            masked = copy.deepcopy(teacher)
            prune_structured(masked, s)
            smaller = rebuild_dense(masked)
            train(smaller, data, epochs=config.finetune_epochs, seed=seed, **fit)
        done(name, smaller, [rec.last_cost()], dense)

    # the lottery ticket: R rounds of prune, rewind, retrain; then the random reinitialisation
    ticket = copy.deepcopy(teacher)
    rounds: list[RunCost] = []
    for r in range(1, config.ticket_rounds + 1):
        with rec.run(f"{names.ticket} round {r}", model=names.ticket, role="train", seed=seed):
            imp_prune_and_rewind(ticket, rate=config.ticket_rate, rewind_to=early)
            train(ticket, data, epochs=config.epochs, seed=seed, **fit)
        rounds.append(rec.last_cost())
    seeded(seed + RANDOM_INIT_OFFSET)
    control = factory(1.0).to(device)
    with rec.run(names.ticket_random, model=names.ticket_random, role="train", seed=seed):
        apply_mask_of(ticket, control)
        train(control, data, epochs=config.epochs, seed=seed, **fit)
        make_permanent(control)
    done(names.ticket_random, control, [rec.last_cost()], dense + rounds)
    done(names.ticket, make_permanent(ticket), rounds, dense)
    return outcomes, models


def _shapes(models: dict[str, Any], config: StudyConfig, example: Any) -> list[ModelShape]:
    names = _Names(config=config)
    nominal: dict[str, tuple[str, float]] = {"teacher": ("teacher", 0.0), "student": ("student", 0.0)}
    for s in config.sparsities:
        nominal[names.unstructured(s)] = ("pruned-unstructured", s)
        nominal[names.structured(s)] = ("pruned-structured", s)
    nominal[names.ticket] = ("ticket", config.ticket_sparsity)
    nominal[names.ticket_random] = ("ticket-random", config.ticket_sparsity)
    shapes = []
    for name, (kind, sparsity) in nominal.items():
        model = models[name]
        total, nonzero = count_params(model)
        shapes.append(ModelShape(
            model=name, kind=kind, sparsity=sparsity, params=total, nonzero_params=nonzero,
            flops=flops_per_sample(model, example), flops_nonzero=nonzero_flops_per_sample(model, example),
        ))  # fmt: skip
    return shapes


def run_study(
    config: StudyConfig = FULL,
    *,
    data: StudyData | None = None,
    factory: ModelFactory | None = None,
    store: RunStore | None = None,
    db: str | None = None,
    project: str = DEFAULT_PROJECT,
    region: str | None = None,
    scope: str = "process",
    study_id: str | None = None,
    progress: Progress | None = None,
) -> StudyResult:
    """Run the compression study and return its table; every run is stored under one study id.

    Args:
        config: what to train and how long to measure (``FULL`` or ``QUICK`` or your own).
        data: the data (default: scikit-learn's digits, shaped for ``config.family``).
        factory: width fraction -> model (default: the built-in family); must return an
            ``nn.Sequential`` of ``Linear``/``Conv2d`` layers for structured pruning.
        store: an open ledger (the caller keeps ownership); else ``db`` is opened.
        db: the ledger's URL (default: ``$MLFOOTPRINT_DB`` or the per-user file).
        project: the ledger project of the runs.
        region: grid region for CO2e (default: world average, said so).
        scope: ``"process"`` (charge the study's own CPU time; right on a shared machine) or ``"machine"``.
        study_id: the study's id (default: a new one).
        progress: receives one line per step.

    Raises:
        StudyUnavailableError: PyTorch or scikit-learn is not installed.
        InvalidValueError, UnknownNameError: a bad option, region or model.
    """
    from mlfootprint.store import open_store

    if scope not in ("process", "machine"):
        raise InvalidValueError("--scope", scope, "must be process or machine")
    say: Progress = progress or (lambda _line: None)
    started = time.monotonic()
    study_id = study_id or new_study_id()
    notes: list[str] = []

    def warn(text: str) -> None:
        notes.append(text)
        say(f"warning: {text}")

    with _torch_settings(config.threads):
        device = _device(config.device)
        base = data if data is not None else digits_data(images=config.family == "cnn")
        data_on = base.to(device)
        family = config.family if factory is None else "custom"
        factory = factory or _default_factory(config, data_on)
        ledger = store if store is not None else open_store(db)
        try:
            rec = StudyRecorder(
                study_id=study_id, project=project, store=ledger, region=region, scope=scope,
                tags={"dataset": base.name, "family": family},
                warn=warn,
            )  # fmt: skip
            outcomes: list[SeedOutcome] = []
            models: dict[str, Any] = {}
            for seed in range(config.seeds):
                found, trained = _seed(seed, config, data_on, factory, rec, say)
                outcomes += found
                if seed == 0:
                    models = trained
            shapes = _shapes(models, config, data_on.x_test)
            ordered = {s.model: models[s.model] for s in shapes}
            say(f"measuring inference of {len(ordered)} models ({config.inference_rounds} round(s) of "
                f"{config.inference_window_s:g} s per model and mode)")  # fmt: skip
            with rec.run("inference", model="all", role="inference") as run:
                windows = measure_inference(
                    run.phase, ordered, data_on.x_test, window_s=config.inference_window_s,
                    rounds=config.inference_rounds,
                )  # fmt: skip
            inference = rec.records[-1]
        finally:
            if store is None:
                ledger.close()
    rows = build_rows(shapes, outcomes, windows, pue=inference.pue, inference_run_id=inference.id)
    how, energy_method, meters, more_notes = describe(inference, scope=scope, rows=rows, config=config)
    return StudyResult(
        study_id=study_id,
        dataset=base.name,
        dataset_source=base.source,
        family=family,
        device=device,
        config=config.as_dict(),
        rows=rows,
        inference_run_id=inference.id,
        inference_samples=int(data_on.x_test.shape[0]),
        meters=meters,
        energy_method=energy_method,
        pue=inference.pue,
        pue_source=inference.pue_source,
        intensity_kg_per_kwh=inference.intensity_g_per_kwh / 1000.0,
        intensity_source=inference.intensity_source,
        duration_s=time.monotonic() - started,
        notes=(*dict.fromkeys(notes), *more_notes),
        how=how,
    )
