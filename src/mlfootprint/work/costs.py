"""The cost of a run's result (Schwartz et al. 2019): its work, per-unit costs, FLOP/s, MFU and quality.

Per-unit costs divide the run's facility energy (IT energy x PUE) and CO2e by the work counted:
per sample, per 1,000 tokens, per request; FLOPs per sample likewise. Achieved FLOP/s per device is
FLOPs / duration / accelerators (the GPU meters of the run); FLOPs per joule divides by the IT
energy of every component; model FLOPs utilisation (MFU) is achieved FLOP/s per device over the
device's peak in the accelerator table at the stated precision (FP16/BF16 by default: the peak
mixed-precision training runs at; pass ``precision="fp32"`` for FP32 training).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from mlfootprint.records import MetricValue, RunRecord, WorkCounts

__all__ = ["cost_lines", "cost_of_result", "last_metrics", "run_work", "work_to_dicts"]

_PAREN = re.compile(r"\(([^()]*)\)\s*$")


def run_work(run: RunRecord) -> WorkCounts | None:
    """The whole run's work row (``phase == ""``), if any work was recorded."""
    return next((w for w in run.work if w.phase == ""), None)


def last_metrics(metrics: Sequence[MetricValue]) -> dict[str, float]:
    """The last value logged of each metric, in the order first logged."""
    out: dict[str, float] = {}
    for m in metrics:
        out[m.name] = m.value
    return out


def _device(run: RunRecord) -> tuple[int, str | None]:
    """(number of accelerators metered, their name as the meter reports it)."""
    gpus = [c for c in run.components if c.component == "gpu"]
    name = None
    for c in gpus:
        match = _PAREN.search(c.source)
        if match:
            name = match.group(1)
            break
    hardware = run.tags.get("hardware") if run.tags else None
    return len(gpus), hardware or name


def _peak(name: str | None, precision: str) -> tuple[float | None, str]:
    if name is None:
        return None, "no accelerator metered: MFU needs a GPU/TPU with a peak in the accelerator table"
    from mlfootprint.errors import UsageError
    from mlfootprint.work.compute import peak_flop_per_s

    try:
        peak, _, what = peak_flop_per_s(name, precision)
    except UsageError as exc:
        return None, str(exc)
    return peak, what


def cost_of_result(run: RunRecord, *, precision: str = "fp16") -> dict[str, Any]:
    """The "cost of the result" block in display units (kWh, Wh, kg, g), JSON-ready."""
    energy_kwh = run.energy_j / 3.6e6
    co2e_kg = run.co2e_g / 1e3
    work = run_work(run)
    devices, hardware = _device(run)
    out: dict[str, Any] = {
        "hardware": hardware,
        "accelerators": devices,
        "duration_s": run.duration_s,
        "energy_kwh": energy_kwh,
        "co2e_kg": co2e_kg,
        "flops": None if work is None else work.flops,
        "flops_method": None if work is None else work.flops_method,
        "parameters": run.extra.get("parameters"),
        "metrics": last_metrics(run.metrics),
        "samples": None if work is None else work.samples,
        "tokens": None if work is None else work.tokens,
        "requests": None if work is None else work.requests,
        "per_unit": {},
    }
    per: dict[str, Any] = {}
    if work is not None:
        for unit, amount, scale in (
            ("sample", work.samples, 1.0),
            ("1k_tokens", work.tokens, 1000.0),
            ("request", work.requests, 1.0),
        ):
            if amount > 0:
                n = amount / scale
                per[unit] = {
                    "energy_wh": energy_kwh * 1000.0 / n,
                    "co2e_g": run.co2e_g / n,
                    "flops": None if work.flops is None else work.flops / n,
                }
    out["per_unit"] = per
    if work is not None and work.flops is not None and run.duration_s > 0:
        n_dev = max(devices, 1)
        achieved = work.flops / run.duration_s / n_dev
        out["achieved_tflops_per_device"] = achieved / 1e12
        out["achieved_basis"] = f"FLOPs / {run.duration_s:.4g} s / {n_dev} " + (
            "accelerator" + ("s" if n_dev > 1 else "") if devices else "device (no accelerator metered)"
        )
        out["flops_per_joule"] = work.flops / run.it_energy_j if run.it_energy_j > 0 else None
        peak, what = _peak(hardware if devices else None, precision)
        out["mfu_frac"] = None if peak is None else achieved / peak
        out["mfu_basis"] = what if peak is None else f"achieved / {peak / 1e12:g} TFLOP/s, the {what}"
    requests = run.extra.get("requests")
    if isinstance(requests, dict) and requests.get("requests"):
        out["inference"] = requests
    return out


def _g(value: float) -> str:
    if value == 0:
        return "0"
    if abs(value) >= 1e6 or abs(value) < 1e-3:
        return f"{value:.3g}"
    return f"{value:,.4g}"


