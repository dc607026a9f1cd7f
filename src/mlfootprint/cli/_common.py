"""Helpers shared by the commands: argument types, common options, output."""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import re
import sys
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from mlfootprint.bounds import DURATION_S, check_time
from mlfootprint.errors import InvalidValueError, UsageError

if TYPE_CHECKING:
    from pathlib import Path

__all__ = [
    "add_db_arg",
    "add_format_arg",
    "check_output_paths",
    "duration_s",
    "emit",
    "finite_float",
    "iso_time",
    "parse_duration_s",
    "print_json",
]

_DURATION = re.compile(
    r"^\s*(\d+(?:\.\d*)?|\.\d+)\s*(s|sec|m|min|h|hr|d|day|days|w)?\s*$", re.IGNORECASE | re.ASCII
)
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


#: no option of any command takes a number this large; anything beyond is a typo or an attack
MAX_MAGNITUDE = 1e15


def _show(text: str) -> str:
    return repr(text if len(text) <= 60 else text[:60] + "...")


def finite_float(text: str) -> float:
    try:
        if not text.isascii():
            raise ValueError(text)  # float() takes other scripts' digits; a typo here, not a number
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{_show(text)} is not a number") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"{_show(text)} is not a finite number")
    if abs(value) > MAX_MAGNITUDE:
        raise argparse.ArgumentTypeError(f"{_show(text)} is out of range (at most {MAX_MAGNITUDE:g})")
    return value


def parse_duration_s(text: str) -> float:
    """Parse ``"6h"``, ``"30m"``, ``"2d"``, ``"90s"`` or a bare number of seconds into seconds.

    Raises ``ValueError`` naming the text when it is malformed, negative or zero.
    """
    if text.strip().startswith("-"):
        raise ValueError(f"{_show(text)} must be a positive duration")
    match = _DURATION.match(text) if len(text) <= 64 else None
    if not match:
        raise ValueError(f"{_show(text)} is not a duration (use e.g. 90s, 30m, 6h, 2d)")
    number = float(match.group(1))
    unit = (match.group(2) or "s").lower()
    seconds = number * _UNIT_S[unit]
    if seconds <= 0 or not math.isfinite(seconds):
        raise ValueError(f"{_show(text)} must be a positive duration")
    if seconds > DURATION_S.high:
        raise ValueError(f"{_show(text)} is longer than 100 years; check the unit (90s, 30m, 6h, 2d)")
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
        if len(text) > 64:
            raise ValueError(text)
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00").replace(" ", "T", 1))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{_show(text)} is not an ISO 8601 time (e.g. 2022-06-01T08:00Z)"
        ) from None
    try:
        return check_time(value, "time")
    except InvalidValueError as exc:
        raise argparse.ArgumentTypeError(f"{_show(text)} {exc.reason}") from None


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


def emit(text: str, out_path: str | None = None, option: str = "--out") -> None:
    """Write text to ``out_path`` (atomically) or stdout.

    Raises:
        UsageError: the file cannot be written (the message names ``option``, the path and why).
    """
    if out_path is None:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
        return
    from pathlib import Path

    target = Path(out_path)
    tmp = target.with_name(f"{target.name}.tmp-{os.getpid()}")
    try:
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(target)
    except (OSError, ValueError) as exc:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise UsageError(f"{option} {out_path!r}: cannot write: {reason}") from None


#: options (by argparse ``dest``) that name a file to write, and those that name a folder to write into
OUTPUT_FILES = {"out": "--out", "json_out": "--json-out", "plot": "--plot"}
OUTPUT_DIRS = {"plots": "--plots"}


def _probe_folder(folder: Path, option: str, given: str) -> None:
    """Create and remove a file in ``folder``: the one test that also holds for root and read-only mounts."""
    import tempfile
    from pathlib import Path

    try:
        fd, name = tempfile.mkstemp(prefix=".mlfootprint-probe-", dir=folder)
    except OSError as exc:
        raise InvalidValueError(option, given, f"cannot be written: {exc.strerror or exc}") from None
    os.close(fd)
    Path(name).unlink()


def check_output_paths(args: argparse.Namespace) -> None:
    """Check every output path of a parsed command before it does anything (``UsageError`` if unusable).

    A file's folder must exist and be writable and the file must not be a folder; a folder must be a
    folder (or not exist yet, under a writable one). Nothing is left behind.
    """
    for dest, option in OUTPUT_FILES.items():
        given = getattr(args, dest, None)
        if not isinstance(given, str):
            continue
        if not given.strip() or "\0" in given:
            raise InvalidValueError(option, given, "is not a file name")
        from pathlib import Path

        target = Path(given)
        if target.is_dir():
            raise InvalidValueError(option, given, "is a folder; give a file name")
        folder = target.parent
        if not folder.is_dir():
            raise InvalidValueError(
                option, given, f"cannot be written: the folder {str(folder)!r} does not exist"
            )
        _probe_folder(folder, option, given)
    for dest, option in OUTPUT_DIRS.items():
        given = getattr(args, dest, None)
        if not isinstance(given, str):
            continue
        if not given.strip() or "\0" in given:
            raise InvalidValueError(option, given, "is not a folder name")
        from pathlib import Path

        folder = Path(given)
        if folder.exists() and not folder.is_dir():
            raise InvalidValueError(option, given, "is a file, not a folder")
        existing = folder
        while not existing.exists() and existing != existing.parent:
            existing = existing.parent
        if not existing.is_dir():
            raise InvalidValueError(option, given, f"cannot be created: {str(existing)!r} is not a folder")
        _probe_folder(existing, option, given)


Handler = Callable[[argparse.Namespace], int]
