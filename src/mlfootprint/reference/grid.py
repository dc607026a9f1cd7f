# size: three intensity tables (country, sub-national, cloud region) behind one resolver
"""Annual average grid carbon intensity: countries, sub-national grids, cloud regions and the world.

``resolve_intensity`` accepts ISO 3166-1 alpha-3 and alpha-2 codes, country names and aliases,
sub-national codes and their short forms, ``provider:region`` cloud ids (and bare region ids when only
one provider uses them) and ``"world"``. All values are annual averages, not marginal factors; the
``basis`` of each fact says what kind of number it is.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from mlfootprint.errors import AmbiguousNameError, InvalidValueError, UnknownNameError
from mlfootprint.reference._table import (
    ALIASES_COLUMN,
    INTENSITY_RANGE,
    LICENSE_COLUMN,
    PCT_RANGE,
    SOURCE_COLUMN,
    YEAR_RANGE,
    Column,
    Row,
    Schema,
    parse_aliases,
    read_rows,
    shipped_path,
)
from mlfootprint.reference.facts import IntensityFact

__all__ = [
    "CLOUD_SCHEMA",
    "COUNTRY_SCHEMA",
    "SUBNATIONAL_SCHEMA",
    "IntensityFact",
    "intensity_facts",
    "load_cloud_regions",
    "load_country_intensity",
    "load_subnational_intensity",
    "resolve_intensity",
    "world_intensity",
]

_YEAR = Column(name="year", kind="int", required=True, low=YEAR_RANGE[0], high=YEAR_RANGE[1])
_G = Column(
    name="g_co2e_per_kwh", kind="float", required=True, low=INTENSITY_RANGE[0], high=INTENSITY_RANGE[1]
)
_SOURCE = SOURCE_COLUMN
_LICENSE = LICENSE_COLUMN
_ALIASES = ALIASES_COLUMN

COUNTRY_SCHEMA = Schema(
    table="grid_intensity_country",
    key=("iso3", "year"),
    columns=(
        Column(name="iso3", required=True),
        Column(name="iso2", optional_column=True),
        Column(name="country", required=True),
        _ALIASES,
        _YEAR,
        _G,
        Column(name="basis", required=True),
        _SOURCE,
        _LICENSE,
    ),
)
SUBNATIONAL_SCHEMA = Schema(
    table="grid_intensity_subnational",
    key=("region_code", "year"),
    columns=(
        Column(name="region_code", required=True),
        Column(name="country_iso3", required=True),
        Column(name="region_name", required=True),
        _ALIASES,
        _YEAR,
        _G,
        Column(name="g_co2_per_kwh", kind="float", low=INTENSITY_RANGE[0], high=INTENSITY_RANGE[1]),
        Column(name="basis", required=True),
        _SOURCE,
        _LICENSE,
    ),
)
CLOUD_SCHEMA = Schema(
    table="cloud_regions",
    key=("provider", "region_id", "year"),
    columns=(
        Column(name="provider", required=True, choices=("gcp", "aws", "azure")),
        Column(name="region_id", required=True),
        Column(name="location", required=True),
        Column(name="iso3"),
        _YEAR,
        _G,
        Column(name="google_cfe_pct", kind="float", low=PCT_RANGE[0], high=PCT_RANGE[1]),
        Column(name="intensity_basis", required=True),
        _SOURCE,
        _LICENSE,
    ),
)

WORLD_ISO3 = "OWID_WRL"
_PROVIDER_ALIASES = {
    "gcp": "gcp",
    "google": "gcp",
    "gcloud": "gcp",
    "aws": "aws",
    "amazon": "aws",
    "azure": "azure",
    "microsoft": "azure",
}


def _year(row: Row) -> int:
    year = row.integer("year")
    assert year is not None  # required column
    return year


def _g(row: Row) -> float:
    value = row.number("g_co2e_per_kwh")
    assert value is not None  # required column
    return value


def load_country_intensity(path: str | Path) -> tuple[IntensityFact, ...]:
    """Load a country intensity table strictly. The ``OWID_WRL`` rows become ``kind="world"``."""
    facts = []
    for row in read_rows(path, COUNTRY_SCHEMA):
        iso3 = row.text("iso3").upper()
        world = iso3 == WORLD_ISO3
        aliases = [iso3] if world else []
        aliases += [row.text("iso2")] if row.text("iso2") else []
        facts.append(
            IntensityFact(
                key="world" if world else iso3,
                name=row.text("country"),
                kind="world" if world else "country",
                year=_year(row),
                g_per_kwh=_g(row),
                basis=row.text("basis"),
                source=row.text("source"),
                cfe_pct=None,
                license=row.text("license"),
                aliases=(*aliases, *parse_aliases(row.text("aliases"))),
            )
        )
    return tuple(facts)


def load_subnational_intensity(path: str | Path) -> tuple[IntensityFact, ...]:
    """Load a sub-national grid intensity table strictly."""
    return tuple(
        IntensityFact(
            key=row.text("region_code").upper(),
            name=row.text("region_name"),
            kind="subnational",
            year=_year(row),
            g_per_kwh=_g(row),
            basis=row.text("basis"),
            source=row.text("source"),
            cfe_pct=None,
            license=row.text("license"),
            aliases=parse_aliases(row.text("aliases")),
        )
        for row in read_rows(path, SUBNATIONAL_SCHEMA)
    )


def load_cloud_regions(path: str | Path) -> tuple[IntensityFact, ...]:
    """Load a cloud region table strictly; keys are ``provider:region_id``."""
    return tuple(
        IntensityFact(
            key=f"{row.text('provider').casefold()}:{row.text('region_id').casefold()}",
            name=row.text("location"),
            kind="cloud-region",
            year=_year(row),
            g_per_kwh=_g(row),
            basis=row.text("intensity_basis"),
            source=row.text("source"),
            cfe_pct=row.number("google_cfe_pct"),
            license=row.text("license"),
        )
        for row in read_rows(path, CLOUD_SCHEMA)
    )


@functools.lru_cache(maxsize=1)
def _shipped_facts() -> tuple[IntensityFact, ...]:
    return (
        load_country_intensity(shipped_path("grid_intensity_country.csv"))
        + load_subnational_intensity(shipped_path("grid_intensity_subnational.csv"))
        + load_cloud_regions(shipped_path("cloud_regions.csv"))
    )


def intensity_facts(
    *,
    country: str | Path | None = None,
    subnational: str | Path | None = None,
    cloud: str | Path | None = None,
) -> tuple[IntensityFact, ...]:
    """Every shipped intensity fact, with a user's tables merged in (user rows win on key and year)."""
    user: tuple[IntensityFact, ...] = ()
    if country is not None:
        user += load_country_intensity(country)
    if subnational is not None:
        user += load_subnational_intensity(subnational)
    if cloud is not None:
        user += load_cloud_regions(cloud)
    shipped = _shipped_facts()
    known_aliases: dict[str, tuple[str, ...]] = {}
    for fact in shipped:
        known_aliases.setdefault(fact.key, fact.aliases)
    # a user row keeps the shipped aliases of its key, so "CAMX" still finds an overridden US-EGRID-CAMX
    user = tuple(
        dataclasses.replace(f, aliases=tuple(dict.fromkeys((*f.aliases, *known_aliases.get(f.key, ())))))
        for f in user
    )
    claimed = {(f.key, f.year) for f in user}
    return user + tuple(f for f in shipped if (f.key, f.year) not in claimed)


