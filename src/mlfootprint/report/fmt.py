"""How quantities are written in reports: sensible units and digits (display only)."""

from __future__ import annotations

__all__ = ["fmt_duration", "fmt_kg", "fmt_kwh", "sources_text"]


def sources_text(count: int) -> str:
    """How a report names a table's sources (the full list is in ``mlfootprint data``)."""
    return f"{count} cited source{'s' if count != 1 else ''} (listed by 'mlfootprint data')"


def fmt_kwh(kwh: float) -> str:
    """An energy in kWh with a sensible number of digits."""
    if kwh >= 1000:
        return f"{kwh / 1000:.3g} MWh"
    if kwh >= 0.01:
        return f"{kwh:.3g} kWh"
    return f"{kwh * 1000:.3g} Wh"


def fmt_kg(kg: float) -> str:
    """A mass of CO2e with a sensible unit."""
    if kg >= 1000:
        return f"{kg / 1000:.3g} t"
    if kg >= 0.01:
        return f"{kg:.3g} kg"
    return f"{kg * 1000:.3g} g"


def fmt_duration(seconds: float) -> str:
    if seconds >= 2 * 86400:
        return f"{seconds / 86400:.3g} days"
    if seconds >= 3600:
        return f"{seconds / 3600:.3g} h"
    if seconds >= 60:
        return f"{seconds / 60:.3g} min"
    return f"{seconds:.3g} s"
