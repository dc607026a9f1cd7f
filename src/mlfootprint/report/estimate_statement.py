"""The carbon statement of an estimate (``mlfootprint.estimate.EstimateResult``), pure."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from mlfootprint import fmt
from mlfootprint.report.equivalents import flight_equivalent
from mlfootprint.report.fmt import fmt_duration, fmt_kg, fmt_kwh
from mlfootprint.report.statement import Fact, Statement, TableVersion, assumption_facts, embodied_fact
from mlfootprint.units import kg_from_g, kwh_from_j

__all__ = ["EstimateLike", "statement_from_estimate"]


class EstimateLike(Protocol):
    """What a report needs from ``mlfootprint.estimator.EstimateResult`` (read-only)."""

    @property
    def energy_j(self) -> float: ...

    @property
    def energy_j_low(self) -> float: ...

    @property
    def energy_j_high(self) -> float: ...

    @property
    def co2e_g(self) -> float: ...

    @property
    def co2e_g_low(self) -> float: ...

    @property
    def co2e_g_high(self) -> float: ...

    @property
    def co2e_g_net(self) -> float | None: ...

    @property
    def device_hours(self) -> float: ...

    @property
    def power_w(self) -> float: ...

    @property
    def power_method(self) -> str: ...

    @property
    def pue(self) -> float: ...

    @property
    def intensity_g_per_kwh(self) -> float: ...

    @property
    def cfe_pct(self) -> float | None: ...

    @property
    def inputs(self) -> Any: ...

    @property
    def assumptions(self) -> Any: ...


def _input(inputs: Any, key: str) -> Any:
    if isinstance(inputs, Mapping):
        return inputs.get(key)
    return getattr(inputs, key, None)


def statement_from_estimate(
    est: EstimateLike, *, tables: Sequence[TableVersion] = (), equivalent_source: str | None = None
) -> Statement:
    """Build the statement of an estimate (``mlfootprint.estimator.EstimateResult``)."""
    inputs = est.inputs
    hardware = str(_input(inputs, "hardware") or "unspecified hardware")
    count = int(_input(inputs, "count") or 1)
    location = str(_input(inputs, "region") or _input(inputs, "datacenter") or "not given")
    duration_s = est.device_hours * 3600.0 / count
    e, lo, hi = kwh_from_j(est.energy_j), kwh_from_j(est.energy_j_low), kwh_from_j(est.energy_j_high)
    co2, co2_lo, co2_hi = kg_from_g(est.co2e_g), kg_from_g(est.co2e_g_low), kg_from_g(est.co2e_g_high)
    net = None if est.co2e_g_net is None else kg_from_g(est.co2e_g_net)
    assumptions = assumption_facts(est.assumptions)
    by_name = {a.label: a.source for a in assumptions}
    power_source = next((s for n, s in by_name.items() if "power" in n.lower()), est.power_method)
    pue_source = next((s for n, s in by_name.items() if "pue" in n.lower()), "")
    int_source = next((s for n, s in by_name.items() if "intensity" in n.lower()), "")
    interval = f"interval {fmt_kwh(lo)} to {fmt_kwh(hi)}"
    facts: tuple[Fact, ...] = (
        Fact(label="Energy (facility, incl. PUE)", value=f"{fmt_kwh(e)} ({interval})"),
        Fact(label="Hardware", value=f"{count} x {hardware}"),
        Fact(label="Device-hours", value=f"{fmt.number(est.device_hours, 4)}"),
        Fact(label="Duration", value=fmt_duration(duration_s)),
        Fact(label="Power per device", value=f"{fmt.number(est.power_w, 4)} W", source=power_source),
        Fact(label="Location", value=location),
        Fact(label="PUE", value=f"{fmt.number(est.pue, 6)}", source=pue_source),
        Fact(
            label="Carbon intensity",
            value=f"{fmt.number(est.intensity_g_per_kwh / 1000)} kg CO2e/kWh",
            source=int_source,
        ),
        Fact(
            label="CO2e (gross, location-based)",
            value=f"{fmt_kg(co2)} ({fmt_kg(co2_lo)} to {fmt_kg(co2_hi)})",
        ),
        Fact(
            label="CO2e (net, after carbon-free energy)",
            value="not known (no carbon-free-energy share given)"
            if net is None
            else f"{fmt_kg(net)} (CFE {fmt.number(est.cfe_pct or 0.0, 6)}%)",
        ),
    )
    given = getattr(est, "embodied", None)
    embodied = None if given is None else given.to_dict()
    if embodied is not None:
        facts = (*facts, embodied_fact(embodied))
    eq = flight_equivalent(co2, source=equivalent_source)
    where = "" if location == "not given" else f" in {location}"
    summary = (
        f"Training is estimated to use {fmt_kwh(e)} of electricity ({interval}) on {count} x {hardware} "
        f"over {fmt_duration(duration_s)}{where}, emitting {fmt_kg(co2)} CO2e ({fmt_kg(co2_lo)} to "
        f"{fmt_kg(co2_hi)}) at PUE {fmt.number(est.pue, 6)} and "
        f"{fmt.number(est.intensity_g_per_kwh / 1000)} kg CO2e/kWh; "
        f"{eq.text}."
    )
    return Statement(
        title=f"Carbon estimate for {count} x {hardware}",
        kind="estimate",
        subject_id=None,
        summary=summary,
        energy_kwh=e,
        energy_kwh_low=lo,
        energy_kwh_high=hi,
        co2e_kg=co2,
        co2e_kg_low=co2_lo,
        co2e_kg_high=co2_hi,
        co2e_kg_net=net,
        facts=facts,
        equivalent=eq,
        assumptions=assumptions,
        tables=tuple(tables),
        notes=(f"Estimated, not measured (power per device: {est.power_method}); see the assumptions.",),
        embodied=embodied,
    )
