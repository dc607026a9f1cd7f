"""Entry point of the ``mlfootprint`` command.

Each command lives in its own module with ``register(subparsers)``; the handler it sets as ``func``
takes the parsed namespace and returns the exit status. Heavy imports stay inside handlers.
Errors: ``UsageError`` (and argparse mistakes) -> one line on stderr, exit 2; any other
``MlfootprintError`` -> one line, exit 1.
"""

from __future__ import annotations

import argparse
import importlib
import re
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

from mlfootprint import __version__
from mlfootprint.errors import MlfootprintError

__all__ = ["main"]

#: command modules, in the order ``--help`` lists them
COMMAND_MODULES = (
    "mlfootprint.cli.demo",
    "mlfootprint.cli.run",
    "mlfootprint.cli.estimate",
    "mlfootprint.cli.papers",
    "mlfootprint.cli.runs",
    "mlfootprint.cli.report",
    "mlfootprint.cli.schedule",
    "mlfootprint.cli.whatif",
    "mlfootprint.cli.summary",
    "mlfootprint.cli.doctor",
    "mlfootprint.cli.data",
)


#: command name -> (module, one-line help): ``mlfootprint --help`` and the parsing of one command import
#: only the chosen command's module. A module in ``COMMAND_MODULES`` without an entry here is imported
#: every time (correct, only slower).
COMMANDS: dict[str, tuple[str, str]] = {
    "demo": ("mlfootprint.cli.demo", "track a small CPU training job, store it, print its report"),
    "run": ("mlfootprint.cli.run", "track any command; store the run; print the summary"),
    "estimate": (
        "mlfootprint.cli.estimate",
        "footprint from a specification (hardware, count, duration, PUE, location)",
    ),
    "papers": ("mlfootprint.cli.papers", "reproduce the published tables (published vs computed)"),
    "runs": ("mlfootprint.cli.runs", "the run ledger: list, show or delete stored runs"),
    "report": (
        "mlfootprint.cli.report",
        "carbon statement of a run or an estimate (markdown, latex, json, html)",
    ),
    "schedule": ("mlfootprint.cli.schedule", "plan when to run one job"),
    "shift": ("mlfootprint.cli.schedule", "time-shifting study over every arrival"),
    "where": ("mlfootprint.cli.schedule", "compare zones: where to run"),
    "whatif": ("mlfootprint.cli.whatif", "4M what-if: Model, Machine, Mechanization, Map"),
    "summary": ("mlfootprint.cli.summary", "project totals: runs, device-hours, energy and CO2e, grouped"),
    "export": ("mlfootprint.cli.summary", "export runs (CSV or JSON, one flat row per run)"),
    "doctor": ("mlfootprint.cli.doctor", "which meters and data sources work here, and why not"),
    "data": ("mlfootprint.cli.data", "the reference tables, their sources and versions"),
}


class OneLineParser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line on stderr and exit status 2.

    Values such as ``-6h`` or ``-3`` are taken as option values (and then rejected by the option's own
    check, which names them) rather than mistaken for unknown options.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._negative_number_matcher = re.compile(r"^-(\d+\.?\d*|\.\d+)([a-zA-Z]+)?$|^-(inf|nan)$", re.I)

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {' '.join(message.split())}\n")


def _register(sub: Any, name: str) -> bool:
    try:
        module = importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name == name:  # command not built into this installation
            return False
        raise
    module.register(sub)
    return True


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The command-line parser: every command in full, or only ``command`` in full.

    With ``command`` (a name of ``COMMANDS``), the other commands are listed by name and one-line help
    without importing their modules: ``--help`` and a command's start stay fast.
    """
    parser = OneLineParser(
        prog="mlfootprint",
        description="Measure, estimate, report and reduce the energy and CO2e of machine learning.",
    )
    parser.add_argument("--version", action="version", version=f"mlfootprint {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=OneLineParser)
    tabled = {module for module, _ in COMMANDS.values()}
    lazy = command is not None
    chosen = COMMANDS[command][0] if command in COMMANDS else None
    for name in COMMAND_MODULES:
        if lazy and name in tabled and name != chosen:
            for cmd, (module, help_text) in COMMANDS.items():
                if module == name:
                    sub.add_parser(cmd, help=help_text, add_help=False)
            continue
        _register(sub, name)
    return parser


def _command_of(argv: Sequence[str]) -> str:
    """The command named in ``argv`` (``""`` when none: top-level help or an unknown name)."""
    for arg in argv:
        if not arg.startswith("-"):
            return arg if arg in COMMANDS else ""
    return ""


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(_command_of(argv))
    args = parser.parse_args(argv)
    if getattr(args, "func", None) is None:
        parser.print_help(sys.stderr)
        return 2
    try:
        status: int = args.func(args)
    except MlfootprintError as exc:
        print(f"mlfootprint: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("mlfootprint: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 1
    return status


if __name__ == "__main__":
    sys.exit(main())
