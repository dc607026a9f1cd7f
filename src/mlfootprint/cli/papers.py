"""``mlfootprint papers``: the published footprints, recomputed by the estimator."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import TYPE_CHECKING

from mlfootprint import fmt
from mlfootprint.cli._common import add_format_arg, emit, print_json

if TYPE_CHECKING:
    from mlfootprint.papers import Reproduction

__all__ = ["register", "render_markdown", "render_text"]

_TITLES = {
    (
        "strubell2019",
        "Table 3",
    ): "Strubell et al. 2019, Table 3 (GPU rows): kWh incl. PUE 1.58, CO2e at 0.954 lbs/kWh",
    (
        "patterson2021",
        "Table 1",
    ): "Patterson et al. 2021, Table 1: Transformer / Evolved Transformer, P100 vs TPU v2",
    ("patterson2021", "Table 4"): "Patterson et al. 2021, Table 4: large models",
}


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "papers",
        help="reproduce the published tables (published vs computed)",
        description="Recompute Strubell et al. 2019 Table 3 and Patterson et al. 2021 Tables 1 and 4 and "
        "Appendix C/D with the estimator, and compare with the published values.",
    )
    parser.add_argument(
        "--paper",
        choices=["strubell2019", "patterson2021", "luccioni2022", "all"],
        default="all",
        help="which paper (default all)",
    )
    add_format_arg(parser, ("text", "json", "markdown"))
    parser.set_defaults(func=_handle)


def _handle(args: argparse.Namespace) -> int:
    from mlfootprint.papers import reproduce_all, reproductions_to_json
    from mlfootprint.papers_embodied import reproduce_bloom_embodied

    reproductions = reproduce_all(args.paper) if args.paper != "luccioni2022" else ()
    embodied = reproduce_bloom_embodied() if args.paper in ("luccioni2022", "all") else None
    if args.format == "json":
        data = reproductions_to_json(reproductions)
        if embodied is not None:
            data["embodied"] = [embodied.to_dict()]
        print_json(data)
        return 0
    parts = []
    if reproductions:
        parts.append(
            render_markdown(reproductions) if args.format == "markdown" else render_text(reproductions)
        )
    if embodied is not None:
        parts.append(_render_embodied(embodied, markdown=args.format == "markdown"))
    emit("\n\n".join(parts))
    return 0


def _render_embodied(rep: object, *, markdown: bool) -> str:
    from mlfootprint.papers_embodied import EmbodiedReproduction

    assert isinstance(rep, EmbodiedReproduction)
    title = (
        "Luccioni et al. 2022 (BLOOM), Section 4.1: embodied emissions, "
        "1,082,990 GPU-hours x (150 kg per GPU + 2,500 kg per 8-GPU node) / (6 years x 85 %)"
    )
    computed, dev = rep.computed_kg, rep.deviation_pct
    labels = {"gpus": "GPUs", "servers": "servers", "total": "total"}
    if markdown:
        lines = [
            f"**{title}**",
            "",
            "| part | published t | computed t | deviation |",
            "|---|---:|---:|---:|",
        ]
        for key, label in labels.items():
            pub, got = rep.published_kg[key] / 1000, computed[key] / 1000
            lines.append(f"| {label} | {pub:.2f} | {got:.2f} | {dev[key]:+.1f}% |")
        return "\n".join(lines)
    lines = [title, f"  {'part':<10} {'published t':>12} {'computed t':>12} {'deviation':>10}"]
    for key, label in labels.items():
        pub, got = rep.published_kg[key] / 1000, computed[key] / 1000
        lines.append(f"  {label:<10} {pub:>12.2f} {got:>12.2f} {dev[key]:>+9.1f}%")
    return "\n".join(lines)


def _g(value: float | None) -> str:
    if value is None:
        return "-"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{fmt.number(value, 4)}"


def _dev(value: float | None, agrees: bool | None) -> str:
    if value is None:
        return ""
    return f"{value:+.1f}%" + ("" if agrees else " *")


def _cells(rep: Reproduction) -> list[str]:
    """Printed / computed / deviation for energy, CO2e and net CO2e, in the paper's units."""
    row = rep.row
    dev, agrees = rep.deviation_pct, rep.agrees
    cells = []
    for key, printed in (("energy", row.energy), ("co2e", row.co2e), ("co2e_net", row.co2e_net)):
        if printed is None:
            cells.append("-")
            continue
        cells.append(
            f"{printed.text} / {_g(rep.as_printed(key))} {printed.unit} "
            f"{_dev(dev[key], agrees[key])}".rstrip()
        )
    return cells


