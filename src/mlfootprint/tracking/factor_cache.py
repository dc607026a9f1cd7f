"""A per-user cache of resolved factors, so that a fresh process does not parse the reference tables.

Resolving the PUE and grid intensity reads and validates several CSV tables (tens of milliseconds,
the largest part of a tracker's cold start). The result depends only on the settings that name them
(region, PUE, datacenter, series zone, and where each came from) and on the shipped tables, so it is
cached as JSON under ``<MLFOOTPRINT_HOME>/cache/factors/``, keyed by those settings, the package
version and the size and modification time of every reference data file: a changed table or a new
release misses the cache. Errors (an unknown region) are never cached; an unreadable or malformed
cache entry is ignored and rewritten. ``MLFOOTPRINT_NO_CACHE=1`` turns the cache off.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

from mlfootprint.config import Settings, home_dir
from mlfootprint.records import Assumption
from mlfootprint.tracking.factors import Factors, resolve_factors

__all__ = ["cached_factors"]

_DATA_DIR = Path(__file__).resolve().parents[1] / "reference" / "data"


def _fingerprint() -> list[Any]:
    from mlfootprint import __version__

    files = []
    try:
        with os.scandir(_DATA_DIR) as entries:
            for entry in entries:
                st = entry.stat()
                files.append((entry.name, st.st_size, st.st_mtime_ns))
    except OSError:
        files.append(("unreadable", 0, 0))
    return [__version__, sorted(files)]


def _key(settings: Settings, datacenter: str | None, series_zone: str | None) -> str:
    spec = [
        settings.region, settings.pue, settings.source_of("region"), settings.source_of("pue"),
        datacenter, series_zone, _fingerprint(),
    ]  # fmt: skip
    return hashlib.sha256(json.dumps(spec, sort_keys=True, default=str).encode()).hexdigest()[:32]


def _to_json(f: Factors) -> dict[str, Any]:
    return {
        "pue": f.pue, "pue_source": f.pue_source, "pue_kind": f.pue_kind,
        "intensity_g_per_kwh": f.intensity_g_per_kwh, "intensity_source": f.intensity_source,
        "intensity_kind": f.intensity_kind, "intensity_zone": f.intensity_zone, "region": f.region,
        "cfe_pct": f.cfe_pct, "warnings": list(f.warnings),
        "assumptions": [
            {"name": a.name, "value": a.value, "unit": a.unit, "source": a.source} for a in f.assumptions
        ],
    }  # fmt: skip


def _from_json(doc: dict[str, Any]) -> Factors:
    return Factors(
        pue=float(doc["pue"]), pue_source=str(doc["pue_source"]), pue_kind=str(doc["pue_kind"]),
        intensity_g_per_kwh=float(doc["intensity_g_per_kwh"]), intensity_source=str(doc["intensity_source"]),
        intensity_kind=str(doc["intensity_kind"]), intensity_zone=doc["intensity_zone"], region=doc["region"],
        cfe_pct=None if doc["cfe_pct"] is None else float(doc["cfe_pct"]),
        assumptions=tuple(Assumption(**a) for a in doc["assumptions"]),
        warnings=tuple(str(w) for w in doc["warnings"]),
    )  # fmt: skip


def cached_factors(
    settings: Settings,
    *,
    datacenter: str | None = None,
    series_zone: str | None = None,
    cache_dir: Path | None = None,
) -> Factors:
    """``resolve_factors(settings, datacenter=..., warn=False, series_zone=...)``, cached per user.

    Raises what ``resolve_factors`` raises (nothing is cached then).
    """
    if os.environ.get("MLFOOTPRINT_NO_CACHE"):
        return resolve_factors(settings, datacenter=datacenter, warn=False, series_zone=series_zone)
    folder = cache_dir if cache_dir is not None else home_dir() / "cache" / "factors"
    path = folder / f"{_key(settings, datacenter, series_zone)}.json"
    try:
        return _from_json(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError, TypeError):
        pass  # no entry yet, or a damaged one: resolve and (re)write it
    factors = resolve_factors(settings, datacenter=datacenter, warn=False, series_zone=series_zone)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.name}.tmp-{os.getpid()}")
        tmp.write_text(json.dumps(_to_json(factors)), encoding="utf-8")
        tmp.replace(path)
    except OSError:
        pass  # a read-only home: the cache is an optimisation, never a requirement
    return factors
