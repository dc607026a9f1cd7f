# size: four subcommands of the ledger and the run text they share; run text to move beside jobview
"""``mlfootprint runs [list|show ID|delete ID --yes|import FILE]``: the run ledger.

A malformed row is skipped by ``list`` (with a warning naming it) and can always be deleted; ``import``
stores a run that could not be saved when it ended (the fallback file its summary named).
"""

from __future__ import annotations

import argparse
import shlex
from typing import Any

from mlfootprint import fmt
from mlfootprint.bounds import LIMIT, arg_type
from mlfootprint.cli._common import add_db_arg, add_format_arg, print_json
from mlfootprint.errors import UsageError
from mlfootprint.records import RunRecord

#: how every command that takes a run names it
RUN_REF_HELP = (
    "a run: its id or any unique part of it (e.g. the 8 characters 'runs list' shows), its name, "
    "last, or last~N (last~1 is the one before last)"
)

#: runs listed by default
PAGE = 50

__all__ = ["PAGE", "RUN_REF_HELP", "energy_text", "format_run", "format_run_list", "mass_text", "register"]


def register(subparsers: Any) -> None:
    """Add ``runs`` and its subcommands to the top-level parser."""
    runs = subparsers.add_parser(
        "runs", help="the run ledger: list, show or delete stored runs", description=__doc__
    )
    # `mlfootprint runs [--project P] [--limit N] [--db URL] [--format F]` is `runs list ...`; these take
    # their own names so that a subcommand's defaults cannot overwrite them.
    runs.add_argument("--project", dest="runs_project", default=None, help="only runs of this project")
    runs.add_argument("--limit", dest="runs_limit", type=arg_type(LIMIT), default=None, metavar="N")
    runs.add_argument("--all", dest="runs_all", action="store_true", help="every run (no page limit)")
    runs.add_argument("--db", dest="runs_db", default=None, metavar="URL", help="run ledger URL")
    runs.add_argument("--format", dest="runs_format", choices=["text", "json"], default=None)
    runs.set_defaults(func=_list, project=None, limit=None, db=None, format="text", all=False)
    sub = runs.add_subparsers(dest="runs_command", metavar="SUBCOMMAND", parser_class=type(runs))

    lister = sub.add_parser("list", help="stored runs, newest first")
    lister.add_argument("--project", default=None, help="only runs of this project")
    lister.add_argument(
        "--limit", type=arg_type(LIMIT), default=None, metavar="N", help=f"at most N runs (default {PAGE})"
    )
    lister.add_argument("--all", action="store_true", help="every run (no page limit)")
    add_db_arg(lister)
    add_format_arg(lister)
    lister.set_defaults(func=_list)

    shower = sub.add_parser("show", help="one run: energy per component, CO2e and their sources, phases")
    shower.add_argument(
        "run_id",
        metavar="ID",
        help=RUN_REF_HELP,
    )
    add_db_arg(shower)
    add_format_arg(shower)
    shower.set_defaults(func=_show)

    deleter = sub.add_parser("delete", help="delete one run with its phases and samples")
    deleter.add_argument(
        "run_id",
        metavar="ID",
        help=RUN_REF_HELP,
    )
    deleter.add_argument("--yes", action="store_true", help="really delete it")
    add_db_arg(deleter)
    deleter.set_defaults(func=_delete)

    importer = sub.add_parser("import", help="store a run that could not be saved (its fallback file)")
    importer.add_argument("file", metavar="FILE", help="the fallback file named in the run's summary")
    add_db_arg(importer)
    importer.set_defaults(func=_import)


def _merge_outer_options(args: argparse.Namespace) -> None:
    """Options given before the subcommand (``runs --db URL show ID``) apply unless given after it."""
    for name in ("project", "limit", "db"):
        if getattr(args, name, None) is None:
            setattr(args, name, getattr(args, f"runs_{name}", None))
    args.all = bool(getattr(args, "all", False) or getattr(args, "runs_all", False))
    if getattr(args, "format", "text") == "text" and getattr(args, "runs_format", None):
        args.format = args.runs_format


def _list(args: argparse.Namespace) -> int:
    from mlfootprint.serialize import run_to_dict
    from mlfootprint.store import open_store

    _merge_outer_options(args)
    if args.all and args.limit is not None:
        raise UsageError("--all and --limit N exclude each other")
    limit = None if args.all else (args.limit or PAGE)
    store = open_store(args.db, create=False)
    try:
        runs = store.list_runs(project=args.project, limit=limit)
        total = (
            store.count_runs(project=args.project) if limit is not None and len(runs) == limit else len(runs)
        )
    finally:
        store.close()
    if args.format == "json":
        print_json({"runs": [run_to_dict(r) for r in runs], "total": total})
    else:
        print(format_run_list(runs, ledger=store.url, total=total))
    return 0


