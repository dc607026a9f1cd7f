"""One exception tree for the whole package.

Every error carries ``exit_code``: 2 for a user's mistake (bad input), 1 for anything else.
The command line prints ``str(error)`` as one line and exits with that code.
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = [
    "AmbiguousNameError",
    "ConfigError",
    "IntensityError",
    "InvalidValueError",
    "LedgerNotFoundError",
    "MeterError",
    "MeterUnavailableError",
    "MlfootprintError",
    "ReferenceDataError",
    "RunNotFoundError",
    "ScheduleError",
    "SeriesError",
    "StoreError",
    "TrackerError",
    "UnknownNameError",
    "UsageError",
    "closest_names",
]


class MlfootprintError(Exception):
    """Base of every error the package raises on purpose."""

    exit_code: int = 1


class UsageError(MlfootprintError):
    """The user's input is wrong (bad value, unknown name, conflicting options)."""

    exit_code = 2


class InvalidValueError(UsageError):
    """A value is out of range or malformed.

    Args:
        name: the option or field that was wrong, e.g. ``"--hours"`` or ``"pue"``.
        value: the value as given.
        reason: why it is wrong, e.g. ``"must be a positive number"``.
    """

    def __init__(self, name: str, value: object, reason: str) -> None:
        self.name = name
        self.value = value
        self.reason = reason
        super().__init__(f"{name}: {value!r} {reason}")


class UnknownNameError(UsageError):
    """A name (hardware, region, datacenter, zone, ...) is not known.

    Args:
        kind: what was looked up, e.g. ``"hardware"``.
        name: the name as given.
        candidates: every valid name; the closest ones are named in the message.
    """

    def __init__(self, kind: str, name: str, candidates: Iterable[str]) -> None:
        self.kind = kind
        self.name = name
        self.suggestions = closest_names(name, candidates)
        hint = f"; closest: {', '.join(self.suggestions)}" if self.suggestions else ""
        super().__init__(f"unknown {kind} {name!r}{hint}")


class AmbiguousNameError(UsageError):
    """A name matches more than one row; the message lists every candidate and how to qualify it.

    Args:
        kind: what was looked up, e.g. ``"region"``.
        name: the name as given.
        candidates: the rows it matches, as names a user can type instead.
    """

    def __init__(self, kind: str, name: str, candidates: Iterable[str]) -> None:
        self.kind = kind
        self.name = name
        self.candidates = tuple(dict.fromkeys(candidates))
        super().__init__(
            f"ambiguous {kind} {name!r}: matches {', '.join(self.candidates)}; give one of those"
        )


class ReferenceDataError(UsageError):
    """A reference table (shipped or the user's own) is malformed."""


class ConfigError(UsageError):
    """A setting from the environment or the config file is malformed."""


class MeterError(MlfootprintError):
    """A meter failed while reading (translated from the vendor library's error)."""


class MeterUnavailableError(MeterError):
    """A meter cannot be opened here; the message says why and how to fix it."""


class TrackerError(MlfootprintError):
    """The tracker was used wrongly (stopped twice, phase not open, ...) or its sampler failed."""


class StoreError(MlfootprintError):
    """The run ledger could not be read or written."""


class LedgerNotFoundError(UsageError):
    """A command that reads the ledger was pointed at a SQLite ledger file that does not exist."""


class RunNotFoundError(UsageError):
    """No run with the given id is in the ledger."""


class IntensityError(MlfootprintError):
    """An intensity source failed (network, API error); callers fall back visibly."""


class SeriesError(UsageError):
    """An intensity series file is unreadable or malformed (gaps, non-monotonic time, ...)."""


class ScheduleError(UsageError):
    """A scheduling request cannot be satisfied (slack beyond the data, negative duration, ...)."""


def closest_names(name: str, candidates: Iterable[str], limit: int = 3) -> list[str]:
    """Return up to ``limit`` candidates closest to ``name`` (case-insensitive), best first."""
    pool = list(dict.fromkeys(candidates))
    by_lower: dict[str, str] = {}
    for candidate in pool:
        by_lower.setdefault(candidate.lower(), candidate)
    needle = name.lower().strip()
    import difflib  # only when a name was wrong: not on a tracked run's path

    matches = difflib.get_close_matches(needle, list(by_lower), n=limit, cutoff=0.4)
    if len(matches) < limit:
        for lower in by_lower:
            if len(matches) >= limit:
                break
            if lower not in matches and needle and (needle in lower or lower in needle):
                matches.append(lower)
    return [by_lower[m] for m in matches]
