"""One formatter for every number a person reads (display only; canonical units stay J, W, s, g).

Every view (``run``, ``runs``, ``report``, ``summary``, ``whatif``, ``estimate``, ``demo``) writes a
quantity through these functions, so the same value reads the same everywhere: the SI prefix is chosen
per value (mWh ... MWh, mg ... t, mW ... MW, s/min/h/d), three significant digits, thousands grouped,
never scientific notation.
"""

from __future__ import annotations

import math

__all__ = [
    "DIGITS",
    "co2e",
    "duration",
    "energy",
    "energy_interval",
    "intensity",
    "mass",
    "number",
    "percent",
    "power",
    "ratio_text",
    "si",
]

#: significant digits of every human-facing number
DIGITS = 3

_J_PER_WH = 3600.0
_PREFIXES = ((1e9, "G"), (1e6, "M"), (1e3, "k"), (1.0, ""), (1e-3, "m"), (1e-6, "µ"))


def number(value: float, digits: int = DIGITS) -> str:
    """``value`` to ``digits`` significant digits in plain notation (``1,290``, ``0.00123``, ``12.5``).

    Trailing zeros after the point are kept only up to the significant digits (``1.50`` reads ``1.5``).
    """
    if not math.isfinite(value):
        return "n/a" if math.isnan(value) else ("-inf" if value < 0 else "inf")
    if value == 0:
        return "0"
    magnitude = math.floor(math.log10(abs(value)))
    decimals = max(0, digits - 1 - magnitude)
    rounded = round(value, decimals)
    if rounded != 0 and math.floor(math.log10(abs(rounded))) > magnitude:  # 9.995 -> 10.0
        decimals = max(0, decimals - 1)
    text = f"{value:,.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def si(value: float, unit: str, *, digits: int = DIGITS, smallest: float = 1e-6, largest: float = 1e9) -> str:
    """``value`` (in ``unit``) with the SI prefix that keeps the mantissa in [1, 1000)."""
    if not math.isfinite(value) or value == 0:
        return f"{number(value, digits)} {unit}"
    usable = [(f, p) for f, p in _PREFIXES if smallest <= f <= largest]
    if abs(value) < usable[-1][0] * 1e-3:  # float noise around zero, e.g. a saving of -5e-16 g
        return f"0 {usable[-1][1]}{unit}" if usable[-1][1] == "" else f"0 {unit}"
    for factor, prefix in usable:
        if _round_sig(abs(value) / factor, digits) >= 1.0:
            return f"{number(value / factor, digits)} {prefix}{unit}"
    factor, prefix = usable[-1]
    return f"{number(value / factor, digits)} {prefix}{unit}"


def _round_sig(value: float, digits: int) -> float:
    if value == 0:
        return 0.0
    return round(value, digits - 1 - math.floor(math.log10(value)))


def energy(energy_j: float, *, digits: int = DIGITS) -> str:
    """Energy from joules in mWh, Wh, kWh, MWh or GWh."""
    return si(energy_j / _J_PER_WH, "Wh", digits=digits)


def energy_interval(energy_j: float, low_j: float, high_j: float) -> str:
    """``"14.6 mWh [7.26-19.3 mWh]"``: the interval written in the value's own unit."""
    return _interval(energy(energy_j), energy_j / _J_PER_WH, low_j / _J_PER_WH, high_j / _J_PER_WH)


def mass(mass_g: float, *, digits: int = DIGITS) -> str:
    """A mass from grams in mg, g, kg, t or kt (``t`` is 10^6 g)."""
    if _round_sig(abs(mass_g) / 1e6, digits) >= 1.0:
        return si(mass_g / 1e6, "t", digits=digits, smallest=1.0, largest=1e3)
    return si(mass_g, "g", digits=digits, smallest=1e-6, largest=1e3)


def co2e(co2e_g: float, low_g: float | None = None, high_g: float | None = None) -> str:
    """``"6.54 mg CO2e"`` or, with an interval, ``"6.54 mg CO2e [3.26-8.7 mg]"``."""
    text = f"{mass(co2e_g)} CO2e"
    if low_g is None or high_g is None:
        return text
    unit = mass(co2e_g).split(" ", 1)[1]
    scale = _mass_scale(unit)
    return f"{text} [{number(low_g / scale)}-{number(high_g / scale)} {unit}]"


def _mass_scale(unit: str) -> float:
    return {"µg": 1e-6, "mg": 1e-3, "g": 1.0, "kg": 1e3, "t": 1e6, "kt": 1e9}[unit]


def _interval(text: str, value: float, low: float, high: float) -> str:
    unit = text.split(" ", 1)[1]
    prefix = unit[:-2] if unit.endswith("Wh") else ""
    scale = {"G": 1e9, "M": 1e6, "k": 1e3, "": 1.0, "m": 1e-3, "µ": 1e-6}[prefix]
    return f"{text} [{number(low / scale)}-{number(high / scale)} {unit}]"


def power(power_w: float, *, digits: int = DIGITS) -> str:
    """A power in mW, W, kW or MW."""
    return si(power_w, "W", digits=digits)


def intensity(g_per_kwh: float) -> str:
    """A grid carbon intensity, always in gCO2e/kWh (the unit grid operators publish)."""
    return f"{number(g_per_kwh)} gCO2e/kWh"


def duration(seconds: float) -> str:
    """A duration in s, min, h or d, chosen by length (``25 s``, ``3.5 min``, ``6 h``, ``14.8 d``)."""
    if not math.isfinite(seconds):
        return f"{number(seconds)} s"
    a = abs(seconds)
    if a >= 2 * 86400:
        return f"{number(seconds / 86400)} d"
    if a >= 3600:
        return f"{number(seconds / 3600)} h"
    if a >= 60:
        return f"{number(seconds / 60)} min"
    if a >= 1 or a == 0:
        return f"{number(seconds)} s"
    return f"{number(seconds * 1000)} ms"


def percent(value_pct: float) -> str:
    """A percentage with three significant digits (``4.3 %``, ``0.00061 %``)."""
    return f"{number(value_pct)} %"


def ratio_text(factor: float) -> str:
    """A multiplier said as people say it: ``"no change"``, ``"1.25x less"``, ``"2x more"``.

    ``factor`` is new / old. Differences below half a unit in the third digit read "no change".
    """
    if not math.isfinite(factor) or factor <= 0:
        return "n/a" if factor != 0 else "none left"
    if abs(factor - 1.0) < 5e-4:
        return "no change"
    if factor < 1.0:
        return f"{number(1.0 / factor)}x less"
    return f"{number(factor)}x more"
