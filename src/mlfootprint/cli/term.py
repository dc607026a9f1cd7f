"""Terminal conventions shared by the commands: colour only on a terminal, and never with NO_COLOR."""

from __future__ import annotations

import argparse
import os
from typing import Any, TextIO

__all__ = ["add_verbosity_args", "use_color"]


def use_color(stream: TextIO, env: Any = None) -> bool:
    """Whether to colour ``stream``: a terminal, ``NO_COLOR`` unset (https://no-color.org), TERM not dumb."""
    env = os.environ if env is None else env
    if "NO_COLOR" in env or env.get("TERM") == "dumb":
        return False
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


def add_verbosity_args(parser: argparse.ArgumentParser) -> None:
    """``--verbose`` (full provenance) and ``--quiet`` (no summary) for commands that print one."""
    group = parser.add_mutually_exclusive_group()
    group.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        help="print the full provenance of every figure (default: a compact summary of at most 8 lines)",
    )
    group.add_argument(
        "-q", "--quiet", action="store_true", help="print no summary (the run is still stored)"
    )
