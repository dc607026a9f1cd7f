# size: one command over the four Ms, each with its arguments; to split with reduce/whatif.py
"""``mlfootprint whatif``: the 4M what-if (Model, Machine, Mechanization, Map) of a run or an estimate."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from mlfootprint import fmt
from mlfootprint.bounds import FACTOR, FRACTION, INTENSITY_KG_PER_KWH, PCT, POWER_W, PUE, YEAR, arg_type
from mlfootprint.cli._common import (
    add_db_arg,
    add_format_arg,
    duration_s,
    iso_time,
    print_json,
)
from mlfootprint.cli.estimate import add_estimate_options, estimate_from_args, given_estimate_options
from mlfootprint.errors import InvalidValueError, UnknownNameError, UsageError

if TYPE_CHECKING:
    from mlfootprint.reduce.whatif import (
        Baseline,
        MachineChange,
        MapChange,
        MechanizationChange,
        ModelChange,
        WhatIfResult,
    )

__all__ = ["add_baseline_options", "register"]


def add_baseline_options(p: argparse.ArgumentParser) -> None:
    """The estimate options that describe a baseline without a stored run.

    They are those of ``mlfootprint estimate``, except that the baseline's datacenter and region are
    ``--from-datacenter`` and ``--from-region`` (``--to-datacenter`` and ``--to-region`` name the target).
    """
    g = p.add_argument_group("baseline (instead of RUN; as for 'mlfootprint estimate')")
    add_estimate_options(
        g, required=False, datacenter_option="--from-datacenter", region_option="--from-region"
    )


def _add_when_options(p: argparse.ArgumentParser) -> None:
    w = p.add_argument_group("Map by time shifting (with --when)")
    w.add_argument("--zone", metavar="Z", help="grid zone of the series, e.g. DE")
    w.add_argument("--arrival", type=iso_time, metavar="T", help="when the job is ready (ISO 8601 UTC)")
    window = w.add_mutually_exclusive_group()
    window.add_argument("--slack", type=duration_s, metavar="D", help="how long the job may wait, e.g. 24h")
    window.add_argument("--deadline", type=iso_time, metavar="T", help="latest finish (ISO 8601 UTC)")
    w.add_argument("--series", metavar="F", help="intensity series CSV (default: shipped 2022 subset)")


def _time_shift(args: argparse.Namespace, base: Baseline) -> MapChange:
    """The map change of starting in the best window of ``--zone``'s series instead of at arrival."""
    from mlfootprint.reduce.schedule import plan_start
    from mlfootprint.reduce.whatif_inputs import time_shift_change

    if args.zone is None or args.arrival is None or (args.slack is None and args.deadline is None):
        raise UsageError("--when needs --zone Z, --arrival T and --slack D or --deadline T")
    if args.series is not None:
        from mlfootprint.intensity.files import read_series

        series = read_series(args.series)
    else:
        from mlfootprint.intensity.embedded import embedded_series

        series = embedded_series()
    plan = plan_start(
        series,
        zone=args.zone,
        arrival=args.arrival,
        duration_s=base.duration_s,
        slack_s=args.slack,
        deadline=args.deadline,
    )
    return time_shift_change(base, plan)


def _check_when_options(args: argparse.Namespace) -> None:
    if args.when:
        return
    for option in ("zone", "arrival", "slack", "deadline", "series"):
        if getattr(args, option) is not None:
            raise UsageError(f"--{option} is for a time shift: add --when")


