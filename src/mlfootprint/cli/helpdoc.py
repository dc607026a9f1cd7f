"""Help as documentation: every command's description, its options' defaults and copy-pasteable examples.

Commands declare their options where they live; ``document(parser)`` then walks every subparser once
and adds what a reader needs: the examples below (shown verbatim), a default on every option that has
one, and the help texts an option was declared without. ``tests/cli/test_help.py`` holds every command
to it. Examples here run as written on a fresh install (the README's test runs the same kind).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator, Sequence
from typing import Any

__all__ = ["DESCRIPTIONS", "EXAMPLES", "HelpFormatter", "deprecated_alias", "document", "walk"]

#: up to three examples per command path, shown verbatim under "examples:"
EXAMPLES: dict[str, tuple[str, ...]] = {
    "demo": ("mlfootprint demo --quick", "mlfootprint demo --region DE --verbose"),
    "run": (
        "mlfootprint run --project nmt --name base --region DE -- python train.py",
        "mlfootprint run --zone DE --pue 1.1 -- sh -c 'echo training; sleep 3'",
        "mlfootprint run --start-when-cleaner --slack 3h --zone DE -- sleep 1",
    ),
    "estimate": (
        "mlfootprint estimate --hardware V100 --count 10000 --days 14.8 --pue 1.1 --intensity 0.429",
        "mlfootprint estimate --hardware TPUv3 --count 64 --days 6 --region gcp:us-central1 "
        "--datacenter google",
        "mlfootprint estimate --hardware A100 --count 8 --hours 12 --region DE --format json",
        "mlfootprint estimate --hardware V100 --count 10000 --flops 3.14e23 --achieved-tflops 24.6 "
        "--power-w 330 --pue 1.1 --intensity 0.429",
    ),
    "compare": (
        "mlfootprint compare --project sweep --metric accuracy",
        "mlfootprint compare last last~1 last~2 --metric loss --lower-is-better --cost co2e",
        "mlfootprint compare --project sweep --tag lr=0.1 --metric accuracy --format json --plot front.png",
    ),
    "papers": ("mlfootprint papers", "mlfootprint papers --format json"),
    "runs": ("mlfootprint runs", "mlfootprint runs show last", "mlfootprint runs --project nmt --limit 5"),
    "runs list": ("mlfootprint runs list --limit 10", "mlfootprint runs list --project nmt --format json"),
    "runs show": ("mlfootprint runs show last", "mlfootprint runs show last~1 --format json"),
    "runs delete": ("mlfootprint runs delete last --yes",),
    "runs import": ("mlfootprint runs import ~/.local/share/mlfootprint/unsaved/RUN_ID.json",),
    "study": ("mlfootprint study compression --quick",),
    "study compression": (
        "mlfootprint study compression --quick",
        "mlfootprint study compression --format json --out study.json --plot pareto.png",
        "mlfootprint study compression --family cnn --region FR --format markdown",
    ),
    "dashboard": (
        "mlfootprint dashboard",
        "mlfootprint dashboard --db postgresql://team@db/mlfootprint --port 8051 --open",
    ),
    "report": (
        "mlfootprint report last --format markdown",
        "mlfootprint report last --format html --out report.html",
        "mlfootprint report last --format latex --plots figures/",
    ),
    "schedule": (
        "mlfootprint schedule --zone DE --duration 6h --slack 24h",
        "mlfootprint schedule --zone DE --arrival 2022-01-01T00:00Z --duration 6h --slack 24h",
        "mlfootprint schedule --zone GB --duration 2h --slack 12h --live uk",
    ),
    "shift": (
        "mlfootprint shift --zone DE --zone FR --job-hours 6 --slack-hours 24",
        "mlfootprint shift --all-zones --job-hours 1 --slack-hours 24 --aggregate global",
    ),
    "where": ("mlfootprint where --all-zones", "mlfootprint where --group Europe --format json"),
    "whatif": (
        "mlfootprint whatif --hardware P100 --count 8 --days 3.5 --pue 1.59 --intensity 0.429 "
        "--machine 'TPU v2' --speedup 5.16 --to-pue 1.11 --to-intensity 0.478",
        "mlfootprint whatif last --to-region gcp:europe-north1",
    ),
    "summary": ("mlfootprint summary", "mlfootprint summary --project nmt --by tag:seed"),
    "export": ("mlfootprint export --format csv --out runs.csv", "mlfootprint export --format json"),
    "doctor": (
        "mlfootprint doctor",
        "mlfootprint doctor --format json",
        "mlfootprint doctor --detect-region",
    ),
    "data": ("mlfootprint data", "mlfootprint data show pue"),
    "data show": ("mlfootprint data show accelerators", "mlfootprint data show pue --format json"),
    "data check": ("mlfootprint data check my_accelerators.csv --table accelerators",),
}

#: descriptions for commands declared without one
DESCRIPTIONS: dict[str, str] = {
    "export": "Export stored runs as one flat row per run (CSV or JSON), e.g. for a spreadsheet or a "
    "paper's supplementary material. Energy is in kWh and CO2e in kg, with their intervals.",
    "runs list": "The stored runs, newest first. ID is the random end of each run's id: type it (or "
    "any unique part of an id, a run's name, last or last~N) wherever a run is asked for.",
    "runs show": "One stored run: energy per component and how it was obtained, CO2e, the PUE and grid "
    "intensity with their sources, phases and assumptions.",
    "runs delete": "Delete one stored run with its components, phases and samples (needs --yes).",
    "runs import": "Store a run that could not be saved when it ended, from the private fallback file "
    "named in the message that reported it.",
    "runs": "The run ledger (SQLite by default, PostgreSQL by URL): list, show or delete stored runs. "
    "Without a subcommand, lists them.",
}

#: help for options declared without one, by option string
OPTION_HELP: dict[str, str] = {
    "--limit": "show at most N runs",
    "--aggregate": "how savings are averaged: per job, over the total of all jobs, or globally across zones",
    "--semantics": "strict: a job runs its full length inside the window; lwa: as in Wiesner et al. 2021",
    "--project": "only runs of this project",
    "--db": "run ledger: sqlite:///path or postgresql://... (default: $MLFOOTPRINT_DB or the per-user file)",
    "--format": "output format",
}

#: defaults that are not argparse defaults (they come from the settings), said in the help
SAID_DEFAULTS: dict[tuple[str, str], str] = {
    ("run", "--project"): "'default', or MLFOOTPRINT_PROJECT",
    ("run", "--interval"): "1 s, or MLFOOTPRINT_INTERVAL_S",
    ("run", "--flush-interval"): "10 s, or MLFOOTPRINT_FLUSH_INTERVAL_S",
    ("run", "--scope"): "machine, or MLFOOTPRINT_SCOPE",
    ("run", "--region"): "MLFOOTPRINT_REGION, else the world average, with a warning",
    ("run", "--pue"): "MLFOOTPRINT_PUE, else the cloud region's operator, else the industry average",
    ("run", "--zone"): "MLFOOTPRINT_ZONE, else none",
    ("run", "--live"): "none: the series, the shipped data or the annual figure",
    ("run", "--tag"): "none",
    ("schedule", "--live"): "none: plan on the shipped data or its typical-year profile",
    ("schedule", "--arrival"): "now",
    ("demo", "--region"): "the world average, said so",
    ("estimate", "--pue"): "the industry average, said so",
    ("estimate", "--year"): "the latest in the table",
    ("report", "--year"): "the latest in the table",
    ("whatif", "--year"): "the latest in the table",
    ("whatif", "--to-year"): "the latest in the table",
    ("shift", "--fill"): "none: gaps are errors",
    ("schedule", "--fill"): "none: gaps are errors",
    ("where", "--fill"): "none: gaps are errors",
    ("runs list", "--limit"): "all",
    ("runs list", "--project"): "every project",
    ("runs", "--limit"): "all",
    ("runs", "--project"): "every project",
    ("summary", "--project"): "every project",
    ("export", "--project"): "every project",
}

#: metavars for options whose name has several words (argparse would show ``JOB_HOURS``), by type
_TYPE_METAVARS = {
    "duration_s": "DURATION",
    "iso_time": "TIME",
    "_when": "TIME",
    "finite_float": "N",
    "_hours": "H",
}

#: metavars that read as placeholders (``RUNS_PROJECT``) and what to show instead
_METAVARS = {"runs_project": "NAME", "runs_format": "FORMAT", "runs_db": "URL", "runs_limit": "N"}


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Descriptions and epilogs verbatim (examples stay copy-pasteable), 100 columns wide."""

    def __init__(self, prog: str, **kwargs: Any) -> None:
        kwargs.setdefault("width", 100)
        kwargs.setdefault("max_help_position", 32)
        super().__init__(prog, **kwargs)


