"""The plain-text summary of a run that ``mlfootprint run`` and ``mlfootprint demo`` print.

Every number says how it was obtained and where each factor came from.
"""

from __future__ import annotations

from mlfootprint.records import RunRecord
from mlfootprint.redact import mask_text as mask_password
from mlfootprint.units import kwh_from_j

__all__ = ["format_co2e", "format_energy", "format_summary"]

_METHOD_WORDS = {
    "counter": "measured (energy counter)",
    "sampled-power": "measured (power samples integrated)",
    "tdp-utilisation": "estimated (TDP x utilisation)",
    "dram-model": "estimated (installed GiB x W/GiB)",
    "published": "published average power",
    "user": "given by the user",
}


def format_energy(energy_j: float) -> str:
    """Energy in kWh, Wh below 1 kWh or mWh below 1 Wh, to 3 significant figures."""
    kwh = kwh_from_j(energy_j)
    if abs(kwh) >= 1.0:
        return f"{kwh:.3g} kWh"
    if abs(kwh) >= 1e-3:
        return f"{kwh * 1e3:.3g} Wh"
    return f"{kwh * 1e6:.3g} mWh"


def format_co2e(co2e_g: float) -> str:
    """CO2e in mg, g, kg or t, to 3 significant figures."""
    if abs(co2e_g) >= 1e6:
        return f"{co2e_g / 1e6:.3g} tCO2e"
    if abs(co2e_g) >= 1000.0:
        return f"{co2e_g / 1000.0:.3g} kgCO2e"
    if abs(co2e_g) >= 1.0 or co2e_g == 0:
        return f"{co2e_g:.3g} gCO2e"
    return f"{co2e_g * 1000.0:.3g} mgCO2e"


def format_summary(run: RunRecord, *, db_url: str | None = None) -> str:
    """A multi-line summary: status, duration, energy per component and method, CO2e and its sources."""
    status = run.status if run.exit_code is None else f"{run.status} (exit status {run.exit_code})"
    lines = [f"mlfootprint: run {run.id} ({run.project}/{run.name}) {status} after {run.duration_s:.1f} s"]
    width = max((len(c.meter_id) for c in run.components), default=0)
    for c in run.components:
        how = _METHOD_WORDS.get(c.method, c.method)
        lines.append(
            f"  {c.component:<5} {c.meter_id:<{width}}  {format_energy(c.energy_j):>10}  "
            f"[{format_energy(c.energy_j_low)} - {format_energy(c.energy_j_high)}]  {how}: {c.source}"
        )
    lines.append(
        f"  energy  {format_energy(run.energy_j)} [{format_energy(run.energy_j_low)} - "
        f"{format_energy(run.energy_j_high)}] = IT {format_energy(run.it_energy_j)} x PUE {run.pue:g} "
        f"({run.pue_source})"
    )
    co2e_range = f"[{format_co2e(run.co2e_g_low)} - {format_co2e(run.co2e_g_high)}]"
    intensity = f"{run.intensity_g_per_kwh:.0f} gCO2e/kWh ({run.intensity_source})"
    lines.append(f"  CO2e    {format_co2e(run.co2e_g)} {co2e_range} at {intensity}")
    if run.co2e_g_net is not None:
        lines.append(f"  CO2e net of the region's carbon-free energy: {format_co2e(run.co2e_g_net)}")
    reason = run.extra.get("intensity_fallback_reason") if run.extra else None
    if reason:
        lines.append(f"  note    {reason}")
    schedule = run.extra.get("schedule") if run.extra else None
    if isinstance(schedule, dict):
        lines.append(_schedule_line(schedule))
    if run.phases:
        top = [p for p in run.phases if p.parent is None]
        shown = ", ".join(f"{p.name} {format_energy(p.energy_j)}" for p in top[:6])
        more = f", ... ({len(top) - 6} more)" if len(top) > 6 else ""
        lines.append(f"  phases  {shown}{more} (IT energy)")
    unavailable = run.extra.get("meters_unavailable") if run.extra else None
    if isinstance(unavailable, list) and unavailable:
        lines.append(f"  not measured: {'; '.join(str(u) for u in unavailable)}")
    not_saved = run.extra.get("not_saved") if run.extra else None
    if not_saved:
        lines.append(f"  NOT STORED: {not_saved}; store it later: mlfootprint runs import FILE")
    else:
        where = f" in {mask_password(db_url)}" if db_url else ""
        lines.append(f"  stored{where}; see it again: mlfootprint runs show {run.id}")
    return "\n".join(lines)


def _schedule_line(schedule: dict[str, object]) -> str:
    """``started when cleaner: ...`` with the saving against starting at arrival."""
    waited_s = schedule.get("waited_s")
    waited = f"waited {float(waited_s) / 3600:.2f} h, " if isinstance(waited_s, (int, float)) else ""
    planned = schedule.get("planned_start")
    head = f"  started when cleaner ({schedule.get('zone')}): {waited}planned start {planned}"
    baseline, saving = schedule.get("baseline_co2e_g"), schedule.get("saving_g")
    if isinstance(baseline, (int, float)) and isinstance(saving, (int, float)):
        pct = f" ({saving / baseline * 100.0:.1f} %)" if baseline > 0 else ""
        return (
            f"{head}; starting at once would have emitted {format_co2e(baseline)}: "
            f"saved {format_co2e(saving)}{pct}"
        )
    planned_pct = schedule.get("saving_pct")
    pct_text = f"; planned saving {planned_pct:.1f} %" if isinstance(planned_pct, (int, float)) else ""
    note = schedule.get("baseline_note")
    return head + pct_text + (f" ({note})" if note else "")
