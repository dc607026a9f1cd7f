# size: the dispatch with its argparse classes: --help imports no other module of mlfootprint.cli
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
    "mlfootprint.cli.compare",
    "mlfootprint.cli.doctor",
    "mlfootprint.cli.data",
    "mlfootprint.cli.dashboard",
    "mlfootprint.cli.study",
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
    "compare": (
        "mlfootprint.cli.compare",
        "runs' quality metric against their cost, with the Pareto front",
    ),
    "dashboard": (
        "mlfootprint.cli.dashboard",
        "the run ledger in a browser (read-only; needs mlfootprint[dashboard])",
    ),
    "study": (
        "mlfootprint.cli.study",
        "studies that use the tracker like a researcher would (compression)",
    ),
}


class _BuildingFormatter(argparse.HelpFormatter):
    """The formatter argparse asks for while options are added (it checks their metavars with one).

    Its fixed width spares building a parser the terminal's measurement (``shutil``); help is never
    formatted with it: ``helpdoc.document`` gives every command its own formatter first.
    """

    def __init__(self, prog: str, **kwargs: Any) -> None:
        kwargs.setdefault("width", 100)
        super().__init__(prog, **kwargs)


class OneLineParser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line on stderr and exit status 2.

    Values such as ``-6h`` or ``-3`` are taken as option values (and then rejected by the option's own
    check, which names them) rather than mistaken for unknown options. A parser built with
    ``build_parser(..., documented=False)`` adds its help texts and examples (``helpdoc.document``)
    when its help or usage is first formatted: parsing and its one-line errors never need them.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", _BuildingFormatter)
        super().__init__(*args, **kwargs)
        self._negative_number_matcher = re.compile(r"^-(\d+\.?\d*|\.\d+)([a-zA-Z]+)?$|^-(inf|nan)$", re.I)
        self.undocumented_root: argparse.ArgumentParser | None = None

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {' '.join(message.split())}\n")

    def format_usage(self) -> str:
        self._documented()
        return super().format_usage()

    def format_help(self) -> str:
        self._documented()
        return super().format_help()

    def _documented(self) -> None:
        root = self.undocumented_root
        if root is None:
            return
        for parser in _tree(root):
            if isinstance(parser, OneLineParser):
                parser.undocumented_root = None
        from mlfootprint.cli.helpdoc import document

        document(root)


def _tree(parser: argparse.ArgumentParser) -> list[argparse.ArgumentParser]:
    """``parser`` and every parser below it."""
    found = [parser]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                found += _tree(sub)
    return found


class _CommandListFormatter(argparse.HelpFormatter):
    """Help with room for the longest command name (``dashboard``) beside its one-line help.

    argparse measures command names without their extra indent, so a name over 8 characters would go on
    a line of its own.
    """

    def __init__(self, prog: str) -> None:
        super().__init__(prog, max_help_position=30)

    def add_argument(self, action: argparse.Action) -> None:
        super().add_argument(action)
        if isinstance(action, argparse._SubParsersAction) and action.help is not argparse.SUPPRESS:
            longest = max((len(str(a.metavar or a.dest)) for a in action._get_subactions()), default=0)
            self._action_max_length = max(self._action_max_length, longest + self._current_indent + 2)


def _register(sub: Any, name: str) -> bool:
    try:
        module = importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name == name:  # command not built into this installation
            return False
        raise
    module.register(sub)
    return True


def build_parser(
    command: str | None = None, *, siblings: bool = True, documented: bool = True
) -> argparse.ArgumentParser:
    """The command-line parser: every command in full, or only ``command`` in full.

    With ``command`` (a name of ``COMMANDS``), the other commands are listed by name and one-line help
    without importing their modules: ``--help`` and a command's start stay fast. ``siblings=False``
    leaves them out altogether, for a command line that starts with ``command`` (nothing before it can
    ask for the top-level help that lists them). ``documented=False`` leaves the help texts and examples
    to be added when help is first formatted (see ``OneLineParser``).
    """
    listing = command is not None and command not in COMMANDS  # the command list alone
    parser = OneLineParser(
        prog="mlfootprint",
        description="Measure, estimate, report and reduce the energy and CO2e of machine learning.",
        formatter_class=_CommandListFormatter if listing else _BuildingFormatter,
    )
    parser.add_argument("--version", action="version", version=f"mlfootprint {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=OneLineParser)
    tabled = {module for module, _ in COMMANDS.values()}
    lazy = command is not None
    chosen = COMMANDS[command][0] if command in COMMANDS else None
    for name in COMMAND_MODULES:
        if lazy and name in tabled and name != chosen:
            if not siblings and chosen is not None:
                continue
            for cmd, (module, help_text) in COMMANDS.items():
                if module == name:
                    sub.add_parser(cmd, help=help_text, add_help=False)
            continue
        _register(sub, name)
    if listing:  # its one-line helps need no examples
        return parser
    if not documented:
        for each in _tree(parser):
            if isinstance(each, OneLineParser):
                each.undocumented_root = parser
        return parser
    from mlfootprint.cli.helpdoc import document

    return document(parser)


#: exit status of an internal error (EX_SOFTWARE of sysexits.h)
EXIT_INTERNAL = 70


def _warning_line(message: Warning | str, category: type[Warning], *args: Any, **kwargs: Any) -> None:
    from mlfootprint.redact import mask_text

    print(f"mlfootprint: warning: {mask_text(one_line(str(message)))}", file=sys.stderr)


def _command_of(argv: Sequence[str]) -> str:
    """The command named in ``argv`` (``""`` when none: top-level help or an unknown name)."""
    for arg in argv:
        if not arg.startswith("-"):
            return arg if arg in COMMANDS else ""
    return ""


@functools.cache
def _shared_parser(command: str, siblings: bool = True) -> argparse.ArgumentParser:
    """The parser for ``command``, built once per process (parsing does not change it), documented when
    its help is first shown."""
    return build_parser(command, siblings=siblings, documented=False)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (warnings are shown as one line each)."""
    with warnings.catch_warnings():
        warnings.showwarning = _warning_line
        return _main(argv)


def mask_text(text: str) -> str:
    """``redact.mask_text``, imported when an error is shown (``--help`` and a clean run never need it)."""
    from mlfootprint.redact import mask_text as mask

    return mask(text)


def _main(argv: Sequence[str] | None) -> int:
    try:
        words = list(sys.argv[1:] if argv is None else argv)
        command = _command_of(words)
        parser = _shared_parser(command, siblings=not (command and words[0] == command))
        args = parser.parse_args(words)
        if getattr(args, "func", None) is None:
            parser.print_help(sys.stderr)
            return 2
        from mlfootprint.cli._common import check_output_paths  # after parsing: --help never needs it

        check_output_paths(args)
        from mlfootprint.datacache import held_entries

        with held_entries() as commit:  # look-ups a refused command resolved are not cached
            status: int = args.func(args)
            if status == 0:
                commit()
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
