# size: the estimate formula with its resolved inputs and assumptions, one public function's world
"""Footprint of a run from its specification (Patterson 2021 §2.5, Strubell 2019 Eq. 1-2).

    energy = (device-hours x average power per device + host power x hours) x PUE
    CO2e   = energy x grid intensity;   net CO2e = CO2e x (1 - carbon-free share)

The estimator is pure: it resolves names through the reference tables and does arithmetic; every
value it fills in is returned as an ``Assumption`` with its source, and the result carries an
uncertainty interval from ``mlfootprint.uncertainty``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from mlfootprint.bounds import INTENSITY_KG_PER_KWH, PUE
from mlfootprint.errors import InvalidValueError, UsageError
from mlfootprint.provenance import Assumption, ComponentEnergy
from mlfootprint.uncertainty import RelativeRange, footprint_interval, intensity_range, power_range, pue_range
from mlfootprint.units import S_PER_HOUR, kg_from_g, kwh_from_j

if TYPE_CHECKING:
    from mlfootprint.embodied import EmbodiedEstimate
    from mlfootprint.work.compute import ComputeDerivation

__all__ = ["MAX_COUNT", "MAX_HOURS", "MAX_POWER_W", "EstimateResult", "estimate"]

#: Per-device power above this is a typo, not an accelerator (largest boards today draw ~1.2 kW).
MAX_POWER_W = 5000.0
#: A run longer than a century is a unit mistake.
MAX_HOURS = 100 * 365.25 * 24
#: More devices than any cluster built.
MAX_COUNT = 10_000_000
MAX_PUE = 3.0
MAX_INTENSITY_KG_PER_KWH = 2.0


@dataclass(frozen=True, slots=True, kw_only=True)
class EstimateResult:
    """An estimated footprint: canonical units, interval, inputs as resolved and every assumption.

    ``energy_j`` is facility energy (IT x PUE). ``co2e_g_net`` is ``None`` unless a carbon-free
    energy share is known. ``inputs`` holds the resolved inputs in display units.
    """

    energy_j: float
    energy_j_low: float
    energy_j_high: float
    co2e_g: float
    co2e_g_low: float
    co2e_g_high: float
    co2e_g_net: float | None
    device_hours: float
    power_w: float
    power_method: str
    pue: float
    intensity_g_per_kwh: float
    cfe_pct: float | None
    inputs: Mapping[str, object]
    assumptions: tuple[Assumption, ...]
    ranges: Mapping[str, RelativeRange] = field(default_factory=dict)
    co2e_g_net_low: float | None = None
    co2e_g_net_high: float | None = None
    embodied: EmbodiedEstimate | None = None
    year_notes: tuple[str, ...] = ()
    compute: ComputeDerivation | None = None

    @property
    def energy_kwh(self) -> float:
        return kwh_from_j(self.energy_j)

    @property
    def co2e_kg(self) -> float:
        return kg_from_g(self.co2e_g)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict in display units (kWh, kg, kg/kWh)."""
        return {
            "energy_kwh": self.energy_kwh,
            "energy_kwh_low": kwh_from_j(self.energy_j_low),
            "energy_kwh_high": kwh_from_j(self.energy_j_high),
            "co2e_kg": self.co2e_kg,
            "co2e_kg_low": kg_from_g(self.co2e_g_low),
            "co2e_kg_high": kg_from_g(self.co2e_g_high),
            "co2e_kg_net": None if self.co2e_g_net is None else kg_from_g(self.co2e_g_net),
            "co2e_kg_net_low": None if self.co2e_g_net_low is None else kg_from_g(self.co2e_g_net_low),
            "co2e_kg_net_high": None if self.co2e_g_net_high is None else kg_from_g(self.co2e_g_net_high),
            "embodied": None if self.embodied is None else self.embodied.to_dict(),
            "year_notes": list(self.year_notes),
            "device_hours": self.device_hours,
            "power_w": self.power_w,
            "power_method": self.power_method,
            "pue": self.pue,
            "intensity_kg_per_kwh": self.intensity_g_per_kwh / 1000.0,
            "cfe_pct": self.cfe_pct,
            "inputs": dict(self.inputs),
            "uncertainty": {
                name: {"low_frac": r.low_frac, "high_frac": r.high_frac, "basis": r.basis}
                for name, r in self.ranges.items()
            },
            "assumptions": [
                {"name": a.name, "value": a.value, "unit": a.unit, "source": a.source}
                for a in self.assumptions
            ],
            **({} if self.compute is None else {"compute": self.compute.to_dict()}),
        }


