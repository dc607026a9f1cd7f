"""Plots of runs, the 4M what-if and a project (matplotlib, optional extra ``plots``).

Figures are built with ``matplotlib.figure.Figure`` and the Agg canvas (no pyplot, no global state).
Every axis names its unit; every figure has a title and, where there is more than one series, a legend.
"""

from __future__ import annotations

import base64
import io
import itertools
from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from mlfootprint import fmt
from mlfootprint.errors import MlfootprintError
from mlfootprint.records import RunRecord, Sample
from mlfootprint.units import kg_from_g

__all__ = [
    "PlotsUnavailableError",
    "cumulative_energy_figure",
    "figure_png_data_uri",
    "intensity_figure",
    "power_figure",
    "power_series",
    "project_figure",
    "run_figures",
    "save_figure",
    "waterfall_figure",
    "write_run_plots",
]


class PlotsUnavailableError(MlfootprintError):
    """matplotlib is not installed."""


def _figure(width_in: float = 8.0, height_in: float = 4.5) -> Any:
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError:
        raise PlotsUnavailableError("plots need matplotlib: pip install 'mlfootprint[plots]'") from None
    fig = Figure(figsize=(width_in, height_in), dpi=100, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _by_meter(samples: Sequence[Sample]) -> dict[str, list[Sample]]:
    out: dict[str, list[Sample]] = defaultdict(list)
    for s in samples:
        out[s.meter_id].append(s)
    for meter_id, series in out.items():
        series.sort(key=lambda s: s.t_s)
        first = series[0]
        if first.t_s > 0 and first.energy_j >= 0:  # every meter reads 0 J when the run starts
            start = first.at - timedelta(seconds=first.t_s)
            series.insert(0, Sample(meter_id=meter_id, at=start, t_s=0.0, energy_j=0.0, power_w=None))
    return dict(out)


def power_series(samples: Sequence[Sample]) -> tuple[list[float], list[float]]:
    """Average power over the sample intervals of one meter: ``(midpoint t_s, power_w)``.

    Power is the energy difference over the time difference. An interval shorter than half the median
    interval (e.g. the extra reading a phase boundary takes, 0.4 ms after the last one) says nothing
    about power: it is merged into the next one, and a short tail into the one before it.
    """
    bounds = _intervals(sorted(samples, key=lambda s: s.t_s))
    return [(a.t_s + b.t_s) / 2.0 for a, b in bounds], [
        (b.energy_j - a.energy_j) / (b.t_s - a.t_s) for a, b in bounds
    ]


def _intervals(ordered: Sequence[Sample]) -> list[tuple[Sample, Sample]]:
    steps = sorted(b.t_s - a.t_s for a, b in itertools.pairwise(ordered) if b.t_s > a.t_s)
    if not steps:
        return []
    shortest = 0.5 * steps[len(steps) // 2]
    out: list[tuple[Sample, Sample]] = []
    anchor = ordered[0]
    for s in ordered[1:]:
        if s.t_s - anchor.t_s >= shortest and s.t_s > anchor.t_s:
            out.append((anchor, s))
            anchor = s
    if ordered[-1].t_s > anchor.t_s:  # a short tail joins the interval before it
        if out:
            out[-1] = (out[-1][0], ordered[-1])
        else:
            out.append((anchor, ordered[-1]))
    return out


_STYLES = ("-", "--", "-.", ":")


def _time_axis(longest_s: float) -> tuple[float, str]:
    """Seconds per plotted unit and the axis label: s up to 2 min, min up to 3 h, else h."""
    if longest_s > 3 * 3600:
        return 3600.0, "time since start (h)"
    if longest_s > 120:
        return 60.0, "time since start (min)"
    return 1.0, "time since start (s)"


def _time_unit(samples: Sequence[Sample]) -> tuple[float, str]:
    return _time_axis(max((s.t_s for s in samples), default=0.0))


def _scale(largest: float, unit: str) -> tuple[float, str]:
    """Divisor and unit label for values up to ``largest`` (``W`` -> mW/W/kW/MW; Wh, g likewise)."""
    text = fmt.si(largest, unit) if largest > 0 else f"0 {unit}"
    shown = text.split(" ", 1)[1]
    prefix = shown[: len(shown) - len(unit)]
    return {"µ": 1e-6, "m": 1e-3, "": 1.0, "k": 1e3, "M": 1e6, "G": 1e9}[prefix], shown


def _short(text: str, width: int = 48) -> str:
    head = text.split(" (", 1)[0]
    return head if len(head) <= width else head[: width - 3] + "..."


def _labels(run: RunRecord | None) -> dict[str, str]:
    if run is None:
        return {}
    return {c.meter_id: f"{c.component} ({c.meter_id}, {c.method})" for c in run.components}


def power_figure(samples: Sequence[Sample], run: RunRecord | None = None) -> Any:
    """Average power over each sample interval per component (steps; power = dE/dt)."""
    fig = _figure()
    ax = fig.add_subplot()
    labels = _labels(run)
    unit_s, xlabel = _time_unit(samples)
    meters = sorted(_by_meter(samples).items())
    bounds = {m: _intervals(series) for m, series in meters}
    peak = max(
        ((b.energy_j - a.energy_j) / (b.t_s - a.t_s) for pairs in bounds.values() for a, b in pairs),
        default=0.0,
    )
    per, unit = _scale(peak, "W")
    for i, (meter_id, _) in enumerate(meters):
        pairs = bounds[meter_id]
        if not pairs:
            continue
        xs = [a.t_s / unit_s for a, _ in pairs] + [pairs[-1][1].t_s / unit_s]
        ps = [(b.energy_j - a.energy_j) / (b.t_s - a.t_s) / per for a, b in pairs]
        ax.step(
            xs, [*ps, ps[-1]], where="post", linestyle=_STYLES[i % len(_STYLES)],
            label=labels.get(meter_id, meter_id), linewidth=1.2,
        )  # fmt: skip
    ax.set_xlabel(xlabel)
    ax.set_ylabel(f"power ({unit})")
    ax.set_title("Average power per sample interval (from energy readings)")
    ax.set_ylim(bottom=0)
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right", fontsize="small")
    return fig


def cumulative_energy_figure(samples: Sequence[Sample], run: RunRecord | None = None) -> Any:
    """Cumulative IT energy per component over time, in the unit that fits (mWh, Wh, kWh, ...)."""
    fig = _figure()
    ax = fig.add_subplot()
    labels = _labels(run)
    unit_s, xlabel = _time_unit(samples)
    meters = sorted(_by_meter(samples).items())
    largest = max(((series[-1].energy_j - series[0].energy_j) / 3600.0 for _, series in meters), default=0.0)
    per, unit = _scale(largest, "Wh")
    for i, (meter_id, series) in enumerate(meters):
        e0 = series[0].energy_j
        ax.plot(
            [s.t_s / unit_s for s in series],
            [(s.energy_j - e0) / 3600.0 / per for s in series],
            _STYLES[i % len(_STYLES)],
            label=labels.get(meter_id, meter_id),
        )
    ax.set_xlabel(xlabel)
    ax.set_ylabel(f"cumulative IT energy ({unit})")
    ax.set_title("Cumulative energy per component (PUE not applied)")
    ax.set_ylim(bottom=0)
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", fontsize="small")
    return fig


def intensity_figure(
    run: RunRecord, series: Sequence[tuple[datetime, float]] | None = None, *, series_source: str = ""
) -> Any:
    """Grid carbon intensity during the run (kg CO2e/kWh); a flat annual line when no series is given."""
    fig = _figure()
    ax = fig.add_subplot()
    start = run.started_at
    end_s = max(run.duration_s, 1.0)
    unit_s, xlabel = _time_axis(end_s)
    if series:
        xs = [(at - start).total_seconds() / unit_s for at, _ in series]
        ys = [g for _, g in series]
        ax.step(xs, ys, where="post", label=f"series: {_short(series_source or 'series')}")
        title = "Grid carbon intensity during the run"
    else:
        ax.plot(
            [0.0, end_s / unit_s],
            [run.intensity_g_per_kwh] * 2,
            label=f"{run.intensity_resolution}: {_short(run.intensity_source)}",
        )
        title = f"Grid carbon intensity during the run ({run.intensity_resolution} value, no series)"
    ax.axhline(run.intensity_g_per_kwh, color="grey", linestyle=":", label="value used for the run")
    ax.set_xlabel(xlabel)
    ax.set_ylabel("carbon intensity (g CO2e/kWh)")
    ax.set_title(title)
    ax.set_ylim(bottom=0)
    ax.grid(alpha=0.3)
    ax.legend(loc="lower left", fontsize="small")
    return fig


def waterfall_figure(result: Any, *, net: bool = True) -> Any:
    """The 4M waterfall of a ``WhatIfResult``: CO2e after each factor (kg, log scale)."""
    fig = _figure()
    ax = fig.add_subplot()
    pick = "co2e_g_net" if net else "co2e_g"
    level = float(getattr(result.baseline, pick))
    names = ["baseline"]
    bottoms: list[float] = [0.0]
    heights: list[float] = [kg_from_g(level)]
    colors = ["#5b6770"]
    for f in result.factors:
        factor = f.co2e_net_factor if net else f.co2e_factor
        new = level * factor
        lo, hi = sorted((kg_from_g(level), kg_from_g(new)))
        names.append(f"{f.m}\n{fmt.ratio_text(factor)}")
        bottoms.append(lo)
        heights.append(hi - lo)
        colors.append("#2e7d32" if factor <= 1 else "#c62828")
        level = new
    names.append("result")
    bottoms.append(0.0)
    heights.append(kg_from_g(level))
    colors.append("#1565c0")
    positive = [v for v in [*bottoms, *(b + h for b, h in zip(bottoms, heights, strict=True))] if v > 0]
    floor = min(positive) / 2.0 if positive else 1e-6
    bars_bottom = [max(b, floor) for b in bottoms]
    bars_height = [b + h - bb for b, h, bb in zip(bottoms, heights, bars_bottom, strict=True)]
    ax.bar(names, bars_height, bottom=bars_bottom, color=colors)
    ax.set_yscale("log")
    ax.set_ylabel(f"CO2e, {'net' if net else 'gross'} (kg)")
    ax.set_xlabel("4M factor applied (Model, Machine, Mechanization, Map)")
    overall = result.combined_co2e_net_factor if net else result.combined_co2e_factor
    ax.set_title(f"4M what-if: {fmt.ratio_text(overall)} CO2e overall")
    from matplotlib.patches import Patch

    kinds = {"#5b6770": "baseline", "#2e7d32": "saving", "#c62828": "increase", "#1565c0": "result"}
    ax.legend(handles=[Patch(color=c, label=n) for c, n in kinds.items() if c in colors], fontsize="small")
    ax.grid(alpha=0.3, axis="y")
    return fig


def project_figure(runs: Sequence[RunRecord]) -> Any:
    """Runs of a project over time: CO2e per run (bars) and cumulative CO2e (line)."""
    fig = _figure()
    ax = fig.add_subplot()
    ordered = sorted(runs, key=lambda r: r.started_at)
    xs = [r.started_at for r in ordered]
    total_g = sum(r.co2e_g for r in ordered)
    per, unit = _scale(total_g, "g")
    per_run = [r.co2e_g / per for r in ordered]
    cumulative: list[float] = list(itertools.accumulate(per_run))
    ax.plot(xs, per_run, "o", label=f"CO2e per run ({unit})")
    if xs:  # the total grows at each run's start and stays flat between runs
        ax.step(xs, cumulative, where="post", label=f"cumulative CO2e ({unit})")
    ax.set_xlabel("run start (UTC)")
    ax.set_ylabel(f"CO2e ({unit})")
    project = ", ".join(sorted({r.project for r in ordered})) or "no runs"
    energy_j = sum(r.energy_j for r in ordered)
    ax.set_title(f"Project {project}: {len(ordered)} runs, {fmt.energy(energy_j)}, {fmt.co2e(total_g)}")
    ax.set_ylim(bottom=0)
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", fontsize="small")
    fig.autofmt_xdate()
    return fig


def save_figure(fig: Any, base: Path, formats: Sequence[str] = ("png", "svg")) -> list[Path]:
    """Write ``fig`` as ``base.png`` and ``base.svg``; return the paths written."""
    base.parent.mkdir(parents=True, exist_ok=True)
    written = []
    for ext in formats:
        path = base.with_suffix(f".{ext}")
        fig.savefig(path, format=ext)
        written.append(path)
    return written


def figure_png_data_uri(fig: Any) -> str:
    """The figure as a ``data:image/png;base64,...`` URI, for a self-contained HTML file."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def run_figures(
    run: RunRecord,
    samples: Sequence[Sample],
    *,
    series: Sequence[tuple[datetime, float]] | None = None,
) -> Mapping[str, Any]:
    """The figures of one run, by file stem (power and energy need at least two samples of a meter)."""
    figs: dict[str, Any] = {}
    if any(len(v) >= 2 for v in _by_meter(samples).values()):
        figs["power"] = power_figure(samples, run)
        figs["energy"] = cumulative_energy_figure(samples, run)
    figs["intensity"] = intensity_figure(run, series)
    return figs


def write_run_plots(
    run: RunRecord,
    samples: Sequence[Sample],
    out_dir: Path,
    *,
    series: Sequence[tuple[datetime, float]] | None = None,
) -> list[Path]:
    """Write the run's plots as PNG and SVG into ``out_dir``; return the files written."""
    written: list[Path] = []
    for stem, fig in run_figures(run, samples, series=series).items():
        written += save_figure(fig, out_dir / f"{run.id}-{stem}")
    return written
