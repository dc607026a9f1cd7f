# size: one command's argument surface (hardware, duration, power, PUE, intensity, CFE) and its text
"""``mlfootprint estimate``: the footprint of a run from its specification."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from mlfootprint.bounds import COUNT, YEAR, arg_type
from mlfootprint.cli._common import add_format_arg, emit, finite_float, print_json

if TYPE_CHECKING:
    from mlfootprint.estimator import EstimateResult

__all__ = [
    "add_estimate_options",
    "estimate_from_args",
    "format_energy_kwh",
    "format_mass_kg",
    "given_estimate_options",
    "register",
    "render_latex",
    "render_markdown",
    "render_text",
]


class _EstimateDests:
    """Where ``add_estimate_options`` put the options whose names a command may change (private: a plain
    class, cheaper to create at a command's start than a dataclass)."""

    __slots__ = ("datacenter", "region", "required")

    def __init__(self, *, datacenter: str, region: str, required: bool) -> None:
        self.datacenter, self.region, self.required = datacenter, region, required


_DESTS_KEY = "_estimate_dests"

#: Options that describe an estimate, by attribute name (``count`` is given when not the default).
_GIVEN = (
    ("hardware", "--hardware"),
    ("hours", "--hours"),
    ("days", "--days"),
    ("device_hours", "--device-hours"),
    ("power_w", "--power-w"),
    ("host_power_w", "--host-power-w"),
    ("pue", "--pue"),
    ("intensity", "--intensity"),
    ("year", "--year"),
    ("cfe_pct", "--cfe-pct"),
)


def add_estimate_options(
    target: argparse.ArgumentParser | argparse._ArgumentGroup,
    *,
    required: bool = True,
    datacenter_option: str = "--datacenter",
    region_option: str = "--region",
) -> None:
    """Add the options of ``mlfootprint estimate`` to a parser or an argument group.

    Args:
        target: the parser, or an argument group of it, to add the options to.
        required: ``True`` when the estimate is the command's only input; ``False`` when it is one of
            several (a stored run or an estimate), in which case ``--count`` has no default so that
            ``given_estimate_options`` can tell whether the user typed it.
        datacenter_option: the name of the datacenter option (``whatif`` names its baseline's
            ``--from-datacenter``, keeping ``--datacenter`` for the target).
        region_option: the name of the region option (``--from-region`` in ``whatif``).
    """
    target.add_argument(
        "--hardware", metavar="NAME", help="accelerator, e.g. V100, 'NVIDIA A100-SXM4-80GB', TPUv3"
    )
    target.add_argument(
        "--count",
        type=arg_type(COUNT),
        default=1 if required else None,
        metavar="N",
        help="number of accelerators (default 1)",
    )
    duration = target.add_mutually_exclusive_group()
    duration.add_argument("--hours", type=finite_float, metavar="H", help="wall-clock hours")
    duration.add_argument("--days", type=finite_float, metavar="D", help="wall-clock days")
    duration.add_argument("--device-hours", type=finite_float, metavar="X", help="accelerator-hours in total")
    target.add_argument(
        "--power-w",
        type=finite_float,
        metavar="W",
        help="average power per accelerator (default: published measured average, else TDP)",
    )
    target.add_argument(
        "--host-power-w", type=finite_float, metavar="W", help="host CPU + DRAM power for the job"
    )
    facility = target.add_mutually_exclusive_group()
    facility.add_argument("--pue", type=finite_float, metavar="P", help="datacenter PUE")
    dc = facility.add_argument(datacenter_option, metavar="NAME", help="use this operator's published PUE")
    grid = target.add_mutually_exclusive_group()
    region = grid.add_argument(
        region_option, metavar="NAME", help="country, grid or cloud region for the intensity"
    )
    grid.add_argument(
        "--intensity", type=finite_float, metavar="KG_PER_KWH", help="grid intensity in kg CO2e/kWh"
    )
    target.add_argument("--year", type=arg_type(YEAR), metavar="Y", help="year of the intensity and PUE data")
    target.add_argument(
        "--cfe-pct", type=finite_float, metavar="PCT", help="carbon-free energy share (%%) for net CO2e"
    )
    dests = _EstimateDests(datacenter=dc.dest, region=region.dest, required=required)
    target.set_defaults(**{_DESTS_KEY: dests})


def _dests(args: argparse.Namespace) -> _EstimateDests:
    dests = getattr(args, _DESTS_KEY, None)
    if not isinstance(dests, _EstimateDests):
        raise TypeError("the parser has no estimate options; call add_estimate_options first")
    return dests


def given_estimate_options(args: argparse.Namespace) -> tuple[str, ...]:
    """The estimate options the user gave on the command line, as option names (``--hours``, ...)."""
    dests = _dests(args)
    given = [option for attr, option in _GIVEN if getattr(args, attr) is not None]
    if getattr(args, dests.datacenter) is not None:
        given.append("--" + dests.datacenter.replace("_", "-"))
    if getattr(args, dests.region) is not None:
        given.append("--" + dests.region.replace("_", "-"))
    if args.count is not None and (not dests.required or args.count != 1):
        given.append("--count")
    return tuple(given)


def estimate_from_args(args: argparse.Namespace) -> EstimateResult:
    """The estimate described by the options of ``add_estimate_options``.

    Raises:
        UsageError: missing or conflicting options, values out of range, unknown names (exit 2).
    """
    from mlfootprint.cli.estimate_compute import compute_kwargs
    from mlfootprint.estimator import estimate

    dests = _dests(args)
    return estimate(
        hardware=args.hardware,
        count=1 if args.count is None else args.count,
        hours=args.hours,
        days=args.days,
        device_hours=args.device_hours,
        power_w=args.power_w,
        host_power_w=args.host_power_w,
        pue=args.pue,
        datacenter=getattr(args, dests.datacenter),
        region=getattr(args, dests.region),
        year=args.year,
        intensity_kg_per_kwh=args.intensity,
        cfe_pct=args.cfe_pct,
        **compute_kwargs(args),
    )


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "estimate",
        help="footprint from a specification (hardware, count, duration, PUE, location)",
        description="Estimate energy and CO2e: device-hours x average power x PUE x grid intensity "
        "(Patterson et al. 2021 §2.5; Strubell et al. 2019 Eq. 1-2).",
    )
    add_estimate_options(parser)
    from mlfootprint.cli.estimate_compute import add_compute_options

    add_compute_options(parser)
    add_format_arg(parser, ("text", "json", "markdown", "latex"))
    parser.set_defaults(func=_handle)


