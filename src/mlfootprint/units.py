"""Unit conversion constants and pure functions.

Inside the package quantities are in J, W, s and g; kWh, kg, t and lbs appear only at the edge.
"""

from __future__ import annotations

__all__ = [
    "J_PER_KWH",
    "KG_PER_LB",
    "S_PER_DAY",
    "S_PER_HOUR",
    "g_from_kg",
    "g_from_lbs",
    "g_from_t",
    "g_per_kwh_from_kg_per_kwh",
    "j_from_kwh",
    "j_from_mwh",
    "kg_from_g",
    "kg_per_kwh_from_g_per_kwh",
    "kwh_from_j",
    "lbs_from_g",
    "mwh_from_j",
    "t_from_g",
]

J_PER_KWH = 3.6e6
S_PER_HOUR = 3600.0
S_PER_DAY = 86400.0
KG_PER_LB = 0.45359237


def kwh_from_j(energy_j: float) -> float:
    return energy_j / J_PER_KWH


def j_from_kwh(energy_kwh: float) -> float:
    return energy_kwh * J_PER_KWH


def mwh_from_j(energy_j: float) -> float:
    return energy_j / (J_PER_KWH * 1000.0)


def j_from_mwh(energy_mwh: float) -> float:
    return energy_mwh * J_PER_KWH * 1000.0


def kg_from_g(mass_g: float) -> float:
    return mass_g / 1000.0


def g_from_kg(mass_kg: float) -> float:
    return mass_kg * 1000.0


def t_from_g(mass_g: float) -> float:
    return mass_g / 1e6


def g_from_t(mass_t: float) -> float:
    return mass_t * 1e6


def lbs_from_g(mass_g: float) -> float:
    return mass_g / 1000.0 / KG_PER_LB


def g_from_lbs(mass_lbs: float) -> float:
    return mass_lbs * KG_PER_LB * 1000.0


def kg_per_kwh_from_g_per_kwh(intensity_g_per_kwh: float) -> float:
    return intensity_g_per_kwh / 1000.0


def g_per_kwh_from_kg_per_kwh(intensity_kg_per_kwh: float) -> float:
    return intensity_kg_per_kwh * 1000.0
