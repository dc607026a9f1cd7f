"""Flat rows of runs for ``mlfootprint export`` (CSV or JSON; display units in column names), pure."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from typing import Any

from mlfootprint.embodied_run import embodied_of_run
from mlfootprint.records import RunRecord
from mlfootprint.report.totals import Prices, device_hours
from mlfootprint.units import kg_from_g, kwh_from_j

__all__ = ["BASE_COLUMNS", "export_csv", "export_json", "run_row"]

BASE_COLUMNS = (
    "id", "project", "name", "status", "started_at", "ended_at", "duration_s", "gpu_count", "device_hours",
    "energy_kwh", "energy_kwh_low", "energy_kwh_high", "it_energy_kwh",
    "gpu_energy_kwh", "cpu_energy_kwh", "dram_energy_kwh", "other_energy_kwh",
    "co2e_kg", "co2e_kg_low", "co2e_kg_high", "co2e_kg_net",
    "embodied_co2e_kg", "embodied_co2e_kg_low", "embodied_co2e_kg_high",
    "embodied_method", "embodied_source", "embodied_obtained",
    "pue", "pue_source", "intensity_kg_per_kwh", "intensity_source", "intensity_resolution",
    "region", "methods", "hostname",
)  # fmt: skip


_EMBODIED = tuple(c for c in BASE_COLUMNS if c.startswith("embodied_"))


def _iso(at: Any) -> str | None:
    return None if at is None else at.isoformat().replace("+00:00", "Z")


def run_row(run: RunRecord, prices: Prices | None = None) -> dict[str, Any]:
    """One flat row for ``run``: base columns, ``tag:KEY`` per tag, and ``cost`` when prices are given."""
    by_component: dict[str, float] = {"gpu": 0.0, "cpu": 0.0, "dram": 0.0, "other": 0.0}
    for c in run.components:
        key = c.component if c.component in by_component else "other"
        by_component[key] += c.energy_j
    dh = device_hours(run)
    row: dict[str, Any] = {
        "id": run.id,
        "project": run.project,
        "name": run.name,
        "status": run.status,
        "started_at": _iso(run.started_at),
        "ended_at": _iso(run.ended_at),
        "duration_s": run.duration_s,
        "gpu_count": sum(1 for c in run.components if c.component == "gpu"),
        "device_hours": dh,
        "energy_kwh": kwh_from_j(run.energy_j),
        "energy_kwh_low": kwh_from_j(run.energy_j_low),
        "energy_kwh_high": kwh_from_j(run.energy_j_high),
        "it_energy_kwh": kwh_from_j(run.it_energy_j),
        **{f"{k}_energy_kwh": kwh_from_j(v) for k, v in by_component.items()},
        "co2e_kg": kg_from_g(run.co2e_g),
        "co2e_kg_low": kg_from_g(run.co2e_g_low),
        "co2e_kg_high": kg_from_g(run.co2e_g_high),
        "co2e_kg_net": None if run.co2e_g_net is None else kg_from_g(run.co2e_g_net),
        **_embodied_columns(run),
        "pue": run.pue,
        "pue_source": run.pue_source,
        "intensity_kg_per_kwh": run.intensity_g_per_kwh / 1000.0,
        "intensity_source": run.intensity_source,
        "intensity_resolution": run.intensity_resolution,
        "region": run.region,
        "methods": ";".join(sorted({c.method for c in run.components})),
        "hostname": run.hostname,
    }
    for key, value in sorted(run.tags.items()):
        row[f"tag:{key}"] = value
    if prices is not None and prices.given:
        row["cost"] = (prices.per_kwh or 0.0) * row["energy_kwh"] + (prices.per_device_hour or 0.0) * dh
    return row


def _embodied_columns(run: RunRecord) -> dict[str, Any]:
    """The run's embodied (manufacturing) CO2e, beside the operational columns and never added into them;
    every cell empty when the run measured no accelerator."""
    e = embodied_of_run(run)
    if e.get("co2e_kg") is None:
        return dict.fromkeys(_EMBODIED)
    per_device = [a["source"] for a in e.get("assumptions", ()) if a.get("name") == "embodied_per_device"]
    return {
        "embodied_co2e_kg": float(e["co2e_kg"]),
        "embodied_co2e_kg_low": float(e["co2e_kg_low"]),
        "embodied_co2e_kg_high": float(e["co2e_kg_high"]),
        "embodied_method": f"{e['method']}; {e['lifetime_years']:g} years at "
        f"{100 * e['utilisation_frac']:g} % use",
        "embodied_source": " | ".join(per_device),
        "embodied_obtained": e.get("obtained"),
    }


def _columns(rows: Sequence[dict[str, Any]], prices: Prices | None) -> list[str]:
    tags = sorted({k for r in rows for k in r if k.startswith("tag:")})
    cols = [*BASE_COLUMNS, *tags]
    if prices is not None and prices.given:
        cols.append("cost")
    return cols


def export_csv(runs: Sequence[RunRecord], prices: Prices | None = None) -> str:
    """Runs as CSV with a header row; empty cells for missing values."""
    rows = [run_row(r, prices) for r in runs]
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=_columns(rows, prices), restval="", lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: "" if v is None else v for k, v in row.items()})
    return buf.getvalue()


def export_json(runs: Sequence[RunRecord], prices: Prices | None = None) -> str:
    """Runs as a JSON list of flat objects (same columns as the CSV)."""
    rows = [run_row(r, prices) for r in runs]
    doc: dict[str, Any] = {"runs": rows}
    if prices is not None and prices.given:
        doc["cost_note"] = "cost is in the currency of the prices given; no conversion is made"
    return json.dumps(doc, indent=2, default=str) + "\n"
