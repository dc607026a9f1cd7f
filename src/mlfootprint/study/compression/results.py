"""The study's results: per-seed outcomes and measured windows in, one row per model out (pure).

Energy accounting (facility energy, i.e. IT energy x PUE, like every run in the ledger):

* ``train_energy``: the runs that trained this model itself: the teacher's training; the student's
  distillation (teacher forward passes included); one-shot pruning and its fine-tuning; all R rounds of
  prune-rewind-retrain for the ticket; the training from random initialisation for the control.
* ``obtain_energy``: ``train_energy`` plus every run it depended on: the teacher's training for the
  student, the pruned models and the ticket; the teacher and all R ticket rounds for the control.
* Inference energy per 1,000 samples: each measured window's energy x PUE / samples x 1,000, the mean
  over rounds (std over rounds).
* A saving counts for pay-back only beyond the measurement's spread: twice the combined standard
  deviation of the two models' windows, and at least ``NOISE_FLOOR_FRAC`` of the teacher's energy
  (``SINGLE_WINDOW_FLOOR_FRAC`` when a model has one window only, so no spread was measured).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field

from mlfootprint.study.compression.measure import InferenceWindow
from mlfootprint.study.compression.payback import Payback, payback_inferences
from mlfootprint.units import J_PER_KWH

__all__ = ["BASELINE", "ModelRow", "ModelShape", "RunCost", "SeedOutcome", "StudyResult", "build_rows"]

BASELINE = "teacher"
#: smallest inference saving the study counts, as a fraction of the teacher's energy per inference
#: (the CPU-time counters behind the estimate tick every 10 ms; a window's reading is that coarse)
NOISE_FLOOR_FRAC = 0.02
#: the same when a model was measured in one window only (no spread measured)
SINGLE_WINDOW_FLOOR_FRAC = 0.10


@dataclass(frozen=True, slots=True, kw_only=True)
class RunCost:
    """One stored run's totals (facility energy, PUE applied) as read from its record."""

    run_id: str
    energy_j: float
    energy_j_low: float
    energy_j_high: float
    co2e_g: float
    duration_s: float


