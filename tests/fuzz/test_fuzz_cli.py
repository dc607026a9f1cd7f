"""Argument vectors for every subcommand, generated from the parser's own definitions: each run ends with
status 0, 2 or 1 (1 only for the ledger or a data source failing, documented in docs/robustness.md), at
most one error line on stderr, never a traceback or an internal error (the last-resort guard's exit 70)."""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from helpers.cli_harness import run_cli
from mlfootprint.cli.main import build_parser

pytestmark = pytest.mark.fuzz

#: commands that do real work for seconds or serve until stopped when given valid options (training, a server)
SKIPPED = {"demo", "dashboard", "study"}

NASTY = [
    "", " ", "-1", "0", "1", "1.5", "nan", "inf", "-inf", "1e308", "1e-308", "99999999999999999999999", "abc",
    "1h", "6h", "-6h", "0s", "2d", "1e308h", "DE", "FR", "V100", "A100", "2022-03-01T00:00Z",
    "9999-12-31T23:00Z",
    "0001-01-01", "yesterday", "tag:x", "x=y", "=", "\u0663", "\x00", "é", "../../etc/passwd", "%s%n", "{}",
    "[",
    "1e", "0x10", "1_000", "  7  ", "\n", "gcp:europe-west1", "google", "Europe", "1.0", "3", "2.5", "100",
]  # fmt: skip


def _subcommands(
    parser: argparse.ArgumentParser, prefix: list[str]
) -> list[tuple[list[str], argparse.ArgumentParser]]:
    out: list[tuple[list[str], argparse.ArgumentParser]] = [(prefix, parser)] if prefix else []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                out += _subcommands(sub, [*prefix, name])
    return out


COMMANDS = [(p, sp) for p, sp in _subcommands(build_parser(), []) if p[0] not in SKIPPED]


def _value(action: argparse.Action) -> st.SearchStrategy[str]:
    choices = [str(c) for c in action.choices] if action.choices else []
    pool = st.sampled_from(NASTY) | st.text(max_size=12)
    return st.sampled_from(choices) | pool if choices else pool


@st.composite
def argv_for(draw: Any, prefix: list[str], parser: argparse.ArgumentParser) -> list[str]:
    argv = list(prefix)
    options = [
        a for a in parser._actions
        if a.option_strings and not isinstance(a, (argparse._HelpAction, argparse._VersionAction))
        and a.dest not in ("db", "runs_db")
    ]  # fmt: skip
    for action in draw(st.lists(st.sampled_from(options), max_size=5, unique_by=id)) if options else []:
        flag = draw(st.sampled_from(action.option_strings))
        if action.nargs == 0:
            argv.append(flag)
        elif action.nargs in ("+", "*"):
            argv += [flag, *draw(st.lists(_value(action), min_size=1, max_size=3))]
        else:
            argv += [flag, draw(_value(action))]
    positionals = [
        a for a in parser._actions if not a.option_strings and not isinstance(a, argparse._SubParsersAction)
    ]
    for action in positionals:
        if action.nargs == argparse.REMAINDER:
            argv += ["--", "true"]
        elif action.nargs == "?" and draw(st.booleans()):
            continue
        else:
            argv.append(draw(_value(action)))
    return argv


def _check(argv: list[str], db: str) -> None:
    cut = argv.index("--") if "--" in argv else len(argv)
    full = [*argv[:cut], "--db", db, *argv[cut:]] if _has_db(argv) else argv
    result = run_cli(full)
    assert "Traceback" not in result.err, (full, result.err)
    assert "internal error" not in result.err and result.status != 70, (full, result.err)
    assert result.status in (0, 1, 2), (full, result.status, result.err)
    errors = [line for line in result.err_lines if ": error: " in line]
    assert len(errors) <= 1, (full, result.err)
    if result.status != 0:
        assert len(errors) == 1 or result.err_lines[-1].startswith("usage:") or "usage:" in result.err, (
            full,
            result.err,
        )


def _has_db(argv: list[str]) -> bool:
    for prefix, parser in COMMANDS:
        if argv[: len(prefix)] == prefix and all(
            not isinstance(a, argparse._SubParsersAction) for a in parser._actions
        ):
            return any(a.dest == "db" for a in parser._actions)
    return False


@pytest.mark.parametrize(("prefix", "parser"), COMMANDS, ids=[" ".join(p) for p, _ in COMMANDS])
def test_generated_arguments_never_crash(
    prefix: list[str], parser: argparse.ArgumentParser, home: Path
) -> None:
    with tempfile.TemporaryDirectory() as work:
        db = f"sqlite:///{Path(work) / 'ledger.sqlite3'}"
        cwd = os.getcwd()
        os.chdir(work)  # relative output paths land here
        try:

            @given(argv_for(prefix, parser))
            def check(argv: list[str]) -> None:
                _check(argv, db)

            check()
        finally:
            os.chdir(cwd)
