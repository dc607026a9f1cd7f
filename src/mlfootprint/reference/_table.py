"""Strict reading of reference tables: columns, types, plausible ranges and unique keys.

Every problem is raised as one ``ReferenceDataError`` line naming the file, the line, the column and the
value, so a user who brings their own table knows exactly what to fix.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from mlfootprint.errors import ReferenceDataError

__all__ = [
    "ALIASES_COLUMN",
    "LICENSE_COLUMN",
    "SOURCE_COLUMN",
    "Column",
    "Row",
    "Schema",
    "normalize_hardware_name",
    "parse_aliases",
    "read_rows",
    "shipped_path",
]

#: plausible ranges, shared by every table that has such a column
YEAR_RANGE = (1990.0, 2030.0)
POWER_W_RANGE = (1.0, 5000.0)
PUE_RANGE = (1.0, 3.0)
INTENSITY_RANGE = (0.0, 2000.0)
FRAC_RANGE = (0.0, 1.0)
PCT_RANGE = (0.0, 100.0)


@dataclass(frozen=True, slots=True, kw_only=True)
class Column:
    """One column of a table schema.

    Attributes:
        name: the header name.
        kind: ``"text"``, ``"float"`` or ``"int"``.
        required: the value may not be empty.
        optional_column: the column may be missing from the header (then every value is empty).
        low: smallest plausible value (numbers only), inclusive.
        high: largest plausible value (numbers only), inclusive.
        choices: allowed values (text only, compared case-insensitively).
    """

    name: str
    kind: str = "text"
    required: bool = False
    optional_column: bool = False
    low: float | None = None
    high: float | None = None
    choices: tuple[str, ...] = ()


#: the provenance and naming columns every table shares
SOURCE_COLUMN = Column(name="source", required=True)
LICENSE_COLUMN = Column(name="license", optional_column=True)
ALIASES_COLUMN = Column(name="aliases", optional_column=True)


@dataclass(frozen=True, slots=True, kw_only=True)
class Schema:
    """The columns of one table and the columns whose values together must be unique."""

    table: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class Row:
    """One validated row: text values by column, the parsed numbers, and where it came from."""

    values: dict[str, str]
    numbers: dict[str, float | None]
    line: int
    path: str

    def text(self, name: str) -> str:
        return self.values.get(name, "")

    def number(self, name: str) -> float | None:
        return self.numbers.get(name)

    def integer(self, name: str) -> int | None:
        value = self.numbers.get(name)
        return None if value is None else int(value)

    def fail(self, column: str, reason: str) -> ReferenceDataError:
        """An error about this row's ``column``, for checks beyond the schema."""
        return ReferenceDataError(
            f"{self.path}: line {self.line}, column {column!r}: {self.values.get(column, '')!r} {reason}"
        )


def shipped_path(name: str) -> Path:
    """Path of a table shipped with the package, e.g. ``shipped_path("pue.csv")``."""
    return Path(__file__).parent / "data" / name


def normalize_hardware_name(name: str) -> str:
    """Lower-case ``name`` and keep only letters, digits and ``+``."""
    return re.sub(r"[^a-z0-9+]", "", name.casefold())


def parse_aliases(text: str) -> tuple[str, ...]:
    """Split a ``;``-separated alias cell into its non-empty, stripped parts."""
    return tuple(part.strip() for part in text.split(";") if part.strip())


def _parse_number(schema_col: Column, raw: str, where: Callable[[str], str]) -> float:
    try:
        value = float(raw)
    except ValueError:
        raise ReferenceDataError(where("is not a number")) from None
    if not math.isfinite(value):
        raise ReferenceDataError(where("is not a finite number"))
    if schema_col.kind == "int" and not value.is_integer():
        raise ReferenceDataError(where("is not a whole number"))
    low, high = schema_col.low, schema_col.high
    if (low is not None and value < low) or (high is not None and value > high):
        lo = "-inf" if low is None else f"{low:g}"
        hi = "inf" if high is None else f"{high:g}"
        raise ReferenceDataError(where(f"is implausible (expected {lo} to {hi})"))
    return value


def read_rows(
    path: str | Path,
    schema: Schema,
    key_of: Callable[[Row], Sequence[str]] | None = None,
) -> list[Row]:
    """Read and validate a CSV table.

    Args:
        path: the CSV file (UTF-8, header on the first line).
        schema: the expected columns, their types and ranges, and the key columns.
        key_of: optional function giving every key a row claims (e.g. a name and its aliases); each
            must be unique across rows. Defaults to the schema's key columns, compared case-insensitively.

    Returns:
        The rows, in file order.

    Raises:
        ReferenceDataError: unreadable file, missing column, bad or implausible value, duplicate key.
    """
    from mlfootprint.tables_text import read_csv_numbered, read_limited

    shown = str(path)
    data = read_limited(shown, what="table", error=ReferenceDataError)
    numbered = read_csv_numbered(data, shown, what="table", error=ReferenceDataError)
    if not numbered:
        raise ReferenceDataError(f"{shown}: empty file (expected a header line)")
    header = [cell.strip() for cell in numbered[0][1]]
    body = numbered[1:]

    missing = [c.name for c in schema.columns if not c.optional_column and c.name not in header]
    if missing:
        raise ReferenceDataError(
            f"{shown}: missing column(s) {', '.join(repr(m) for m in missing)} for table {schema.table!r}"
        )
    position = {name: i for i, name in enumerate(header)}
    rows: list[Row] = []
    seen: dict[str, int] = {}
    for line, cells in body:
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) > len(header):
            raise ReferenceDataError(f"{shown}: line {line}: {len(cells)} cells but {len(header)} columns")
        values: dict[str, str] = {}
        numbers: dict[str, float | None] = {}
        for col in schema.columns:
            index = position.get(col.name)
            raw = cells[index].strip() if index is not None and index < len(cells) else ""
            values[col.name] = raw

            def where(reason: str, _col: str = col.name, _raw: str = raw, _line: int = line) -> str:
                return f"{shown}: line {_line}, column {_col!r}: {_raw!r} {reason}"

            if not raw:
                if col.required:
                    raise ReferenceDataError(where("is empty (a value is required)"))
                if col.kind != "text":
                    numbers[col.name] = None
                continue
            if col.kind == "text":
                if col.choices and raw.casefold() not in col.choices:
                    raise ReferenceDataError(where(f"is not one of {', '.join(col.choices)}"))
            else:
                numbers[col.name] = _parse_number(col, raw, where)
        row = Row(values=values, numbers=numbers, line=line, path=shown)
        keys = key_of(row) if key_of is not None else ["|".join(values[k].casefold() for k in schema.key)]
        for key in keys:
            if key in seen:
                raise ReferenceDataError(
                    f"{shown}: line {line}: duplicate key {key!r} (first on line {seen[key]})"
                )
            seen[key] = line
        rows.append(row)
    _check_units(rows, schema, shown)
    return rows


def _check_units(rows: list[Row], schema: Schema, shown: str) -> None:
    """A g/kWh column whose every value is below 2 holds kg/kWh: refused, naming the likely unit."""
    for col in schema.columns:
        if col.kind != "float" or not col.name.endswith("_per_kwh") or not col.name.startswith("g_"):
            continue
        values = [v for r in rows if (v := r.numbers.get(col.name)) is not None]
        if len(values) >= 2 and 0 < max(values) < 2.0:
            raise ReferenceDataError(
                f"{shown}: column {col.name!r}: every value is below 2 (largest {max(values):g}); "
                "these look like kg/kWh; give g/kWh (x 1000)"
            )
