"""Helpers shared by the commands: argument types, common options, output."""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import sys
from collections.abc import Callable, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

__all__ = [
    "add_db_arg",
    "add_format_arg",
    "duration_s",
    "emit",
    "finite_float",
    "iso_time",
    "nonnegative_float",
    "parse_duration_s",
    "positive_float",
    "positive_int",
    "print_json",
]

_DURATION = re.compile(r"^\s*(\d+(?:\.\d*)?|\.\d+)\s*(s|sec|m|min|h|hr|d|day|days|w)?\s*$", re.IGNORECASE)
_UNIT_S = {
    "s": 1.0,
    "sec": 1.0,
    "m": 60.0,
    "min": 60.0,
    "h": 3600.0,
    "hr": 3600.0,
    "d": 86400.0,
    "day": 86400.0,
    "days": 86400.0,
    "w": 604800.0,
}


def finite_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"{text!r} is not a finite number")
    return value


def positive_float(text: str) -> float:
    value = finite_float(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be greater than 0")
    return value


def nonnegative_float(text: str) -> float:
    value = finite_float(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text!r} must not be negative")
    return value


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be at least 1")
    return value


def parse_duration_s(text: str) -> float:
    """Parse ``"6h"``, ``"30m"``, ``"2d"``, ``"90s"`` or a bare number of seconds into seconds.

    Raises ``ValueError`` naming the text when it is malformed, negative or zero.
    """
    if text.strip().startswith("-"):
        raise ValueError(f"{text!r} must be a positive duration")
    match = _DURATION.match(text)
    if not match:
        raise ValueError(f"{text!r} is not a duration (use e.g. 90s, 30m, 6h, 2d)")
    number = float(match.group(1))
    unit = (match.group(2) or "s").lower()
    seconds = number * _UNIT_S[unit]
    if seconds <= 0 or not math.isfinite(seconds):
        raise ValueError(f"{text!r} must be a positive duration")
    return seconds


def duration_s(text: str) -> float:
    """argparse type for durations (see ``parse_duration_s``)."""
    try:
        return parse_duration_s(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def iso_time(text: str) -> datetime:
    """argparse type for an ISO 8601 time; a time without a zone is taken as UTC."""
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00").replace(" ", "T", 1))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not an ISO 8601 time (e.g. 2022-06-01T08:00Z)"
        ) from None
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def add_format_arg(parser: argparse.ArgumentParser, choices: Sequence[str] = ("text", "json")) -> None:
    parser.add_argument("--format", choices=list(choices), default=choices[0], help="output format")


def add_db_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--db",
        default=None,
        metavar="URL",
        help="run ledger: sqlite:///path or postgresql://... (default: $MLFOOTPRINT_DB or the per-user file)",
    )


def print_json(obj: Any, stream: Any = None) -> None:
    out = stream if stream is not None else sys.stdout
    json.dump(obj, out, indent=2, sort_keys=False, default=str)
    out.write("\n")


def emit(text: str, out_path: str | None = None) -> None:
    """Write text to ``out_path`` (atomically) or stdout."""
    if out_path is None:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
        return
    target = Path(out_path)
    tmp = target.with_name(f"{target.name}.tmp-{os.getpid()}")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(target)


Handler = Callable[[argparse.Namespace], int]