def register(sub: Any) -> None:
    from argparse import SUPPRESS

    from mlfootprint.cli.helpdoc import deprecated_alias

    p = sub.add_parser(
        "whatif",
        help="4M what-if: Model, Machine, Mechanization, Map",
        description="How a different model, machine, datacenter or grid would change energy and CO2e "
        "(Patterson et al. 2022). Give RUN or baseline options.",
    )
    p.add_argument(
        "run_id",
        nargs="?",
        metavar="RUN",
        help="a stored run to start from: its id or a unique part, its name, last or last~N",
    )
    add_db_arg(p)
    p.add_argument(
        "--baseline-hardware", metavar="NAME", help="accelerator of the stored run (for --machine)"
    )
    add_baseline_options(p)
    m = p.add_argument_group("Model")
    mf = m.add_mutually_exclusive_group()
    mf.add_argument("--model-flops-factor", type=arg_type(FACTOR), metavar="F", help="new FLOPs / old FLOPs")
    mf.add_argument(
        "--sparse-active-frac",
        type=arg_type(FRACTION),
        metavar="F",
        help="fraction of parameters active per token",
    )
    m.add_argument("--model-time-factor", type=arg_type(FACTOR), metavar="T", help="measured time new / old")
    m.add_argument(
        "--model-power-w", type=arg_type(POWER_W), metavar="W", help="measured power of the new model"
    )
    mc = p.add_argument_group("Machine")
    mc.add_argument("--machine", metavar="NAME", help="the other accelerator")
    mc.add_argument(
        "--speedup", type=arg_type(FACTOR), metavar="X", help="measured speedup (old time / new time)"
    )
    mc.add_argument("--machine-power-w", type=arg_type(POWER_W), metavar="W", help="its average power (W)")
    me = p.add_argument_group("Mechanization").add_mutually_exclusive_group()
    me.add_argument(
        "--to-datacenter", dest="datacenter", metavar="NAME", help="the other datacenter (PUE from the table)"
    )
    me.add_argument(
        "--datacenter", dest="datacenter", action=deprecated_alias("--to-datacenter"), help=SUPPRESS
    )
    me.add_argument("--to-pue", type=arg_type(PUE), metavar="P", help="the other PUE")
    mp = p.add_argument_group("Map")
    mi = mp.add_mutually_exclusive_group()
    mi.add_argument(
        "--to-region", dest="region", metavar="NAME", help="the other region (intensity from the table)"
    )
    mi.add_argument("--region", dest="region", action=deprecated_alias("--to-region"), help=SUPPRESS)
    mi.add_argument(
        "--to-intensity",
        type=arg_type(INTENSITY_KG_PER_KWH),
        metavar="KG",
        help="the other gross kg CO2e/kWh",
    )
    mi.add_argument(
        "--when",
        action="store_true",
        help="the same grid, started in the scheduler's best window (needs --zone, --arrival, --slack "
        "or --deadline)",
    )
    mp.add_argument(
        "--to-year",
        type=arg_type(YEAR),
        help="year of the other region's intensity and datacenter's PUE (default: --year; the nearest "
        "year the table has is used and stated)",
    )
    mn = mp.add_mutually_exclusive_group()
    mn.add_argument(
        "--to-net-intensity", type=arg_type(INTENSITY_KG_PER_KWH), metavar="KG", help="its net kg CO2e/kWh"
    )
    mn.add_argument("--to-cfe-pct", type=arg_type(PCT), metavar="PCT", help="its carbon-free-energy %%")
    _add_when_options(p)
    add_format_arg(p)
    p.add_argument("--plot", metavar="FILE", help="also write the 4M waterfall (.png or .svg)")
    p.set_defaults(func=_handle)


def _device_power(name: str, given: float | None, option: str) -> tuple[float, str]:
    if given is not None:
        return given, "given by the user"
    from mlfootprint.reference.lookup import cached_accelerator as find_accelerator

    acc = find_accelerator(name)
    if acc.measured_avg_power_w:
        return acc.measured_avg_power_w, f"published measured average ({acc.measured_power_source})"
    if acc.tdp_w:
        return acc.tdp_w, f"TDP ({acc.source})"
    raise InvalidValueError(option, None, f"is needed: the table has no power for {acc.name!r}")


def _net(gross_g: float, cfe_pct: float | None) -> float | None:
    if cfe_pct is None:
        return None
    if cfe_pct > 100:
        raise InvalidValueError("carbon-free-energy %", cfe_pct, "must be between 0 and 100")
    return gross_g * (1.0 - cfe_pct / 100.0)


