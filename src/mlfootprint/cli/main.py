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
    "mlfootprint.cli.compare",
    "mlfootprint.cli.doctor",
    "mlfootprint.cli.data",
)


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


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(
        prog="mlfootprint",
        description="Measure, estimate, report and reduce the energy and CO2e of machine learning.",
    )
    parser.add_argument("--version", action="version", version=f"mlfootprint {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=OneLineParser)
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:  # command not built into this installation
                continue
            raise
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
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