def deprecated_alias(new: str) -> type[argparse.Action]:
    """An action for an old option spelling: stores like the new one and says, once, to use ``new``."""

    class _Deprecated(argparse.Action):
        def __call__(
            self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: Any,
            option_string: str | None = None,
        ) -> None:  # fmt: skip
            print(
                f"mlfootprint: warning: {option_string} is deprecated here; use {new} (same meaning)",
                file=sys.stderr,
            )
            setattr(namespace, self.dest, values)

    return _Deprecated


def walk(parser: argparse.ArgumentParser, path: str = "") -> Iterator[tuple[str, argparse.ArgumentParser]]:
    """Every (command path, subparser) below ``parser``: ``("runs show", ...)``."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                full = f"{path} {name}".strip()
                yield full, sub
                yield from walk(sub, full)


def _has_default(action: argparse.Action) -> bool:
    if action.default is None or action.default is False or action.default == argparse.SUPPRESS:
        return False
    if action.help == argparse.SUPPRESS or isinstance(action, argparse._StoreTrueAction):
        return False
    if isinstance(action.default, (list, tuple)) and not action.default:
        return False
    return not isinstance(action, (argparse._HelpAction, argparse._VersionAction))


def _default_text(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, (list, tuple)):
        return " ".join(str(v) for v in value)
    return str(value)


def _document_one(path: str, parser: argparse.ArgumentParser) -> None:
    parser.formatter_class = HelpFormatter
    if not parser.description or path in DESCRIPTIONS:
        parser.description = DESCRIPTIONS.get(path, parser.description)
    if parser.description:
        parser.description = " ".join(parser.description.split())
        parser.description = _wrap(parser.description)
    examples = EXAMPLES.get(path, ())
    if examples:
        parser.epilog = "examples:\n" + "\n".join(f"  {e}" for e in examples)
    for action in parser._actions:
        if isinstance(action, (argparse._HelpAction, argparse._SubParsersAction)):
            continue
        if action.dest in _METAVARS and action.metavar is None:
            action.metavar = _METAVARS[action.dest] if action.choices is None else None
        elif (
            action.metavar is None
            and action.choices is None
            and action.option_strings
            and action.nargs != 0
            and "_" in action.dest
        ):
            unit = next(
                (m for end, m in (("_pct", "PCT"), ("_hours", "H")) if action.dest.endswith(end)), None
            )
            action.metavar = unit or _TYPE_METAVARS.get(getattr(action.type, "__name__", ""), "VALUE")
        if not action.help and action.option_strings:
            key = next((o for o in action.option_strings if o in OPTION_HELP), None)
            action.help = OPTION_HELP.get(key, "") if key else action.help
        if action.help and action.help != argparse.SUPPRESS:
            action.help = action.help.replace("`", "'")
            said = next(
                (SAID_DEFAULTS[(path, o)] for o in action.option_strings if (path, o) in SAID_DEFAULTS), None
            )
            if "default" in action.help:
                pass
            elif said is not None:
                action.help = f"{action.help} (default: {said})"
            elif _has_default(action):
                action.help = f"{action.help} (default: {_default_text(action.default).replace('%', '%%')})"


def _wrap(text: str, width: int = 96) -> str:
    import textwrap

    return "\n".join(textwrap.wrap(text, width=width))


def document(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Add descriptions, defaults and examples to every command below ``parser`` (in place)."""
    parser.formatter_class = HelpFormatter
    parser.epilog = (
        "examples:\n  mlfootprint demo\n  mlfootprint run --region DE -- python train.py\n"
        "  mlfootprint runs show last\n\n"
        "'mlfootprint COMMAND --help' shows each command's options and examples."
    )
    for path, sub in walk(parser):
        _document_one(path, sub)
    return parser


def commands(parser: argparse.ArgumentParser) -> Sequence[str]:
    """The command paths below ``parser``."""
    return [path for path, _ in walk(parser)]
