"""Inline SVG charts for the HTML report: axes, units, legend, escaping, the series drawn."""

from __future__ import annotations

import re
from datetime import timedelta

from helpers.store_strategies import T0, make_run
from mlfootprint.records import Sample
from mlfootprint.report.svgplot import line_chart_svg, run_charts_svg


def test_a_chart_has_title_units_ticks_and_one_line_per_series() -> None:
    svg = line_chart_svg(
        [("gpu <0>", [(0.0, 0.0), (10.0, 250.0)]), ("cpu", [(0.0, 40.0), (10.0, 40.0)])],
        title="Power & more", xlabel="time since start (min)", ylabel="power (W)",
    )  # fmt: skip
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert "Power &amp; more" in svg and "gpu &lt;0&gt;" in svg  # escaped
    assert "power (W)" in svg and "time since start (min)" in svg
    assert len(re.findall("<polyline", svg)) == 2
    ticks = re.findall(r'text-anchor="middle">([0-9.]+)</text>', svg)
    assert ticks[:2] == ["0", "2"] and ticks[-1] == "10"


def test_run_charts_draw_the_mean_power_of_each_stretch() -> None:
    run = make_run(duration_s=120.0)
    samples = [
        Sample(meter_id="nvml:0", at=T0 + timedelta(seconds=t), t_s=t, energy_j=e, power_w=None)
        for t, e in ((0.0, 0.0), (60.0, 6000.0), (120.0, 18000.0))
    ]
    charts = run_charts_svg(run, samples)
    assert list(charts) == ["power", "energy", "intensity"]
    # 100 W over the first minute, 200 W over the second: both levels are on the y axis's range
    assert re.search(r">200</text>", charts["power"]) and ">100</text>" in charts["power"]
    assert "cumulative IT energy (Wh)" in charts["energy"] and ">4</text>" in charts["energy"]
    assert "kg CO2e/kWh" in charts["intensity"]
    assert list(run_charts_svg(run, samples[:1])) == ["intensity"]  # one point draws no power
