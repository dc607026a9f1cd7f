"""Power usage effectiveness (PUE) by operator and year."""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from pathlib import Path

from mlfootprint.errors import InvalidValueError, UnknownNameError
from mlfootprint.reference._table import (
    ALIASES_COLUMN,
    LICENSE_COLUMN,
    PUE_RANGE,
    SOURCE_COLUMN,
    YEAR_RANGE,
    Column,
    Schema,
    parse_aliases,
    read_rows,
    shipped_path,
)
from mlfootprint.reference.facts import DEFAULT_PUE_KEY, PueFact

__all__ = ["DEFAULT_PUE_KEY", "PUE_SCHEMA", "PueFact", "default_pue", "load_pue", "pue_facts", "resolve_pue"]

PUE_SCHEMA = Schema(
    table="pue",
    key=("key", "year"),
    columns=(
        Column(name="key", required=True),
        Column(name="who", required=True),
        ALIASES_COLUMN,
        Column(name="scope", optional_column=True),
        Column(name="year", kind="int", required=True, low=YEAR_RANGE[0], high=YEAR_RANGE[1]),
        Column(name="pue", kind="float", required=True, low=PUE_RANGE[0], high=PUE_RANGE[1]),
        SOURCE_COLUMN,
        LICENSE_COLUMN,
        Column(name="confidence", optional_column=True, choices=("high", "medium", "low")),
    ),
)


def load_pue(path: str | Path) -> tuple[PueFact, ...]:
    """Load a PUE table strictly (no merging)."""
    facts = []
    for row in read_rows(path, PUE_SCHEMA):
        year, pue = row.integer("year"), row.number("pue")
        assert year is not None and pue is not None  # required columns
        facts.append(
            PueFact(
                key=row.text("key").casefold(),
                who=row.text("who"),
                year=year,
                pue=pue,
                source=row.text("source"),
                scope=row.text("scope"),
                aliases=parse_aliases(row.text("aliases")),
                confidence=row.text("confidence").casefold() or "high",
            )
        )
    return tuple(facts)


@functools.lru_cache(maxsize=1)
def _shipped() -> tuple[PueFact, ...]:
    return load_pue(shipped_path("pue.csv"))


def pue_facts(path: str | Path | None = None) -> tuple[PueFact, ...]:
    """The shipped PUE table, or a user's table merged with it (user rows win on key and year)."""
    if path is None:
        return _shipped()
    user = load_pue(path)
    claimed = {(f.key, f.year) for f in user}
    return user + tuple(f for f in _shipped() if (f.key, f.year) not in claimed)


def _norm(text: str) -> str:
    return re.sub(r"[\s_]+", "-", text.strip().casefold())


def resolve_pue(
    datacenter: str, year: int | None = None, *, facts: Sequence[PueFact] | None = None
) -> PueFact:
    """The PUE of an operator or a typical datacenter, latest year by default.

    Args:
        datacenter: ``"google"``/``"gcp"``, ``"aws"``, ``"microsoft"``/``"azure"``, ``"meta"``,
            ``"uptime"``/``"global-average"``/``"average"``, ``"enterprise"``/``"on-premises"``,
            ``"cloud-average"``, or any key of the table.
        year: the year wanted; None for the latest the table has for that operator.
        facts: a table to search instead of the shipped one (see :func:`pue_facts`).

    Raises:
        UnknownNameError: unknown datacenter (the message names the closest ones).
        InvalidValueError: the year is not in the table for it (the message lists the years).
    """
    table = _shipped() if facts is None else facts
    names: dict[str, str] = {}
    for fact in table:
        names.setdefault(_norm(fact.key), fact.key)
    for fact in table:
        for alias in fact.aliases:
            names.setdefault(_norm(alias), fact.key)
    key = names.get(_norm(datacenter))
    if key is None:
        raise UnknownNameError("datacenter", datacenter, list(names))
    years: dict[int, PueFact] = {}
    for fact in table:
        if fact.key == key:
            years.setdefault(fact.year, fact)
    if year is None:
        return years[max(years)]
    if year not in years:
        available = ", ".join(str(y) for y in sorted(years))
        raise InvalidValueError("year", year, f"is not in the PUE table for {key!r} (available: {available})")
    return years[year]


def default_pue() -> PueFact:
    """The Uptime Institute global average PUE of the latest year in the table."""
    return resolve_pue(DEFAULT_PUE_KEY)
