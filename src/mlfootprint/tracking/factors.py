"""The two factors that turn measured IT energy into CO2e: the PUE and the grid's carbon intensity.

Each comes with where it came from. Precedence: explicit argument > ``MLFOOTPRINT_*`` environment >
config file > default (see ``mlfootprint.config``). Without a region the world average is used, with a
visible warning; nothing is ever guessed from the network.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING

from mlfootprint.config import Settings
from mlfootprint.errors import InvalidValueError
from mlfootprint.records import Assumption
from mlfootprint.uncertainty import RelativeRange, intensity_range, pue_range

if TYPE_CHECKING:
    from mlfootprint.reference.years import YearChoice

__all__ = ["CLOUD_OPERATORS", "Factors", "NoRegionWarning", "cloud_operator", "resolve_factors"]

#: cloud region prefix -> the operator whose published fleet PUE a region of that cloud brings
CLOUD_OPERATORS = {"gcp": "google", "aws": "aws", "azure": "microsoft"}


def cloud_operator(region: str | None) -> str | None:
    """The PUE-table operator of a cloud region (``gcp:europe-west4`` -> ``google``), else None."""
    if not region or ":" not in region:
        return None
    return CLOUD_OPERATORS.get(region.split(":", 1)[0].strip().lower())


class NoRegionWarning(UserWarning):
    """No region was given, so the world-average grid intensity is used."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Factors:
    """Resolved PUE and grid intensity, each with its source and kind (for the uncertainty model)."""

    pue: float
    pue_source: str
    pue_kind: str  # "user" | "operator" | "industry-average" (see ``mlfootprint.uncertainty.pue_range``)
    intensity_g_per_kwh: float
    intensity_source: str
    intensity_kind: str  # country | subnational | cloud-region | world (``uncertainty.intensity_range``)
    intensity_zone: str | None
    region: str | None
    cfe_pct: float | None
    assumptions: tuple[Assumption, ...]
    warnings: tuple[str, ...] = ()
    year: int | None = None  # the year whose figures were asked for
    pue_rel: RelativeRange | None = None  # the PUE's range, widened for a year the table lacks
    intensity_rel: RelativeRange | None = None  # likewise for the annual intensity


def _origin(settings: Settings, name: str) -> str:
    origin = settings.source_of(name)
    return "given as an argument" if origin == "argument" else f"from {origin}"


def _widen(base: RelativeRange, choice: YearChoice, *, floor: float = 0.0) -> RelativeRange | None:
    """``base`` widened by a year choice's factors, or None when the year needs no widening."""
    if choice.low_frac == 1.0 and choice.high_frac == 1.0:
        return None
    return RelativeRange(
        low_frac=max(floor, min(1.0, base.low_frac * choice.low_frac)),
        high_frac=base.high_frac * choice.high_frac,
        basis=f"{base.basis}; {choice.note}",
    )