def cost_lines(run: RunRecord, *, precision: str = "fp16") -> list[str]:
    """The "cost of the result" block as text lines (empty when no work or metric was recorded)."""
    if not run.work and not run.metrics:
        return []
    c = cost_of_result(run, precision=precision)
    lines = ["Cost of the result (Schwartz et al. 2019):"]
    hw = c["hardware"] or "no accelerator metered"
    lines.append(f"  hardware    {c['accelerators']} x {hw}" if c["accelerators"] else f"  hardware    {hw}")
    lines.append(
        f"  time        {_g(c['duration_s'])} s;  energy {_g(c['energy_kwh'])} kWh;  "
        f"CO2e {_g(c['co2e_kg'])} kg"
    )
    if c["flops"] is not None:
        lines.append(f"  FLOPs       {c['flops']:.4g} ({c['flops_method']})")
        lines.append(
            f"  throughput  {_g(c['achieved_tflops_per_device'])} TFLOP/s per device ({c['achieved_basis']})"
        )
        if c.get("flops_per_joule") is not None:
            lines.append(f"  efficiency  {c['flops_per_joule']:.4g} FLOPs per joule of IT energy")
        mfu = c.get("mfu_frac")
        lines.append(
            f"  MFU         {mfu:.1%} ({c['mfu_basis']})"
            if mfu is not None
            else f"  MFU         - ({c['mfu_basis']})"
        )
    if c["parameters"] is not None:
        lines.append(f"  parameters  {_g(float(c['parameters']))}")
    for name, value in c["metrics"].items():
        lines.append(f"  {name:<11} {_g(value)} (last logged)")
    for unit, values in c["per_unit"].items():
        label = {"sample": "per sample", "1k_tokens": "per 1k tokens", "request": "per request"}[unit]
        flops = "" if values["flops"] is None else f", {values['flops']:.4g} FLOPs"
        lines.append(f"  {label:<14} {_g(values['energy_wh'])} Wh, {_g(values['co2e_g'])} g CO2e{flops}")
    inference = c.get("inference")
    if inference:
        lines.append(
            f"  requests    {inference['requests']}: {_g(inference['energy_j_per_request_mean'])} J each "
            f"(median {_g(inference['energy_j_per_request_p50'])}, "
            f"p95 {_g(inference['energy_j_per_request_p95'])}); "
            f"{_g(inference['energy_j_per_request_with_idle'])} J with idle shared"
        )
    return lines


def work_to_dicts(run: RunRecord) -> dict[str, Any]:
    """The raw work rows and metrics for JSON (``work``, ``metrics``), round-trippable."""
    return {
        "work": [
            {
                "phase": w.phase,
                "flops": w.flops,
                "flops_method": w.flops_method,
                "samples": w.samples,
                "tokens": w.tokens,
                "requests": w.requests,
            }
            for w in run.work
        ],
        "metrics": [{"name": m.name, "value": m.value, "step": m.step, "t_s": m.t_s} for m in run.metrics],
    }


def work_from_dicts(d: dict[str, Any]) -> tuple[tuple[WorkCounts, ...], tuple[MetricValue, ...]]:
    """Inverse of ``work_to_dicts`` (missing keys give empty tuples)."""
    work = tuple(
        WorkCounts(
            phase=str(w.get("phase", "")),
            flops=None if w.get("flops") is None else float(w["flops"]),
            flops_method=None if w.get("flops_method") is None else str(w["flops_method"]),
            samples=float(w.get("samples", 0.0)),
            tokens=float(w.get("tokens", 0.0)),
            requests=float(w.get("requests", 0.0)),
        )
        for w in d.get("work") or ()
    )
    metrics = tuple(
        MetricValue(
            name=str(m["name"]),
            value=float(m["value"]),
            step=None if m.get("step") is None else int(m["step"]),
            t_s=float(m.get("t_s", 0.0)),
        )
        for m in d.get("metrics") or ()
    )
    return work, metrics


def work_total_lines(t: Mapping[str, Any]) -> list[str]:
    """Text lines of work totals (``report.totals.work_of_sums``; empty when no run recorded work)."""
    if t["flops"] is None and not t["per_unit"]:
        return []
    lines = ["work:"]
    if t["flops"] is not None:
        lines.append(f"  FLOPs {t['flops']:.4g} ({t['runs_with_flops']} runs counted FLOPs)")
    for unit, v in t["per_unit"].items():
        label = {"sample": "per sample", "1k_tokens": "per 1k tokens", "request": "per request"}[unit]
        lines.append(
            f"  {label:<14} {_g(v['energy_wh'])} Wh, {_g(v['co2e_g'])} g CO2e  "
            f"({v['runs']} runs counted them)"
        )
    return lines


def progress_lines(run: RunRecord) -> list[str]:
    """The last prediction (with its error, once the run ended), the budget and why the run ended."""
    lines: list[str] = []
    predictions = run.extra.get("predictions")
    if isinstance(predictions, list) and predictions:
        first = next((p for p in predictions if p.get("progress_frac", 0) >= 0.2), predictions[0])
        for label, p in (("first at >= 20 %", first), ("latest", predictions[-1])):
            line = (
                f"  {label:<17} at {p['progress_frac']:.0%}: {p['energy_j'] / 3.6e6:.4g} kWh "
                f"({p['energy_j_low'] / 3.6e6:.4g}-{p['energy_j_high'] / 3.6e6:.4g}), "
                f"{p['duration_s']:.4g} s"
            )
            if "energy_error_pct" in p:
                inside = "inside" if p.get("energy_interval_contains_actual") else "outside"
                line += f"; error {p['energy_error_pct']:+.1f} % energy, actual {inside} the interval"
            lines.append(line)
        lines.insert(0, f"Prediction ({len(predictions)} made; {predictions[-1]['method']}):")
    budget = run.extra.get("budget")
    if isinstance(budget, dict):
        lines.append(f"Budget {budget.get('as_given')} ({budget.get('on_exceed')}): {budget.get('message')}")
    reason = run.extra.get("end_reason")
    if reason:
        lines.append(f"Ended: {reason}")
    return lines