@dataclass(frozen=True, slots=True, kw_only=True)
class SeedOutcome:
    """One model trained with one seed: its accuracy, its own runs and the runs it depended on."""

    model: str
    seed: int
    accuracy: float
    own_runs: tuple[RunCost, ...]
    upstream_runs: tuple[RunCost, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class ModelShape:
    """Size and work of a model (seed 0's instance; architecture and sparsity do not vary by seed)."""

    model: str
    kind: str
    sparsity: float  # fraction of Linear/Conv2d weights that are zero or removed, against the teacher
    params: int
    nonzero_params: int
    flops: int  # per sample, the dense computation executed
    flops_nonzero: int  # per sample, non-zero weights only


@dataclass(frozen=True, slots=True, kw_only=True)
class ModelRow:
    """One model of the study, in display units (kWh, kg, ms)."""

    model: str
    kind: str
    sparsity: float
    accuracy: float
    accuracy_std: float
    accuracy_by_seed: tuple[float, ...]
    params: int
    nonzero_params: int
    flops: int
    flops_nonzero: int
    train_energy_kwh: float
    train_energy_kwh_std: float
    train_energy_kwh_low: float
    train_energy_kwh_high: float
    train_co2e_kg: float
    obtain_energy_kwh: float
    obtain_energy_kwh_low: float
    obtain_energy_kwh_high: float
    obtain_co2e_kg: float
    inference_energy_kwh_per_1k: float
    inference_energy_kwh_per_1k_std: float
    inference_energy_kwh_per_1k_single: float
    inference_energy_kwh_per_1k_single_std: float
    inference_saving_pct: float
    inference_saving_pct_single: float
    latency_ms: float
    latency_ms_batch: float
    payback_inferences: float | None
    payback_inferences_single: float | None
    payback_note: str
    run_ids: tuple[str, ...]
    obtain_run_ids: tuple[str, ...]

    def to_dict(self) -> dict[str, object]:
        out = asdict(self)
        for key in ("accuracy_by_seed", "run_ids", "obtain_run_ids"):
            out[key] = list(out[key])
        return out


@dataclass(frozen=True, slots=True, kw_only=True)
class StudyResult:
    """The whole study: rows plus everything needed to say how each number was obtained."""

    study_id: str
    dataset: str
    dataset_source: str
    family: str
    device: str
    config: Mapping[str, object]
    rows: tuple[ModelRow, ...]
    inference_run_id: str
    inference_samples: int
    meters: tuple[str, ...]  # "<meter id> (<method>): <source>" of the runs' meters
    energy_method: str  # how the energy was obtained, in words
    pue: float
    pue_source: str
    intensity_kg_per_kwh: float
    intensity_source: str
    duration_s: float
    notes: tuple[str, ...] = ()
    how: Mapping[str, str] = field(default_factory=dict)

    def row(self, model: str) -> ModelRow:
        for r in self.rows:
            if r.model == model:
                return r
        raise KeyError(model)

    def to_dict(self) -> dict[str, object]:
        """The JSON document: ``study_id``, ``dataset``, ``rows`` and the provenance beside them."""
        return {
            "study_id": self.study_id,
            "dataset": self.dataset,
            "dataset_source": self.dataset_source,
            "family": self.family,
            "device": self.device,
            "rows": [r.to_dict() for r in self.rows],
            "inference_run_id": self.inference_run_id,
            "inference_samples": self.inference_samples,
            "energy_method": self.energy_method,
            "meters": list(self.meters),
            "pue": self.pue,
            "pue_source": self.pue_source,
            "intensity_kg_per_kwh": self.intensity_kg_per_kwh,
            "intensity_source": self.intensity_source,
            "duration_s": self.duration_s,
            "config": dict(self.config),
            "how": dict(self.how),
            "notes": list(self.notes),
        }


def _mean(values: Sequence[float]) -> float:
    return statistics.fmean(values) if values else float("nan")


def _std(values: Sequence[float]) -> float:
    return statistics.stdev(values) if len(values) > 1 else 0.0


def _kwh(j: float) -> float:
    return j / J_PER_KWH


def _per_1k_kwh(windows: Sequence[InferenceWindow], pue: float) -> list[float]:
    return [_kwh(w.energy_j * pue / w.samples * 1000.0) for w in windows if w.samples > 0]


def _saving_pct(baseline: float, value: float) -> float:
    return 100.0 * (baseline - value) / baseline if baseline > 0 else float("nan")


def _payback(extra_j: float, base_kwh_per_1k: float, kwh_per_1k: float, noise_j: float) -> Payback:
    per_inference = J_PER_KWH / 1000.0
    values = (extra_j, base_kwh_per_1k, kwh_per_1k, noise_j)
    if not all(math.isfinite(v) for v in values):
        return Payback(inferences=None, saving_j_per_inference=math.nan, reason="not measured")
    return payback_inferences(
        extra_obtain_j=extra_j,
        baseline_j_per_inference=base_kwh_per_1k * per_inference,
        model_j_per_inference=kwh_per_1k * per_inference,
        noise_j_per_inference=noise_j,
    )


def build_rows(
    shapes: Sequence[ModelShape],
    outcomes: Sequence[SeedOutcome],
    windows: Sequence[InferenceWindow],
    *,
    pue: float,
    inference_run_id: str,
) -> tuple[ModelRow, ...]:
    """One row per shape (in order), the teacher (``BASELINE``) the reference for savings and pay-back."""
    by_model: dict[str, list[SeedOutcome]] = {}
    for o in outcomes:
        by_model.setdefault(o.model, []).append(o)
    per_window: dict[tuple[str, str], list[InferenceWindow]] = {}
    for w in windows:
        per_window.setdefault((w.model, w.mode), []).append(w)

    def obtain_j(o: SeedOutcome) -> float:
        return sum(r.energy_j for r in (*o.own_runs, *o.upstream_runs))

    def infer(model: str, mode: str) -> tuple[float, float, float]:
        ws = per_window.get((model, mode), [])
        values = _per_1k_kwh(ws, pue)
        passes = sum(w.forward_passes for w in ws)
        latency = 1000.0 * sum(w.duration_s for w in ws) / passes if passes else float("nan")
        return _mean(values), _std(values), latency

    base_obtain_j = _mean([obtain_j(o) for o in by_model.get(BASELINE, [])])
    base_batch, base_batch_std, _ = infer(BASELINE, "batch")
    base_single, base_single_std, _ = infer(BASELINE, "single")

    def noise_j(model: str, mode: str, base: float, base_std: float, std: float) -> float:
        spread = 2.0 * math.sqrt(base_std**2 + std**2)
        one_window = (
            min(len(per_window.get((model, mode), [])), len(per_window.get((BASELINE, mode), []))) < 2
        )
        floor = SINGLE_WINDOW_FLOOR_FRAC if one_window else NOISE_FLOOR_FRAC
        return max(spread, floor * base) * J_PER_KWH / 1000.0

    rows = []
    for shape in shapes:
        seeds = sorted(by_model.get(shape.model, []), key=lambda o: o.seed)
        own = [sum(r.energy_j for r in o.own_runs) for o in seeds]
        own_low = [sum(r.energy_j_low for r in o.own_runs) for o in seeds]
        own_high = [sum(r.energy_j_high for r in o.own_runs) for o in seeds]
        obtain = [obtain_j(o) for o in seeds]
        obtain_low = [sum(r.energy_j_low for r in (*o.own_runs, *o.upstream_runs)) for o in seeds]
        obtain_high = [sum(r.energy_j_high for r in (*o.own_runs, *o.upstream_runs)) for o in seeds]
        own_co2e = [sum(r.co2e_g for r in o.own_runs) for o in seeds]
        obtain_co2e = [sum(r.co2e_g for r in (*o.own_runs, *o.upstream_runs)) for o in seeds]
        batch, batch_std, latency_batch = infer(shape.model, "batch")
        single, single_std, latency_single = infer(shape.model, "single")
        extra_j = _mean(obtain) - base_obtain_j
        if shape.model == BASELINE:
            pay_batch = pay_single = None
            note = "baseline"
        else:
            pb = _payback(
                extra_j,
                base_batch,
                batch,
                noise_j(shape.model, "batch", base_batch, base_batch_std, batch_std),
            )
            ps = _payback(
                extra_j,
                base_single,
                single,
                noise_j(shape.model, "single", base_single, base_single_std, single_std),
            )
            pay_batch, pay_single = pb.inferences, ps.inferences
            note = f"batched: {pb.reason}; one by one: {ps.reason}"
        ids = [r.run_id for o in seeds for r in o.own_runs]
        upstream = [r.run_id for o in seeds for r in o.upstream_runs]
        rows.append(
            ModelRow(
                model=shape.model,
                kind=shape.kind,
                sparsity=shape.sparsity,
                accuracy=_mean([o.accuracy for o in seeds]),
                accuracy_std=_std([o.accuracy for o in seeds]),
                accuracy_by_seed=tuple(o.accuracy for o in seeds),
                params=shape.params,
                nonzero_params=shape.nonzero_params,
                flops=shape.flops,
                flops_nonzero=shape.flops_nonzero,
                train_energy_kwh=_kwh(_mean(own)),
                train_energy_kwh_std=_kwh(_std(own)),
                train_energy_kwh_low=_kwh(_mean(own_low)),
                train_energy_kwh_high=_kwh(_mean(own_high)),
                train_co2e_kg=_mean(own_co2e) / 1000.0,
                obtain_energy_kwh=_kwh(_mean(obtain)),
                obtain_energy_kwh_low=_kwh(_mean(obtain_low)),
                obtain_energy_kwh_high=_kwh(_mean(obtain_high)),
                obtain_co2e_kg=_mean(obtain_co2e) / 1000.0,
                inference_energy_kwh_per_1k=batch,
                inference_energy_kwh_per_1k_std=batch_std,
                inference_energy_kwh_per_1k_single=single,
                inference_energy_kwh_per_1k_single_std=single_std,
                inference_saving_pct=_saving_pct(base_batch, batch),
                inference_saving_pct_single=_saving_pct(base_single, single),
                latency_ms=latency_single,
                latency_ms_batch=latency_batch,
                payback_inferences=pay_batch,
                payback_inferences_single=pay_single,
                payback_note=note,
                run_ids=(*dict.fromkeys(ids), inference_run_id),
                obtain_run_ids=tuple(dict.fromkeys([*upstream, *ids])),
            )
        )
    return tuple(rows)
