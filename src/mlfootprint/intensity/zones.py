"""Zone groups: which intensity zones form a region (Europe, USA, ...), read from a CSV.

The file has a ``zone_code`` column and one 0/1 column per group, as in Electricity Maps' zone metadata.
Read here, beside the series it describes; ``reduce.where`` picks a group's zones for spatial shifting.
"""

from __future__ import annotations

from pathlib import Path

from mlfootprint.errors import SeriesError
from mlfootprint.tables_text import read_csv_rows, read_limited

__all__ = ["read_zone_groups"]


def read_zone_groups(path: str | Path) -> dict[str, tuple[str, ...]]:
    """Region groups from a CSV with ``zone_code`` and one 0/1 column per group (e.g. ``Europe``).

    Raises:
        SeriesError: the file is unreadable or has no ``zone_code`` column.
    """
    p = Path(path)
    rows = read_csv_rows(read_limited(str(p), what="zone groups file"), str(p), what="zone groups file")
    fields = [f.strip() for f in (rows[0] if rows else [])]
    if "zone_code" not in fields:
        raise SeriesError(f"zone groups file {p}: no 'zone_code' column")
    skip = {"zone_code", "zone_name", "other_name", "flag_tag"}
    groups: dict[str, list[str]] = {f: [] for f in fields if f not in skip}
    for cells in rows[1:]:
        row = dict(zip(fields, cells, strict=False))
        code = (row.get("zone_code") or "").strip()
        for group in groups:
            if (row.get(group) or "").strip() in ("1", "1.0", "true", "True"):
                groups[group].append(code)
    return {g: tuple(z) for g, z in groups.items()}