def _check_number(
    option: str, value: float, *, low: float, high: float, low_inclusive: bool = False
) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InvalidValueError(option, value, "is not a number")
    number = float(value)
    if not math.isfinite(number):
        raise InvalidValueError(option, value, "is not a finite number")
    too_low = number < low if low_inclusive else number <= low
    if too_low:
        bound = f"at least {low:g}" if low_inclusive else f"greater than {low:g}"
        raise InvalidValueError(option, value, f"must be {bound}")
    if number > high:
        raise InvalidValueError(option, value, f"must be at most {high:g}")
    return number


def _duration(
    count: int, hours: float | None, days: float | None, device_hours: float | None
) -> tuple[float, float, str]:
    """Return (wall hours, device-hours, how the duration was given)."""
    given = [
        (n, v)
        for n, v in (("--hours", hours), ("--days", days), ("--device-hours", device_hours))
        if v is not None
    ]
    if not given:
        raise UsageError("one of --hours, --days or --device-hours is required")
    if len(given) > 1:
        raise UsageError(f"{given[0][0]} and {given[1][0]} cannot be combined; give one duration")
    option, value = given[0]
    if option == "--device-hours":
        dh = _check_number(option, value, low=0.0, high=MAX_HOURS * MAX_COUNT)
        return dh / count, dh, f"{dh:g} device-hours"
    factor = 24.0 if option == "--days" else 1.0
    wall_h = _check_number(option, value, low=0.0, high=MAX_HOURS / factor) * factor
    return wall_h, wall_h * count, f"{value:g} {option[2:]}"


class _Factor:
    """One resolved factor: its value, how it was obtained (method or source kind) and its assumption.

    Private to this module, so a plain slotted class: a dataclass costs a command's start about a
    millisecond to create.
    """

    __slots__ = ("assumption", "cfe_pct", "family", "kind", "label", "note", "rel", "spread_frac", "value")

    def __init__(
        self,
        value: float,
        kind: str,
        assumption: Assumption,
        spread_frac: float | None = None,
        cfe_pct: float | None = None,
        label: str | None = None,
        rel: RelativeRange | None = None,
        note: str = "",
        family: str | None = None,
    ) -> None:
        self.value, self.kind, self.assumption = value, kind, assumption
        self.spread_frac, self.cfe_pct, self.label, self.rel = spread_frac, cfe_pct, label, rel
        self.note, self.family = note, family


def _device_power(hardware: str | None, power_w: float | None) -> _Factor:
    """Average power per device; ``label`` is the canonical hardware name."""
    accelerator = None
    if hardware is not None:
        from mlfootprint.reference.lookup import cached_accelerator

        accelerator = cached_accelerator(hardware)
    name = None if accelerator is None else accelerator.name
    if power_w is not None:
        watts = _check_number("--power-w", power_w, low=0.0, high=MAX_POWER_W)
        given = Assumption(
            name="power_w", value=watts, unit="W per device", source="given by the user (--power-w)"
        )
        family = None if accelerator is None else (accelerator.family or accelerator.name)
        return _Factor(watts, "user", given, label=name, family=family)
    if accelerator is None:
        raise UsageError("--hardware or --power-w is required")
    family = accelerator.family or accelerator.name
    if accelerator.measured_avg_power_w is not None:
        watts, spread = float(accelerator.measured_avg_power_w), accelerator.measured_power_spread_frac
        spread_text = f", stdev {spread:.0%}" if spread is not None else ""
        where = accelerator.measured_power_source or accelerator.source
        text = f"published measured average system power of {name}{spread_text} ({where})"
        published = Assumption(name="power_w", value=watts, unit="W per device", source=text)
        rel = power_range("published", spread_frac=spread, workload="other")
        return _Factor(watts, "published", published, spread_frac=spread, label=name, rel=rel, family=family)
    if accelerator.tdp_w is not None:
        watts = float(accelerator.tdp_w)
        text = (
            f"TDP of {name} ({accelerator.source}); no measured average published, "
            "full utilisation assumed, so this is an upper-end figure"
        )
        return _Factor(
            watts,
            "tdp-utilisation",
            Assumption(name="power_w", value=watts, unit="W per device", source=text),
            label=name,
            family=family,
        )
    if accelerator.estimated_power_w is not None:
        watts = float(accelerator.estimated_power_w)
        text = f"{accelerator.estimated_power_basis} ({name}); give --power-w if you know the draw"
        return _Factor(
            watts,
            "tdp-utilisation",
            Assumption(name="power_w", value=watts, unit="W per device", source=text),
            label=name,
            rel=power_range("tdp-utilisation", confidence="low"),
            family=family,
        )
    raise UsageError(f"no power figure is known for {name!r}; give its average power with --power-w")


