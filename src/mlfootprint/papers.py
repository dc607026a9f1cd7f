"""The published training footprints and their reproduction by the estimator.

The rows (inputs and published values exactly as printed, with citations) are loaded by
``mlfootprint.reference.papers`` from the package data file ``reference/data/papers.csv``. Each row is
recomputed by ``mlfootprint.estimator.estimate`` — the same function users call — and compared with the
published value at the paper's own precision.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from mlfootprint.errors import InvalidValueError
from mlfootprint.estimator import EstimateResult, estimate
from mlfootprint.reference.papers import CO2E_KG_PER_UNIT, ENERGY_KWH_PER_UNIT, PaperRow, Printed, load_rows

__all__ = [
    "PAPERS",
    "TOLERANCE_FRAC",
    "PaperRow",
    "Reproduction",
    "load_rows",
    "reproduce",
    "reproduce_all",
    "reproductions_to_json",
]

PAPERS: Mapping[str, str] = {
    "strubell2019": "Strubell, Ganesh, McCallum (2019), arXiv:1906.02243",
    "patterson2021": "Patterson et al. (2021), arXiv:2104.10350",
}
#: A computed value agrees when within 1 % of the published one, or within half a unit of the
#: published value's last printed digit (the paper's own rounding).
TOLERANCE_FRAC = 0.01

_DURATION_ARG = {"hours": "hours", "days": "days", "device-hours": "device_hours"}


@dataclass(frozen=True, slots=True, kw_only=True)
class Reproduction:
    """A row recomputed by the estimator, with the deviation from the published values."""

    row: PaperRow
    result: EstimateResult
    net_result: EstimateResult | None

    @property
    def computed(self) -> dict[str, float | None]:
        net = None if self.net_result is None else self.net_result.co2e_kg
        return {"energy_kwh": self.result.energy_kwh, "co2e_kg": self.result.co2e_kg, "co2e_kg_net": net}

    @property
    def published(self) -> dict[str, float | None]:
        r = self.row
        return {
            "energy_kwh": None if r.energy is None else r.energy.value,
            "co2e_kg": None if r.co2e is None else r.co2e.value,
            "co2e_kg_net": None if r.co2e_net is None else r.co2e_net.value,
        }

    def _pairs(self) -> dict[str, tuple[Printed | None, float | None]]:
        c = self.computed
        return {
            "energy": (self.row.energy, c["energy_kwh"]),
            "co2e": (self.row.co2e, c["co2e_kg"]),
            "co2e_net": (self.row.co2e_net, c["co2e_kg_net"]),
        }

    @property
    def deviation_pct(self) -> dict[str, float | None]:
        """(computed - published) / published in percent, ``None`` where nothing was published."""
        out: dict[str, float | None] = {}
        for key, (printed, computed) in self._pairs().items():
            if printed is None or computed is None or printed.value == 0:
                out[key] = None
            else:
                out[key] = (computed - printed.value) / printed.value * 100.0
        return out

    @property
    def agrees(self) -> dict[str, bool | None]:
        """Per quantity: within 1 % or within the printed precision; ``None`` where not published."""
        out: dict[str, bool | None] = {}
        for key, (printed, computed) in self._pairs().items():
            if printed is None or computed is None:
                out[key] = None
                continue
            diff = abs(computed - printed.value)
            out[key] = diff <= max(TOLERANCE_FRAC * abs(printed.value), printed.half_unit) * (1 + 1e-9)
        return out

    def as_printed(self, key: str) -> float | None:
        """The computed value of ``energy``, ``co2e`` or ``co2e_net`` in the unit the paper prints."""
        printed, computed = self._pairs()[key]
        if printed is None or computed is None:
            return None
        per_unit = (ENERGY_KWH_PER_UNIT if key == "energy" else CO2E_KG_PER_UNIT)[printed.unit]
        return computed / per_unit

    def to_dict(self) -> dict[str, Any]:
        r = self.row
        return {
            "id": r.id,
            "paper": r.paper,
            "table": r.table,
            "model": r.model,
            "inputs": {
                "hardware": r.hardware,
                "count": r.count,
                r.duration_unit.replace("-", "_"): r.duration_value,
                "power_w": r.power_w,
                "power_w_as_printed": r.power_w_printed,
                "pue": r.pue,
                "intensity_kg_per_kwh": r.intensity_kg_per_kwh,
                "net_intensity_kg_per_kwh": r.net_intensity_kg_per_kwh,
                "intensity_as_printed": r.intensity_printed,
            },
            "published": self.published,
            "computed": self.computed,
            "deviation_pct": self.deviation_pct,
            "agrees": self.agrees,
            "as_printed": {
                key: {
                    "unit": printed.unit,
                    "published": printed.text,
                    "computed": self.as_printed(key),
                }
                for key, (printed, _) in self._pairs().items()
                if printed is not None
            },
            "chain_step": r.chain_step,
            "note": r.note,
            "source": r.source,
        }


def reproduce(row: PaperRow) -> Reproduction:
    """Recompute one row with the estimator (gross, and net where the paper gives a net intensity)."""
    common: dict[str, Any] = {
        "hardware": row.hardware,
        "count": row.count,
        _DURATION_ARG[row.duration_unit]: row.duration_value,
        "power_w": row.power_w,
        "pue": row.pue,
    }
    result = estimate(**common, intensity_kg_per_kwh=row.intensity_kg_per_kwh)
    net = None
    if row.net_intensity_kg_per_kwh is not None:
        net = estimate(**common, intensity_kg_per_kwh=row.net_intensity_kg_per_kwh)
    return Reproduction(row=row, result=result, net_result=net)


def reproduce_all(paper: str = "all", rows: Sequence[PaperRow] | None = None) -> tuple[Reproduction, ...]:
    """Recompute every row of ``paper`` (``strubell2019``, ``patterson2021`` or ``all``)."""
    if paper != "all" and paper not in PAPERS:
        raise InvalidValueError("--paper", paper, f"is not one of {', '.join([*PAPERS, 'all'])}")
    selected = load_rows() if rows is None else rows
    return tuple(reproduce(r) for r in selected if paper in ("all", r.paper))


def reproductions_to_json(reproductions: Sequence[Reproduction]) -> dict[str, Any]:
    """The JSON document of ``mlfootprint papers --format json``."""
    return {"rows": [r.to_dict() for r in reproductions], "papers": dict(PAPERS)}
