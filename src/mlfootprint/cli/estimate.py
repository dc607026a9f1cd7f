"""``mlfootprint estimate``: the footprint of a run from its specification."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from mlfootprint.cli._common import add_format_arg, emit, finite_float, positive_int, print_json

if TYPE_CHECKING:
    from mlfootprint.estimator import EstimateResult

__all__ = [
    "format_energy_kwh",
    "format_mass_kg",
    "register",
    "render_latex",
    "render_markdown",
    "render_text",
]


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "estimate",
        help="footprint from a specification (hardware, count, duration, PUE, location)",
        description="Estimate energy and CO2e: device-hours x average power x PUE x grid intensity "
        "(Patterson et al. 2021 §2.5; Strubell et al. 2019 Eq. 1-2).",
    )
    parser.add_argument(
        "--hardware", metavar="NAME", help="accelerator, e.g. V100, 'NVIDIA A100-SXM4-80GB', TPUv3"
    )
    parser.add_argument("--count", type=positive_int, default=1, metavar="N", help="number of accelerators")
    duration = parser.add_mutually_exclusive_group()
    duration.add_argument("--hours", type=finite_float, metavar="H", help="wall-clock hours")
    duration.add_argument("--days", type=finite_float, metavar="D", help="wall-clock days")
    duration.add_argument("--device-hours", type=finite_float, metavar="X", help="accelerator-hours in total")
    parser.add_argument(
        "--power-w",
        type=finite_float,
        metavar="W",
        help="average power per accelerator (default: published measured average, else TDP)",
    )
    parser.add_argument(
        "--host-power-w", type=finite_float, metavar="W", help="host CPU + DRAM power for the job"
    )
    facility = parser.add_mutually_exclusive_group()
    facility.add_argument("--pue", type=finite_float, metavar="P", help="datacenter PUE")
    facility.add_argument("--datacenter", metavar="NAME", help="use this operator's published PUE")
    grid = parser.add_mutually_exclusive_group()
    grid.add_argument("--region", metavar="NAME", help="country, grid or cloud region for the intensity")
    grid.add_argument(
        "--intensity", type=finite_float, metavar="KG_PER_KWH", help="grid intensity in kg CO2e/kWh"
    )
    parser.add_argument("--year", type=int, metavar="Y", help="year of the intensity and PUE data")
    parser.add_argument(
        "--cfe-pct", type=finite_float, metavar="PCT", help="carbon-free energy share for net CO2e"
    )
    add_format_arg(parser, ("text", "json", "markdown", "latex"))
    parser.set_defaults(func=_handle)


def _handle(args: argparse.Namespace) -> int:
    from mlfootprint.estimator import estimate

    result = estimate(
        hardware=args.hardware,
        count=args.count,
        hours=args.hours,
        days=args.days,
        device_hours=args.device_hours,
        power_w=args.power_w,
        host_power_w=args.host_power_w,
        pue=args.pue,
        datacenter=args.datacenter,
        region=args.region,
        year=args.year,
        intensity_kg_per_kwh=args.intensity,
        cfe_pct=args.cfe_pct,
    )
    if args.format == "json":
        print_json(result.to_dict())
    elif args.format == "markdown":
        emit(render_markdown(result))
    elif args.format == "latex":
        emit(render_latex(result))
    else:
        emit(render_text(result))
    return 0


def _num(value: float) -> str:
    """Four significant digits, thousands separated."""
    if value == 0:
        return "0"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.4g}"


def _scaled(value: float, reference: float, units: tuple[tuple[str, float], ...]) -> str:
    for unit, per in units:
        if reference >= per or per == units[-1][1]:
            return f"{_num(value / per)} {unit}"
    return f"{_num(value / units[-1][1])} {units[-1][0]}"


_ENERGY_UNITS = (("MWh", 1000.0), ("kWh", 1.0), ("Wh", 0.001))
_MASS_UNITS = (("t", 1000.0), ("kg", 1.0), ("g", 0.001))


def format_energy_kwh(kwh: float, like: float | None = None) -> str:
    """``1,287 MWh``, ``26.84 kWh`` or ``12.5 Wh``; ``like`` picks the unit (for a range's bounds)."""
    return _scaled(kwh, kwh if like is None else like, _ENERGY_UNITS)


def format_mass_kg(kg: float, like: float | None = None) -> str:
    """``552.1 t``, ``11.6 kg`` or ``350 g`` (CO2e); ``like`` picks the unit (for a range's bounds)."""
    return _scaled(kg, kg if like is None else like, _MASS_UNITS)


def _interval(d: dict[str, Any], key: str, fmt: Callable[[float, float | None], str]) -> str:
    return f"{fmt(d[key], None)} ({fmt(d[key + '_low'], d[key])} – {fmt(d[key + '_high'], d[key])})"


def _rows(result: EstimateResult) -> list[tuple[str, str, str]]:
    """(quantity, value, how obtained / source) for the inputs and assumptions."""
    inputs = result.inputs
    rows: list[tuple[str, str, str]] = []
    hardware = inputs.get("hardware")
    rows.append(("hardware", f"{inputs['count']} x {hardware or 'unnamed accelerator'}", "given by the user"))
    rows.append(
        ("duration", f"{inputs['duration']} = {_num(result.device_hours)} device-hours", "given by the user")
    )
    for a in result.assumptions:
        value = a.value if isinstance(a.value, str) or a.value is None else _num(a.value)
        label = {
            "power_w": "power",
            "host_power_w": "host power",
            "cfe_pct": "carbon-free energy",
            "pue": "PUE",
        }.get(a.name, a.name)
        unit = "" if not a.unit else f" {a.unit}"
        rows.append((label, f"{value}{unit}", a.source))
    return rows


def render_text(result: EstimateResult) -> str:
    d = result.to_dict()
    lines = ["Estimated footprint (from a specification, not measured)"]
    lines.append(f"  energy     {_interval(d, 'energy_kwh', format_energy_kwh)}")
    lines.append(f"  CO2e       {_interval(d, 'co2e_kg', format_mass_kg)}, gross (location-based)")
    if d["co2e_kg_net"] is not None:
        lines.append(
            f"  CO2e net   {format_mass_kg(d['co2e_kg_net'])}  "
            f"after {_num(d['cfe_pct'])} % carbon-free energy"
        )
    lines.append("Inputs and assumptions")
    for name, value, how in _rows(result):
        lines.append(f"  {name:<19} {value}")
        lines.append(f"  {'':<19} {how}")
    lines.append("Method")
    lines.append(
        "  energy = device-hours x power x PUE (+ host power x hours x PUE); CO2e = energy x intensity"
    )
    lines.append("  (Patterson et al. 2021 §2.5; Strubell et al. 2019 Eq. 1-2)")
    lines.append("  range: independent factor ranges combined in log space (docs/uncertainty.md):")
    for name, r in result.ranges.items():
        lines.append(f"    {name:<11} x{r.low_frac:.3g} .. x{r.high_frac:.3g}  {r.basis}")
    return "\n".join(lines)


def render_markdown(result: EstimateResult) -> str:
    d = result.to_dict()
    out = ["| Quantity | Value | Source |", "|---|---|---|"]
    energy = _interval(d, "energy_kwh", format_energy_kwh)
    out.append(f"| Energy | {energy} | estimated: device-hours × power × PUE |")
    out.append(f"| CO2e (gross) | {_interval(d, 'co2e_kg', format_mass_kg)} | energy × grid intensity |")
    if d["co2e_kg_net"] is not None:
        out.append(
            f"| CO2e (net) | {format_mass_kg(d['co2e_kg_net'])} "
            f"| after {_num(d['cfe_pct'])} % carbon-free energy |"
        )
    for name, value, how in _rows(result):
        out.append(f"| {name[:1].upper() + name[1:]} | {value} | {how.replace('|', '/')} |")
    return "\n".join(out)


_LATEX_ESCAPES = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
    "×": r"$\times$",
    "–": "--",
    "§": r"\S{}",
}