def _pue(pue: float | None, datacenter: str | None, year: int | None) -> _Factor:
    """PUE; ``kind`` is the source kind for the uncertainty model."""
    if pue is not None and datacenter is not None:
        raise UsageError("--pue and --datacenter cannot be combined; give one")
    if pue is not None:
        value = PUE.check(pue, "--pue")
        return _Factor(
            value, "user", Assumption(name="pue", value=value, unit="", source="given by the user (--pue)")
        )
    from mlfootprint.reference.facts import DEFAULT_PUE_KEY
    from mlfootprint.reference.lookup import cached_pue_for_year as pue_for_year

    if datacenter is not None:
        fact, choice = pue_for_year(datacenter, year)
        note = f"; {choice.note}" if choice.note else ""
        text = f"{fact.who} {fact.year} ({fact.source}){note}"
        base = pue_range(fact.pue, "operator", fact.confidence)
        return _Factor(
            fact.pue,
            "operator",
            Assumption(name="pue", value=fact.pue, unit="", source=text),
            rel=_widen(base, choice.low_frac, choice.high_frac, choice.note, floor=1.0 / fact.pue),
            note=choice.note,
        )
    fact, choice = pue_for_year(DEFAULT_PUE_KEY, year)
    note = f"; {choice.note}" if choice.fell_back else ""
    text = f"default: {fact.who} {fact.year} ({fact.source}){note}; give --pue or --datacenter for yours"
    return _Factor(
        fact.pue,
        "industry-average",
        Assumption(name="pue", value=fact.pue, unit="", source=text),
        note=choice.note if choice.fell_back else "",
    )


def _widen(
    base: RelativeRange, low_frac: float, high_frac: float, note: str, *, floor: float = 0.0
) -> RelativeRange:
    """``base`` with its bounds multiplied by the year choice's factors (never below ``floor``)."""
    if low_frac == 1.0 and high_frac == 1.0:
        return base
    return RelativeRange(
        low_frac=max(floor, min(1.0, base.low_frac * low_frac)),
        high_frac=base.high_frac * high_frac,
        basis=f"{base.basis}; {note}",
    )


def _intensity(region: str | None, year: int | None, intensity_kg_per_kwh: float | None) -> _Factor:
    """Grid intensity in g/kWh; ``kind`` is the intensity kind, ``label`` the resolved place."""
    if region is not None and intensity_kg_per_kwh is not None:
        raise UsageError("--region and --intensity cannot be combined; give one")
    if region is None:
        if intensity_kg_per_kwh is None:
            raise UsageError("--region or --intensity is required")
        kg = INTENSITY_KG_PER_KWH.check(intensity_kg_per_kwh, "--intensity")
        given = Assumption(
            name="intensity", value=kg, unit="kg CO2e/kWh", source="given by the user (--intensity)"
        )
        return _Factor(kg * 1000.0, "user", given)
    from mlfootprint.reference.lookup import cached_intensity_for_year

    fact, choice = cached_intensity_for_year(region, year)
    place = fact.key if fact.name == fact.key else f"{fact.key} ({fact.name})"
    note = f"; {choice.note}" if choice.note else ""
    text = f"{place}, {fact.kind}, {fact.year}, {fact.basis} ({fact.source}){note}"
    resolved = Assumption(name="intensity", value=fact.g_per_kwh / 1000.0, unit="kg CO2e/kWh", source=text)
    mapped = fact.kind == "cloud-region" and not fact.key.startswith("gcp:")
    base = intensity_range("cloud-region-mapped" if mapped else fact.kind)
    rel = _widen(base, choice.low_frac, choice.high_frac, choice.note)
    return _Factor(
        fact.g_per_kwh, fact.kind, resolved, cfe_pct=fact.cfe_pct, label=place, rel=rel, note=choice.note
    )


