"""Everyday equivalents of a CO2e figure, chosen to fit its magnitude, each with its source.

The factors (grams of CO2e per unit), smallest first; the one used is the largest whose count is at least
one, so a training run of milligrams reads as a fraction of a smartphone charge and GPT-3 as whole-jet
flights:

| unit                                      | CO2e   | source                                              |
|-------------------------------------------|--------|-----------------------------------------------------|
| one smartphone charge                     | 12.4 g | US EPA GHG Equivalencies Calculator (2024)          |
| one km driven by an average passenger car | 244 g  | US EPA GHG Equivalencies Calculator (2024), 393 g/mi |
| one passenger round trip SF-NY by air     | 1.2 t  | Patterson et al. 2021, arXiv:2104.10350, Table 2    |
| the whole jet, round trip SF-NY           | 180 t  | Patterson et al. 2021, arXiv:2104.10350, Table 2    |
"""

from __future__ import annotations

from dataclasses import dataclass

from mlfootprint import fmt

__all__ = [
    "EQUIVALENT_FACTORS",
    "FLIGHT_SOURCE",
    "JET_ROUND_TRIP_KG",
    "PASSENGER_ROUND_TRIP_KG",
    "Equivalent",
    "EquivalentFactor",
    "flight_equivalent",
]

PASSENGER_ROUND_TRIP_KG = 1200.0
JET_ROUND_TRIP_KG = 180_000.0
FLIGHT_SOURCE = (
    "Patterson et al. 2021, arXiv:2104.10350, Table 2: 1.2 tCO2e per passenger SF-NY round trip, "
    "180 tCO2e for the whole jet"
)
_EPA = "US EPA Greenhouse Gas Equivalencies Calculator, calculations and references (2024, eGRID2022)"


@dataclass(frozen=True, slots=True, kw_only=True)
class EquivalentFactor:
    """One everyday unit: its CO2e, how to say one and many of it, and where the figure comes from."""

    unit: str
    plural: str
    co2e_g: float
    source: str


EQUIVALENT_FACTORS = (
    EquivalentFactor(
        unit="smartphone charge", plural="smartphone charges", co2e_g=12.4,
        source=f"{_EPA}: 12.4 g CO2 per smartphone charged",
    ),
    EquivalentFactor(
        unit="km driven by an average passenger car", plural="km driven by an average passenger car",
        co2e_g=244.0, source=f"{_EPA}: 393 g CO2e per mile (244 g per km)",
    ),
    EquivalentFactor(
        unit="passenger round trip San Francisco - New York by air",
        plural="passenger round trips San Francisco - New York by air",
        co2e_g=PASSENGER_ROUND_TRIP_KG * 1000.0, source=FLIGHT_SOURCE,
    ),
    EquivalentFactor(
        unit="whole-jet round trip San Francisco - New York",
        plural="whole-jet round trips San Francisco - New York",
        co2e_g=JET_ROUND_TRIP_KG * 1000.0, source=FLIGHT_SOURCE,
    ),
)  # fmt: skip


@dataclass(frozen=True, slots=True, kw_only=True)
class Equivalent:
    """A CO2e figure said as an everyday quantity (the flight counts are always given too)."""

    passenger_round_trips: float
    whole_jet_round_trips: float
    text: str
    source: str


def _say(co2e_g: float) -> tuple[str, str]:
    chosen = EQUIVALENT_FACTORS[0]
    for factor in EQUIVALENT_FACTORS:
        if co2e_g >= factor.co2e_g:
            chosen = factor
    count = co2e_g / chosen.co2e_g
    if count >= 1.0:
        noun = chosen.unit if fmt.number(count) == "1" else chosen.plural
        return f"about {fmt.number(count)} {noun}", chosen.source
    return f"about {fmt.percent(100.0 * count)} of one {chosen.unit}", chosen.source


def flight_equivalent(co2e_kg: float, *, source: str | None = None) -> Equivalent:
    """``co2e_kg`` said in the everyday unit that fits it (see the table above), with the flight counts.

    Args:
        co2e_kg: the CO2e to express.
        source: overrides the source text of the unit chosen (for a custom factor table).
    """
    text, chosen_source = _say(co2e_kg * 1000.0)
    return Equivalent(
        passenger_round_trips=co2e_kg / PASSENGER_ROUND_TRIP_KG,
        whole_jet_round_trips=co2e_kg / JET_ROUND_TRIP_KG,
        text=text,
        source=source or chosen_source,
    )
