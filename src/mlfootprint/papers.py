"""The published training footprints and their reproduction by the estimator.

The rows (inputs and published values exactly as printed, with citations) live in the package data
file ``reference/data/papers.csv``. Each row is recomputed by ``mlfootprint.estimator.estimate`` — the
same function users call — and compared with the published value at the paper's own precision.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from importlib import resources
from typing import Any

from mlfootprint.errors import InvalidValueError, ReferenceDataError
from mlfootprint.estimator import EstimateResult, estimate
from mlfootprint.units import KG_PER_LB

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

_ENERGY_KWH_PER_UNIT = {"kWh": 1.0, "MWh": 1000.0}
_CO2E_KG_PER_UNIT = {"lbs": KG_PER_LB, "kg": 1.0, "t": 1000.0}
_INTENSITY_KG_PER_UNIT = {"kg/kWh": 1.0, "lbs/kWh": KG_PER_LB}
_DURATION_ARG = {"hours": "hours", "days": "days", "device-hours": "device_hours"}
_COLUMNS = (
    "id",
    "paper",
    "table",
    "model",
    "hardware",
    "count",
    "duration_value",
    "duration_unit",
    "power_w",
    "power_divisor",
    "pue",
    "intensity_value",
    "net_intensity_value",
    "intensity_unit",
    "energy_printed",
    "energy_unit",
    "co2e_printed",
    "co2e_net_printed",
    "co2e_unit",
    "chain_step",
    "note",
    "source",
)


@dataclass(frozen=True, slots=True, kw_only=True)
class Printed:
    """A published value as printed: its text, its unit, and the value in display units."""

    text: str
    unit: str
    value: float  # kWh for energy, kg for CO2e
    half_unit: float  # half of the last printed digit, in display units

    @classmethod
    def parse(cls, text: str, unit: str, per_unit: float) -> Printed:
        exponent = Decimal(text).as_tuple().exponent
        assert isinstance(exponent, int)
        return cls(
            text=text, unit=unit, value=float(text) * per_unit, half_unit=0.5 * 10.0**exponent * per_unit
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class PaperRow:
    """One published footprint: the inputs the paper states and the values it prints."""

    id: str
    paper: str
    table: str
    model: str
    hardware: str
    count: int
    duration_value: float
    duration_unit: str  # hours | days | device-hours
    power_w_printed: float
    power_divisor: int  # Strubell prints the total of all GPUs plus host: divided by the GPU count
    pue: float
    intensity_kg_per_kwh: float
    net_intensity_kg_per_kwh: float | None
    intensity_printed: str
    energy: Printed | None
    co2e: Printed | None
    co2e_net: Printed | None
    chain_step: int | None
    note: str
    source: str

    @property
    def power_w(self) -> float:
        """Average power per device passed to the estimator."""
        return self.power_w_printed / self.power_divisor


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
        per_unit = (_ENERGY_KWH_PER_UNIT if key == "energy" else _CO2E_KG_PER_UNIT)[printed.unit]
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


def _float(row: Mapping[str, str], column: str) -> float:
    try:
        value = float(row[column])
    except ValueError:
        raise ReferenceDataError(
            f"papers.csv row {row['id']!r}: {column} {row[column]!r} is not a number"
        ) from None
    if not math.isfinite(value) or value < 0:
        raise ReferenceDataError(f"papers.csv row {row['id']!r}: {column} {row[column]!r} is out of range")
    return value


def _printed(row: Mapping[str, str], column: str, unit: str, table: Mapping[str, float]) -> Printed | None:
    if not row[column]:
        return None
    _float(row, column)
    if unit not in table:
        raise ReferenceDataError(f"papers.csv row {row['id']!r}: unknown unit {unit!r}")
    return Printed.parse(row[column], unit, table[unit])


def _parse(row: Mapping[str, str]) -> PaperRow:
    if row["duration_unit"] not in _DURATION_ARG or row["intensity_unit"] not in _INTENSITY_KG_PER_UNIT:
        raise ReferenceDataError(f"papers.csv row {row['id']!r}: unknown duration or intensity unit")
    per_kg = _INTENSITY_KG_PER_UNIT[row["intensity_unit"]]
    return PaperRow(
        id=row["id"],
        paper=row["paper"],
        table=row["table"],
        model=row["model"],
        hardware=row["hardware"],
        count=int(row["count"]),
        duration_value=_float(row, "duration_value"),
        duration_unit=row["duration_unit"],
        power_w_printed=_float(row, "power_w"),
        power_divisor=int(row["power_divisor"]),
        pue=_float(row, "pue"),
        intensity_kg_per_kwh=_float(row, "intensity_value") * per_kg,
        net_intensity_kg_per_kwh=(
            _float(row, "net_intensity_value") * per_kg if row["net_intensity_value"] else None
        ),
        intensity_printed=f"{row['intensity_value']} {row['intensity_unit']}"
        + (f" (net {row['net_intensity_value']})" if row["net_intensity_value"] else ""),
        energy=_printed(row, "energy_printed", row["energy_unit"], _ENERGY_KWH_PER_UNIT),
        co2e=_printed(row, "co2e_printed", row["co2e_unit"], _CO2E_KG_PER_UNIT),
        co2e_net=_printed(row, "co2e_net_printed", row["co2e_unit"], _CO2E_KG_PER_UNIT),
        chain_step=int(row["chain_step"]) if row["chain_step"] else None,
        note=row["note"],
        source=row["source"],
    )


@lru_cache(maxsize=1)
def _packaged_text() -> str:
    return (resources.files("mlfootprint.reference") / "data" / "papers.csv").read_text(encoding="utf-8")


def load_rows(text: str | None = None) -> tuple[PaperRow, ...]:
    """Parse the published rows (the packaged ``papers.csv`` unless ``text`` is given).

    Raises:
        ReferenceDataError: missing columns, duplicate ids or malformed values.
    """
    reader = csv.DictReader(io.StringIO(_packaged_text() if text is None else text))
    missing = [c for c in _COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise ReferenceDataError(f"papers.csv: missing columns {', '.join(missing)}")
    rows = tuple(_parse(row) for row in reader)
    ids = [r.id for r in rows]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise ReferenceDataError(f"papers.csv: duplicate ids {', '.join(duplicates)}")
    return rows


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