def _show(args: argparse.Namespace) -> int:
    from mlfootprint.serialize import run_to_dict
    from mlfootprint.store import open_store

    _merge_outer_options(args)
    store = open_store(args.db, create=False)
    try:
        job_runs = store.job_runs(args.run_id)
        run = None if job_runs else store.get_run(args.run_id)
    finally:
        store.close()
    if run is None:
        from mlfootprint.cli.jobview import format_job, job_to_dict
        from mlfootprint.tracking.jobs import summarise_job

        job = summarise_job(job_runs)
        print_json(job_to_dict(job)) if args.format == "json" else print(format_job(job))
        return 0
    if args.format == "json":
        print_json(run_to_dict(run))
    else:
        print(format_run(run))
    return 0


def _delete(args: argparse.Namespace) -> int:
    from mlfootprint.store import open_store

    _merge_outer_options(args)
    from mlfootprint.store.rows import MalformedRowError

    store = open_store(args.db, create=False)
    try:
        try:
            run = store.get_run(args.run_id)
            run_id, label = run.id, f"{run.project}/{run.name}"
        except MalformedRowError as exc:  # a malformed row can always be deleted
            run_id, label = exc.run_id, "malformed row"
        if not args.yes:
            raise UsageError(f"not deleting run {run_id} ({label}) without --yes")
        store.delete_run(run_id)
    finally:
        store.close()
    print(f"deleted run {run_id} ({label}) from {store.url}")
    return 0


def _import(args: argparse.Namespace) -> int:
    from pathlib import Path

    from mlfootprint.errors import StoreError
    from mlfootprint.store import open_store
    from mlfootprint.tracking.saving import read_fallback

    try:
        run, samples = read_fallback(Path(args.file))
    except StoreError as exc:  # the file given is not an unsaved run: the user's mistake, nothing stored
        raise UsageError(str(exc)) from None
    extra = {k: v for k, v in run.extra.items() if k not in ("not_saved", "fallback_path")}
    from dataclasses import replace

    run = replace(run, extra=extra)
    store = open_store(args.db)
    try:
        store.save(run, samples)
    finally:
        store.close()
    print(f"stored run {run.id} ({run.project}/{run.name}, {len(samples)} samples) in {store.url}")
    return 0


# -- text rendering (pure) ----------------------------------------------------------------------------


def _n(value: float) -> str:
    """A number to 3 significant digits, plainly written (never in scientific notation)."""
    return fmt.number(value)


def energy_text(energy_j: float, low_j: float | None = None, high_j: float | None = None) -> str:
    """``"12.3 kWh [11-14.1 kWh]"``: the SI prefix chosen for the value (``mlfootprint.fmt``)."""
    if low_j is not None and high_j is not None:
        return fmt.energy_interval(energy_j, low_j, high_j)
    return fmt.energy(energy_j)


def mass_text(mass_g: float, low_g: float | None = None, high_g: float | None = None) -> str:
    """``"4.56 kg CO2e [3.9-5.2 kg]"``: the unit chosen for the value (``mlfootprint.fmt``)."""
    return fmt.co2e(mass_g, low_g, high_g)


def _duration(seconds: float) -> str:
    return fmt.duration(seconds)


def _time(run_time: Any) -> str:
    from mlfootprint.serialize import format_time

    text = format_time(run_time)
    return "-" if text is None else text[:19].replace("T", " ") + " UTC"


def _status(run: RunRecord) -> str:
    if run.status == "failed" and run.exit_code is not None:
        return f"failed (exit code {run.exit_code})"
    if run.status == "finished" and run.exit_code not in (None, 0):
        return f"finished (exit code {run.exit_code})"
    if run.status == "interrupted":
        last = _time(run.heartbeat_at or run.started_at)
        return f"interrupted (the tracker stopped reporting; figures up to its last flush at {last})"
    return run.status


