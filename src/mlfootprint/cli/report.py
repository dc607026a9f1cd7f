"""``mlfootprint report``: a carbon statement of a run (or an estimate) for a paper."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from mlfootprint.cli._common import add_db_arg, emit
from mlfootprint.cli.estimate import add_estimate_options, estimate_from_args, given_estimate_options
from mlfootprint.errors import UsageError

__all__ = ["FORMATS", "register"]

FORMATS = ("markdown", "latex", "json", "html")


def register(sub: Any) -> None:
    p = sub.add_parser(
        "report",
        help="carbon statement of a run or an estimate (markdown, latex, json, html)",
        description="A carbon statement to paste into a paper: energy with its interval, hardware, "
        "duration, location, PUE and intensity with their sources, CO2e gross and net, components, "
        "phases and the reference tables used.",
    )
    p.add_argument(
        "run_id",
        nargs="?",
        metavar="RUN",
        help="the stored run to report: its id or a unique part, its name, last or last~N",
    )
    p.add_argument("--estimate", action="store_true", help="report an estimate from the options below")
    p.add_argument("--format", choices=FORMATS, default="markdown", help="output format (default markdown)")
    p.add_argument("--out", metavar="FILE", help="write here instead of standard output")
    p.add_argument("--plots", metavar="DIR", help="also write the run's plots (PNG and SVG) into DIR")
    p.add_argument("--standalone", action="store_true", help="latex: a complete document, not a fragment")
    add_db_arg(p)
    group = p.add_argument_group("estimate (with --estimate, as for 'mlfootprint estimate')")
    add_estimate_options(group, required=False)
    p.set_defaults(func=_handle)


def _tables() -> Any:
    from mlfootprint.reference import list_tables
    from mlfootprint.report.statement import table_versions

    return table_versions(list_tables())


def _estimate_statement(args: argparse.Namespace) -> Any:
    from mlfootprint.report.estimate_statement import statement_from_estimate

    return statement_from_estimate(estimate_from_args(args), tables=_tables())


def _plot_images(
    run: Any, samples: Any, plots_dir: str | None, embed: bool
) -> tuple[dict[str, str], list[str]]:
    """Write plots to ``plots_dir`` and/or embed them; return (caption -> path or inline SVG, notes).

    Embedded plots are light inline SVG (``report.svgplot``: no matplotlib, milliseconds); files written
    to ``plots_dir`` are matplotlib's PNG and SVG.
    """
    captions = {
        "power": "Power per component over time",
        "energy": "Cumulative energy per component",
        "intensity": "Grid carbon intensity during the run",
    }
    images: dict[str, str] = {}
    if embed:
        from mlfootprint.report.svgplot import run_charts_svg

        images = {captions[stem]: svg for stem, svg in run_charts_svg(run, samples).items()}
        if plots_dir is None:
            return images, []
    from mlfootprint.report.plots import PlotsUnavailableError, run_figures, save_figure

    try:
        figs = run_figures(run, samples)
    except PlotsUnavailableError as exc:
        if plots_dir is not None:
            raise
        return images, [f"plots omitted: {exc}"]
    for stem, fig in figs.items():
        if plots_dir is not None:
            written = save_figure(fig, Path(plots_dir) / f"{run.id}-{stem}")
            if not embed:
                images[captions[stem]] = str(written[0])
    return images, []


def job_record(runs: Any) -> Any:
    """A job's total as one run record (see ``mlfootprint.tracking.jobs``)."""
    from mlfootprint.tracking.jobs import summarise_job

    return summarise_job(runs).record


def job_samples(store: Any, runs: Any, job: Any) -> list[Any]:
    """Every rank's plot points (a bounded downsample) on the job's clock, meters named as the job's."""
    from dataclasses import replace

    out: list[Any] = []
    for r in runs:
        offset_s = (r.started_at - job.started_at).total_seconds()
        prefix = f"{r.node}/rank{r.rank}/"
        out.extend(
            replace(s, meter_id=prefix + s.meter_id, t_s=s.t_s + offset_s) for s in store.plot_samples(r.id)
        )
    return sorted(out, key=lambda s: (s.t_s, s.meter_id))


def job_fact(record: Any) -> Any:
    """The statement's line naming the job, its ranks and nodes (shown in every format)."""
    from mlfootprint.report.statement import Fact

    job = record.extra.get("job", {})
    nodes = job.get("nodes", [])
    value = (
        f"{record.job_id}: {len(job.get('runs', []))} of {record.world_size} ranks on {len(nodes)} node(s) "
        f"({', '.join(nodes)}), {job.get('status')}"
    )
    return Fact(label="Distributed job", value=value, source="sum of the ranks' runs, each joule once")


def job_notes(record: Any) -> list[str]:
    """What a job's statement says about its ranks and nodes."""
    job = record.extra.get("job", {})
    nodes = job.get("nodes", [])
    notes = [
        f"Job {record.job_id}: {len(job.get('runs', []))} rank run(s) of {record.world_size} on "
        f"{len(nodes)} node(s) ({', '.join(nodes)}), status {job.get('status')}; "
        "each joule counted once (node-level meters read by local rank 0, each GPU by its rank)."
    ]
    notes.extend(f"Partial: {m}" for m in job.get("missing", []))
    return notes


def _handle(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from mlfootprint.report.html import render_html
    from mlfootprint.report.json_report import render_json
    from mlfootprint.report.latex import render_latex
    from mlfootprint.report.markdown import render_markdown

    if args.estimate == (args.run_id is not None):
        raise UsageError("give either RUN or --estimate with estimate options")
    given = given_estimate_options(args)
    if given and not args.estimate and given[0] == "--year":
        raise UsageError(
            "--year describes an estimate: a stored run keeps the figures of its own year (chosen when "
            "it was tracked: year=, MLFOOTPRINT_YEAR or 'mlfootprint run --year'); add --estimate for one"
        )
    if given and not args.estimate:
        raise UsageError(f"{given[0]} describes an estimate: add --estimate and leave out RUN")
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

        store = open_store(args.db, create=False)
        try:
            job_runs = store.job_runs(args.run_id)
            run = job_record(job_runs) if job_runs else store.get_run(args.run_id)
            samples: list[Any] = []
            if args.plots or args.format == "html":
                # plots read a bounded downsample (exact energy between points), whatever the run's length
                samples = job_samples(store, job_runs, run) if job_runs else store.plot_samples(run.id)
        finally:
            store.close()
        st = statement_from_run(run, tables=_tables())
        if job_runs:
            st = replace(st, facts=(*st.facts, job_fact(run)), notes=(*st.notes, *job_notes(run)))
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
