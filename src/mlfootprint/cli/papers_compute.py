"""The ``papers`` section that recomputes Patterson 2021 Tables 1 and 4 from FLOPs and TFLOP/s."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mlfootprint.papers_compute import ComputeReproduction

__all__ = ["compute_json", "compute_markdown", "compute_text"]


def _g(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.4g}"


def _mark(rep: ComputeReproduction, key: str) -> str:
    dev = rep.deviation_pct.get(key)
    if dev is None:
        return ""
    return f"{dev:+.1f}%" + ("" if rep.agrees[key] else " *")


def _cells(rep: ComputeReproduction) -> tuple[str, str, str]:
    r, inner = rep.row, rep.reproduction
    days = f"{rep.work.days.text} / {rep.days:.3g} d {_mark(rep, 'days')}"
    energy = "-"
    if r.energy is not None:
        energy = f"{r.energy.text} / {_g(inner.as_printed('energy'))} {r.energy.unit} {_mark(rep, 'energy')}"
    co2e = "-"
    if r.co2e is not None:
        co2e = f"{r.co2e.text} / {_g(inner.as_printed('co2e'))} {r.co2e.unit} {_mark(rep, 'co2e')}"
    return days, energy, co2e


def _six_pd(reps: Sequence[ComputeReproduction]) -> list[str]:
    from mlfootprint.work.compute import flops_from_params

    lines = []
    for rep in reps:
        w = rep.work
        if w.params is None or w.tokens is None:
            continue
        f = flops_from_params(w.params, w.tokens)
        lines.append(
            f"  {rep.row.model}: 6 x {w.params:.4g} params x {w.tokens:.3g} tokens = {f:.3g} FLOPs; "
            f"published {w.flops_text} ({(f - w.flops) / w.flops * 100:+.1f}%)"
        )
    return lines


def compute_text(reps: Sequence[ComputeReproduction]) -> str:
    """The section as text."""
    lines = [
        "Patterson et al. 2021, Tables 1 and 4 from the work: days = FLOPs / (processors x measured TFLOP/s)",
        f"  {'model':<46} {'FLOPs':>8} {'TFLOP/s':>8}  {'days pub / comp':<20} "
        f"{'energy pub / comp':<24} CO2e pub / comp",
    ]
    for rep in reps:
        days, energy, co2e = _cells(rep)
        lines.append(
            f"  {rep.row.model[:46]:<46} {rep.work.flops_text:>8} {rep.work.achieved_tflops_text:>8}  "
            f"{days:<20} {energy:<24} {co2e}"
        )
    lines += [
        "Training FLOPs from parameters and tokens, 6 x P x D (Kaplan et al. 2020 §2.1):",
        *_six_pd(reps),
    ]
    lines.append(
        "* = outside 1 % and outside what the printed FLOPs and TFLOP/s allow. "
        "Each row is `mlfootprint estimate --flops F --achieved-tflops X`."
    )
    return "\n".join(lines)


def compute_markdown(reps: Sequence[ComputeReproduction]) -> str:
    """The section as a Markdown table."""
    out = [
        "| Table | Model | FLOPs | TFLOP/s | Days pub / comp | Energy pub / comp | CO2e pub / comp |",
        "|---|---|---|---|---|---|---|",
    ]
    for rep in reps:
        days, energy, co2e = _cells(rep)
        out.append(
            f"| {rep.row.table} | {rep.row.model} | {rep.work.flops_text} | {rep.work.achieved_tflops_text} "
            f"| {days} | {energy} | {co2e} |"
        )
    return "\n".join(out)


def compute_json(reps: Sequence[ComputeReproduction]) -> list[dict[str, Any]]:
    """The section as JSON rows."""
    return [rep.to_dict() for rep in reps]
