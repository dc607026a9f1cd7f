"""Help as documentation: every command has a description, help on every option, and examples."""

from __future__ import annotations

import argparse
import shlex

import pytest

from mlfootprint.cli.helpdoc import EXAMPLES, walk
from mlfootprint.cli.main import build_parser, main

PARSER = build_parser()
COMMANDS = list(walk(PARSER))


def test_every_command_is_documented() -> None:
    assert {path for path, _ in COMMANDS} >= {"run", "runs show", "schedule", "whatif", "export", "demo"}


@pytest.mark.parametrize(("path", "sub"), COMMANDS, ids=[p for p, _ in COMMANDS])
def test_description_option_help_and_examples(path: str, sub: argparse.ArgumentParser) -> None:
    assert sub.description and len(sub.description) > 20, path
    for action in sub._actions:
        if isinstance(action, (argparse._HelpAction, argparse._SubParsersAction)):
            continue
        assert action.help, f"{path} {action.option_strings or action.dest} has no help"
    text = sub.format_help()
    assert "`" not in text
    assert "RUNS_" not in text
    assert "examples:\n  mlfootprint " in text
    for action in sub._actions:
        default = action.default
        if action.help == argparse.SUPPRESS or isinstance(action, argparse._StoreTrueAction):
            continue
        if default == argparse.SUPPRESS:
            continue
        if isinstance(default, (int, float, str)) and not isinstance(default, bool):
            assert "default" in str(action.help), f"{path} {action.option_strings}: default not shown"


@pytest.mark.parametrize("example", [e for ex in EXAMPLES.values() for e in ex])
def test_every_example_parses(example: str) -> None:
    argv = shlex.split(example)
    assert argv[0] == "mlfootprint"
    args = PARSER.parse_args(argv[1:])
    assert callable(args.func)


def test_help_exits_0_and_shows_examples(capsys: pytest.CaptureFixture[str]) -> None:
    for path, _ in COMMANDS:
        with pytest.raises(SystemExit) as info:
            main([*path.split(), "--help"])
        assert info.value.code == 0
        assert "examples:" in capsys.readouterr().out


def test_one_meaning_per_option_the_old_whatif_spelling_warns(capsys: pytest.CaptureFixture[str]) -> None:
    new = PARSER.parse_args(["whatif", "--hardware", "V100", "--to-region", "FR"])
    assert new.region == "FR"
    capsys.readouterr()
    old = PARSER.parse_args(["whatif", "--hardware", "V100", "--region", "FR"])
    assert old.region == "FR"
    assert "--region is deprecated here; use --to-region" in capsys.readouterr().err
    whatif = dict(COMMANDS)["whatif"].format_help()
    assert "--to-region" in whatif and "  --region" not in whatif
