"""The "cost of the result" block of a run's report (Schwartz et al. 2019, "Green AI")."""

from __future__ import annotations

from mlfootprint.records import RunRecord
from mlfootprint.report.statement import Fact
from mlfootprint.work.costs import cost_of_result

__all__ = ["cost_facts"]

_UNIT_LABEL = {"sample": "per sample", "1k_tokens": "per 1k tokens", "request": "per request"}


def _g(value: float) -> str:
    if value == 0:
        return "0"
    if abs(value) >= 1e6 or abs(value) < 1e-3:
        return f"{value:.3g}"
    return f"{value:,.4g}"


def cost_facts(run: RunRecord) -> tuple[Fact, ...]:
    """Hardware, time, energy, CO2e, FLOPs, parameters, quality metrics and per-unit costs of ``run``.

    Empty when the run recorded no work and no metric.
    """
    if not run.work and not run.metrics:
        return ()
    c = cost_of_result(run)
    hw = c["hardware"] or "no accelerator metered"
    facts = [
        Fact(label="Hardware", value=f"{c['accelerators']} x {hw}" if c["accelerators"] else hw),
        Fact(label="Time", value=f"{_g(c['duration_s'])} s"),
        Fact(label="Energy (facility)", value=f"{_g(c['energy_kwh'])} kWh", source="measured; see above"),
        Fact(label="CO2e", value=f"{_g(c['co2e_kg'])} kg"),
    ]
    if c["flops"] is not None:
        facts.append(Fact(label="FLOPs", value=f"{c['flops']:.4g}", source=str(c["flops_method"])))
        facts.append(
            Fact(
                label="Achieved FLOP/s per device",
                value=f"{_g(c['achieved_tflops_per_device'])} TFLOP/s",
                source=str(c["achieved_basis"]),
            )
        )
        if c.get("flops_per_joule") is not None:
            facts.append(
                Fact(label="FLOPs per joule", value=f"{c['flops_per_joule']:.4g}", source="FLOPs / IT energy")
            )
        mfu = c.get("mfu_frac")
        facts.append(
            Fact(
                label="Model FLOPs utilisation",
                value="-" if mfu is None else f"{mfu:.1%}",
                source=str(c["mfu_basis"]),
            )
        )
    if c["parameters"] is not None:
        facts.append(Fact(label="Parameters", value=_g(float(c["parameters"]))))
    for name, value in c["metrics"].items():
        facts.append(
            Fact(label=f"Quality: {name}", value=_g(value), source="last value logged (run.log_metric)")
        )
    for unit, v in c["per_unit"].items():
        flops = "" if v["flops"] is None else f", {v['flops']:.4g} FLOPs"
        facts.append(
            Fact(
                label=f"Cost {_UNIT_LABEL[unit]}",
                value=f"{_g(v['energy_wh'])} Wh, {_g(v['co2e_g'])} g CO2e{flops}",
                source="facility energy and CO2e / units counted (run.count)",
            )
        )
    inference = c.get("inference")
    if inference:
        facts.append(
            Fact(
                label="Energy per request (attributed)",
                value=f"{_g(inference['energy_j_per_request_mean'])} J mean, "
                f"{_g(inference['energy_j_per_request_p95'])} J p95; "
                f"{_g(inference['energy_j_per_request_with_idle'])} J with idle shared",
                source=str(inference["method"]),
            )
        )
    return tuple(facts)