def _handle(args: argparse.Namespace) -> int:
    result = estimate_from_args(args)
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
    from mlfootprint import fmt

    return fmt.number(value, 4)


def _scaled(value: float, reference: float, units: tuple[tuple[str, float], ...]) -> str:
    for unit, per in units:
        if reference >= per or per == units[-1][1]:
            return f"{_num(value / per)} {unit}"
    return f"{_num(value / units[-1][1])} {units[-1][0]}"


_ENERGY_UNITS = (("MWh", 1000.0), ("kWh", 1.0), ("Wh", 0.001), ("mWh", 1e-6))
_MASS_UNITS = (("t", 1000.0), ("kg", 1.0), ("g", 0.001), ("mg", 1e-6))


def format_energy_kwh(kwh: float, like: float | None = None) -> str:
    """``1,287 MWh``, ``26.84 kWh`` or ``12.5 Wh``; ``like`` picks the unit (for a range's bounds)."""
    return _scaled(kwh, kwh if like is None else like, _ENERGY_UNITS)


def format_mass_kg(kg: float, like: float | None = None) -> str:
    """``552.1 t``, ``11.6 kg`` or ``350 g`` (CO2e); ``like`` picks the unit (for a range's bounds)."""
    return _scaled(kg, kg if like is None else like, _MASS_UNITS)


