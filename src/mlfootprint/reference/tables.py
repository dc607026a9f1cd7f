"""The shipped tables as tables: what there is, its sources and years, and each table's raw rows."""

from __future__ import annotations

import csv
import functools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from mlfootprint.errors import ReferenceDataError, UnknownNameError

__all__ = ["TABLE_NAMES", "TableInfo", "list_tables", "table_rows", "validate_table"]

#: table name -> its CSV file in the package data (``papers`` is read by ``reference.papers``)
TABLE_NAMES = (
    "accelerators",
    "cpus",
    "grid_intensity_country",
    "grid_intensity_subnational",
    "cloud_regions",
    "pue",
    "papers",
    "places",
    "embodied",
    "calibration",
)
#: tables without a loader of their own: a user's copy is checked for the shipped table's columns
_COLUMN_CHECKED = ("places", "embodied", "calibration")


@dataclass(frozen=True, slots=True, kw_only=True)
class TableInfo:
    """A summary of one shipped table.

    Attributes:
        name: table name, e.g. ``"accelerators"``.
        rows: number of data rows.
        path: the CSV file.
        sources: the distinct ``source`` values, in first-seen order.
        years: the smallest and largest ``year``, or None if the table has no year column.
        license: the distinct licences of its rows, ``; ``-joined.
    """

    name: str
    rows: int
    path: str
    sources: tuple[str, ...]
    years: tuple[int, int] | None
    license: str


def _check_name(name: str) -> str:
    wanted = name.strip().casefold().replace("-", "_")
    if wanted.endswith(".csv"):
        wanted = wanted[: -len(".csv")]
    if wanted not in TABLE_NAMES:
        raise UnknownNameError("table", name, TABLE_NAMES)
    return wanted


@functools.lru_cache(maxsize=len(TABLE_NAMES))
def _rows(name: str) -> tuple[tuple[tuple[str, str], ...], ...]:
    from mlfootprint.reference._table import shipped_path

    with shipped_path(f"{name}.csv").open(newline="", encoding="utf-8") as handle:
        return tuple(tuple(row.items()) for row in csv.DictReader(handle))


def table_rows(name: str) -> list[dict[str, str]]:
    """The rows of a shipped table as text, column by column (for display).

    Raises:
        UnknownNameError: no such table (the message names the closest).
    """
    return [dict(row) for row in _rows(_check_name(name))]


def list_tables() -> list[TableInfo]:
    """Every shipped table with its row count, sources, years and licences."""
    from mlfootprint.reference._table import shipped_path

    infos = []
    for name in TABLE_NAMES:
        rows = table_rows(name)
        years = [int(row["year"]) for row in rows if row.get("year", "").strip()]
        infos.append(
            TableInfo(
                name=name,
                rows=len(rows),
                path=str(shipped_path(f"{name}.csv")),
                sources=tuple(dict.fromkeys(row["source"] for row in rows if row.get("source"))),
                years=(min(years), max(years)) if years else None,
                license="; ".join(
                    dict.fromkeys(
                        part.strip()
                        for row in rows
                        for part in row.get("license", "").split(";")
                        if part.strip()
                    )
                ),
            )
        )
    return infos


def _loader(name: str) -> Callable[[str | Path], tuple[object, ...]]:
    from mlfootprint.reference import grid, hardware, pue
    from mlfootprint.reference.cpus import load_cpus

    loaders: dict[str, Callable[[str | Path], tuple[object, ...]]] = {
        "accelerators": hardware.load_accelerators,
        "cpus": load_cpus,
        "grid_intensity_country": grid.load_country_intensity,
        "grid_intensity_subnational": grid.load_subnational_intensity,
        "cloud_regions": grid.load_cloud_regions,
        "pue": pue.load_pue,
    }
    return loaders[name]


def _validate_papers(path: str | Path) -> int:
    from mlfootprint.reference.papers import load_rows

    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ReferenceDataError(f"{path}: cannot read the file ({exc})") from None
    return len(load_rows(text))


def _validate_columns(table: str, path: str | Path) -> int:
    """Row count of a user's copy of ``table``, after checking it has the shipped table's columns."""
    try:
        with Path(path).open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            header = list(reader.fieldnames or [])
            rows = list(reader)
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise ReferenceDataError(f"{path}: cannot read the file ({exc})") from None
    wanted = list(dict(_rows(table)[0]))
    missing = [c for c in wanted if c not in header]
    if missing:
        raise ReferenceDataError(
            f"{path}: line 1: missing column(s) {', '.join(missing)} "
            f"(the {table} table has {', '.join(wanted)})"
        )
    for number, row in enumerate(rows, start=2):
        if not (row.get("source") or "").strip():
            raise ReferenceDataError(f"{path}: line {number}: column source is empty (every row is cited)")
    return len(rows)


def validate_table(name: str, path: str | Path) -> int:
    """Validate a user's table against the schema of the shipped table ``name``; return its row count.

    Raises:
        UnknownNameError: no such table.
        ReferenceDataError: the file is malformed (one line naming file, line, column and value).
    """
    from mlfootprint.reference._table import read_rows
    from mlfootprint.reference.cpus import CPU_SCHEMA
    from mlfootprint.reference.grid import CLOUD_SCHEMA, COUNTRY_SCHEMA, SUBNATIONAL_SCHEMA
    from mlfootprint.reference.hardware import ACCELERATOR_SCHEMA
    from mlfootprint.reference.pue import PUE_SCHEMA

    table = _check_name(name)
    if table == "papers":
        return _validate_papers(path)
    if table in _COLUMN_CHECKED:
        return _validate_columns(table, path)
    _loader(table)(path)
    schemas = {
        "accelerators": ACCELERATOR_SCHEMA,
        "cpus": CPU_SCHEMA,
        "grid_intensity_country": COUNTRY_SCHEMA,
        "grid_intensity_subnational": SUBNATIONAL_SCHEMA,
        "cloud_regions": CLOUD_SCHEMA,
        "pue": PUE_SCHEMA,
    }
    return len(read_rows(path, schemas[table]))
