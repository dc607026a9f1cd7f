"""Baselines and changes for the 4M what-if built from other results: an estimate, a start plan.

Pure functions: they read values already resolved elsewhere and do arithmetic.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mlfootprint.errors import InvalidValueError
from mlfootprint.reduce.whatif import Baseline, MapChange

if TYPE_CHECKING:
    from mlfootprint.estimator import EstimateResult
    from mlfootprint.reduce.schedule import StartPlan

__all__ = ["baseline_from_estimate", "time_shift_change"]


def _source(result: EstimateResult, name: str) -> str:
    return next((a.source for a in result.assumptions if a.name == name), "")


def baseline_from_estimate(result: EstimateResult, *, label: str, hardware: str | None) -> Baseline:
    """The baseline of an estimate: its devices, duration, power, PUE and intensity as resolved.

    The net intensity is the gross one less the estimate's carbon-free-energy share, when it has one.
    """
    inputs = result.inputs
    count = inputs["count"]
    hours = inputs["hours"]
    host_w = inputs["host_power_w"]
    if not isinstance(count, int) or not isinstance(hours, (int, float)):
        raise InvalidValueError("estimate inputs", dict(inputs), "lack a count and hours")
    g = result.intensity_g_per_kwh
    return Baseline(
        label=label,
        hardware=hardware,
        count=count,
        duration_s=float(hours) * 3600.0,
        device_power_w=result.power_w,
        host_power_w=float(host_w) if isinstance(host_w, (int, float)) else 0.0,
        pue=result.pue,
        pue_source=_source(result, "pue"),
        intensity_g_per_kwh=g,
        intensity_source=_source(result, "intensity"),
        net_intensity_g_per_kwh=None if result.cfe_pct is None else g * (1.0 - result.cfe_pct / 100.0),
    )


def time_shift_change(base: Baseline, plan: StartPlan) -> MapChange:
    """Map by time shifting: the baseline's grid, started in the plan's cleanest window.

    The multiplier is the series' mean intensity over the run in the best window divided by its mean
    if started at arrival (``plan.expected_g_per_kw / plan.baseline_g_per_kw``). It scales the
    baseline's gross and net intensity alike: the shift changes when the run draws power from the
    zone's grid, not the carbon-free-energy contract.

    Raises:
        InvalidValueError: the series has no positive intensity at arrival (no ratio to take).
    """
    if plan.baseline_g_per_kw <= 0:
        raise InvalidValueError("intensity at arrival", plan.baseline_g_per_kw, "must be positive")
    ratio = plan.expected_g_per_kw / plan.baseline_g_per_kw
    hours = plan.duration_s / 3600.0
    arrival = "" if plan.arrival is None else plan.arrival.isoformat()
    start = plan.start.isoformat()
    mean_now = plan.baseline_g_per_kw / hours / 1000.0
    mean_best = plan.expected_g_per_kw / hours / 1000.0
    sha = plan.series_sha256[:12] or "unknown"
    source = (
        f"time shift in {plan.zone}: start {arrival} -> {start}, series mean over the {hours:.3g} h run "
        f"{mean_now:.3g} -> {mean_best:.3g} kg/kWh (x{ratio:.3g}); series {plan.series_source} "
        f"sha256 {sha}"
    )
    net = None if base.net_intensity_g_per_kwh is None else base.net_intensity_g_per_kwh * ratio
    detail: dict[str, object] = {
        "kind": "time-shift",
        "zone": plan.zone,
        "series_source": plan.series_source,
        "series_sha256": plan.series_sha256,
        "arrival": arrival,
        "start": start,
        "deadline": None if plan.deadline is None else plan.deadline.isoformat(),
        "duration_s": plan.duration_s,
        "intensity_ratio": ratio,
        "saving_pct": plan.saving_pct,
    }
    return MapChange(
        name=f"{plan.zone} grid from {start}",
        intensity_g_per_kwh=base.intensity_g_per_kwh * ratio,
        source=source,
        net_intensity_g_per_kwh=net,
        detail=detail,
    )