def _norm(text: str) -> str:
    return re.sub(r"[\s_]+", "-", text.strip().casefold())


@dataclass(frozen=True, slots=True)
class _Index:
    names: dict[str, str]
    by_key: dict[str, dict[int, IntensityFact]]
    labels: tuple[str, ...]
    ambiguous: dict[str, tuple[str, ...]] = dataclasses.field(default_factory=dict)


def _is_total(key: str) -> bool:
    return key.endswith(("-NATIONAL", "-TOTAL"))


@functools.lru_cache(maxsize=1)
def _places() -> dict[str, tuple[str, ...]]:
    """Sites by name (``"Council Bluffs"`` -> ``gcp:us-central1``); a name may have several targets."""
    import csv

    places: dict[str, list[str]] = {}
    with shipped_path("places.csv").open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            places.setdefault(_norm(row["name"]), []).append(row["target"])
    return {name: tuple(dict.fromkeys(targets)) for name, targets in places.items()}


def _describe(fact: IntensityFact) -> str:
    kind = "US state" if fact.key.startswith("US-") and len(fact.key) == 5 else fact.kind
    return f"{fact.key} ({fact.name}, {kind})"


def _build_index(facts: Iterable[IntensityFact]) -> _Index:
    by_key: dict[str, dict[int, IntensityFact]] = {}
    for fact in facts:
        by_key.setdefault(fact.key, {}).setdefault(fact.year, fact)
    names: dict[str, str] = {}
    order = ("world", "country", "user", "subnational", "cloud-region")
    firsts = sorted(
        (next(iter(years.values())) for years in by_key.values()), key=lambda f: order.index(f.kind)
    )
    for fact in firsts:
        names.setdefault(_norm(fact.key), fact.key)
    claims: dict[str, set[str]] = {}
    for fact in firsts:
        aliases = [a for f in by_key[fact.key].values() for a in f.aliases]
        # cloud locations ("Tokyo", "Iowa") are not names: several providers share them
        for label in aliases if fact.kind == "cloud-region" else (fact.name, *aliases):
            names.setdefault(_norm(label), fact.key)
            if fact.kind != "cloud-region" and not _is_total(fact.key):
                claims.setdefault(_norm(label), set()).add(fact.key)
    ambiguous = {
        label: tuple(sorted(keys))
        for label, keys in claims.items()
        if len(keys) > 1 and label not in {_norm(k) for k in keys}
    }
    bare: dict[str, list[str]] = {}
    for fact in firsts:
        if fact.kind == "cloud-region":
            bare.setdefault(fact.key.split(":", 1)[1], []).append(fact.key)
    for region_id, keys in bare.items():
        if len(keys) == 1:
            names.setdefault(_norm(region_id), keys[0])
    labels = tuple(
        dict.fromkeys(
            label for f in firsts for label in ((f.key,) if f.kind == "cloud-region" else (f.key, f.name))
        )
    )
    return _Index(names=names, by_key=by_key, labels=labels, ambiguous=ambiguous)


