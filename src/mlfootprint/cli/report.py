"""``mlfootprint report``: a carbon statement of a run (or an estimate) for a paper."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from mlfootprint.cli._common import add_db_arg, emit, finite_float, nonnegative_float, positive_int
from mlfootprint.errors import UsageError

__all__ = ["FORMATS", "register"]

FORMATS = ("markdown", "latex", "json", "html")


def _add_estimate_options(p: argparse.ArgumentParser) -> None:
    """The same options as ``mlfootprint estimate``."""
    g = p.add_argument_group("estimate (with --estimate, as for 'mlfootprint estimate')")
    g.add_argument("--hardware", metavar="NAME", help="accelerator, e.g. V100")
    g.add_argument("--count", type=positive_int, default=1, metavar="N", help="number of accelerators")
    d = g.add_mutually_exclusive_group()
    d.add_argument("--hours", type=finite_float, metavar="H", help="wall-clock hours")
    d.add_argument("--days", type=finite_float, metavar="D", help="wall-clock days")
    d.add_argument("--device-hours", type=finite_float, metavar="X", help="accelerator-hours in total")
    g.add_argument("--power-w", type=finite_float, metavar="W", help="average power per accelerator")
    g.add_argument("--host-power-w", type=nonnegative_float, metavar="W", help="CPU + DRAM power")
    f = g.add_mutually_exclusive_group()
    f.add_argument("--pue", type=finite_float, metavar="P", help="datacenter PUE")
    f.add_argument("--datacenter", metavar="NAME", help="use this operator's published PUE")
    r = g.add_mutually_exclusive_group()
    r.add_argument("--region", metavar="NAME", help="country, grid or cloud region for the intensity")
    r.add_argument("--intensity", type=finite_float, metavar="KG_PER_KWH", help="grid intensity")
    g.add_argument("--year", type=int, metavar="Y", help="year of the intensity and PUE data")
    g.add_argument("--cfe-pct", type=finite_float, metavar="PCT", help="carbon-free-energy share (%%)")


def register(sub: Any) -> None:
    p = sub.add_parser(
        "report",
        help="carbon statement of a run or an estimate (markdown, latex, json, html)",
        description="A carbon statement to paste into a paper: energy with its interval, hardware, "
        "duration, location, PUE and intensity with their sources, CO2e gross and net, components, "
        "phases and the reference tables used.",
    )
    p.add_argument("run_id", nargs="?", metavar="RUN_ID", help="the stored run to report")
    p.add_argument("--estimate", action="store_true", help="report an estimate from the options below")
    p.add_argument("--format", choices=FORMATS, default="markdown", help="output format (default markdown)")
    p.add_argument("--out", metavar="FILE", help="write here instead of standard output")
    p.add_argument("--plots", metavar="DIR", help="also write the run's plots (PNG and SVG) into DIR")
    p.add_argument("--standalone", action="store_true", help="latex: a complete document, not a fragment")
    add_db_arg(p)
    _add_estimate_options(p)
    p.set_defaults(func=_handle)


def _tables() -> Any:
    from mlfootprint.reference import list_tables
    from mlfootprint.report.statement import table_versions

    return table_versions(list_tables())


def _estimate_statement(args: argparse.Namespace) -> Any:
    from mlfootprint.estimator import estimate
    from mlfootprint.report.estimate_statement import statement_from_estimate

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
    return statement_from_estimate(result, tables=_tables())


def _plot_images(
    run: Any, samples: Any, plots_dir: str | None, embed: bool
) -> tuple[dict[str, str], list[str]]:
    """Write plots to ``plots_dir`` and/or embed them; return (caption -> path or data URI, notes)."""
    from mlfootprint.report.plots import PlotsUnavailableError, figure_png_data_uri, run_figures, save_figure

    captions = {
        "power": "Power per component over time",
        "energy": "Cumulative energy per component",
        "intensity": "Grid carbon intensity during the run",
    }
    try:
        figs = run_figures(run, samples)
    except PlotsUnavailableError as exc:
        if plots_dir is not None:
            raise
        return {}, [f"plots omitted: {exc}"]
    images: dict[str, str] = {}
    for stem, fig in figs.items():
        if plots_dir is not None:
            written = save_figure(fig, Path(plots_dir) / f"{run.id}-{stem}")
            if not embed:
                images[captions[stem]] = str(written[0])
        if embed:
            images[captions[stem]] = figure_png_data_uri(fig)
    return images, []


def _handle(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from mlfootprint.report.html import render_html
    from mlfootprint.report.json_report import render_json
    from mlfootprint.report.latex import render_latex
    from mlfootprint.report.markdown import render_markdown

    if args.estimate == (args.run_id is not None):
        raise UsageError("give either RUN_ID or --estimate with estimate options")
    images: dict[str, str] = {}
    run_doc = None
    if args.estimate:
        if args.plots:
            raise UsageError("--plots needs a stored run (an estimate has no samples)")
        st = _estimate_statement(args)
    else:
        from mlfootprint.report.statement import statement_from_run
        from mlfootprint.serialize import run_to_dict
        from mlfootprint.store import open_store

        store = open_store(args.db)
        try:
            run = store.get_run(args.run_id)
            samples = store.samples(run.id) if (args.plots or args.format == "html") else []
        finally:
            store.close()
        st = statement_from_run(run, tables=_tables())
        run_doc = run_to_dict(run)
        if args.plots or args.format == "html":
            images, notes = _plot_images(run, samples, args.plots, embed=args.format == "html")
            if notes:
                st = replace(st, notes=(*st.notes, *notes))
    if args.format == "markdown":
        text = render_markdown(st, images=images)
    elif args.format == "latex":
        text = render_latex(st, standalone=args.standalone)
    elif args.format == "html":
        text = render_html(st, images=images)
    else:
        text = render_json(st, run=run_doc)
    emit(text, args.out)
    return 0