def latex_escape(text: str) -> str:
    escaped = "".join(_LATEX_ESCAPES.get(ch, ch) for ch in text.replace("--", "\x00"))
    return escaped.replace("\x00", "-{}-")


def render_latex(result: EstimateResult) -> str:
    d = result.to_dict()
    rows = [
        (
            "Energy",
            _interval(d, "energy_kwh", format_energy_kwh),
            "estimated: device-hours × power × PUE",
        ),
        (
            "CO2e (gross)",
            _interval(d, "co2e_kg", format_mass_kg),
            "energy × grid intensity",
        ),
    ]
    if d["co2e_kg_net"] is not None:
        rows.append(
            (
                "CO2e (net)",
                format_mass_kg(d["co2e_kg_net"]),
                f"after {_num(d['cfe_pct'])} % carbon-free energy",
            )
        )
    rows += [(name[:1].upper() + name[1:], value, how) for name, value, how in _rows(result)]
    body = [f"{latex_escape(a)} & {latex_escape(b)} & {latex_escape(c)} \\\\" for a, b, c in rows]
    return "\n".join(
        [
            r"\begin{tabular}{llp{0.5\linewidth}}",
            r"\hline",
            r"Quantity & Value & Source \\",
            r"\hline",
            *body,
            r"\hline",
            r"\end{tabular}",
        ]
    )
