"""Light inline-SVG line charts of a run (power, cumulative energy, grid intensity), no matplotlib.

The HTML report embeds these: they need no optional dependency, render in milliseconds, stay sharp at
any zoom, and draw the same series as ``report.plots`` (power = dE/dt between stored points; the points
come from ``SQLStore.plot_samples``, a bounded downsample with exact energy between points). Every axis
names its unit and every chart has a title and a legend.
"""

from __future__ import annotations

import itertools
import math
from collections import defaultdict
from collections.abc import Sequence
from html import escape

from mlfootprint.records import RunRecord, Sample

__all__ = ["line_chart_svg", "run_charts_svg"]

_W, _H = 760, 360
_LEFT, _RIGHT, _TOP, _BOTTOM = 64, 16, 36, 84
_COLORS = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf")


def _ticks(low: float, high: float, n: int = 5) -> list[float]:
    if high <= low:
        return [low]
    raw = (high - low) / n
    step = 10 ** math.floor(math.log10(raw))
    for m in (1, 2, 5, 10):
        if raw <= m * step:
            step *= m
            break
    first = math.ceil(low / step) * step
    return [first + i * step for i in range(int((high - first) / step + 1e-9) + 1)]


def _fmt(v: float) -> str:
    return f"{v:.4g}"


def line_chart_svg(
    series: Sequence[tuple[str, Sequence[tuple[float, float]]]],
    *,
    title: str,
    xlabel: str,
    ylabel: str,
    y_from_zero: bool = True,
) -> str:
    """An SVG line chart: one polyline per ``(label, [(x, y), ...])``, axes with ticks, title, legend."""
    xs = [x for _, pts in series for x, _ in pts]
    ys = [y for _, pts in series for _, y in pts]
    x0, x1 = (min(xs), max(xs)) if xs else (0.0, 1.0)
    y0, y1 = (min(ys), max(ys)) if ys else (0.0, 1.0)
    if y_from_zero:
        y0 = min(0.0, y0)
    if x1 <= x0:
        x1 = x0 + 1.0
    if y1 <= y0:
        y1 = y0 + (abs(y0) or 1.0)
    y1 += (y1 - y0) * 0.05
    pw, ph = _W - _LEFT - _RIGHT, _H - _TOP - _BOTTOM

    def px(x: float) -> float:
        return _LEFT + (x - x0) / (x1 - x0) * pw

    def py(y: float) -> float:
        return _TOP + ph - (y - y0) / (y1 - y0) * ph

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_W}" height="{_H}" viewBox="0 0 {_W} {_H}" '
        f'font-family="sans-serif" font-size="11" role="img" aria-label="{escape(title)}">',
        f'<text x="{_W / 2}" y="20" text-anchor="middle" font-size="13">{escape(title)}</text>',
        f'<rect x="{_LEFT}" y="{_TOP}" width="{pw}" height="{ph}" fill="none" stroke="#444"/>',
    ]
    for t in _ticks(x0, x1):
        out.append(f'<line x1="{px(t):.1f}" y1="{_TOP}" x2="{px(t):.1f}" y2="{_TOP + ph}" stroke="#ddd"/>')
        out.append(f'<text x="{px(t):.1f}" y="{_TOP + ph + 14}" text-anchor="middle">{_fmt(t)}</text>')
    for t in _ticks(y0, y1):
        out.append(f'<line x1="{_LEFT}" y1="{py(t):.1f}" x2="{_LEFT + pw}" y2="{py(t):.1f}" stroke="#ddd"/>')
        out.append(f'<text x="{_LEFT - 4}" y="{py(t) + 4:.1f}" text-anchor="end">{_fmt(t)}</text>')
    out.append(
        f'<text x="{_LEFT + pw / 2}" y="{_TOP + ph + 30}" text-anchor="middle">{escape(xlabel)}</text>'
    )
    mid = _TOP + ph / 2
    out.append(
        f'<text transform="translate(14 {mid}) rotate(-90)" text-anchor="middle">{escape(ylabel)}</text>'
    )
    for i, (label, pts) in enumerate(series):
        color = _COLORS[i % len(_COLORS)]
        path = " ".join(f"{px(x):.1f},{py(y):.1f}" for x, y in pts)
        out.append(f'<polyline fill="none" stroke="{color}" stroke-width="1.2" points="{path}"/>')
        ly = _TOP + ph + 46 + 13 * (i // 2)
        lx = _LEFT + (i % 2) * (pw / 2)
        out.append(
            f'<line x1="{lx}" y1="{ly - 4}" x2="{lx + 18}" y2="{ly - 4}" stroke="{color}" stroke-width="2"/>'
        )
        out.append(f'<text x="{lx + 22}" y="{ly}">{escape(label)}</text>')
    out.append("</svg>")
    return "\n".join(out)


def _time_unit(longest_s: float) -> tuple[float, str]:
    return (3600.0, "time since start (h)") if longest_s > 3 * 3600 else (60.0, "time since start (min)")


def run_charts_svg(run: RunRecord, samples: Sequence[Sample]) -> dict[str, str]:
    """The run's charts by stem (``power``, ``energy`` when a meter has two points; ``intensity``)."""
    by_meter: dict[str, list[Sample]] = defaultdict(list)
    for s in samples:
        by_meter[s.meter_id].append(s)
    labels = {c.meter_id: f"{c.component} ({c.meter_id}, {c.method})" for c in run.components}
    unit_s, xlabel = _time_unit(max((s.t_s for s in samples), default=run.duration_s))
    charts: dict[str, str] = {}
    if any(len(v) >= 2 for v in by_meter.values()):
        power, energy = [], []
        for meter_id, pts in sorted(by_meter.items()):
            pts.sort(key=lambda s: s.t_s)
            label = labels.get(meter_id, meter_id)
            e0 = pts[0].energy_j
            energy.append((label, [(s.t_s / unit_s, (s.energy_j - e0) / 3600.0) for s in pts]))
            pw = []
            for a, b in itertools.pairwise(pts):
                if b.t_s > a.t_s:  # the mean power of each stretch, drawn across it
                    p = (b.energy_j - a.energy_j) / (b.t_s - a.t_s)
                    pw += [(a.t_s / unit_s, p), (b.t_s / unit_s, p)]
            power.append((label, pw))
        charts["power"] = line_chart_svg(
            power, title="Power per component (mean power between stored points, dE/dt)",
            xlabel=xlabel, ylabel="power (W)",
        )  # fmt: skip
        charts["energy"] = line_chart_svg(
            energy, title="Cumulative energy per component (PUE not applied)",
            xlabel=xlabel, ylabel="cumulative IT energy (Wh)",
        )  # fmt: skip
    end = max(run.duration_s, 1.0) / unit_s
    kg = run.intensity_g_per_kwh / 1000.0
    charts["intensity"] = line_chart_svg(
        [(f"{run.intensity_resolution} value used: {run.intensity_source}"[:110], [(0.0, kg), (end, kg)])],
        title=f"Grid carbon intensity during the run ({run.intensity_resolution} value)",
        xlabel=xlabel, ylabel="carbon intensity (kg CO2e/kWh)",
    )  # fmt: skip
    return charts
