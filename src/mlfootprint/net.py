"""The net (market-based) CO2e figure and its interval.

    net CO2e = gross CO2e x (1 - CFE / 100)

CFE is the carbon-free-energy share of the electricity the run used. Google publishes it per cloud region
and year as an *hourly-matched* share (its 24/7 CFE accounting: in each hour, the carbon-free energy on the
grid plus Google's contracted carbon-free supply on the same grid, capped at the hour's consumption),
which is what Patterson et al. 2021 used for their net figures. ``docs/uncertainty.md`` explains how this
differs from annual renewable-certificate netting.

The interval of the net figure combines the gross interval with the uncertainty of the share itself:
+/- 5 percentage points when the share is for the run's own year (or given by the user), +/- 10 points
when it comes from another year; bounds are taken at the extremes (gross low with share high, gross high
with share low), so the net interval is conservative.
"""

from __future__ import annotations

from mlfootprint.errors import InvalidValueError

__all__ = ["CFE_UNCERTAINTY_PP", "net_interval"]

#: +/- percentage points on a carbon-free share: (same year or given, other year)
CFE_UNCERTAINTY_PP = (5.0, 10.0)


def net_interval(
    gross_g: float, gross_low_g: float, gross_high_g: float, cfe_pct: float, exact_year: bool
) -> tuple[float, float, float]:
    """Return ``(net, low, high)`` grams CO2e for a gross figure and interval and a CFE share.

    Raises:
        InvalidValueError: the share is outside 0-100 %.
    """
    if not 0.0 <= cfe_pct <= 100.0:
        raise InvalidValueError("cfe_pct", cfe_pct, "must be between 0 and 100")
    delta = CFE_UNCERTAINTY_PP[0] if exact_year else CFE_UNCERTAINTY_PP[1]
    net = gross_g * (1.0 - cfe_pct / 100.0)
    low = gross_low_g * (1.0 - min(100.0, cfe_pct + delta) / 100.0)
    high = gross_high_g * (1.0 - max(0.0, cfe_pct - delta) / 100.0)
    return net, min(low, net), max(high, net)
