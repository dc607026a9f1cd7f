"""Resolved factors cached per user (``mlfootprint.datacache``), so that a fresh process does not parse
the reference tables: the entry is keyed by the settings that name the factors (region, PUE,
datacenter, series zone, and where each came from) and the tables' fingerprint.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mlfootprint.config import Settings
from mlfootprint.datacache import cached
from mlfootprint.records import Assumption
from mlfootprint.tracking.factors import Factors, resolve_factors
from mlfootprint.uncertainty import RelativeRange

__all__ = ["cached_factors"]


def _to_json(f: Factors) -> dict[str, Any]:
    return {
        "pue": f.pue, "pue_source": f.pue_source, "pue_kind": f.pue_kind,
        "intensity_g_per_kwh": f.intensity_g_per_kwh, "intensity_source": f.intensity_source,
        "intensity_kind": f.intensity_kind, "intensity_zone": f.intensity_zone, "region": f.region,
        "cfe_pct": f.cfe_pct, "warnings": list(f.warnings),
        "assumptions": [
            {"name": a.name, "value": a.value, "unit": a.unit, "source": a.source} for a in f.assumptions
        ],
        "year": f.year, "pue_rel": _range_to_json(f.pue_rel),
        "intensity_rel": _range_to_json(f.intensity_rel),
    }  # fmt: skip


def _range_to_json(r: RelativeRange | None) -> list[Any] | None:
    return None if r is None else [r.low_frac, r.high_frac, r.basis]


def _range_from_json(doc: Any) -> RelativeRange | None:
    return (
        None
        if doc is None
        else RelativeRange(low_frac=float(doc[0]), high_frac=float(doc[1]), basis=str(doc[2]))
    )


def _from_json(doc: dict[str, Any]) -> Factors:
    return Factors(
        pue=float(doc["pue"]), pue_source=str(doc["pue_source"]), pue_kind=str(doc["pue_kind"]),
        intensity_g_per_kwh=float(doc["intensity_g_per_kwh"]), intensity_source=str(doc["intensity_source"]),
        intensity_kind=str(doc["intensity_kind"]), intensity_zone=doc["intensity_zone"], region=doc["region"],
        cfe_pct=None if doc["cfe_pct"] is None else float(doc["cfe_pct"]),
        assumptions=tuple(Assumption(**a) for a in doc["assumptions"]),
        warnings=tuple(str(w) for w in doc["warnings"]),
        year=None if doc.get("year") is None else int(doc["year"]),
        pue_rel=_range_from_json(doc.get("pue_rel")),
        intensity_rel=_range_from_json(doc.get("intensity_rel")),
    )  # fmt: skip


def cached_factors(
    settings: Settings,
    *,
    datacenter: str | None = None,
    series_zone: str | None = None,
    cache_dir: Path | None = None,
) -> Factors:
    """``resolve_factors(settings, datacenter=..., warn=False, series_zone=...)``, cached per user.

    Only the settings named in the key (and the tables' files, every year of them) decide the factors: a
    run's other options (its job, node, rank, sampling) never do. Raises what ``resolve_factors`` raises
    (nothing is cached then).
    """
    from datetime import datetime, timezone

    # the year decides the figures: the one asked for, else the run's calendar year (see resolve_factors)
    year = settings.year if settings.year is not None else datetime.now(timezone.utc).year
    key = [
        settings.region, settings.pue, settings.source_of("region"), settings.source_of("pue"),
        datacenter, series_zone, year, settings.source_of("year"),
    ]  # fmt: skip
    return cached(
        "factors", key,
        lambda: resolve_factors(settings, datacenter=datacenter, warn=False, series_zone=series_zone),
        _to_json, _from_json, cache_dir=cache_dir,
    )  # fmt: skip
