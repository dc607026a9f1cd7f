"""The published training footprints as rows: the inputs each paper states and the values it prints.

The rows live in the package data file ``data/papers.csv`` (with citations); this module parses and
validates them. Their reproduction by the estimator is ``mlfootprint.papers``, a user of these rows.
"""

from __future__ import annotations

import csv
import io
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from mlfootprint.errors import ReferenceDataError
from mlfootprint.units import KG_PER_LB

__all__ = [
    "CO2E_KG_PER_UNIT",
    "DATA_DIR",
    "DURATION_UNITS",
    "ENERGY_KWH_PER_UNIT",
    "PaperRow",
    "Printed",
    "load_rows",
]

#: the package's data folder, read as files (as ``shipped_path`` and the data cache do): neither
#: ``importlib.resources`` nor pathlib to load for two small tables
DATA_DIR = os.path.join(os.path.dirname(__file__), "data")

ENERGY_KWH_PER_UNIT = {"kWh": 1.0, "MWh": 1000.0}
CO2E_KG_PER_UNIT = {"lbs": KG_PER_LB, "kg": 1.0, "t": 1000.0}
_INTENSITY_KG_PER_UNIT = {"kg/kWh": 1.0, "lbs/kWh": KG_PER_LB}
DURATION_UNITS = ("hours", "days", "device-hours")
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
    if row["duration_unit"] not in DURATION_UNITS or row["intensity_unit"] not in _INTENSITY_KG_PER_UNIT:
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
        energy=_printed(row, "energy_printed", row["energy_unit"], ENERGY_KWH_PER_UNIT),
        co2e=_printed(row, "co2e_printed", row["co2e_unit"], CO2E_KG_PER_UNIT),
        co2e_net=_printed(row, "co2e_net_printed", row["co2e_unit"], CO2E_KG_PER_UNIT),
        chain_step=int(row["chain_step"]) if row["chain_step"] else None,
        note=row["note"],
        source=row["source"],
    )


@lru_cache(maxsize=1)
def _packaged_text() -> str:
    with open(os.path.join(DATA_DIR, "papers.csv"), encoding="utf-8") as handle:
        return handle.read()


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
