"""How each number of the study was obtained, in words (pure: from a stored run record and the rows)."""

from __future__ import annotations

from collections.abc import Sequence

from mlfootprint.records import RunRecord
from mlfootprint.report.statement import METHOD_TEXT
from mlfootprint.study.compression.config import StudyConfig
from mlfootprint.study.compression.results import BASELINE, ModelRow

__all__ = ["describe"]


def _energy_method(record: RunRecord, scope: str) -> str:
    parts = [f"{c.component}: {METHOD_TEXT.get(c.method, c.method)}" for c in record.components]
    text = "; ".join(parts) or "no meter"
    if any(c.is_estimate for c in record.components):
        text += " (no hardware energy counter readable here, so these are estimates)"
    if scope == "process":
        text += (
            "; process scope: the study's own process is charged its CPU time at the full-load rate per "
            "thread, so other load on a shared machine is not counted"
        )
    return f"{text}; facility energy = IT energy x PUE {record.pue:g}"


def describe(
    record: RunRecord, *, scope: str, rows: Sequence[ModelRow], config: StudyConfig
) -> tuple[dict[str, str], str, tuple[str, ...], tuple[str, ...]]:
    """(how each field was obtained, the energy method, the meters, notes drawn from the results)."""
    meters = tuple(
        f"{c.meter_id} ({METHOD_TEXT.get(c.method, c.method)}): {c.source}" for c in record.components
    )
    energy = _energy_method(record, scope)
    how = {
        "accuracy": f"test-set accuracy, mean over {config.seeds} seed(s); accuracy_std is the "
        "sample standard deviation over seeds",
        "params": "parameters of the model as deployed (a structured-pruned model is the rebuilt "
        "smaller one)",
        "nonzero_params": "parameters that are not zero (unstructured pruning leaves zeros in dense tensors)",
        "flops": "FLOPs of one forward pass on one sample, counted by "
        "torch.utils.flop_counter.FlopCounterMode (the dense computation executed)",
        "flops_nonzero": "the same with each layer's weights limited to their non-zeros (2 x nnz(W) x "
        "output positions): what ideal sparse kernels would do; not measured",
        "train_energy_kwh": "tracked energy of the runs that trained this model itself, mean over "
        f"seeds; {energy}",
        "obtain_energy_kwh": "train_energy_kwh plus every run it depended on (the teacher for the "
        "student, the pruned models and the ticket; the teacher and all ticket rounds for the random "
        "control)",
        "inference_energy_kwh_per_1k": "measured: tracked energy of timed windows of batched inference "
        f"(the whole test set per forward pass, at least {config.inference_window_s:g} s per window, "
        f"{config.inference_rounds} window(s) interleaved across models) / samples x 1,000; never "
        "derived from FLOPs or sparsity",
        "inference_energy_kwh_per_1k_single": "the same with one sample per forward pass",
        "latency_ms": "wall time per one-sample forward pass in the measured windows",
        "latency_ms_batch": "wall time per forward pass of the whole test set in the measured windows",
        "payback_inferences": "(obtain energy - the teacher's obtain energy) / (the teacher's - this "
        "model's measured batched inference energy per inference); null: no saving beyond the "
        "measurement's spread (twice the windows' combined standard deviation, at least 2 % of the "
        "teacher's, 10 % with a single window per model), so it never pays back",
        "co2e": f"energy x {record.intensity_g_per_kwh / 1000:.3g} kg/kWh ({record.intensity_source})",
    }
    notes = []
    base = next((r for r in rows if r.model == BASELINE), None)
    for r in rows:
        if base is None or r.kind not in ("pruned-unstructured", "ticket", "ticket-random"):
            continue
        if r.payback_inferences is None:
            notes.append(
                f"{r.model}: {r.nonzero_params / max(base.nonzero_params, 1):.0%} of the teacher's non-zero "
                "parameters (unstructured sparsity), yet its measured batched inference energy is not "
                f"measurably lower than the teacher's (measured saving {r.inference_saving_pct:+.1f} %): "
                "dense kernels multiply the zeros too, so without sparse kernels it saves nothing here"
            )
    return how, energy, meters, tuple(notes)
