"""Embodied (manufacturing) emissions of the hardware a run used, amortised by device-hours.

    embodied CO2e = device-hours / (lifetime hours x utilisation) x (device + server share) CO2e

A device's cradle-to-gate emissions are spread over the hours it does useful work in its life: a run
that holds a GPU for ``h`` hours is charged ``h / (lifetime x 8760 h x utilisation)`` of the GPU's and
of its share of the server's manufacturing emissions. This is the time-share method of LLMCarbon
(Faiz et al. 2023, arXiv:2309.14393, "embodied carbon ... proportional to the execution time over the
hardware lifetime") and of Luccioni, Viguier and Ligozat 2022 (arXiv:2211.02001, Section 4.1: six years
of life at 85 % use), whose BLOOM figure ``mlfootprint papers`` reproduces.

Per-device figures come from ``reference/data/embodied.csv`` (vendor product carbon footprints and LCA
papers, each row cited); the interval combines the row's range with the lifetime and utilisation ranges.
Embodied emissions are reported beside the operational ones, never added silently into them.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, fields
from typing import Any

from mlfootprint.errors import InvalidValueError
from mlfootprint.provenance import Assumption
from mlfootprint.uncertainty import RelativeRange, combine_product

__all__ = [
    "DEFAULT_LIFETIME_YEARS",
    "DEFAULT_UTILISATION_FRAC",
    "EmbodiedEstimate",
    "EmbodiedFactor",
    "cached_embodied_factor",
    "embodied_estimate",
    "embodied_factor",
]

#: Luccioni et al. 2022, Section 4.1: "a replacement rate of 6 years"; hyperscalers depreciate servers
#: over 5-6 years (Microsoft, Alphabet and Meta annual reports, 2022-2024).
DEFAULT_LIFETIME_YEARS = 6.0
#: Luccioni et al. 2022, Section 4.1: "an average use rate of 85 %".
DEFAULT_UTILISATION_FRAC = 0.85
#: 365 days, as in Luccioni et al. 2022.
HOURS_PER_YEAR = 8760.0
#: Lifetime 4-7 years and utilisation 60-95 % move the share by about x0.7 to x1.6 together.
_LIFETIME_RANGE = RelativeRange(
    low_frac=6.0 / 7.0, high_frac=6.0 / 4.0, basis="lifetime 4 to 7 years (default 6)"
)
_UTILISATION_RANGE = RelativeRange(
    low_frac=0.85 / 0.95, high_frac=0.85 / 0.6, basis="utilisation 60 to 95 % (default 85 %)"
)


@dataclass(frozen=True, slots=True, kw_only=True)
class EmbodiedFactor:
    """Manufacturing emissions charged to one accelerator: its own and its share of a server."""

    key: str
    device_kg: float
    server_kg: float
    devices_per_server: int
    low_frac: float
    high_frac: float
    source: str
    confidence: str

    @property
    def per_device_kg(self) -> float:
        return self.device_kg + self.server_kg / self.devices_per_server


@dataclass(frozen=True, slots=True, kw_only=True)
class EmbodiedEstimate:
    """Embodied CO2e charged to a run, with its interval and how it was obtained."""

    co2e_g: float
    co2e_g_low: float
    co2e_g_high: float
    device_g: float
    server_g: float
    device_hours: float
    lifetime_years: float
    utilisation_frac: float
    factor: EmbodiedFactor
    assumptions: tuple[Assumption, ...]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict in display units (kg)."""
        return {
            "co2e_kg": self.co2e_g / 1000.0,
            "co2e_kg_low": self.co2e_g_low / 1000.0,
            "co2e_kg_high": self.co2e_g_high / 1000.0,
            "device_co2e_kg": self.device_g / 1000.0,
            "server_co2e_kg": self.server_g / 1000.0,
            "device_hours": self.device_hours,
            "lifetime_years": self.lifetime_years,
            "utilisation_frac": self.utilisation_frac,
            "factor": self.factor.key,
            "method": "device-hours / (lifetime x utilisation) x manufacturing CO2e "
            "(LLMCarbon; Luccioni 2022)",
            "assumptions": [
                {"name": a.name, "value": a.value, "unit": a.unit, "source": a.source}
                for a in self.assumptions
            ],
        }