def resolve_factors(
    settings: Settings,
    *,
    datacenter: str | None = None,
    warn: bool = True,
    series_zone: str | None = None,
    run_year: int | None = None,
) -> Factors:
    """Resolve the PUE and grid intensity for a run.

    Args:
        settings: resolved settings (``region`` and ``pue`` are read from it).
        datacenter: an operator/datacenter name whose published PUE to use when no PUE number is set.
        warn: issue ``NoRegionWarning`` when the world average is used.
        series_zone: the zone of an intensity series; without a region, its annual figure (when the
            reference tables know the zone as a region) is the one a run falls back to.
        run_year: the run's calendar year, used when ``settings.year`` is not set (default: this
            year, UTC). A year the tables lack falls back to the nearest one, which is stated in the
            sources and widens the factor's range (``mlfootprint.reference.years``).

    Raises:
        UnknownNameError: the region or datacenter is not known (exit status 2).
        InvalidValueError: the PUE is below 1.
    """
    from mlfootprint.reference import resolve_intensity, world_intensity
    from mlfootprint.reference.pue import DEFAULT_PUE_KEY
    from mlfootprint.reference.years import intensity_for_year, pue_for_year

    assumptions: list[Assumption] = []
    notes: list[str] = []
    if settings.year is not None:
        year, year_origin = int(settings.year), _origin(settings, "year")
    else:
        year = run_year if run_year is not None else datetime.now(timezone.utc).year
        year_origin = "the run's calendar year"
    assumptions.append(Assumption(name="factor_year", value=year, unit="", source=year_origin))
    pue_rel: RelativeRange | None = None
    intensity_rel: RelativeRange | None = None

    if settings.pue is not None:
        if settings.pue < 1.0:
            raise InvalidValueError("pue", settings.pue, "must be at least 1.0")
        pue = float(settings.pue)
        pue_source = f"user: PUE {pue:g} {_origin(settings, 'pue')}"
        pue_kind = "user"
    elif datacenter is not None:
        fact, choice = pue_for_year(datacenter, year)
        pue, pue_kind = fact.pue, "operator"
        note = f"; {choice.note}" if choice.note else ""
        pue_source = f"{fact.who} {fact.year} published PUE ({fact.source}){note}"
        pue_rel = _widen(pue_range(fact.pue, "operator", fact.confidence), choice, floor=1.0 / fact.pue)
    elif (operator := cloud_operator(settings.region)) is not None:
        fact, choice = pue_for_year(operator, year)
        pue, pue_kind = fact.pue, "operator"
        note = f"; {choice.note}" if choice.note else ""
        pue_source = (
            f"{fact.who} {fact.year} fleet PUE for cloud region {settings.region} ({fact.source}){note}; "
            "set --pue to override"
        )
        pue_rel = _widen(pue_range(fact.pue, "operator", fact.confidence), choice, floor=1.0 / fact.pue)
    else:
        fact, choice = pue_for_year(DEFAULT_PUE_KEY, year)
        pue, pue_kind = fact.pue, "industry-average"
        note = f"; {choice.note}" if choice.note else ""
        pue_source = f"default: {fact.who} {fact.year} ({fact.source}){note}; set --pue or MLFOOTPRINT_PUE"
    assumptions.append(Assumption(name="pue", value=pue, unit="ratio", source=pue_source))

    region_name, origin = settings.region, _origin(settings, "region")
    if not region_name and series_zone:
        from mlfootprint.errors import UnknownNameError

        try:
            resolve_intensity(series_zone)
        except UnknownNameError:
            pass
        else:
            region_name, origin = series_zone, "taken from the intensity series' zone"
    if region_name:
        intensity, choice = intensity_for_year(region_name, year)
        kind = intensity.kind
        note = f"; {choice.note}" if choice.note else ""
        source = (
            f"{intensity.name} {intensity.year} annual average, {intensity.basis} ({intensity.source}); "
            f"region {region_name!r} {origin}{note}"
        )
        intensity_rel = _widen(intensity_range(kind), choice)
        region: str | None = region_name
        zone: str | None = intensity.key
    else:
        intensity = world_intensity()
        kind = "world"
        source = (
            f"world average {intensity.year} ({intensity.source}): no region given; "
            "set region=, --region, MLFOOTPRINT_REGION or the config file"
        )
        region, zone = None, intensity.key
        message = (
            f"no region given: using the world-average grid intensity "
            f"({intensity.g_per_kwh:.0f} gCO2e/kWh, {intensity.year}); pass region= / --region or set "
            "MLFOOTPRINT_REGION for your grid"
        )
        notes.append(message)
        if warn:
            warnings.warn(message, NoRegionWarning, stacklevel=3)
    assumptions.append(
        Assumption(name="intensity", value=intensity.g_per_kwh, unit="gCO2e/kWh", source=source)
    )
    return Factors(
        pue=pue,
        pue_source=pue_source,
        pue_kind=pue_kind,
        intensity_g_per_kwh=intensity.g_per_kwh,
        intensity_source=source,
        intensity_kind=kind,
        intensity_zone=zone,
        region=region,
        cfe_pct=intensity.cfe_pct,
        assumptions=tuple(assumptions),
        warnings=tuple(notes),
        year=year,
        pue_rel=pue_rel,
        intensity_rel=intensity_rel,
    )