def _duration(rep: Reproduction) -> str:
    unit = {"hours": "h", "days": "d", "device-hours": "device-h"}[rep.row.duration_unit]
    return f"{_g(rep.row.duration_value)} {unit}"


def render_text(reproductions: Sequence[Reproduction]) -> str:
    lines: list[str] = []
    header = f"  {'model':<44} {'hardware':<12} {'time':>11} {'W/dev':>7} {'PUE':>5}  "
    header += f"{'energy pub / comp':<26} {'CO2e pub / comp':<28} net CO2e pub / comp"
    for (paper, table), title in _TITLES.items():
        group = [r for r in reproductions if r.row.paper == paper and r.row.table == table]
        if not group:
            continue
        lines += [title, header]
        for rep in group:
            r = rep.row
            energy, co2e, net = _cells(rep)
            lines.append(
                f"  {r.model[:44]:<44} {r.count:>4} x {r.hardware:<6} {_duration(rep):>11} "
                f"{_g(r.power_w):>7} {r.pue:>5.2f}  {energy:<26} {co2e:<28} {net}"
            )
        lines.append("")
    chain = sorted(
        (r for r in reproductions if r.row.chain_step is not None), key=lambda r: r.row.chain_step or 0
    )
    if chain:
        lines.append("Patterson et al. 2021, Appendix C/D: how the NAS estimate was refined (284 t -> 0.6 t)")
        first = _headline(chain[0])[1]
        for rep in chain:
            published, computed, label = _headline(rep)
            ratio = f"  {first / computed:,.0f}x less than step 1" if rep is not chain[0] and computed else ""
            lines.append(
                f"  {rep.row.chain_step}. {rep.row.model:<52} published {published:<8} "
                f"computed {_g(computed / 1000)} t {label}{ratio}"
            )
        lines.append("")
    lines.append("Notes (* = outside 1 % and the printed precision)")
    for rep in reproductions:
        if rep.row.note:
            lines.append(f"  {rep.row.id}: {rep.row.note}")
    lines.append(
        "Deviation = (computed - published) / published. Each row is computed by `mlfootprint estimate`."
    )
    return "\n".join(lines)


def _headline(rep: Reproduction) -> tuple[str, float, str]:
    """(published text, computed kg, 'gross'/'net') of the CO2e figure the paper states for the row."""
    row = rep.row
    if row.co2e is not None:
        return f"{row.co2e.text} {row.co2e.unit}", rep.result.co2e_kg, "gross"
    if row.co2e_net is not None and rep.net_result is not None:
        return f"{row.co2e_net.text} {row.co2e_net.unit}", rep.net_result.co2e_kg, "net"
    return "-", rep.result.co2e_kg, "gross"


def render_markdown(reproductions: Sequence[Reproduction]) -> str:
    out = [
        "| Paper | Table | Model | Hardware | Time | W/device | PUE | Energy pub / comp | CO2e pub / comp "
        "| Net CO2e pub / comp |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for rep in reproductions:
        r = rep.row
        energy, co2e, net = _cells(rep)
        out.append(
            f"| {r.paper} | {r.table} | {r.model} | {r.count} × {r.hardware} | {_duration(rep)} "
            f"| {_g(r.power_w)} | {r.pue:.2f} | {energy} | {co2e} | {net} |"
        )
    notes = [f"- `{rep.row.id}`: {rep.row.note}" for rep in reproductions if rep.row.note]
    return "\n".join([*out, "", "Deviation in %; * = outside 1 % and the printed precision.", "", *notes])
