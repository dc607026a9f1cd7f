"""Patterson 2021 Tables 1 and 4 reproduced from the work: FLOPs and measured TFLOP/s, not the days.

Each row of ``reference/data/papers_compute.csv`` gives a model's FLOPs and measured performance per
processor as the paper prints them; the estimator derives the days (FLOPs / (processors x FLOP/s)),
then energy and CO2e with the row's power, PUE and intensity from ``papers.csv``. A computed value
agrees when within 1 % of the published one, or when the published value lies inside the range the
printed inputs allow (FLOPs and TFLOP/s are printed to two or three digits: 4.7 TFLOP/s is anything
from 4.65 to 4.75, so the days are known to about 1 %), widened by the published value's own rounding.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import Any

from mlfootprint.errors import ReferenceDataError
from mlfootprint.estimator import EstimateResult, estimate
from mlfootprint.papers import TOLERANCE_FRAC, PaperRow, Reproduction, load_rows
from mlfootprint.reference.papers import DATA_DIR, Printed

__all__ = ["ComputeReproduction", "ComputeRow", "load_compute_rows", "reproduce_compute_all"]

_COLUMNS = ("id", "flops", "achieved_tflops", "days_printed", "params", "tokens", "note", "source")


@dataclass(frozen=True, slots=True, kw_only=True)
class ComputeRow:
    """The work a paper prints for one of its rows."""

    id: str
    flops_text: str
    achieved_tflops_text: str
    days: Printed
    params: float | None
    tokens: float | None
    note: str
    source: str

    @property
    def flops(self) -> float:
        return float(self.flops_text)

    @property
    def achieved_tflops(self) -> float:
        return float(self.achieved_tflops_text)


def _half_unit(text: str) -> float:
    exponent = Decimal(text).as_tuple().exponent
    assert isinstance(exponent, int)
    return 0.5 * 10.0**exponent


@dataclass(frozen=True, slots=True, kw_only=True)
class ComputeReproduction:
    """A row recomputed from its FLOPs and TFLOP/s, with the published values and the agreement."""

    row: PaperRow
    work: ComputeRow
    reproduction: Reproduction
    days_low: float
    days_high: float

    @property
    def days(self) -> float:
        return self.reproduction.result.device_hours / self.row.count / 24.0

    def _agrees(self, published: Printed | None, computed: float | None) -> bool | None:
        """Within 1 %, or the published value inside the input-rounding range (plus its own rounding)."""
        if published is None or computed is None:
            return None
        if abs(computed - published.value) <= TOLERANCE_FRAC * abs(published.value) * (1 + 1e-9):
            return True
        low, high = computed * self.days_low / self.days, computed * self.days_high / self.days
        return low - published.half_unit <= published.value <= high + published.half_unit

    @property
    def agrees(self) -> dict[str, bool | None]:
        c = self.reproduction.computed
        r = self.row
        return {
            "days": self._agrees(self.work.days, self.days),
            "energy": self._agrees(r.energy, c["energy_kwh"]),
            "co2e": self._agrees(r.co2e, c["co2e_kg"]),
            "co2e_net": self._agrees(r.co2e_net, c["co2e_kg_net"]),
        }

    @property
    def deviation_pct(self) -> dict[str, float | None]:
        out = dict(self.reproduction.deviation_pct)
        out["days"] = (self.days - self.work.days.value) / self.work.days.value * 100.0
        return out

    def to_dict(self) -> dict[str, Any]:
        rep = self.reproduction
        return {
            "id": self.row.id,
            "table": self.row.table,
            "model": self.row.model,
            "inputs": {
                "hardware": self.row.hardware,
                "count": self.row.count,
                "flops": self.work.flops,
                "achieved_tflops_per_device": self.work.achieved_tflops,
                "power_w": self.row.power_w,
                "pue": self.row.pue,
                "intensity_kg_per_kwh": self.row.intensity_kg_per_kwh,
            },
            "published": {"days": self.work.days.value, **rep.published},
            "computed": {
                "days": self.days,
                "days_low": self.days_low,
                "days_high": self.days_high,
                **rep.computed,
            },
            "deviation_pct": self.deviation_pct,
            "agrees": self.agrees,
            "note": self.work.note,
            "source": self.work.source,
        }


def _number(row: Mapping[str, str], column: str, *, optional: bool = False) -> float | None:
    text = row[column]
    if not text and optional:
        return None
    try:
        value = float(text)
    except ValueError:
        raise ReferenceDataError(
            f"papers_compute.csv row {row['id']!r}: {column} {text!r} is not a number"
        ) from None
    if not value > 0:
        raise ReferenceDataError(f"papers_compute.csv row {row['id']!r}: {column} {text!r} must be positive")
    return value


@lru_cache(maxsize=1)
def _packaged_text() -> str:
    with open(os.path.join(DATA_DIR, "papers_compute.csv"), encoding="utf-8") as handle:
        return handle.read()


def load_compute_rows(text: str | None = None) -> tuple[ComputeRow, ...]:
    """Parse the FLOPs rows (the packaged ``papers_compute.csv`` unless ``text`` is given).

    Raises:
        ReferenceDataError: missing columns or malformed values.
    """
    reader = csv.DictReader(io.StringIO(_packaged_text() if text is None else text))
    missing = [c for c in _COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise ReferenceDataError(f"papers_compute.csv: missing columns {', '.join(missing)}")
    rows = []
    for raw in reader:
        _number(raw, "flops")
        _number(raw, "achieved_tflops")
        days = _number(raw, "days_printed")
        assert days is not None
        rows.append(
            ComputeRow(
                id=raw["id"],
                flops_text=raw["flops"],
                achieved_tflops_text=raw["achieved_tflops"],
                days=Printed(
                    text=raw["days_printed"],
                    unit="days",
                    value=days,
                    half_unit=_half_unit(raw["days_printed"]),
                ),
                params=_number(raw, "params", optional=True),
                tokens=_number(raw, "tokens", optional=True),
                note=raw["note"],
                source=raw["source"],
            )
        )
    return tuple(rows)


def _estimate(row: PaperRow, work: ComputeRow, intensity: float) -> EstimateResult:
    return estimate(
        hardware=row.hardware,
        count=row.count,
        flops=work.flops,
        achieved_tflops=work.achieved_tflops,
        power_w=row.power_w,
        pue=row.pue,
        intensity_kg_per_kwh=intensity,
    )


def reproduce_compute(row: PaperRow, work: ComputeRow) -> ComputeReproduction:
    """Recompute ``row`` from its FLOPs and measured TFLOP/s."""
    result = _estimate(row, work, row.intensity_kg_per_kwh)
    net = None
    if row.net_intensity_kg_per_kwh is not None:
        net = _estimate(row, work, row.net_intensity_kg_per_kwh)
    f_half, t_half = _half_unit(work.flops_text), _half_unit(work.achieved_tflops_text)
    per_day = row.count * 1e12 * 86400.0
    return ComputeReproduction(
        row=row,
        work=work,
        reproduction=Reproduction(row=row, result=result, net_result=net),
        days_low=(work.flops - f_half) / ((work.achieved_tflops + t_half) * per_day),
        days_high=(work.flops + f_half) / ((work.achieved_tflops - t_half) * per_day),
    )


def reproduce_compute_all(rows: Sequence[PaperRow] | None = None) -> tuple[ComputeReproduction, ...]:
    """Every row of ``papers_compute.csv``, recomputed from its work."""
    by_id = {r.id: r for r in (load_rows() if rows is None else rows)}
    out = []
    for work in load_compute_rows():
        if work.id not in by_id:
            raise ReferenceDataError(f"papers_compute.csv row {work.id!r} has no row in papers.csv")
        out.append(reproduce_compute(by_id[work.id], work))
    return tuple(out)
