"""Year-aware look-ups: the figure for the year asked, the nearest year where the table has none, and
the spread of recent years when no year is given.

The strict resolvers (``resolve_intensity``, ``resolve_pue``) refuse a year the table lacks. An estimate
of a run from 2019 should not fail because a table starts in 2022, nor pretend the 2022 figure is exact
for 2019: these functions fall back to the nearest year, say so, and widen the figure's range by a
documented drift per year of distance (``docs/uncertainty.md``). Without a year they use the latest
figure and widen its range to cover the values of recent years.
"""

from __future__ import annotations

from collections.abc import Sequence

from mlfootprint.reference.facts import IntensityFact, YearChoice
from mlfootprint.reference.grid import resolve_intensity
from mlfootprint.reference.pue import PueFact, resolve_pue

__all__ = [
    "INTENSITY_DRIFT_PER_YEAR_FRAC",
    "PUE_DRIFT_PER_YEAR_FRAC",
    "RECENT_YEARS",
    "YearChoice",
    "intensity_for_year",
    "pue_for_year",
    "year_choice",
]

#: How far an annual grid intensity moves per year, relative (US grid -3 to -5 %/year 2015-2023, OWID;
#: Google region figures move up to 15 % from one year to the next). Capped at ``_DRIFT_CAP_FRAC``.
INTENSITY_DRIFT_PER_YEAR_FRAC = 0.05
#: How far a fleet PUE moves per year (Google 1.12 -> 1.10 over 2016-2019; Uptime 1.67 -> 1.55 2019-2022).
PUE_DRIFT_PER_YEAR_FRAC = 0.015
_DRIFT_CAP_FRAC = 0.5
#: Without a year, the range covers the values of this many latest years in the table.
RECENT_YEARS = 5


def year_choice(values: dict[int, float], year: int | None, drift_per_year_frac: float) -> YearChoice:
    """Choose a year among ``values`` (year -> figure) for ``year``; see the module docstring."""
    years = sorted(values)
    if year is not None and year in values:
        return YearChoice(requested=year, used=year, note="")
    if year is not None:
        used = min(years, key=lambda y: (abs(y - year), -y))
        drift = min(_DRIFT_CAP_FRAC, drift_per_year_frac * abs(used - year))
        note = (
            f"{year} is not in the table (years {_span(years)}); the nearest year {used} is used and its "
            f"range widened by {drift:.0%} ({drift_per_year_frac:.1%} per year of distance)"
        )
        return YearChoice(requested=year, used=used, note=note, low_frac=1.0 - drift, high_frac=1.0 + drift)
    latest = years[-1]
    recent = [values[y] for y in years[-RECENT_YEARS:]]
    base = values[latest]
    if len(recent) < 2 or base <= 0:
        return YearChoice(requested=None, used=latest, note=f"no year given: latest year {latest} used")
    low, high = min(recent) / base, max(recent) / base
    shown = years[-RECENT_YEARS:]
    note = (
        f"no year given: latest year {latest} used, range widened to cover {shown[0]}-{shown[-1]} "
        f"(x{low:.2f} to x{high:.2f}); give --year for the year of the run"
    )
    return YearChoice(
        requested=None, used=latest, note=note, low_frac=min(1.0, low), high_frac=max(1.0, high)
    )


def _span(years: Sequence[int]) -> str:
    return str(years[0]) if len(years) == 1 else f"{years[0]}-{years[-1]}"


def intensity_for_year(region: str, year: int | None) -> tuple[IntensityFact, YearChoice]:
    """The intensity of ``region`` for ``year`` (nearest year, or latest with recent spread)."""
    latest = resolve_intensity(region)
    from mlfootprint.reference.grid import _shipped_facts

    values = {f.year: f.g_per_kwh for f in _shipped_facts() if f.key == latest.key}
    choice = year_choice(values, year, INTENSITY_DRIFT_PER_YEAR_FRAC)
    return resolve_intensity(latest.key, choice.used), choice


def pue_for_year(datacenter: str, year: int | None) -> tuple[PueFact, YearChoice]:
    """The PUE of ``datacenter`` for ``year`` (nearest year, or latest with recent spread)."""
    from mlfootprint.reference.pue import pue_facts

    latest = resolve_pue(datacenter)
    values = {f.year: f.pue for f in pue_facts() if f.key == latest.key}
    choice = year_choice(values, year, PUE_DRIFT_PER_YEAR_FRAC)
    return resolve_pue(datacenter, choice.used), choice
