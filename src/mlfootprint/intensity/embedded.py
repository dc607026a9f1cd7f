"""The hourly series shipped with the package (an ODbL subset of Electricity Maps 2022 data).

See ``intensity/data/ATTRIBUTION.md`` for the licence and the attribution it requires.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from pathlib import Path

from mlfootprint.intensity.base import SeriesSet
from mlfootprint.intensity.files import read_series
from mlfootprint.intensity.zones import read_zone_groups

__all__ = ["EMBEDDED_ATTRIBUTION", "EMBEDDED_LICENSE", "embedded_groups", "embedded_path", "embedded_series"]

EMBEDDED_FILE = "em_2022_hourly_lca_subset.csv"
EMBEDDED_LICENSE = "ODbL-1.0"
EMBEDDED_ATTRIBUTION = (
    "Contains data from Electricity Maps (electricitymaps.com), made available under the Open Database "
    "License (ODbL); via Sukprasert et al., EuroSys 2024"
)


def embedded_path(name: str = EMBEDDED_FILE) -> Path:
    """Path of a file in the package's ``intensity/data`` folder."""
    return Path(str(resources.files("mlfootprint.intensity").joinpath("data").joinpath(name)))


@lru_cache(maxsize=1)
def embedded_series() -> SeriesSet:
    """The shipped 2022 hourly LCA series (10 zones; cached, read-only package data)."""
    return read_series(embedded_path(), license=EMBEDDED_LICENSE)


def embedded_groups() -> dict[str, tuple[str, ...]]:
    """Continent groups (Europe, USA, ...) of the shipped zones."""
    return read_zone_groups(embedded_path("zones.csv"))
