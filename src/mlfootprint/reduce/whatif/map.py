"""Map: a cleaner grid scales CO2e by the intensity ratio (gross and net); energy is unchanged."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

from mlfootprint import fmt
from mlfootprint.errors import InvalidValueError
from mlfootprint.reduce.whatif.baseline import Baseline, _positive
from mlfootprint.reduce.whatif.factor import Factor, _factor


@dataclass(frozen=True, slots=True, kw_only=True)
class MapChange:
    """A different grid (its gross intensity, and net intensity after carbon-free-energy matching)."""

    name: str
    intensity_g_per_kwh: float
    source: str
    net_intensity_g_per_kwh: float | None = None
    detail: Mapping[str, object] | None = None  # e.g. the start plan of a time shift


def _apply_map(b: Baseline, c: MapChange) -> tuple[Baseline, Factor]:
    _positive("--to-intensity", c.intensity_g_per_kwh)
    if c.net_intensity_g_per_kwh is not None and c.net_intensity_g_per_kwh < 0:
        raise InvalidValueError("net intensity", c.net_intensity_g_per_kwh, "must not be negative")
    new = replace(
        b,
        label=c.name,
        intensity_g_per_kwh=c.intensity_g_per_kwh,
        intensity_source=c.source,
        net_intensity_g_per_kwh=c.net_intensity_g_per_kwh,
    )
    why = (
        f"gross intensity {fmt.number(b.intensity_g_per_kwh / 1000)} -> "
        f"{fmt.number(c.intensity_g_per_kwh / 1000)} kg/kWh, net {fmt.number(b.net_g_per_kwh / 1000)} -> "
        f"{fmt.number(new.net_g_per_kwh / 1000)} kg/kWh ({c.source})"
    )
    if new.net_g_per_kwh > 0:
        why += f"; net {fmt.number(b.net_g_per_kwh / new.net_g_per_kwh)}x better"
    old = f"grid at {fmt.number(b.intensity_g_per_kwh / 1000)} kg/kWh"
    return new, _factor("map", b, new, why, old, c.name, c.detail)