@functools.lru_cache(maxsize=1)
def _factors() -> tuple[tuple[EmbodiedFactor, tuple[str, ...]], ...]:
    import csv

    from mlfootprint.reference._table import shipped_path

    rows = []
    with shipped_path("embodied.csv").open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            factor = EmbodiedFactor(
                key=row["key"],
                device_kg=float(row["device_kg"]),
                server_kg=float(row["server_kg"]),
                devices_per_server=int(row["devices_per_server"]),
                low_frac=float(row["low_frac"]),
                high_frac=float(row["high_frac"]),
                source=row["source"],
                confidence=row["confidence"],
            )
            families = tuple(f.strip().casefold() for f in row["families"].split(";") if f.strip())
            rows.append((factor, families))
    return tuple(rows)


def embodied_factor(family: str | None) -> EmbodiedFactor:
    """The embodied factor of an accelerator family (``"A100"``, ``"H100"``), or the wide default."""
    wanted = (family or "").casefold()
    default = None
    for factor, families in _factors():
        if wanted and wanted in families:
            return factor
        if factor.key == "default":
            default = factor
    assert default is not None  # the shipped table has a default row
    return default


@functools.lru_cache(maxsize=64)
def cached_embodied_factor(family: str | None) -> EmbodiedFactor:
    """``embodied_factor(family)``, cached per user (``mlfootprint.datacache``): the table is not read."""
    from mlfootprint.datacache import cached

    return cached(
        "embodied", [family], lambda: embodied_factor(family),
        lambda f: {x.name: getattr(f, x.name) for x in fields(f)},
        lambda doc: EmbodiedFactor(**doc),
    )  # fmt: skip


def embodied_estimate(
    device_hours: float,
    factor: EmbodiedFactor,
    *,
    lifetime_years: float = DEFAULT_LIFETIME_YEARS,
    utilisation_frac: float = DEFAULT_UTILISATION_FRAC,
) -> EmbodiedEstimate:
    """Embodied CO2e of ``device_hours`` of accelerators with ``factor``, amortised over their life.

    Raises:
        InvalidValueError: negative device-hours, non-positive lifetime, utilisation outside (0, 1].
    """
    if not (math.isfinite(device_hours) and device_hours >= 0):
        raise InvalidValueError("device_hours", device_hours, "must be a non-negative number")
    if not (math.isfinite(lifetime_years) and lifetime_years > 0):
        raise InvalidValueError("lifetime_years", lifetime_years, "must be a positive number of years")
    if not (math.isfinite(utilisation_frac) and 0 < utilisation_frac <= 1):
        raise InvalidValueError("utilisation_frac", utilisation_frac, "must be in (0, 1]")
    share = device_hours / (lifetime_years * HOURS_PER_YEAR * utilisation_frac)
    device_g = share * factor.device_kg * 1000.0
    server_g = share * factor.server_kg / factor.devices_per_server * 1000.0
    total = device_g + server_g
    row_range = RelativeRange(low_frac=factor.low_frac, high_frac=factor.high_frac, basis=factor.source)
    low, high = combine_product(total, [row_range, _LIFETIME_RANGE, _UTILISATION_RANGE])
    assumptions = (
        Assumption(
            name="embodied_per_device",
            value=factor.per_device_kg,
            unit="kg CO2e per accelerator incl. server share",
            source=f"{factor.device_kg:g} kg device + {factor.server_kg:g} kg server / "
            f"{factor.devices_per_server} ({factor.key}, {factor.confidence} confidence: {factor.source})",
        ),
        Assumption(
            name="lifetime_years",
            value=lifetime_years,
            unit="years",
            source="Luccioni et al. 2022, Section 4.1 (6-year replacement)"
            if lifetime_years == DEFAULT_LIFETIME_YEARS
            else "given by the user",
        ),
        Assumption(
            name="utilisation_frac",
            value=utilisation_frac,
            unit="",
            source="Luccioni et al. 2022, Section 4.1 (85 % use rate)"
            if utilisation_frac == DEFAULT_UTILISATION_FRAC
            else "given by the user",
        ),
    )
    return EmbodiedEstimate(
        co2e_g=total,
        co2e_g_low=low,
        co2e_g_high=high,
        device_g=device_g,
        server_g=server_g,
        device_hours=device_hours,
        lifetime_years=lifetime_years,
        utilisation_frac=utilisation_frac,
        factor=factor,
        assumptions=assumptions,
    )
