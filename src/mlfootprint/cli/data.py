"""``mlfootprint data``: the reference tables, their sources, years and licences.

::

    mlfootprint data [--format text|json]                 list the tables
    mlfootprint data show TABLE [--format text|json|csv]  print one table
    mlfootprint data check FILE --table TABLE             validate a user's table
"""

from __future__ import annotations

import argparse
import csv
import sys
from typing import Any

from mlfootprint.cli._common import add_format_arg, emit, print_json

__all__ = ["register"]

#: columns shown by ``data show`` in text form (every column is in csv/json)
_TEXT_COLUMNS = {
    "accelerators": (
        "name",
        "kind",
        "tdp_w",
        "measured_avg_power_w",
        "measured_power_spread_frac",
        "peak_fp16_bf16_tflops",
        "peak_fp32_tflops",
        "memory_gb",
        "year",
    ),
    "cpus": ("name", "segment", "cores", "threads", "tdp_w", "tdp_per_core_w", "year"),
    "grid_intensity_country": ("iso3", "iso2", "country", "year", "g_co2e_per_kwh"),
    "grid_intensity_subnational": ("region_code", "region_name", "year", "g_co2e_per_kwh", "basis"),
    "cloud_regions": ("provider", "region_id", "location", "year", "g_co2e_per_kwh", "google_cfe_pct"),
    "pue": ("key", "who", "year", "pue", "scope"),
    "papers": (
        "id",
        "model",
        "hardware",
        "count",
        "duration_value",
        "duration_unit",
        "energy_printed",
        "energy_unit",
        "co2e_printed",
        "co2e_unit",
    ),
    "places": ("name", "target", "kind", "year"),
    "embodied": ("key", "families", "device_kg", "server_kg", "devices_per_server", "low_frac", "high_frac"),
    "calibration": ("id", "model", "hardware", "count", "hours", "place", "year", "energy_kwh", "co2e_kg"),
}
_CELL_MAX = 38


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "data",
        help="the reference tables, their sources and versions",
        description="List the reference tables shipped with mlfootprint, print one, or check your own.",
    )
    add_format_arg(parser)
    parser.set_defaults(func=_list)
    sub = parser.add_subparsers(dest="data_command", metavar="ACTION", parser_class=type(parser))

    show = sub.add_parser("show", help="print one table", description="Print one reference table.")
    show.add_argument("table", metavar="TABLE", help="table name, e.g. accelerators")
    add_format_arg(show, ("text", "json", "csv"))
    show.set_defaults(func=_show)

    check = sub.add_parser(
        "check",
        help="validate your own table",
        description="Validate a CSV file against the columns and ranges of a reference table.",
    )
    check.add_argument("file", metavar="FILE", help="the CSV file to check")
    check.add_argument("--table", required=True, help="which table's schema to check against")
    add_format_arg(check)
    check.set_defaults(func=_check)


def _list(args: argparse.Namespace) -> int:
    from mlfootprint.reference import list_tables

    tables = list_tables()
    if args.format == "json":
        print_json(
            {
                "tables": [
                    {
                        "name": t.name,
                        "rows": t.rows,
                        "years": list(t.years) if t.years else None,
                        "license": t.license,
                        "sources": list(t.sources),
                        "path": t.path,
                    }
                    for t in tables
                ]
            }
        )
        return 0
    lines = [f"{'table':<28} {'rows':>5}  {'years':<10} sources"]
    for t in tables:
        years = f"{t.years[0]}-{t.years[1]}" if t.years else "-"
        lines.append(f"{t.name:<28} {t.rows:>5}  {years:<10} {len(t.sources)}")
    lines.append("")
    for t in tables:
        lines.append(f"{t.name}: licence {t.license}")
        for source in t.sources[:3]:
            lines.append(f"  source: {_clip(source, 100)}")
        if len(t.sources) > 3:
            lines.append(f"  ... {len(t.sources) - 3} more (mlfootprint data show {t.name} --format csv)")
    lines.append("")
    lines.append("Attribution each licence requires: SOURCES.md beside the tables; caveats: docs/data.md.")
    emit("\n".join(lines))
    return 0


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 3] + "..."


def _show(args: argparse.Namespace) -> int:
    from mlfootprint.reference import table_rows
    from mlfootprint.reference.tables import TABLE_NAMES

    rows = table_rows(args.table)
    name = next(
        n for n in TABLE_NAMES if n == args.table.strip().casefold().replace("-", "_").removesuffix(".csv")
    )
    if args.format == "json":
        print_json({"table": name, "rows": rows})
        return 0
    if args.format == "csv":
        header = list(rows[0]) if rows else []
        writer = csv.DictWriter(sys.stdout, fieldnames=header, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        return 0
    columns = _TEXT_COLUMNS[name]
    cells = [[_clip(row.get(c, ""), _CELL_MAX) for c in columns] for row in rows]
    widths = [max([len(c), *(len(r[i]) for r in cells)]) for i, c in enumerate(columns)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)).rstrip()]
    lines += ["  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)).rstrip() for r in cells]
    lines.append("")
    lines.append(
        f"{len(rows)} rows. Every row's source and licence: mlfootprint data show {name} --format csv"
    )
    emit("\n".join(lines))
    return 0


def _check(args: argparse.Namespace) -> int:
    from mlfootprint.reference import validate_table

    count = validate_table(args.table, args.file)
    if args.format == "json":
        print_json({"ok": True, "file": args.file, "table": args.table, "rows": count})
    else:
        emit(f"ok, {count} rows ({args.file} matches table {args.table})")
    return 0
