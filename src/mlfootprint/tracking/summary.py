"""The plain-text summary of a run that ``mlfootprint run`` and ``mlfootprint demo`` print.

Every number says how it was obtained and where each factor came from.
"""

from __future__ import annotations

from mlfootprint import fmt
from mlfootprint.records import RunRecord
from mlfootprint.redact import mask_text as mask_password

__all__ = ["COMPACT_WIDTH", "format_co2e", "format_compact", "format_energy", "format_summary", "short_id"]

_METHOD_WORDS = {
    "counter": "measured (energy counter)",
    "sampled-power": "measured (power samples integrated)",
    "tdp-utilisation": "estimated (TDP x utilisation)",
    "dram-model": "estimated (installed GiB x W/GiB)",
    "published": "published average power",
    "user": "given by the user",
}


def format_energy(energy_j: float) -> str:
    """Energy with the SI prefix chosen for the value (``mlfootprint.fmt.energy``)."""
    return fmt.energy(energy_j)


def format_co2e(co2e_g: float) -> str:
    """CO2e with the unit chosen for the value (``mlfootprint.fmt.co2e``)."""
    return fmt.co2e(co2e_g)


#: the longest line of the compact summary
COMPACT_WIDTH = 100


def _clip(text: str, width: int = COMPACT_WIDTH) -> str:
    return text if len(text) <= width else text[: width - 3].rstrip() + "..."


def _short_source(text: str, width: int = 48) -> str:
    """The head of a provenance text: up to its first parenthesis, clipped."""
    head = text.split(" (", 1)[0].strip() or text
    return head if len(head) <= width else head[: width - 3].rstrip() + "..."


def short_id(run_id: str) -> str:
    """The part of a run id people type: its last 8 characters (random, unlike the time prefix)."""
    return run_id[-8:]


def _how(run: RunRecord) -> str:
    kinds = sorted({_METHOD_WORDS.get(c.method, c.method).split(" (")[0] for c in run.components})
    parts = ", ".join(f"{c.component} {fmt.energy(c.energy_j)}" for c in run.components)
    if not run.components:
        return "no meter reported energy"
    return f"{parts} ({' and '.join(kinds)})"


def format_compact(run: RunRecord, *, db_url: str | None = None, color: bool = False) -> str:
    """At most eight lines of at most 100 columns: the figures, the three factors, where it is stored."""

    def b(text: str) -> str:
        return f"\033[1m{text}\033[0m" if color else text

    status = run.status if run.exit_code in (None, 0) else f"{run.status} (exit status {run.exit_code})"
    lines = [
        _clip(f"mlfootprint: run {short_id(run.id)} ({run.project}/{run.name}) {status} after "
              f"{fmt.duration(run.duration_s)}"),
        _clip(f"  energy  {fmt.energy_interval(run.energy_j, run.energy_j_low, run.energy_j_high)}"),
        _clip(f"  CO2e    {fmt.co2e(run.co2e_g, run.co2e_g_low, run.co2e_g_high)}"
              + (f", net {fmt.co2e(run.co2e_g_net)}" if run.co2e_g_net is not None else "")),
        _clip(f"  meters  {_how(run)}"),
        _clip(f"  PUE     {fmt.number(run.pue)}  {_short_source(run.pue_source, 80)}"),
        _clip(f"  grid    {fmt.intensity(run.intensity_g_per_kwh)}  "
              f"{_short_source(run.intensity_source, 70)}"),
    ]  # fmt: skip
    reason = run.extra.get("intensity_fallback_reason") if run.extra else None
    schedule = run.extra.get("schedule") if run.extra else None
    if isinstance(schedule, dict) and isinstance(schedule.get("saving_g"), (int, float)):
        saving = float(schedule["saving_g"])
        base = schedule.get("baseline_co2e_g")
        pct = (
            f" ({fmt.percent(saving / base * 100.0)})" if isinstance(base, (int, float)) and base > 0 else ""
        )
        lines.append(
            _clip(f"  waited  for a cleaner start ({schedule.get('zone')}): saved {fmt.co2e(saving)}{pct}")
        )
    elif reason:
        lines.append(_clip(f"  note    {reason}"))
    where = f"  (ledger {db_url})" if db_url else ""
    lines.append(_clip(f"  {b('stored')}  see it again: mlfootprint runs show {short_id(run.id)}{where}"))
    for i in (1, 2):
        label, rest = lines[i][2:10], lines[i][10:]
        lines[i] = f"  {b(label)}{rest}"
    return "\n".join(lines)


def format_summary(
    run: RunRecord, *, db_url: str | None = None, verbose: bool = True, color: bool = False
) -> str:
    """The run's summary: compact (``verbose=False``) or with the full provenance of every factor."""
    if not verbose:
        return format_compact(run, db_url=db_url, color=color)
    status = run.status if run.exit_code is None else f"{run.status} (exit status {run.exit_code})"
    lines = [
        f"mlfootprint: run {run.id} ({run.project}/{run.name}) {status} after {fmt.duration(run.duration_s)}"
    ]
    width = max((len(c.meter_id) for c in run.components), default=0)
    for c in run.components:
        how = _METHOD_WORDS.get(c.method, c.method)
        lines.append(
            f"  {c.component:<5} {c.meter_id:<{width}}  {format_energy(c.energy_j):>10}  "
            f"[{format_energy(c.energy_j_low)} - {format_energy(c.energy_j_high)}]  {how}: {c.source}"
        )
    lines.append(
        f"  energy  {format_energy(run.energy_j)} [{format_energy(run.energy_j_low)} - "
        f"{format_energy(run.energy_j_high)}] = IT {format_energy(run.it_energy_j)} x PUE "
        f"{fmt.number(run.pue)} ({run.pue_source})"
    )
    co2e_range = f"[{format_co2e(run.co2e_g_low)} - {format_co2e(run.co2e_g_high)}]"
    intensity = f"{fmt.intensity(run.intensity_g_per_kwh)} ({run.intensity_source})"
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
    waited = f"waited {fmt.duration(float(waited_s))}, " if isinstance(waited_s, (int, float)) else ""
    planned = schedule.get("planned_start")
    head = f"  started when cleaner ({schedule.get('zone')}): {waited}planned start {planned}"
    baseline, saving = schedule.get("baseline_co2e_g"), schedule.get("saving_g")
    if isinstance(baseline, (int, float)) and isinstance(saving, (int, float)):
        pct = f" ({fmt.percent(saving / baseline * 100.0)})" if baseline > 0 else ""
        return (
            f"{head}; starting at once would have emitted {format_co2e(baseline)}: "
            f"saved {format_co2e(saving)}{pct}"
        )
    planned_pct = schedule.get("saving_pct")
    pct_text = f"; planned saving {fmt.percent(planned_pct)}" if isinstance(planned_pct, (int, float)) else ""
    note = schedule.get("baseline_note")
    return head + pct_text + (f" ({note})" if note else "")
