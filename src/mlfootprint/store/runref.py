"""Run references people can type: a whole id, ``last``/``last~N``, a unique part of an id, or a name.

Ids are ULID-like: their first ten characters are the creation time, so successive ids share a prefix;
their last characters are random. Views show the last eight characters (``short_id``), and any part of
an id (at least four characters) that matches exactly one run is accepted, as is a run's name (or
``project/name``) when one run has it. Anything that matches several runs is refused with the
candidates listed, in one line.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from mlfootprint.errors import RunNotFoundError

__all__ = ["MIN_PART_LENGTH", "RunRef", "resolve_run_ref", "short_id"]

#: the shortest part of an id accepted in place of the whole id
MIN_PART_LENGTH = 4
_LAST = re.compile(r"^last(?:~(\d+))?$", re.IGNORECASE)

RunRef = tuple[str, str, str]
"""``(id, project, name)`` of a stored run."""


def short_id(run_id: str) -> str:
    """The random tail of a run id that views show and people type (its last 8 characters)."""
    return run_id[-8:]


def _describe(run: RunRef) -> str:
    return f"{run[0]} ({run[1]}/{run[2]})"


def resolve_run_ref(ref: str, runs: Sequence[RunRef], *, ledger: str = "the ledger") -> str:
    """The full id ``ref`` names among ``runs`` (newest first).

    Raises:
        RunNotFoundError: nothing matches (the message names the latest runs), or several runs do (the
            message lists them). Both are usage errors: exit status 2.
    """
    text = ref.strip()
    if not runs:
        raise RunNotFoundError(f"no run {text!r}: the ledger {ledger} holds no runs")
    last = _LAST.match(text)
    if last:
        n = int(last.group(1) or 0)
        if n >= len(runs):
            raise RunNotFoundError(f"{text!r}: the ledger {ledger} holds only {len(runs)} run(s)")
        return runs[n][0]
    for run in runs:
        if run[0] == text:
            return run[0]
    matches: list[RunRef] = []
    if len(text) >= MIN_PART_LENGTH:
        upper = text.upper()
        matches = [r for r in runs if upper in r[0]]
    if not matches:
        matches = [r for r in runs if text in (r[2], f"{r[1]}/{r[2]}")]
    if len(matches) == 1:
        return matches[0][0]
    if matches:
        shown = ", ".join(_describe(r) for r in matches[:6]) + (", ..." if len(matches) > 6 else "")
        raise RunNotFoundError(f"run {text!r} is ambiguous: it matches {shown}; give one of these IDs")
    from mlfootprint.errors import closest_names

    near = closest_names(text.upper(), [r[0] for r in runs])
    hint = f"closest: {', '.join(near)}" if near else f"latest: {', '.join(_describe(r) for r in runs[:3])}"
    raise RunNotFoundError(
        f"unknown run id {text!r} (give an id, a part of one, a name, last or last~N); {hint}"
    )
