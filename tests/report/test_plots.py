"""Plots: labelled axes, titles, legends, non-empty PNG and SVG files."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers.runfactory import build_run, build_samples

pytest.importorskip("matplotlib")

from mlfootprint.reduce.whatif import Baseline, MapChange, MechanizationChange, whatif
from mlfootprint.report.plots import (
    figure_png_data_uri,
    intensity_figure,
    power_series,
    project_figure,
    run_figures,
    waterfall_figure,
    write_run_plots,
)


def _assert_labelled(fig) -> None:  # type: ignore[no-untyped-def]
    (ax,) = fig.axes
    assert "(" in ax.get_xlabel() or "UTC" in ax.get_xlabel(), ax.get_xlabel()
    assert "(" in ax.get_ylabel(), ax.get_ylabel()  # the unit
    assert ax.get_title()
    assert ax.get_legend() is not None
    assert ax.has_data()


def test_power_series_is_energy_difference_over_time() -> None:
    run = build_run(gpus=1, gpu_w=200, cpu_w=50, duration_s=600)
    samples = [s for s in build_samples(run, interval_s=60) if s.meter_id == "cpu-estimate"]
    ts, ps = power_series(samples)
    assert ts[0] == 30.0
    assert ps == pytest.approx([50.0] * 10)


def test_run_figures_are_labelled_and_written(tmp_path: Path) -> None:
    run = build_run()
    figs = run_figures(run, build_samples(run))
    assert set(figs) == {"power", "energy", "intensity"}
    for fig in figs.values():
        _assert_labelled(fig)
    assert figs["power"].axes[0].get_ylabel() == "power (W)"
    assert "no series" in figs["intensity"].axes[0].get_title()
    written = write_run_plots(run, build_samples(run), tmp_path / "plots")
    assert sorted(p.suffix for p in written) == [".png"] * 3 + [".svg"] * 3
    for path in written:
        assert path.stat().st_size > 1000
    assert (tmp_path / "plots" / "run000001-power.png").read_bytes()[:4] == b"\x89PNG"


def test_intensity_with_a_series_is_a_step_line() -> None:
    run = build_run(duration_s=7200)
    series = [(run.started_at, 300.0), (run.started_at.replace(hour=10), 500.0)]
    fig = intensity_figure(run, series, series_source="hourly file")
    _assert_labelled(fig)
    assert "no series" not in fig.axes[0].get_title()


def test_waterfall_and_project_plots() -> None:
    b = Baseline(label="b", hardware="A", count=1, duration_s=3600, device_power_w=300, pue=1.59,
                 intensity_g_per_kwh=429)  # fmt: skip
    r = whatif(
        b,
        mechanization=MechanizationChange(name="D", pue=1.11, source="s"),
        map_=MapChange(name="R", intensity_g_per_kwh=478, net_intensity_g_per_kwh=80, source="s"),
    )
    fig = waterfall_figure(r)
    _assert_labelled(fig)
    assert fig.axes[0].get_ylabel() == "CO2e, net (kg)"
    assert len(fig.axes[0].patches) == 4
    runs = [build_run(f"r{i}", started_at=build_run().started_at.replace(day=1 + i)) for i in range(3)]
    pfig = project_figure(runs)
    _assert_labelled(pfig)
    assert "3 runs" in pfig.axes[0].get_title()
    assert figure_png_data_uri(pfig).startswith("data:image/png;base64,iVBOR")


def _sample(t_s: float, energy_j: float):  # type: ignore[no-untyped-def]
    from datetime import datetime, timedelta, timezone

    from mlfootprint.records import Sample

    at = datetime(2022, 6, 1, tzinfo=timezone.utc) + timedelta(seconds=t_s)
    return Sample(meter_id="cpu", at=at, t_s=t_s, energy_j=energy_j, power_w=None)


def test_a_phase_boundary_reading_does_not_dip_the_power_line() -> None:
    # 10 W steady, read every second, plus a phase-boundary reading 0.36 ms after the one at 5 s whose
    # energy rounding makes its own 0.36 ms "interval" read 0 W
    samples = [_sample(float(t), 10.0 * t) for t in range(11)]
    samples.append(_sample(5.00036, 50.0))
    _ts, ps = power_series(samples)
    assert len(ps) == 10
    assert min(ps) == pytest.approx(10.0, rel=1e-3) and max(ps) == pytest.approx(10.0, rel=1e-3)


def test_axes_fit_the_run_and_no_warning_is_raised(tmp_path: Path) -> None:
    import warnings

    from mlfootprint.records import RunRecord

    samples = [_sample(float(t), 0.2 * t) for t in range(26)]  # 25 s at 0.2 W
    run: RunRecord = build_run(gpus=0, cpu_w=0.2, duration_s=25)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        figs = run_figures(run, samples)
        for fig in figs.values():
            fig.savefig(tmp_path / "f.png")
    power, energy = figs["power"].axes[0], figs["energy"].axes[0]
    assert power.get_xlabel() == "time since start (s)"  # 25 s is plotted in seconds, not 0-0.4 min
    assert power.get_ylabel() == "power (mW)"  # 0.2 W
    assert energy.get_ylabel() == "cumulative IT energy (mWh)"  # 5 J = 1.39 mWh
    _xmin, xmax = power.get_xlim()
    assert xmax >= 25 and xmax < 30
    # the legend is inside the axes
    legend = power.get_legend().get_window_extent()
    box = power.get_window_extent()
    assert box.x0 <= legend.x0 and legend.x1 <= box.x1 and box.y0 <= legend.y0 and legend.y1 <= box.y1


def test_project_plot_scales_units_and_steps_between_runs() -> None:
    import warnings

    runs = [build_run(gpus=0, cpu_w=0.05, duration_s=25) for _ in range(3)]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fig = project_figure(runs)
    ax = fig.axes[0]
    assert ax.get_ylabel() == "CO2e (µg)"  # 3 x 25 s x 0.05 W x 1.5 x 400 g/kWh = 625 µg
    assert "e-0" not in ax.get_title() and "e+0" not in ax.get_title()
    step = [line for line in ax.get_lines() if "cumulative" in str(line.get_label())]
    assert step and step[0].get_drawstyle() == "steps-post"


def test_plots_start_at_the_runs_start_where_every_meter_read_0_j() -> None:
    from mlfootprint.report.plots import cumulative_energy_figure

    samples = [_sample(float(t), 3.6 * t) for t in range(1, 11)]  # first reading at 1 s: 3.6 J so far
    ax = cumulative_energy_figure(samples).axes[0]
    (line,) = ax.get_lines()
    assert line.get_xdata()[0] == 0.0 and line.get_ydata()[0] == 0.0
    assert line.get_ydata()[-1] == pytest.approx(10.0)  # 36 J = 10 mWh, all of it (none lost before 1 s)
    assert ax.get_ylabel() == "cumulative IT energy (mWh)"