def _baseline_from_options(args: argparse.Namespace) -> Baseline:
    from mlfootprint.reduce.whatif_inputs import baseline_from_estimate

    if args.hardware is None and args.power_w is None:
        raise UsageError("give RUN, or a baseline: --hardware NAME (or --power-w W) and a duration")
    if args.pue is None and args.from_datacenter is None:
        raise UsageError("give the baseline's --pue P or --from-datacenter NAME")
    if args.intensity is None and args.from_region is None:
        raise UsageError("give the baseline's --intensity KG_PER_KWH or --from-region NAME")
    result = estimate_from_args(args)
    label = f"{result.inputs['count']} x {args.hardware or 'device'}"
    return baseline_from_estimate(result, label=label, hardware=args.hardware)


def _run_hardware(run: Any) -> str | None:
    """The accelerator of a stored run, from its GPU components' descriptions, when the table knows it."""
    from mlfootprint.reference.lookup import cached_accelerator as find_accelerator

    for c in run.components:
        if c.component != "gpu":
            continue
        text = c.source
        inner = text[text.find("(") + 1 : text.rfind(")")] if "(" in text and ")" in text else text
        try:
            return str(find_accelerator(inner).name)
        except UnknownNameError:
            continue
    return None


def _baseline(args: argparse.Namespace) -> Baseline:
    if args.run_id is None:
        return _baseline_from_options(args)
    given = given_estimate_options(args)
    if given:
        raise UsageError(f"give either RUN or baseline options ({given[0]}, ...), not both")
    from mlfootprint.reduce.whatif import baseline_from_run
    from mlfootprint.store import open_store

    store = open_store(args.db, create=False)
    try:
        run = store.get_run(args.run_id)
    finally:
        store.close()
    hardware = args.baseline_hardware or _run_hardware(run)
    return baseline_from_run(run, hardware=hardware)


def _changes(
    args: argparse.Namespace, base: Baseline
) -> tuple[ModelChange | None, MachineChange | None, MechanizationChange | None, MapChange | None]:
    from mlfootprint.reduce.whatif import MachineChange, MapChange, MechanizationChange, ModelChange

    model = None
    if args.model_flops_factor or args.sparse_active_frac or args.model_time_factor or args.model_power_w:
        if args.sparse_active_frac is not None and args.sparse_active_frac > 1:
            raise InvalidValueError("--sparse-active-frac", args.sparse_active_frac, "must be at most 1")
        flops = args.model_flops_factor or args.sparse_active_frac
        basis = ""
        if args.sparse_active_frac is not None:
            basis = (
                f"sparse model activating {fmt.number(args.sparse_active_frac, 6)} of its parameters "
                "per token; "
                "compute taken as proportional to active parameters"
            )
        model = ModelChange(
            flops_factor=flops, time_factor=args.model_time_factor, power_w=args.model_power_w, basis=basis
        )
    machine = None
    if args.machine is not None:
        from mlfootprint.reference.lookup import cached_accelerator as find_accelerator

        to_acc = find_accelerator(args.machine)
        power_w, power_source = _device_power(args.machine, args.machine_power_w, "--machine-power-w")
        from_peak = None
        if args.speedup is None and base.hardware:
            from_peak = find_accelerator(base.hardware).peak_fp16_tflops
        machine = MachineChange(
            name=to_acc.name,
            power_w=power_w,
            power_source=power_source,
            speedup=args.speedup,
            from_peak_tflops=from_peak,
            to_peak_tflops=to_acc.peak_fp16_tflops,
        )
    elif args.speedup is not None or args.machine_power_w is not None:
        raise UsageError("--speedup and --machine-power-w need --machine NAME")
    mech = None
    if args.to_pue is not None:
        mech = MechanizationChange(
            name=f"PUE {fmt.number(args.to_pue, 6)}", pue=args.to_pue, source="given by the user"
        )
    elif args.datacenter is not None:
        from mlfootprint.reference.lookup import cached_pue_for_year as pue_for_year

        fact, choice = pue_for_year(args.datacenter, _target_year(args))
        note = f"; {choice.note}" if choice.fell_back else ""
        mech = MechanizationChange(
            name=fact.who, pue=fact.pue, source=f"{fact.who} {fact.year} ({fact.source}){note}"
        )
    map_ = None
    if args.to_intensity is not None:
        g = float(args.to_intensity) * 1000.0
        net = (
            args.to_net_intensity * 1000.0 if args.to_net_intensity is not None else _net(g, args.to_cfe_pct)
        )
        map_ = MapChange(
            name=f"grid at {fmt.number(args.to_intensity, 6)} kg/kWh",
            intensity_g_per_kwh=g,
            source="given by the user",
            net_intensity_g_per_kwh=net,
        )
    elif args.region is not None:
        from mlfootprint.reference.lookup import cached_intensity_for_year as intensity_for_year

        ifact, ichoice = intensity_for_year(args.region, _target_year(args))
        inote = f"; {ichoice.note}" if ichoice.fell_back else ""
        g = ifact.g_per_kwh
        cfe = args.to_cfe_pct if args.to_cfe_pct is not None else ifact.cfe_pct
        net = args.to_net_intensity * 1000.0 if args.to_net_intensity is not None else _net(g, cfe)
        map_ = MapChange(
            name=ifact.name,
            intensity_g_per_kwh=g,
            source=f"{ifact.name} {ifact.year} ({ifact.source}){inote}",
            net_intensity_g_per_kwh=net,
        )
    elif args.to_net_intensity is not None or args.to_cfe_pct is not None:
        raise UsageError("--to-net-intensity and --to-cfe-pct need --to-region NAME or --to-intensity KG")
    elif args.when:
        map_ = _time_shift(args, base)
    return model, machine, mech, map_


