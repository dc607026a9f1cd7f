"""The typed facts of where a run ran: one grid intensity, one PUE, and which year of a table was used.

They live apart from the tables' loaders and schemas so that a value read back from the per-user cache
(``mlfootprint.reference.lookup``) needs only these classes, not the machinery that parses the tables.
The loaders' modules re-export them (``mlfootprint.reference.grid.IntensityFact`` and so on); the
accelerator's fact is ``mlfootprint.reference.accelerator`` (a command that resolves only hardware,
``mlfootprint papers``, creates no class it does not use).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["DEFAULT_PUE_KEY", "IntensityFact", "PueFact", "YearChoice"]

#: the key of the industry-average series used by ``mlfootprint.reference.pue.default_pue``
DEFAULT_PUE_KEY = "uptime-global-average"


@dataclass(frozen=True, slots=True, kw_only=True)
class IntensityFact:
    """One annual average grid carbon intensity, with where it came from.

    Attributes:
        key: canonical key: ISO3 (``"DEU"``), sub-national code (``"US-EGRID-CAMX"``), cloud id
            (``"gcp:us-central1"``), ``"world"`` or a user's key.
        name: human-readable name of the place.
        kind: ``country``, ``subnational``, ``cloud-region``, ``world`` or ``user``.
        year: data year.
        g_per_kwh: grams CO2e (or CO2 where ``basis`` says so) per kWh.
        basis: what kind of number it is (lifecycle vs direct combustion, generation vs consumption).
        source: citation.
        cfe_pct: Google's carbon-free-energy share of the region in percent, if published.
        license: licence of the source.
        aliases: other names that resolve to this key.
    """

    key: str
    name: str
    kind: str
    year: int
    g_per_kwh: float
    basis: str
    source: str
    cfe_pct: float | None
    license: str
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class PueFact:
    """One PUE figure: whose, which year, what scope, and where it was published."""

    key: str
    who: str
    year: int
    pue: float
    source: str
    scope: str = ""
    aliases: tuple[str, ...] = ()
    confidence: str = "high"


@dataclass(frozen=True, slots=True, kw_only=True)
class YearChoice:
    """Which year of a table was used, and how much to widen the figure's range for it.

    Attributes:
        requested: the year asked for, or None.
        used: the data year of the figure used.
        note: empty when the year was in the table; else how the year was chosen, for the output.
        low_frac: multiply the range's lower bound by this (<= 1).
        high_frac: multiply the range's upper bound by this (>= 1).
    """

    requested: int | None
    used: int
    note: str
    low_frac: float = 1.0
    high_frac: float = 1.0

    @property
    def fell_back(self) -> bool:
        return self.requested is not None and self.requested != self.used
