"""The compare scatter plot: quality against cost, the Pareto front joined by a line."""

from __future__ import annotations

from pathlib import Path

from mlfootprint.report.plots import _figure
from mlfootprint.work.compare import COSTS, Comparison

__all__ = ["save_compare_plot"]


def save_compare_plot(comparison: Comparison, path_text: str) -> None:
    """Write the plot to ``path_text`` (.png, .svg or .pdf)."""
    path = Path(path_text)
    fig = _figure(7.0, 4.5)
    ax = fig.add_subplot(1, 1, 1)
    front = sorted((r for r in comparison.rows if r.pareto), key=lambda r: r.cost_value)
    others = [r for r in comparison.rows if not r.pareto]
    ax.scatter(
        [r.cost_value for r in others], [r.metric_value for r in others], color="0.6", label="dominated"
    )
    ax.plot(
        [r.cost_value for r in front],
        [r.metric_value for r in front],
        "o-",
        color="tab:green",
        label="Pareto front",
    )
    for r in comparison.rows:
        ax.annotate(r.label or r.id[-6:], (r.cost_value, r.metric_value), fontsize=7, xytext=(3, 3),
                    textcoords="offset points")  # fmt: skip
    ax.set_xlabel(COSTS[comparison.cost][1])
    direction = "higher is better" if comparison.higher_is_better else "lower is better"
    ax.set_ylabel(f"{comparison.metric} ({direction})")
    ax.legend(loc="best", fontsize=8)
    fig.savefig(path, format=path.suffix[1:].lower())
