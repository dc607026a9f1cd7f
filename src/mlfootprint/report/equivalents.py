"""Everyday equivalents of a CO2e figure, each with its source.

Patterson et al. 2021 (arXiv:2104.10350) Table 2 compares training footprints with air travel:
one passenger's round trip San Francisco - New York is about 1.2 tCO2e, and the whole jet about 180 tCO2e.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["FLIGHT_SOURCE", "JET_ROUND_TRIP_KG", "PASSENGER_ROUND_TRIP_KG", "Equivalent", "flight_equivalent"]

PASSENGER_ROUND_TRIP_KG = 1200.0
JET_ROUND_TRIP_KG = 180_000.0
FLIGHT_SOURCE = (
    "Patterson et al. 2021, arXiv:2104.10350, Table 2: 1.2 tCO2e per passenger SF-NY round trip, "
    "180 tCO2e for the whole jet"
)


@dataclass(frozen=True, slots=True, kw_only=True)
class Equivalent:
    """A CO2e figure said as air travel."""

    passenger_round_trips: float
    whole_jet_round_trips: float
    text: str
    source: str


def flight_equivalent(co2e_kg: float, *, source: str = FLIGHT_SOURCE) -> Equivalent:
    """Express ``co2e_kg`` as passenger (and whole-jet) San Francisco - New York round trips."""
    trips = co2e_kg / PASSENGER_ROUND_TRIP_KG
    jets = co2e_kg / JET_ROUND_TRIP_KG
    if jets >= 0.5:
        text = f"about {jets:.2g} whole-jet SF-NY round trips ({trips:.3g} passenger round trips)"
    elif trips >= 1:
        text = f"about {trips:.3g} passenger round trips San Francisco - New York"
    else:
        text = f"about {100 * trips:.2g}% of one passenger's round trip San Francisco - New York"
    return Equivalent(passenger_round_trips=trips, whole_jet_round_trips=jets, text=text, source=source)