def _target_year(args: argparse.Namespace) -> int | None:
    """The year of the target's figures: ``--to-year``, else the baseline's ``--year``, else the latest.

    A year the table lacks falls back to the nearest one; the change's source says so and by how much
    the figure's range widens (``mlfootprint.reference.years``).
    """
    year = args.to_year if args.to_year is not None else getattr(args, "year", None)
    return None if year is None else int(year)


def _change(factor: float) -> str:
    return fmt.ratio_text(factor)


def render_text(result: WhatIfResult) -> str:
    """The what-if as lines of text: baseline, each factor with its reasoning, the result."""
    b, r = result.baseline, result.result
    lines = [
        f"Baseline  {b.label}: {fmt.energy(b.energy_j)}, {fmt.co2e(b.co2e_g)} gross, "
        f"{fmt.mass(b.co2e_g_net)} net",
    ]
    for f in result.factors:
        lines.append(
            f"  {f.m:<13} energy x{fmt.number(f.energy_factor)} ({_change(f.energy_factor)})  "
            f"CO2e x{fmt.number(f.co2e_factor)} gross ({_change(f.co2e_factor)}), "
            f"x{fmt.number(f.co2e_net_factor)} net ({_change(f.co2e_net_factor)})"
        )
        lines.append(f"  {'':<13} {f.from_} -> {f.to}: {f.reasoning}")
    lines += [
        f"Result    {fmt.energy(r.energy_j)}, {fmt.co2e(r.co2e_g)} gross, {fmt.mass(r.co2e_g_net)} net",
        f"Combined  energy {_change(result.combined_energy_factor)}, "
        f"CO2e {_change(result.combined_co2e_factor)} gross, "
        f"{_change(result.combined_co2e_net_factor)} net",
        "Factors multiply; each is measured after the ones before it "
        "(order: Model, Machine, Mechanization, Map).",
    ]
    return "\n".join(lines) + "\n"


def _handle(args: argparse.Namespace) -> int:
    from mlfootprint.reduce.whatif import whatif

    _check_when_options(args)
    base = _baseline(args)
    model, machine, mech, map_ = _changes(args, base)
    if not any((model, machine, mech, map_)):
        raise UsageError(
            "give at least one change: --machine, --to-datacenter/--to-pue, "
            "--to-region/--to-intensity/--when, --model-flops-factor"
        )
    result = whatif(base, model=model, machine=machine, mechanization=mech, map_=map_)
    if args.plot:
        from pathlib import Path

        from mlfootprint.report.plots import waterfall_figure

        waterfall_figure(result).savefig(Path(args.plot))
    if args.format == "json":
        print_json(result.to_dict())
    else:
        print(render_text(result), end="")
    return 0
