"""``mlfootprint summary`` (project totals, grouped) and ``mlfootprint export`` (one flat row per run)."""

from __future__ import annotations

import argparse
from typing import Any

from mlfootprint.bounds import PRICE, arg_type
from mlfootprint.cli._common import add_db_arg, add_format_arg, emit, print_json

__all__ = ["register"]

_PRICE_NOTE = "cost is in the currency of the prices given (no conversion)"


def _add_common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--project", metavar="P", help="only the runs of this project")
    p.add_argument(
        "--price-per-kwh", type=arg_type(PRICE), metavar="X", help="add a cost column: price per kWh"
    )
    p.add_argument(
        "--price-per-device-hour",
        type=arg_type(PRICE),
        metavar="Y",
        help="add a cost column: price per GPU-hour",
    )
    add_db_arg(p)


def register(sub: Any) -> None:
    s = sub.add_parser(
        "summary",
        help="project totals: runs, device-hours, energy and CO2e, grouped",
        description="Totals of the runs in the ledger (Strubell et al. 2019 Table 4 view): one model, "
        "a tuning sweep, the whole project. Intervals are sums of the runs' bounds.",
    )
    _add_common(s)
    s.add_argument("--by", metavar="KEY", help="group by project, name, day, job or tag:KEY (e.g. tag:sweep)")
    s.add_argument(
        "--plot",
        metavar="FILE",
        help="also write the runs over time, CO2e per run and cumulative (.png or .svg)",
    )
    add_format_arg(s)
    s.set_defaults(func=_summary)
    e = sub.add_parser("export", help="export runs (CSV or JSON, one flat row per run)")
    _add_common(e)
    e.add_argument("--format", choices=["csv", "json"], default="csv", help="output format (default csv)")
    e.add_argument("--out", metavar="FILE", help="write here instead of standard output")
    e.set_defaults(func=_export)


def _runs(args: argparse.Namespace) -> tuple[list[Any], Any]:
    from mlfootprint.report.totals import Prices
    from mlfootprint.store import open_store

    store = open_store(args.db, create=False)
    try:
        runs = store.list_runs(project=args.project)
    finally:
        store.close()
    return runs, Prices(per_kwh=args.price_per_kwh, per_device_hour=args.price_per_device_hour)


def embodied_line(embodied: dict[str, Any]) -> str:
    """The total embodied CO2e, on its own line: never added into the operational total."""
    from mlfootprint.report.fmt import fmt_kg

    text = (
        f"embodied CO2e (manufacturing share, not in the CO2e above): {fmt_kg(embodied['co2e_kg'])} "
        f"({fmt_kg(embodied['co2e_kg_low'])}-{fmt_kg(embodied['co2e_kg_high'])}), "
        "GPU device-hours / (6 years x 85 % use) x manufacturing CO2e"
    )
    if embodied["runs_without_embodied"]:
        text += f"; {embodied['runs_without_embodied']} runs measured no accelerator"
    return text


def _text(groups: list[Any], total: Any, by: str | None, prices_given: bool, embodied: dict[str, Any]) -> str:
    from mlfootprint import fmt
    from mlfootprint.report.fmt import fmt_kg, fmt_kwh

    header = f"{'group':<28} {'runs':>5} {'device-h':>9} {'energy (interval)':>30} {'CO2e (interval)':>30}"
    if prices_given:
        header += f" {'cost':>10}"
    lines = [header]
    rows = [*groups, total] if by else [total]
    for t in rows:
        lo, hi = fmt_kwh(t.energy_j_low / 3.6e6), fmt_kwh(t.energy_j_high / 3.6e6)
        energy = f"{fmt_kwh(t.energy_j / 3.6e6)} ({lo}-{hi})"
        co2e = f"{fmt_kg(t.co2e_g / 1000)} ({fmt_kg(t.co2e_g_low / 1000)}-{fmt_kg(t.co2e_g_high / 1000)})"
        line = f"{t.group[:28]:<28} {t.runs:>5} {fmt.number(t.device_hours):>9} {energy:>30} {co2e:>30}"
        if prices_given:
            line += f" {fmt.number(t.cost, 6) if abs(t.cost) >= 1000 else f'{t.cost:.2f}':>10}"
        lines.append(line)
    if total.runs_without_net < total.runs:
        lines.append(
            f"net CO2e (runs with a carbon-free-energy share): {fmt_kg(total.co2e_g_net / 1000)}; "
            f"{total.runs_without_net} runs have no net figure"
        )
    lines.append(embodied_line(embodied))
    lines.append("device-hours = run duration x GPUs metered; intervals = sums of the runs' lows and highs")
    if prices_given:
        lines.append(_PRICE_NOTE)
    return "\n".join(lines) + "\n"


def _summary(args: argparse.Namespace) -> int:
    from mlfootprint.report.group_totals import (
        embodied_of_sums,
        merge_sums,
        sums_of_runs,
        totals_from_sums,
        work_of_sums,
    )
    from mlfootprint.report.totals import Prices, group_key
    from mlfootprint.store import open_store

    group_key(args.by)  # reject a bad --by or --plot before opening the ledger
    if args.plot:
        _plot_path(args.plot)
    prices = Prices(per_kwh=args.price_per_kwh, per_device_hour=args.price_per_device_hour)
    store = open_store(args.db, create=False)
    try:
        # summed by the database; the runs it could not vouch for come back as records, added here
        summed, unsure = store.group_sums(project=args.project, by=args.by)
        runs = store.list_runs(project=args.project) if args.plot else []
    finally:
        store.close()
    sums = merge_sums(summed, sums_of_runs(unsure, by=args.by))
    groups, total, overall = totals_from_sums(sums, prices)
    embodied = embodied_of_sums(overall)
    if args.plot:
        _plot(runs, args.plot)
    if args.format == "json":
        doc: dict[str, Any] = {
            "project": args.project,
            "by": args.by,
            "groups": [g.to_dict() for g in groups],
            "total": total.to_dict(),
            "embodied": embodied,
            "notes": [
                "device_hours = run duration x number of GPU components metered",
                "intervals are the sums of the runs' lows and highs (errors treated as fully correlated)",
                "embodied is the manufacturing share of the GPUs measured, reported beside the "
                "operational CO2e and not included in it",
            ],
        }
        if prices.given:
            doc["notes"].append(_PRICE_NOTE)
        doc["work"] = {"total": work_of_sums(overall), "groups": {s.group: work_of_sums(s) for s in sums}}
        print_json(doc)
    else:
        from mlfootprint.work.costs import work_total_lines

        work = work_total_lines(work_of_sums(overall))
        print(
            _text(groups, total, args.by, prices.given, embodied) + "".join(f"{line}\n" for line in work),
            end="",
        )
    return 0


def _plot_path(path_text: str) -> Any:
    from pathlib import Path

    from mlfootprint.errors import InvalidValueError

    path = Path(path_text)
    if path.suffix.lower() not in (".png", ".svg", ".pdf"):
        raise InvalidValueError("--plot", path_text, "must end in .png, .svg or .pdf")
    return path


def _plot(runs: list[Any], path_text: str) -> None:
    from mlfootprint.report.plots import project_figure

    path = _plot_path(path_text)
    fig = project_figure(runs)
    fig.savefig(path, format=path.suffix[1:].lower())


def _export(args: argparse.Namespace) -> int:
    from mlfootprint.report.export import export_csv, export_json

    runs, prices = _runs(args)
    text = export_csv(runs, prices) if args.format == "csv" else export_json(runs, prices)
    emit(text, args.out)
    return 0