def estimate(
    *,
    hardware: str | None = None,
    count: int = 1,
    hours: float | None = None,
    days: float | None = None,
    device_hours: float | None = None,
    power_w: float | None = None,
    host_power_w: float | None = None,
    pue: float | None = None,
    datacenter: str | None = None,
    region: str | None = None,
    year: int | None = None,
    intensity_kg_per_kwh: float | None = None,
    cfe_pct: float | None = None,
    flops: float | None = None,
    params: float | None = None,
    active_params: float | None = None,
    tokens: float | None = None,
    workload: str = "training",
    achieved_tflops: float | None = None,
    mfu: float | None = None,
    precision: str = "fp16",
) -> EstimateResult:
    """Estimate the energy and CO2e of a run from its specification.

    Args:
        hardware: accelerator name (aliases and ``nvidia-smi`` names accepted).
        count: number of accelerators.
        hours: wall-clock hours (exactly one of ``hours``, ``days``, ``device_hours``).
        days: wall-clock days.
        device_hours: accelerator-hours in total (wall hours = device_hours / count).
        power_w: average power per accelerator in W; default the published measured average, else TDP.
        host_power_w: host CPU + DRAM power for the whole job in W (Strubell's p_c + p_r).
        pue: facility PUE (exclusive with ``datacenter``); default the industry average.
        datacenter: operator/datacenter whose published PUE to use.
        region: grid or cloud region for the intensity (exclusive with ``intensity_kg_per_kwh``).
        year: year of the intensity and PUE data.
        intensity_kg_per_kwh: grid intensity in kg CO2e/kWh.
        cfe_pct: carbon-free energy share in percent for the net figure; default the region's.
        flops, params, active_params, tokens, workload, achieved_tflops, mfu, precision: the work
            instead of the time: the device-hours are derived by ``mlfootprint.work.compute.derive_compute``
            (FLOPs, or 6 P D / 2 P D, over the achieved FLOP/s per device).

    Raises:
        UsageError: missing or conflicting inputs, values out of range, unknown names.
    """
    if isinstance(count, bool) or not isinstance(count, int):
        raise InvalidValueError("--count", count, "must be a whole number")
    if not 1 <= count <= MAX_COUNT:
        raise InvalidValueError("--count", count, f"must be between 1 and {MAX_COUNT:,}")
    if year is not None and (isinstance(year, bool) or not isinstance(year, int) or not 1990 <= year <= 2100):
        raise InvalidValueError("--year", year, "must be a year between 1990 and 2100")
    compute = None
    if any(v is not None for v in (flops, params, active_params, tokens, achieved_tflops, mfu)):
        if any(v is not None for v in (hours, days, device_hours)):
            raise UsageError("give the duration or the compute (--flops/--params), not both")
        from mlfootprint.work.compute import derive_compute

        compute = derive_compute(
            count=count, hardware=hardware, flops=flops, params=params, active_params=active_params,
            tokens=tokens, workload=workload, achieved_tflops=achieved_tflops, mfu=mfu, precision=precision,
        )  # fmt: skip
        device_hours = compute.device_hours
    wall_h, dev_h, duration_text = _duration(count, hours, days, device_hours)
    if compute is not None:
        duration_text = f"{wall_h / 24.0:.4g} days from compute"
    power = _device_power(hardware, power_w)
    host_w = None
    if host_power_w is not None:
        host_w = _check_number("--host-power-w", host_power_w, low=0.0, high=MAX_POWER_W * count)
    facility = _pue(pue, datacenter, year)
    grid = _intensity(region, year, intensity_kg_per_kwh)
    ranges = {"power": power.rel or power_range(power.kind, spread_frac=power.spread_frac)}
    components = [_component("accelerators", dev_h * power.value * S_PER_HOUR, power, ranges["power"])]
    assumptions = [*(compute.assumptions if compute is not None else ()), power.assumption]
    if host_w is not None:
        host = _Factor(
            host_w,
            "user",
            Assumption(
                name="host_power_w",
                value=host_w,
                unit="W for the job",
                source="given by the user (--host-power-w)",
            ),
        )
        ranges["host_power"] = power_range("user")
        components.append(_component("host", wall_h * host_w * S_PER_HOUR, host, ranges["host_power"]))
        assumptions.append(host.assumption)
    ranges["pue"] = facility.rel or pue_range(facility.value, facility.kind)
    ranges["intensity"] = grid.rel or intensity_range(grid.kind)
    assumptions += [facility.assumption, grid.assumption]
    cfe: float | None = None
    if cfe_pct is not None:
        cfe = _check_number("--cfe-pct", cfe_pct, low=0.0, high=100.0, low_inclusive=True)
        assumptions.append(
            Assumption(name="cfe_pct", value=cfe, unit="%", source="given by the user (--cfe-pct)")
        )
    elif grid.cfe_pct is not None:
        cfe = float(grid.cfe_pct)
        text = f"carbon-free energy share of {grid.label} (cloud region table)"
        assumptions.append(Assumption(name="cfe_pct", value=cfe, unit="%", source=text))
    interval = footprint_interval(
        components,
        pue=facility.value,
        pue_kind=facility.kind,
        intensity_g_per_kwh=grid.value,
        intensity_kind=grid.kind,
        pue_rel=ranges["pue"],
        intensity_rel=ranges["intensity"],
    )
    from mlfootprint.net import net_interval

    exact_cfe = cfe_pct is not None or not grid.note
    net = (
        None
        if cfe is None
        else net_interval(interval.co2e_g, interval.co2e_g_low, interval.co2e_g_high, cfe, exact_cfe)
    )
    embodied = None
    if power.family is not None:
        from mlfootprint.embodied import cached_embodied_factor, embodied_estimate

        embodied = embodied_estimate(dev_h, cached_embodied_factor(power.family))
    inputs: dict[str, object] = {
        "hardware": power.label,
        "count": count,
        "duration": duration_text,
        "hours": wall_h,
        "device_hours": dev_h,
        "power_w": power.value,
        "power_method": power.kind,
        "host_power_w": host_w,
        "pue": facility.value,
        "datacenter": datacenter,
        "region": grid.label,
        "year": year,
        "intensity_kg_per_kwh": grid.value / 1000.0,
        "intensity_kind": grid.kind,
        "cfe_pct": cfe,
    }
    return EstimateResult(
        energy_j=interval.energy_j,
        energy_j_low=interval.energy_j_low,
        energy_j_high=interval.energy_j_high,
        co2e_g=interval.co2e_g,
        co2e_g_low=interval.co2e_g_low,
        co2e_g_high=interval.co2e_g_high,
        co2e_g_net=None if net is None else net[0],
        co2e_g_net_low=None if net is None else net[1],
        co2e_g_net_high=None if net is None else net[2],
        embodied=embodied,
        year_notes=tuple(n for n in (facility.note, grid.note) if n),
        device_hours=dev_h,
        power_w=power.value,
        power_method=power.kind,
        pue=facility.value,
        intensity_g_per_kwh=grid.value,
        cfe_pct=cfe,
        inputs=inputs,
        assumptions=tuple(assumptions),
        ranges=ranges,
        compute=compute,
    )


def _component(meter_id: str, energy_j: float, factor: _Factor, rel: RelativeRange) -> ComponentEnergy:
    low, high = rel.apply(energy_j)
    return ComponentEnergy(
        meter_id=meter_id,
        component="gpu" if meter_id == "accelerators" else "other",
        source=factor.assumption.source,
        method=factor.kind,
        is_estimate=True,
        energy_j=energy_j,
        energy_j_low=low,
        energy_j_high=high,
    )
