"""The Pareto plot: accuracy against measured inference energy, marker area for the energy to obtain."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mlfootprint.errors import InvalidValueError
from mlfootprint.study.compression.results import StudyResult

__all__ = ["pareto_figure", "pareto_front", "save_pareto"]

_KIND_COLOURS = {
    "teacher": "#1f77b4",
    "student": "#2ca02c",
    "pruned-unstructured": "#ff7f0e",
    "pruned-structured": "#d62728",
    "ticket": "#9467bd",
    "ticket-random": "#8c564b",
}


def pareto_front(points: list[tuple[str, float, float]]) -> list[str]:
    """Names of the points (name, energy, accuracy) that no other point beats on both axes."""
    front = []
    for name, energy, acc in points:
        dominated = any(
            (e <= energy and a >= acc) and (e < energy or a > acc) for n, e, a in points if n != name
        )
        if not dominated:
            front.append(name)
    return front


def pareto_figure(result: StudyResult) -> Any:
    """A matplotlib ``Figure`` (Agg canvas, no pyplot)."""
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError:
        from mlfootprint.study.compression._deps import StudyUnavailableError

        raise StudyUnavailableError("the plot needs matplotlib: pip install 'mlfootprint[plots]'") from None
    fig = Figure(figsize=(8.0, 5.0), dpi=100, layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    rows = result.rows
    top = max(r.obtain_energy_kwh for r in rows) or 1.0
    points = []
    for r in rows:
        energy_mwh = r.inference_energy_kwh_per_1k * 1e6
        points.append((r.model, energy_mwh, r.accuracy))
        ax.scatter(
            [energy_mwh], [r.accuracy * 100], s=40 + 900 * r.obtain_energy_kwh / top,
            color=_KIND_COLOURS.get(r.kind, "#7f7f7f"), alpha=0.6, edgecolors="black", linewidths=0.5,
        )  # fmt: skip
        ax.errorbar(
            [energy_mwh], [r.accuracy * 100], xerr=[r.inference_energy_kwh_per_1k_std * 1e6],
            yerr=[r.accuracy_std * 100], color="black", linewidth=0.7, capsize=2,
        )  # fmt: skip
        ax.annotate(
            r.model, (energy_mwh, r.accuracy * 100), fontsize=7, xytext=(4, 4), textcoords="offset points"
        )
    front = sorted((p for p in points if p[0] in pareto_front(points)), key=lambda p: p[1])
    ax.plot([p[1] for p in front], [p[2] * 100 for p in front], "--", color="grey", linewidth=0.8,
            label="Pareto front")  # fmt: skip
    ax.set_xscale("log")
    ax.set_xlabel("measured inference energy per 1,000 samples, batched (mWh, log scale)")
    ax.set_ylabel("test accuracy (%)")
    ax.set_title(
        f"Compression study {result.study_id} ({result.dataset}, {result.family}): "
        "marker area = energy to obtain the model",
        fontsize=9,
    )
    ax.legend(loc="lower right", fontsize=8)
    ax.grid(True, which="both", alpha=0.3)
    return fig


def save_pareto(result: StudyResult, path: str | Path) -> Path:
    """Write the plot to ``path`` (.png, .svg or .pdf)."""
    target = Path(path)
    if target.suffix.lower() not in (".png", ".svg", ".pdf"):
        raise InvalidValueError("--plot", str(path), "must end in .png, .svg or .pdf")
    pareto_figure(result).savefig(target, format=target.suffix[1:].lower())
    return target