def _count(value: float, digits: int) -> str:
    from mlfootprint import fmt

    return fmt.count(value, digits)


def _interval(d: dict[str, Any], key: str, fmt: Callable[[float, float | None], str]) -> str:
    return f"{fmt(d[key], None)} ({fmt(d[key + '_low'], d[key])} – {fmt(d[key + '_high'], d[key])})"


def _rows(result: EstimateResult) -> list[tuple[str, str, str]]:
    """(quantity, value, how obtained / source) for the inputs and assumptions."""
    inputs = result.inputs
    rows: list[tuple[str, str, str]] = []
    hardware = inputs.get("hardware")
    rows.append(("hardware", f"{inputs['count']} x {hardware or 'unnamed accelerator'}", "given by the user"))
    how = "given by the user" if result.compute is None else "derived from the compute below"
    rows.append(("duration", f"{inputs['duration']} = {_num(result.device_hours)} device-hours", how))
    for a in result.assumptions:
        value = a.value if isinstance(a.value, str) or a.value is None else _num(a.value)
        if a.name == "flops" and isinstance(a.value, float):
            value = _count(a.value, 4)
        label = {
            "power_w": "power",
            "host_power_w": "host power",
            "cfe_pct": "carbon-free energy",
            "pue": "PUE",
            "achieved_tflops": "throughput",
            "device_hours": "device-hours",
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
            f"  CO2e net   {_interval(d, 'co2e_kg_net', format_mass_kg)}  "
            f"after {_num(d['cfe_pct'])} % carbon-free energy"
        )
    if d.get("embodied") is not None:
        lines.append(
            f"  embodied   {_interval(d['embodied'], 'co2e_kg', format_mass_kg)}, manufacturing share "
            "(not included above)"
        )
    lines.append("Inputs and assumptions")
    for name, value, how in _rows(result):
        lines.append(f"  {name:<19} {value}")
        lines.append(f"  {'':<19} {how}")
    if result.compute is not None:
        c = result.compute
        lines.append(
            f"  time       {_num(c.wall_hours / 24.0)} days wall clock on {c.count} devices "
            f"({_num(c.device_hours)} device-hours from {_count(c.flops, 3)} FLOPs)"
        )
    lines.append("Method")
    lines.append(
        "  energy = device-hours x power x PUE (+ host power x hours x PUE); CO2e = energy x intensity"
    )
    lines.append("  (Patterson et al. 2021 §2.5; Strubell et al. 2019 Eq. 1-2)")
    if d.get("embodied") is not None:
        lines.append(f"  embodied = {d['embodied']['method']}")
        for a in d["embodied"]["assumptions"]:
            lines.append(f"    {a['name']:<20} {_num(a['value'])} {a['unit']}: {a['source']}")
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
            f"| CO2e (net) | {_interval(d, 'co2e_kg_net', format_mass_kg)} "
            f"| after {_num(d['cfe_pct'])} % carbon-free energy |"
        )
    if d.get("embodied") is not None:
        out.append(
            f"| CO2e (embodied) | {_interval(d['embodied'], 'co2e_kg', format_mass_kg)} "
            "| manufacturing, amortised by device-hours (not included above) |"
        )
    for name, value, how in _rows(result):
        out.append(f"| {name[:1].upper() + name[1:]} | {value} | {how.replace('|', '/')} |")
    return "\n".join(out)


def render_latex(result: EstimateResult) -> str:
    from mlfootprint.report.latex import escape_latex as latex_escape

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
                _interval(d, "co2e_kg_net", format_mass_kg),
                f"after {_num(d['cfe_pct'])} % carbon-free energy",
            )
        )
    if d.get("embodied") is not None:
        rows.append(
            (
                "CO2e (embodied)",
                _interval(d["embodied"], "co2e_kg", format_mass_kg),
                "manufacturing, amortised by device-hours (not included above)",
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
