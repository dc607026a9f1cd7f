"""``mlfootprint compare``: quality against cost over runs, with the Pareto front."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from mlfootprint.cli._common import add_db_arg, add_format_arg, emit, print_json

if TYPE_CHECKING:
    from mlfootprint.work.compare import Comparison

__all__ = ["register", "render_latex", "render_markdown", "render_text"]


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "compare",
        help="runs' quality metric against their cost, with the Pareto front",
        description="Compare runs on a quality metric (logged with run.log_metric or by a callback) against "
        "their energy, CO2e or FLOPs; mark the Pareto front and, for each other run, one run that beats it "
        "on both (Schwartz et al. 2019: efficiency as an evaluation criterion).",
    )
    parser.add_argument("runs", nargs="*", metavar="RUN", help="run ids or unique prefixes")
    parser.add_argument("--project", default=None, help="compare the runs of this project")
    parser.add_argument(
        "--tag",
        type=_tag,
        action="append",
        default=[],
        metavar="K=V",
        help="only runs with this tag (repeatable)",
    )
    parser.add_argument("--metric", required=True, help="the quality metric, e.g. accuracy")
    direction = parser.add_mutually_exclusive_group()
    direction.add_argument(
        "--higher-is-better", dest="higher", action="store_true", default=True, help="(default)"
    )
    direction.add_argument("--lower-is-better", dest="higher", action="store_false", help="e.g. for a loss")
    parser.add_argument(
        "--cost", choices=("energy", "co2e", "flops"), default="energy", help="(default energy)"
    )
    parser.add_argument(
        "--plot", metavar="FILE", default=None, help="write a scatter plot (.png, .svg, .pdf)"
    )
    add_format_arg(parser, ("text", "json", "markdown", "latex"))
    add_db_arg(parser)
    parser.set_defaults(func=_handle)


def _tag(text: str) -> tuple[str, str]:
    from mlfootprint.cli.run import parse_tag

    return parse_tag(text)


def _select(args: argparse.Namespace) -> list[Any]:
    from mlfootprint.errors import UsageError
    from mlfootprint.store import open_store

    if args.runs and (args.project or args.tag):
        raise UsageError("give run ids, or --project/--tag, not both")
    if not args.runs and not args.project:
        raise UsageError("give run ids, or --project P to compare a project's runs")
    tags: list[tuple[str, str]] = args.tag
    store = open_store(args.db, create=False)
    try:
        runs = [store.get_run(r) for r in args.runs] if args.runs else store.list_runs(project=args.project)
    finally:
        store.close()
    runs = [r for r in runs if all(r.tags.get(k) == v for k, v in tags)]
    if not runs:
        where = f"project {args.project!r}" + (
            f" with {', '.join(f'{k}={v}' for k, v in tags)}" if tags else ""
        )
        raise UsageError(f"no runs in {where}")
    return runs


def _handle(args: argparse.Namespace) -> int:
    from mlfootprint.work.compare import compare_runs

    if args.plot is not None:
        from mlfootprint.errors import InvalidValueError

        if not args.plot.lower().endswith((".png", ".svg", ".pdf")):
            raise InvalidValueError("--plot", args.plot, "must end in .png, .svg or .pdf")
    comparison = compare_runs(_select(args), metric=args.metric, cost=args.cost, higher_is_better=args.higher)
    if args.plot is not None:
        from mlfootprint.report.compare_plot import save_compare_plot

        save_compare_plot(comparison, args.plot)
    if args.format == "json":
        print_json(comparison.to_dict())
    elif args.format == "markdown":
        emit(render_markdown(comparison))
    elif args.format == "latex":
        emit(render_latex(comparison))
    else:
        emit(render_text(comparison))
    return 0


def _v(value: float) -> str:
    if value == 0:
        return "0"
    return f"{value:.4g}"


def _rows(c: Comparison) -> list[tuple[str, str, str, str, str]]:
    return [
        (
            r.id,
            r.label,
            _v(r.metric_value),
            _v(r.cost_value),
            "front" if r.pareto else f"beaten by {r.dominated_by}",
        )
        for r in c.rows
    ]


def _direction(c: Comparison) -> str:
    return "higher is better" if c.higher_is_better else "lower is better"


def render_text(c: Comparison) -> str:
    from mlfootprint.work.compare import COSTS

    unit = COSTS[c.cost][1]
    lines = [f"{c.metric} ({_direction(c)}) against {unit}; * = on the Pareto front"]
    lines.append(f"  {'run':<28} {'name':<18} {c.metric[:12]:>12} {c.cost:>12}  ")
    for (rid, label, metric, cost, place), row in zip(_rows(c), c.rows, strict=True):
        mark = "*" if row.pareto else " "
        lines.append(f"{mark} {rid:<28} {label[:18]:<18} {metric:>12} {cost:>12}  {place}")
    for rid, why in c.skipped:
        lines.append(f"  left out: {rid}: {why}")
    lines.append(
        "Front: no other run is at least as good and as cheap with one strictly better; "
        "'beaten by' names the cheapest front run that beats it on both."
    )
    return "\n".join(lines)


def render_markdown(c: Comparison) -> str:
    from mlfootprint.work.compare import COSTS

    out = [
        f"| Run | Name | {c.metric} ({_direction(c)}) | {COSTS[c.cost][1]} | Pareto | Dominated by |",
        "|---|---|---|---|---|---|",
    ]
    for (rid, label, metric, cost, _), row in zip(_rows(c), c.rows, strict=True):
        pareto = "yes" if row.pareto else "no"
        out.append(f"| {rid} | {label} | {metric} | {cost} | {pareto} | {row.dominated_by or '-'} |")
    return "\n".join(out)


def render_latex(c: Comparison) -> str:
    from mlfootprint.report.latex import escape_latex as e
    from mlfootprint.work.compare import COSTS

    star = "$\\star$"
    body = [
        f"{e(r.label or r.id)} & {_v(r.metric_value)} & {_v(r.cost_value)} & "
        f"{star if r.pareto else e(r.dominated_by or '')} \\\\"
        for r in c.rows
    ]
    return "\n".join(
        [
            r"\begin{tabular}{lrrl}",
            r"\hline",
            f"Run & {e(c.metric)} & {e(COSTS[c.cost][1])} & Pareto / dominated by \\\\",
            r"\hline",
            *body,
            r"\hline",
            r"\end{tabular}",
        ]
    )
