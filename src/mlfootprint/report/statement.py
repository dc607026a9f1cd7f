# size: the statement's facts in one place so every format shows the same; Fact to move to its own module
"""The carbon statement: what a report says, independent of its format.

``statement_from_run`` (here) and ``statement_from_estimate`` (``report.estimate_statement``) turn a
stored run or an estimate into a
``Statement`` (display units: kWh, kg, kg/kWh); the renderers (``markdown``, ``latex``, ``html``,
``json_report``) only lay it out. Pure: no I/O, reference tables are passed in.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from mlfootprint import fmt
from mlfootprint.embodied_run import embodied_of_run
from mlfootprint.records import Assumption, RunRecord
from mlfootprint.report.equivalents import Equivalent, flight_equivalent
from mlfootprint.report.fmt import fmt_duration, fmt_kg, fmt_kwh
from mlfootprint.units import kg_from_g, kwh_from_j

__all__ = [
    "METHOD_TEXT",
    "ComponentRow",
    "Fact",
    "PhaseRow",
    "Statement",
    "TableVersion",
    "assumption_facts",
    "embodied_fact",
    "statement_from_run",
    "table_versions",
]

#: How each method is said in a report.
METHOD_TEXT: Mapping[str, str] = {
    "counter": "measured by a hardware energy counter",
    "sampled-power": "integrated from sampled power readings",
    "tdp-utilisation": "estimated from TDP x utilisation",
    "dram-model": "estimated from installed memory x power per GiB",
    "published": "published measured average power",
    "user": "given by the user",
}


@dataclass(frozen=True, slots=True, kw_only=True)
class Fact:
    """One line of the statement: a label, its value as text, and where it came from."""

    label: str
    value: str
    source: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class ComponentRow:
    meter_id: str
    component: str
    how: str
    source: str
    energy_kwh: float
    energy_kwh_low: float
    energy_kwh_high: float
    share_pct: float


@dataclass(frozen=True, slots=True, kw_only=True)
class PhaseRow:
    name: str
    parent: str | None
    duration_s: float
    energy_kwh: float


@dataclass(frozen=True, slots=True, kw_only=True)
class TableVersion:
    """A reference table the numbers came from, with its size, years and licence."""

    name: str
    rows: int
    years: str
    sources: str
    license: str
    source_count: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class Statement:
    """A carbon statement in display units, ready for any renderer."""

    title: str
    kind: str  # "run" | "estimate"
    subject_id: str | None
    summary: str  # the sentence to paste into a paper
    energy_kwh: float
    energy_kwh_low: float
    energy_kwh_high: float
    co2e_kg: float
    co2e_kg_low: float
    co2e_kg_high: float
    co2e_kg_net: float | None
    facts: tuple[Fact, ...]
    equivalent: Equivalent
    components: tuple[ComponentRow, ...] = ()
    phases: tuple[PhaseRow, ...] = ()
    assumptions: tuple[Fact, ...] = ()
    tables: tuple[TableVersion, ...] = ()
    notes: tuple[str, ...] = field(default=())
    cost: tuple[Fact, ...] = ()  # the "cost of the result" block (Schwartz 2019), runs with work only
    embodied: Mapping[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        """The JSON form (display units in key names)."""
        return {
            "title": self.title,
            "kind": self.kind,
            "id": self.subject_id,
            "summary": self.summary,
            "energy_kwh": self.energy_kwh,
            "energy_kwh_low": self.energy_kwh_low,
            "energy_kwh_high": self.energy_kwh_high,
            "co2e_kg": self.co2e_kg,
            "co2e_kg_low": self.co2e_kg_low,
            "co2e_kg_high": self.co2e_kg_high,
            "co2e_kg_net": self.co2e_kg_net,
            "facts": [{"label": f.label, "value": f.value, "source": f.source} for f in self.facts],
            "equivalent": {
                "text": self.equivalent.text,
                "passenger_round_trips": self.equivalent.passenger_round_trips,
                "whole_jet_round_trips": self.equivalent.whole_jet_round_trips,
                "source": self.equivalent.source,
            },
            "components": [
                {
                    "meter_id": c.meter_id,
                    "component": c.component,
                    "how": c.how,
                    "source": c.source,
                    "energy_kwh": c.energy_kwh,
                    "energy_kwh_low": c.energy_kwh_low,
                    "energy_kwh_high": c.energy_kwh_high,
                    "share_pct": c.share_pct,
                }
                for c in self.components
            ],
            "phases": [
                {"name": p.name, "parent": p.parent, "duration_s": p.duration_s, "energy_kwh": p.energy_kwh}
                for p in self.phases
            ],
            "assumptions": [
                {"name": a.label, "value": a.value, "source": a.source} for a in self.assumptions
            ],
            "tables": [
                {"name": t.name, "rows": t.rows, "years": t.years, "sources": t.sources, "license": t.license}
                for t in self.tables
            ],
            "notes": list(self.notes),
            "cost_of_result": [{"label": f.label, "value": f.value, "source": f.source} for f in self.cost],
            "embodied": None if self.embodied is None else dict(self.embodied),
        }


def _joined(value: object) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, tuple) and len(value) == 2 and all(isinstance(v, int) for v in value):
        low, high = value
        return str(low) if low == high else f"{low}-{high}"
    if isinstance(value, Iterable):
        return ", ".join(str(v) for v in value)
    return "" if value is None else str(value)


def _count(sources: object) -> int:
    if isinstance(sources, str):
        return 1 if sources else 0
    if isinstance(sources, Iterable):
        return len(list(sources))
    return 0


def table_versions(tables: Iterable[Any]) -> tuple[TableVersion, ...]:
    """Convert ``mlfootprint.reference.list_tables()`` entries into ``TableVersion`` rows."""
    return tuple(
        TableVersion(
            name=str(t.name),
            rows=int(t.rows),
            years=_joined(getattr(t, "years", "")),
            sources=_joined(getattr(t, "sources", "")),
            license=_joined(getattr(t, "license", "")),
            source_count=_count(getattr(t, "sources", ())),
        )
        for t in tables
    )


def _hardware_of_run(run: RunRecord) -> tuple[str, int]:
    gpus = [c for c in run.components if c.component == "gpu"]
    if gpus:
        names = sorted({c.source for c in gpus})
        return "; ".join(names), len(gpus)
    hw = run.extra.get("hardware") if isinstance(run.extra, Mapping) else None
    return (str(hw) if hw else "CPU only (no accelerator metered)"), max(1, len(gpus))


def statement_from_run(
    run: RunRecord, *, tables: Sequence[TableVersion] = (), equivalent_source: str | None = None
) -> Statement:
    """Build the statement of a stored run."""
    it_total = sum(c.energy_j for c in run.components) or 1.0
    components = tuple(
        ComponentRow(
            meter_id=c.meter_id,
            component=c.component,
            how=METHOD_TEXT.get(c.method, c.method) + (" (estimate)" if c.is_estimate else ""),
            source=c.source,
            energy_kwh=kwh_from_j(c.energy_j),
            energy_kwh_low=kwh_from_j(c.energy_j_low),
            energy_kwh_high=kwh_from_j(c.energy_j_high),
            share_pct=100.0 * c.energy_j / it_total,
        )
        for c in run.components
    )
    phases = tuple(
        PhaseRow(name=p.name, parent=p.parent, duration_s=p.duration_s, energy_kwh=kwh_from_j(p.energy_j))
        for p in run.phases
    )
    hardware, count = _hardware_of_run(run)
    location = run.region or run.intensity_zone or "not given"
    e, lo, hi = kwh_from_j(run.energy_j), kwh_from_j(run.energy_j_low), kwh_from_j(run.energy_j_high)
    co2, co2_lo, co2_hi = kg_from_g(run.co2e_g), kg_from_g(run.co2e_g_low), kg_from_g(run.co2e_g_high)
    net = None if run.co2e_g_net is None else kg_from_g(run.co2e_g_net)
    interval = f"interval {fmt_kwh(lo)} to {fmt_kwh(hi)}"
    facts = [
        Fact(label="Energy (facility, incl. PUE)", value=f"{fmt_kwh(e)} ({interval})"),
        Fact(label="IT energy (components)", value=fmt_kwh(kwh_from_j(run.it_energy_j))),
        Fact(label="Hardware", value=f"{count} x {hardware}"),
        Fact(label="Duration", value=fmt_duration(run.duration_s)),
        Fact(label="Location", value=location),
        Fact(label="PUE", value=f"{fmt.number(run.pue, 6)}", source=run.pue_source),
        Fact(
            label="Carbon intensity",
            value=f"{fmt.number(run.intensity_g_per_kwh / 1000)} kg CO2e/kWh ({run.intensity_resolution})",
            source=run.intensity_source,
        ),
        Fact(
            label="CO2e (gross, location-based)",
            value=f"{fmt_kg(co2)} ({fmt_kg(co2_lo)} to {fmt_kg(co2_hi)})",
        ),
        Fact(
            label="CO2e (net, after carbon-free energy)",
            value="not known (no carbon-free-energy share given)" if net is None else fmt_kg(net),
        ),
    ]
    embodied = embodied_of_run(run)
    facts.append(embodied_fact(embodied))
    eq = flight_equivalent(co2, source=equivalent_source)
    where = "" if location == "not given" else f" in {location}"
    summary = (
        f"Training used {fmt_kwh(e)} of electricity ({interval}) on {count} x {hardware} over "
        f"{fmt_duration(run.duration_s)}{where}, emitting {fmt_kg(co2)} CO2e ({fmt_kg(co2_lo)} to "
        f"{fmt_kg(co2_hi)}) at PUE {fmt.number(run.pue, 6)} and "
        f"{fmt.number(run.intensity_g_per_kwh / 1000)} kg CO2e/kWh "
        f"({run.intensity_source}); {eq.text}."
    )
    notes = []
    if any(c.is_estimate for c in run.components):
        notes.append("Some components are estimates, not measurements; see the components table.")
    if run.status != "finished":
        notes.append(f"The run's status is {run.status!r}: its numbers cover the part that was recorded.")
    return Statement(
        title=f"Carbon statement for run {run.name or run.id}",
        kind="run",
        subject_id=run.id,
        summary=summary,
        energy_kwh=e,
        energy_kwh_low=lo,
        energy_kwh_high=hi,
        co2e_kg=co2,
        co2e_kg_low=co2_lo,
        co2e_kg_high=co2_hi,
        co2e_kg_net=net,
        facts=tuple(facts),
        equivalent=eq,
        components=components,
        phases=phases,
        assumptions=assumption_facts(run.assumptions),
        tables=tuple(tables),
        notes=tuple(notes),
        cost=_cost_facts(run),
        embodied=embodied,
    )


def _cost_facts(run: RunRecord) -> tuple[Fact, ...]:
    from mlfootprint.report.cost import cost_facts

    return cost_facts(run)


def embodied_fact(embodied: Mapping[str, Any]) -> Fact:
    """The statement's line for embodied CO2e: its own value and interval, never added to the gross."""
    label = "CO2e (embodied, manufacturing share; not included above)"
    if embodied.get("co2e_kg") is None:
        return Fact(label=label, value=f"not counted: {embodied.get('reason', 'no figure')}")
    value = (
        f"{fmt_kg(embodied['co2e_kg'])} ({fmt_kg(embodied['co2e_kg_low'])} to "
        f"{fmt_kg(embodied['co2e_kg_high'])}) for {fmt.number(embodied['device_hours'])} device-hours"
    )
    factors = ", ".join(f"{d['count']} x {d['board']} -> {d['factor']}" for d in embodied.get("devices", []))
    source = (
        f"{embodied['method']}; {embodied['lifetime_years']:g} years at "
        f"{100 * embodied['utilisation_frac']:g} % use; {factors}; {embodied.get('obtained', '')}"
    ).rstrip("; ")
    return Fact(label=label, value=value, source=source)


def assumption_facts(assumptions: Iterable[Any]) -> tuple[Fact, ...]:
    out = []
    for a in assumptions:
        if isinstance(a, Assumption):
            out.append(Fact(label=a.name, value=f"{a.value} {a.unit}".strip(), source=a.source))
        elif isinstance(a, Mapping):
            value = f"{a.get('value', '')} {a.get('unit', '')}".strip()
            out.append(Fact(label=str(a.get("name", "")), value=value, source=str(a.get("source", ""))))
    return tuple(out)
