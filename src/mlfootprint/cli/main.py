"""Entry point of the ``mlfootprint`` command.

Each command lives in its own module with ``register(subparsers)``; the handler it sets as ``func``
takes the parsed namespace and returns the exit status. Heavy imports stay inside handlers.
Errors: ``UsageError`` (and argparse mistakes) -> one line on stderr, exit 2; any other
``MlfootprintError`` and operating-system errors (a full disk) -> one line, exit 1. Output paths are
checked before a command starts. Last resort: any other exception is a bug; it becomes one line naming a
crash log (the traceback, credentials masked, in a private file) and exit status 70.
"""

from __future__ import annotations

import argparse
import functools
import importlib
import re
import sys
import warnings
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
    "mlfootprint.cli.dashboard",
    "mlfootprint.cli.study",
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
    from mlfootprint.cli.helpdoc import document

    return document(parser)


#: exit status of an internal error (EX_SOFTWARE of sysexits.h)
EXIT_INTERNAL = 70


def _warning_line(message: Warning | str, category: type[Warning], *args: Any, **kwargs: Any) -> None:
    from mlfootprint.redact import mask_text

    print(f"mlfootprint: warning: {mask_text(one_line(str(message)))}", file=sys.stderr)


@functools.lru_cache(maxsize=1)
def _shared_parser() -> argparse.ArgumentParser:
    """The parser, built once per process (parsing does not change it)."""
    return build_parser()


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (warnings are shown as one line each)."""
    with warnings.catch_warnings():
        warnings.showwarning = _warning_line
        return _main(argv)


def _main(argv: Sequence[str] | None) -> int:
    from mlfootprint.cli._common import check_output_paths
    from mlfootprint.redact import mask_text

    try:
        parser = _shared_parser()
        args = parser.parse_args(argv)
        if getattr(args, "func", None) is None:
            parser.print_help(sys.stderr)
            return 2
        check_output_paths(args)
        status: int = args.func(args)
    except MlfootprintError as exc:
        print(f"mlfootprint: error: {mask_text(one_line(str(exc)))}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("mlfootprint: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 1
    except OSError as exc:  # the machine, not the input: a full disk, a vanished folder
        where = f": {exc.filename}" if exc.filename else ""
        print(f"mlfootprint: error: {mask_text(exc.strerror or one_line(str(exc)))}{where}", file=sys.stderr)
        return 1
    except Exception as exc:  # noqa: BLE001 - the last resort: a bug, reported in one line with a crash log
        from mlfootprint.cli.crash import write_crash_log

        path = write_crash_log(exc, argv=list(sys.argv[1:] if argv is None else argv))
        print(
            f"mlfootprint: internal error: {type(exc).__name__}: {mask_text(one_line(str(exc)))[:200]} "
            f"(a bug; please report it with the crash log {path})",
            file=sys.stderr,
        )
        return EXIT_INTERNAL
    return status


def one_line(text: str) -> str:
    return " ".join(text.split())


if __name__ == "__main__":
    sys.exit(main())