@functools.lru_cache(maxsize=1)
def _shipped_index() -> _Index:
    return _build_index(_shipped_facts())


def _lookup(index: _Index, region: str) -> str | None:
    text = region.strip()
    if ":" in text:
        provider, _, region_id = text.partition(":")
        canonical = _PROVIDER_ALIASES.get(provider.strip().casefold())
        if canonical is None:
            return None
        key = f"{canonical}:{region_id.strip().casefold()}"
        return key if key in index.by_key else None
    label = _norm(text)
    if label in index.ambiguous:
        keys = index.ambiguous[label]
        shown = [_describe(next(iter(index.by_key[k].values()))) for k in keys]
        raise AmbiguousNameError("region", region, shown)
    if label in index.names:
        return index.names[label]
    targets = [t for t in _places().get(label, ()) if _lookup_key(index, t) is not None]
    if len(targets) > 1:
        raise AmbiguousNameError("region", region, targets)
    return _lookup_key(index, targets[0]) if targets else None


def _lookup_key(index: _Index, target: str) -> str | None:
    """A place's target (a key, a ``provider:region`` id or a name) as a key of the index."""
    if target in index.by_key:
        return target
    if ":" in target:
        return target.casefold() if target.casefold() in index.by_key else None
    return index.names.get(_norm(target))


def _pick_year(key: str, years: dict[int, IntensityFact], year: int | None) -> IntensityFact:
    if year is None:
        return years[max(years)]
    if year not in years:
        available = ", ".join(str(y) for y in sorted(years))
        raise InvalidValueError("year", year, f"is not in the table for {key!r} (available: {available})")
    return years[year]


def resolve_intensity(
    region: str, year: int | None = None, *, facts: Sequence[IntensityFact] | None = None
) -> IntensityFact:
    """The annual average intensity of a country, grid, cloud region or the world.

    Args:
        region: e.g. ``"DEU"``, ``"DE"``, ``"Germany"``, ``"US-EGRID-CAMX"``, ``"CAMX"``,
            ``"gcp:us-central1"``, ``"us-central1"``, ``"world"``.
        year: data year; None for the latest year the table has for that key.
        facts: a table to search instead of the shipped one (see :func:`intensity_facts`).

    Raises:
        UnknownNameError: the region is not known (the message names the closest ones).
        InvalidValueError: the year is not in the table for that region (the message lists the years).
    """
    index = _shipped_index() if facts is None else _build_index(facts)
    key = _lookup(index, region)
    if key is None:
        raise UnknownNameError("region", region, index.labels)
    return _pick_year(key, index.by_key[key], year)


def world_intensity(year: int | None = None) -> IntensityFact:
    """The OWID/Ember world average intensity (latest year by default)."""
    return resolve_intensity("world", year)
