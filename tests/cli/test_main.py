"""The top-level parser: the command table matches the commands, and --help imports none of them."""

from __future__ import annotations

import subprocess
import sys

from mlfootprint.cli.main import COMMAND_MODULES, COMMANDS, build_parser


def test_the_command_table_matches_what_the_modules_register() -> None:
    sub = next(a for a in build_parser()._actions if a.dest == "command")
    registered = {a.dest: a.help for a in sub._choices_actions}  # type: ignore[attr-defined]
    assert {name: help_text for name, (_, help_text) in COMMANDS.items()} == registered
    assert {module for module, _ in COMMANDS.values()} == set(COMMAND_MODULES)


def test_top_level_help_lists_every_command_without_importing_them() -> None:
    code = (
        "import sys\n"
        "from mlfootprint.cli.main import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "own = ('mlfootprint.cli.main', 'mlfootprint.cli._common')\n"
        "print(sorted(m for m in sys.modules if m.startswith('mlfootprint.cli.') and m not in own))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    *help_lines, imported = done.stdout.strip().splitlines()
    assert imported == "[]"
    listed = "\n".join(help_lines)
    assert all(f"    {name} " in listed for name in COMMANDS)


def test_a_command_help_is_its_full_help() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "mlfootprint", "runs", "list", "--help"], capture_output=True, text=True
    )
    assert done.returncode == 0 and "--all" in done.stdout and "--limit" in done.stdout
