"""How well the estimator's intervals cover published footprints, given only what a user knows.

The calibration set (``reference/data/calibration.csv``) holds published training footprints from papers
and model cards, each row cited. For each, the estimator is given only the hardware, the count (or the
device-hours), the duration, the place and the operator where the paper names them, and the year; every
other input (power, PUE, intensity) comes from the tables. A row is *covered* when the published figure
lies inside the estimate's interval (the gross interval for a gross figure, the net interval for a net
one). ``docs/uncertainty.md`` shows the table this module renders.
"""

from __future__ import annotations

import csv
import statistics
from dataclasses import dataclass

from mlfootprint.reference._table import shipped_path

__all__ = ["CalibrationRow", "CalibrationSummary", "calibrate", "render_markdown"]


@dataclass(frozen=True, slots=True, kw_only=True)
class CalibrationRow:
    """One published footprint against the estimate from a user's inputs (kg, kWh)."""

    id: str
    model: str
    place: str
    published_co2e_kg: float
    estimate_co2e_kg: float
    low_co2e_kg: float
    high_co2e_kg: float
    basis: str
    published_energy_kwh: float | None
    estimate_energy_kwh: float
    low_energy_kwh: float
    high_energy_kwh: float
    source: str

    @property
    def covered(self) -> bool:
        return self.low_co2e_kg <= self.published_co2e_kg <= self.high_co2e_kg

    @property
    def energy_covered(self) -> bool | None:
        if self.published_energy_kwh is None:
            return None
        return self.low_energy_kwh <= self.published_energy_kwh <= self.high_energy_kwh

    @property
    def width(self) -> float:
        """high / low of the CO2e interval."""
        return self.high_co2e_kg / self.low_co2e_kg if self.low_co2e_kg > 0 else float("inf")

    @property
    def error_frac(self) -> float:
        """Estimate against published, relative (positive: the estimate is higher)."""
        return self.estimate_co2e_kg / self.published_co2e_kg - 1.0


@dataclass(frozen=True, slots=True, kw_only=True)
class CalibrationSummary:
    rows: tuple[CalibrationRow, ...]
    coverage_frac: float
    energy_coverage_frac: float
    median_width: float
    median_abs_error_frac: float


def _number(text: str) -> float | None:
    return float(text) if text.strip() else None


def calibrate() -> CalibrationSummary:
    """Estimate every row of the calibration set from a user's inputs and compare."""
    from mlfootprint.estimator import estimate

    rows: list[CalibrationRow] = []
    with shipped_path("calibration.csv").open(newline="", encoding="utf-8") as handle:
        for spec in csv.DictReader(handle):
            count = int(spec["count"]) if spec["count"] else 1
            result = estimate(
                hardware=spec["hardware"],
                count=count,
                hours=_number(spec["hours"]),
                device_hours=_number(spec["device_hours"]),
                region=spec["place"],
                datacenter=spec["datacenter"] or None,
                year=int(spec["year"]),
            )
            net = spec["co2e_basis"] == "net" and result.co2e_g_net is not None
            value = result.co2e_g_net if net else result.co2e_g
            low = result.co2e_g_net_low if net else result.co2e_g_low
            high = result.co2e_g_net_high if net else result.co2e_g_high
            assert value is not None and low is not None and high is not None
            d = result.to_dict()
            rows.append(
                CalibrationRow(
                    id=spec["id"],
                    model=spec["model"],
                    place=spec["place"],
                    published_co2e_kg=float(spec["co2e_kg"]),
                    estimate_co2e_kg=value / 1000.0,
                    low_co2e_kg=low / 1000.0,
                    high_co2e_kg=high / 1000.0,
                    basis="net" if net else "gross",
                    published_energy_kwh=_number(spec["energy_kwh"]),
                    estimate_energy_kwh=d["energy_kwh"],
                    low_energy_kwh=d["energy_kwh_low"],
                    high_energy_kwh=d["energy_kwh_high"],
                    source=spec["source"],
                )
            )
    with_energy = [r for r in rows if r.energy_covered is not None]
    return CalibrationSummary(
        rows=tuple(rows),
        coverage_frac=sum(r.covered for r in rows) / len(rows),
        energy_coverage_frac=sum(bool(r.energy_covered) for r in with_energy) / max(1, len(with_energy)),
        median_width=statistics.median(r.width for r in rows),
        median_abs_error_frac=statistics.median(abs(r.error_frac) for r in rows),
    )


def _g(value: float) -> str:
    return f"{value:,.0f}" if value >= 100 else f"{value:.3g}"


def render_markdown(summary: CalibrationSummary) -> str:
    """The calibration table as Markdown (published vs estimated CO2e in kg, interval, width)."""
    out = [
        "| id | model | place | published kg | estimate kg | interval kg | width | in? | energy in? |",
        "|---|---|---|---:|---:|---|---:|---|---|",
    ]
    for r in summary.rows:
        energy = "—" if r.energy_covered is None else ("yes" if r.energy_covered else "**no**")
        out.append(
            f"| {r.id} | {r.model} | {r.place} | {_g(r.published_co2e_kg)} ({r.basis}) "
            f"| {_g(r.estimate_co2e_kg)} | {_g(r.low_co2e_kg)}–{_g(r.high_co2e_kg)} | {r.width:.2f} "
            f"| {'yes' if r.covered else '**no**'} | {energy} |"
        )
    out.append("")
    out.append(
        f"CO2e coverage {summary.coverage_frac:.0%} of {len(summary.rows)} rows; energy coverage "
        f"{summary.energy_coverage_frac:.0%}; median width (high/low) {summary.median_width:.2f}; "
        f"median |error| of the point estimate {summary.median_abs_error_frac:.0%}."
    )
    return "\n".join(out)