def format_run_list(runs: list[RunRecord], *, ledger: str, total: int | None = None) -> str:
    """A table of runs, newest first; ``total`` runs match when more than these exist."""
    if not runs:
        return f"no runs in {ledger}"
    shorts = {r.id[-8:] for r in runs}
    short = len(shorts) == len(runs)
    header = ("ID", "STARTED (UTC)", "STATUS", "PROJECT/NAME", "DURATION", "ENERGY", "CO2e")
    rows = [
        (
            r.id[-8:] if short else r.id,
            _time(r.started_at)[:16],
            r.status,
            f"{r.project}/{r.name}",
            _duration(r.duration_s),
            energy_text(r.energy_j),
            fmt.mass(r.co2e_g),
        )
        for r in runs
    ]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    lines = [
        "  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip() for row in [header, *rows]
    ]
    said = "; ID is the end of each run's id" if short else ""
    if total is not None and total > len(runs):
        lines.append(
            f"{len(runs)} newest of {total} run(s) in {ledger}{said}; --limit N or --all for more; "
            "see one: mlfootprint runs show ID"
        )
    else:
        lines.append(f"{len(runs)} run(s) in {ledger}{said}; see one: mlfootprint runs show ID")
    return "\n".join(lines)


def _embodied_line(run: RunRecord) -> str:
    """Embodied CO2e on its own line (not part of the emissions above)."""
    from mlfootprint.embodied_run import embodied_of_run

    e = embodied_of_run(run)
    if e.get("co2e_kg") is None:
        return f"Embodied (manufacturing share): not counted, {e.get('reason')}"
    value = mass_text(1000 * e["co2e_kg"], 1000 * e["co2e_kg_low"], 1000 * e["co2e_kg_high"])
    devices = ", ".join(f"{d['count']} x {d['board']} -> {d['factor']}" for d in e.get("devices", []))
    return (
        f"Embodied (manufacturing share, not in the emissions above): {value} for "
        f"{_n(e['device_hours'])} device-hours over {e['lifetime_years']:g} years at "
        f"{100 * e['utilisation_frac']:g} % use ({devices}; {e['obtained']})"
    )


def format_run(run: RunRecord) -> str:
    """A readable summary of one run: what was measured, how, and where each factor came from."""
    out = [f"Run {run.id}  {run.project}/{run.name}", f"  status      {_status(run)}"]
    out.append(
        f"  time        {_time(run.started_at)} -> {_time(run.ended_at)}  ({_duration(run.duration_s)})"
    )
    where = f"{run.hostname or '?'}" + (f", pid {run.pid}" if run.pid is not None else "")
    out.append(f"  host        {where}; scope {run.scope}")
    if run.command:
        out.append(f"  command     {shlex.join(run.command)}")
    if run.tags:
        out.append(f"  tags        {', '.join(f'{k}={v}' for k, v in run.tags.items())}")
    if run.job_id and run.rank is not None:
        out.append(
            f"  job         {run.job_id}: rank {run.rank} of {run.world_size}, local rank {run.local_rank} "
            f"on node {run.node} ({run.launcher})"
        )
    if run.error_type:
        out.append(f"  error       {run.error_type}: {run.error_message}")
    out.append("")
    out.append(f"IT energy (before PUE): {energy_text(run.it_energy_j)}")
    for c in run.components:
        kind = "estimated" if c.is_estimate else "measured"
        energy = energy_text(c.energy_j, c.energy_j_low, c.energy_j_high)
        out.append(f"  {c.component:<5} {c.meter_id:<16} {energy:<26} {kind}, {c.method}: {c.source}")
    if not run.components:
        out.append("  (no meter reported energy)")
    out.append(
        f"Facility energy: {energy_text(run.energy_j, run.energy_j_low, run.energy_j_high)}"
        f" = IT energy x PUE {run.pue:g} (PUE: {run.pue_source})"
    )
    zone = ", ".join(x for x in (run.region, run.intensity_zone) if x)
    out.append(
        f"Emissions: {mass_text(run.co2e_g, run.co2e_g_low, run.co2e_g_high)}"
        f" at {_n(run.intensity_g_per_kwh)} g/kWh ({run.intensity_resolution} intensity"
        + (f", {zone}" if zone else "")
        + f"; {run.intensity_source})"
    )
    if run.co2e_g_net is not None:
        out.append(f"  net of carbon-free energy: {mass_text(run.co2e_g_net)}")
    out.append(_embodied_line(run))
    if run.phases:
        out.append("")
        out.append("Phases (IT energy):")
        for p in run.phases:
            name = f"{p.parent} > {p.name}" if p.parent else p.name
            out.append(f"  {name:<24} {_duration(p.duration_s):>12}  {energy_text(p.energy_j)}")
    from mlfootprint.work.costs import cost_lines, progress_lines

    cost = cost_lines(run)
    if cost:
        out += ["", *cost]
    progress = progress_lines(run)
    if progress:
        out += ["", *progress]
    if run.assumptions:
        out.append("")
        out.append("Assumptions:")
        for a in run.assumptions:
            unit = f" {a.unit}" if a.unit else ""
            out.append(f"  {a.name} = {a.value}{unit} ({a.source})")
    return "\n".join(out)
