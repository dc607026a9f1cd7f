# size: three file layouts (wide, long, Electricity Maps) of one reader, sharing validation
"""Read hourly or sub-hourly intensity series files in three layouts.

* **wide**: a time column, then one column per zone (``datetime_utc,AT,DE,...``);
* **Electricity Maps export**: ``Datetime (UTC)``, ``Zone Id`` and the
  ``Carbon Intensity gCO₂eq/kWh (direct)`` / ``(LCA)`` columns (choose with ``signal``);
* **long**: ``time, zone, value`` rows.

Times without an offset are read as UTC and mark the start of the interval. Rows must be strictly
increasing in time; a gap longer than the resolution (or a missing value) is an error unless
``fill="hold"`` (repeat the last value) or ``fill="interpolate"`` (linear in time) is asked.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from mlfootprint.bounds import INTENSITY_G_PER_KWH, TIME_MAX, TIME_MIN
from mlfootprint.errors import InvalidValueError, SeriesError
from mlfootprint.intensity.base import FloatArray, IntArray, SeriesSet, format_utc
from mlfootprint.tables_text import read_csv_rows, read_limited

if TYPE_CHECKING:
    pass

__all__ = ["FILL_MODES", "LAYOUTS", "SIGNALS", "read_series", "series_from_columns"]

LAYOUTS = ("auto", "wide", "electricitymaps", "long")
SIGNALS = ("lca", "direct")
FILL_MODES = ("hold", "interpolate")
Fill = Literal["hold", "interpolate"] | None

#: gap filling may add at most this many times the rows the file has (a 60-year gap is a mistake)
MAX_FILL_FACTOR = 10
#: ... but always at least this many points
MIN_FILL_ALLOWANCE = 10_000

_EM_TIME = "datetime (utc)"
_EM_ZONE = "zone id"
_ZONE_NAMES = {"zone", "zone_id", "zone id", "zone_code", "region"}


def read_series(
    path: str | Path,
    *,
    layout: str = "auto",
    signal: str = "lca",
    fill: Fill = None,
    zone: str | None = None,
    license: str = "unknown",
    grid_s: int | None = None,
) -> SeriesSet:
    """Read a series file into a ``SeriesSet``.

    Args:
        path: the CSV file.
        layout: ``"auto"`` (detected from the header), ``"wide"``, ``"electricitymaps"`` or ``"long"``.
        signal: for Electricity Maps exports, ``"lca"`` (life-cycle) or ``"direct"`` (operational).
        fill: how to fill gaps and missing values: None (error), ``"hold"`` or ``"interpolate"``.
        zone: for a file with a single value column, the zone code to give it.
        license: the data's licence, carried along with the numbers.
        grid_s: keep only the rows whose time is a multiple of this many seconds (e.g. 1800 keeps
            minutes 0 and 30 of a 15-minute file) before checking for gaps.

    Raises:
        SeriesError: unreadable file, unknown layout, bad time or value, non-monotonic or duplicate
            times, or a gap (without ``fill``). The message names the file and the row.
    """
    if layout not in LAYOUTS:
        raise InvalidValueError("layout", layout, f"must be one of {', '.join(LAYOUTS)}")
    if signal not in SIGNALS:
        raise InvalidValueError("signal", signal, f"must be one of {', '.join(SIGNALS)}")
    if fill is not None and fill not in FILL_MODES:
        raise InvalidValueError("fill", fill, f"must be one of {', '.join(FILL_MODES)}")
    p = Path(path)
    raw = read_limited(str(p), what="series file")
    rows = read_csv_rows(raw, str(p), what="series file")
    if len(rows) < 2:
        raise SeriesError(f"series file {p} has no data rows")
    header = [h.strip() for h in rows[0]]
    lower = [h.lower() for h in header]
    if layout == "auto":
        if _EM_TIME in lower and _EM_ZONE in lower:
            layout = "electricitymaps"
        elif len(header) == 3 and lower[1] in _ZONE_NAMES:
            layout = "long"
        else:
            layout = "wide"
    sha = hashlib.sha256(raw).hexdigest()
    common = {"source": p.name, "license": license, "sha256": sha, "fill": fill, "grid_s": grid_s}
    if layout == "wide":
        zones = header[1:]
        if zone is not None:
            if len(zones) != 1:
                raise InvalidValueError(
                    "zone", zone, f"can only name a single-column file; {p.name} has {len(zones)}"
                )
            zones = [zone]
        if not zones:
            raise SeriesError(f"series file {p}: no zone columns after the time column")
        times = [r[0] for r in rows[1:]]
        values = [r[1:] for r in rows[1:]]
        return series_from_columns(times, values, zones, signal="lca", **common)  # type: ignore[arg-type]
    if layout == "electricitymaps":
        try:
            t_col = lower.index(_EM_TIME)
            z_col = lower.index(_EM_ZONE)
        except ValueError:
            raise SeriesError(
                f"series file {p}: not an Electricity Maps export (no 'Datetime (UTC)', 'Zone Id')"
            ) from None
        wanted = f"({signal})"
        v_cols = [i for i, h in enumerate(lower) if h.startswith("carbon intensity") and h.endswith(wanted)]
        if not v_cols:
            raise SeriesError(f"series file {p}: no 'Carbon Intensity ... ({signal})' column")
        return _from_long(rows, t_col, z_col, v_cols[0], p, signal=signal, **common)
    if len(header) < 3:
        raise SeriesError(f"series file {p}: the long layout needs time, zone and value columns")
    return _from_long(rows, 0, 1, 2, p, signal="lca", **common)


def _from_long(
    rows: list[list[str]], t_col: int, z_col: int, v_col: int, p: Path, *, signal: str, **common: object
) -> SeriesSet:
    by_zone: dict[str, tuple[list[str], list[str], list[int]]] = {}
    need = max(t_col, z_col, v_col)
    for line, row in enumerate(rows[1:], start=2):
        if len(row) <= need:
            raise SeriesError(
                f"series file {p} row {line}: expected at least {need + 1} columns, got {len(row)}"
            )
        entry = by_zone.setdefault(row[z_col].strip(), ([], [], []))
        entry[0].append(row[t_col])
        entry[1].append(row[v_col])
        entry[2].append(line)
    zones = list(by_zone)
    if len(zones) == 1:
        times, values, lines = by_zone[zones[0]]
        return series_from_columns(times, [[v] for v in values], zones, lines=lines, signal=signal, **common)  # type: ignore[arg-type]
    # several zones: check each zone's own rows, then put them on one axis
    import numpy as np

    parts = [
        series_from_columns(t, [[v] for v in vals], [z], lines=ln, signal=signal, **common)  # type: ignore[arg-type]
        for z, (t, vals, ln) in by_zone.items()
    ]
    first = parts[0]
    for part in parts[1:]:
        if part.times_s.shape != first.times_s.shape or not np.array_equal(part.times_s, first.times_s):
            raise SeriesError(
                f"series file {p}: zone {part.zones[0]} has different times from zone {first.zones[0]}"
            )
    matrix = np.column_stack([part.values_g_per_kwh[:, 0] for part in parts])
    return SeriesSet(
        zones=tuple(zones),
        times_s=first.times_s,
        values_g_per_kwh=matrix,
        resolution_s=first.resolution_s,
        source=first.source,
        license=first.license,
        sha256=first.sha256,
        signal=signal,
        notes=first.notes,
    )


_EPOCH_MIN_S = int(TIME_MIN.timestamp())
_EPOCH_MAX_S = int(TIME_MAX.timestamp())


def _parse_times(times: list[str], lines: list[int], source: str, col: int = 1) -> IntArray:
    """Times as Unix seconds: ISO 8601 (UTC when no offset) or Unix seconds; 1970-2100 only."""
    import numpy as np

    out = np.empty(len(times), dtype=np.int64)
    for i, text in enumerate(times):
        cell = text.strip()
        where = f"series file {source}:{lines[i]}:{col}"
        if not cell:
            raise SeriesError(f"{where}: empty time cell")
        if len(cell) > 64:
            raise SeriesError(f"{where}: bad time {cell[:40]!r}...")
        if cell.replace(".", "", 1).isdigit():
            seconds = float(cell)
            if seconds > _EPOCH_MAX_S and _EPOCH_MIN_S * 1000 <= seconds <= _EPOCH_MAX_S * 1000:
                raise SeriesError(
                    f"{where}: time {cell!r} looks like Unix milliseconds; give seconds or ISO 8601"
                )
            if not _EPOCH_MIN_S <= seconds <= _EPOCH_MAX_S:
                raise SeriesError(f"{where}: time {cell!r} is not a time between 1970 and 2100")
            out[i] = int(seconds)
            continue
        try:
            when = datetime.fromisoformat(cell.replace("Z", "+00:00"))
        except ValueError:
            raise SeriesError(f"{where}: bad time {cell!r} (use ISO 8601, e.g. 2022-01-01T00:00Z)") from None
        if when.tzinfo is None:
            when = when.replace(tzinfo=timezone.utc)
        if not TIME_MIN <= when <= TIME_MAX:
            raise SeriesError(f"{where}: time {cell!r} is not between 1970 and 2100")
        out[i] = int(when.timestamp())
    return out


def _parse_values(
    values: list[list[str]], width: int, lines: list[int], source: str, cols: list[int] | None = None
) -> FloatArray:
    """Values in g/kWh; empty cells are NaN (missing); anything outside 0-2000 g/kWh is refused."""
    import numpy as np

    cols = cols if cols is not None else list(range(2, width + 2))
    out = np.empty((len(values), width), dtype=np.float64)
    for i, row in enumerate(values):
        if len(row) != width:
            raise SeriesError(f"series file {source}:{lines[i]}: expected {width} value(s), got {len(row)}")
        for j, cell in enumerate(row):
            text = cell.strip()
            if not text:
                out[i, j] = np.nan
                continue
            where = f"series file {source}:{lines[i]}:{cols[j]}"
            try:
                number = float(text) if len(text) <= 64 else None
            except ValueError:
                number = None
            if number is None:
                raise SeriesError(f"{where}: bad value {text[:40]!r} (a number in g CO2e/kWh)")
            problem = INTENSITY_G_PER_KWH.problem(number)
            if problem is not None:
                raise SeriesError(f"{where}: intensity {text[:40]!r} {problem}")
            out[i, j] = number
    finite = out[~np.isnan(out)]
    if finite.size and 0 < float(finite.max()) < 2.0:
        raise SeriesError(
            f"series file {source}: every value is below 2 (largest {float(finite.max()):g}); "
            "these look like kg/kWh; give g CO2e/kWh (x 1000)"
        )
    return out


def series_from_columns(
    times: list[str],
    values: list[list[str]],
    zones: list[str],
    *,
    source: str,
    license: str = "unknown",
    sha256: str = "",
    signal: str = "lca",
    fill: Fill = None,
    lines: list[int] | None = None,
    grid_s: int | None = None,
) -> SeriesSet:
    """Validate parsed text columns and build a ``SeriesSet`` (see ``read_series`` for the rules)."""
    import numpy as np

    lines = lines if lines is not None else list(range(2, len(times) + 2))
    t = _parse_times(times, lines, source)
    v = _parse_values(values, len(zones), lines, source)
    if grid_s is not None:
        if grid_s <= 0:
            raise InvalidValueError("grid_s", grid_s, "must be a positive number of seconds")
        keep = t % int(grid_s) == 0
        t, v = t[keep], v[keep]
        lines = [line for line, k in zip(lines, keep.tolist(), strict=True) if k]
    if len(set(zones)) != len(zones):
        raise SeriesError(f"series file {source}: a zone column appears twice")
    steps = np.diff(t)
    if steps.size == 0:
        raise SeriesError(f"series file {source}: a series needs at least two rows")
    if np.any(steps <= 0):
        i = int(np.argmax(steps <= 0)) + 1
        what = "duplicate time" if steps[i - 1] == 0 else "time goes backwards at"
        raise SeriesError(f"series file {source} row {lines[i]}: {what} {format_utc(float(t[i]))}")
    uniq, counts = np.unique(steps, return_counts=True)
    resolution_s = float(uniq[np.argmax(counts)])
    notes: list[str] = []
    gaps = np.nonzero(steps > resolution_s)[0]
    missing = np.isnan(v)
    if fill is None:
        if gaps.size:
            i = int(gaps[0])
            raise SeriesError(
                f"series file {source} row {lines[i + 1]}: gap of {int(steps[i])} s after "
                f"{format_utc(float(t[i]))} (resolution {int(resolution_s)} s); "
                "use fill='hold' or 'interpolate'"
            )
        if missing.any():
            i, j = (int(x) for x in np.argwhere(missing)[0])
            raise SeriesError(
                f"series file {source} row {lines[i]}: missing value for {zones[j]} "
                f"at {format_utc(float(t[i]))}; "
                "use fill='hold' or 'interpolate'"
            )
        return SeriesSet(
            zones=tuple(zones),
            times_s=t,
            values_g_per_kwh=v,
            resolution_s=resolution_s,
            source=source,
            license=license,
            sha256=sha256,
            signal=signal,
        )
    adding = int(sum(int(steps[i]) // int(resolution_s) for i in gaps))
    allowance = max(MAX_FILL_FACTOR * int(t.shape[0]), MIN_FILL_ALLOWANCE)
    if adding > allowance:
        i = int(gaps[np.argmax(steps[gaps])])
        raise SeriesError(
            f"series file {source} row {lines[i + 1]}: filling its gaps would add {adding:,} points to "
            f"{t.shape[0]:,} rows (at most {allowance:,}); the largest gap is {int(steps[i])} s after "
            f"{format_utc(float(t[i]))}"
        )
    extra = [np.arange(t[i] + resolution_s, t[i + 1], resolution_s, dtype=np.int64) for i in gaps]
    grid = np.unique(np.concatenate([t, *extra])) if extra else t
    out = np.empty((grid.shape[0], len(zones)), dtype=np.float64)
    for j, code in enumerate(zones):
        ok = ~missing[:, j]
        if not ok.any():
            raise SeriesError(f"series file {source}: no values at all for {code}")
        if fill == "hold":
            idx = np.searchsorted(t[ok], grid, side="right") - 1
            out[:, j] = v[ok, j][np.maximum(idx, 0)]
        else:
            out[:, j] = np.interp(grid.astype(np.float64), t[ok].astype(np.float64), v[ok, j])
    filled = int(grid.shape[0] - t.shape[0] + missing.sum())
    if filled:
        notes.append(f"{filled} missing value(s) filled by {fill}")
    return SeriesSet(
        zones=tuple(zones),
        times_s=grid,
        values_g_per_kwh=out,
        resolution_s=resolution_s,
        source=source,
        license=license,
        sha256=sha256,
        signal=signal,
        notes=tuple(notes),
    )
