"""How quantities are written in reports: the one formatter (``mlfootprint.fmt``) in report units."""

from __future__ import annotations

from mlfootprint import fmt

__all__ = ["fmt_duration", "fmt_kg", "fmt_kwh", "sources_text"]


def sources_text(count: int) -> str:
    """How a report names a table's sources (the full list is in ``mlfootprint data``)."""
    return f"{count} cited source{'s' if count != 1 else ''} (listed by 'mlfootprint data')"


def fmt_kwh(kwh: float) -> str:
    """An energy given in kWh, written with the SI prefix that fits it (mWh ... MWh)."""
    return fmt.energy(kwh * 3.6e6)


def fmt_kg(kg: float) -> str:
    """A mass of CO2e given in kg, written in mg, g, kg or t."""
    return fmt.mass(kg * 1000.0)


def fmt_duration(seconds: float) -> str:
    """A duration in s, min, h or d."""
    return fmt.duration(seconds)
