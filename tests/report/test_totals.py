"""Project totals equal the sum of their runs; intervals contain the point; export rows."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers.runfactory import T0, build_run
from mlfootprint.errors import InvalidValueError
from mlfootprint.report.export import export_csv, export_json, run_row
from mlfootprint.report.totals import Prices, device_hours, summarise


def _sweep() -> list:  # type: ignore[type-arg]
    return [
        build_run("a1", name="base", tags={"stage": "model"}, gpus=1, duration_s=3600),
        build_run("a2", name="sweep-lr", tags={"stage": "tuning", "lr": "1e-3"}, gpus=2, duration_s=1800,
                  started_at=T0 + timedelta(days=1)),
        build_run("a3", name="sweep-lr", tags={"stage": "tuning", "lr": "1e-4"}, gpus=2, duration_s=1800,
                  started_at=T0 + timedelta(days=1), cfe_pct=50),
    ]  # fmt: skip


def test_device_hours_is_duration_times_gpus() -> None:
    assert device_hours(build_run(gpus=4, duration_s=7200)) == 8.0
    assert device_hours(build_run(gpus=0, duration_s=7200)) == 0.0


def test_group_totals_sum_to_the_total() -> None:
    runs = _sweep()
    groups, total = summarise(runs, by="tag:stage")
    assert [g.group for g in groups] == ["model", "tuning"]
    assert [g.runs for g in groups] == [1, 2]
    assert total.device_hours == pytest.approx(1 + 1 + 1)
    assert total.energy_j == pytest.approx(sum(r.energy_j for r in runs))
    assert sum(g.co2e_g for g in groups) == pytest.approx(total.co2e_g)
    assert total.co2e_g_net == pytest.approx(runs[2].co2e_g_net)
    assert total.runs_without_net == 2
    by_day, _ = summarise(runs, by="day")
    assert [g.group for g in by_day] == ["2024-03-01", "2024-03-02"]
    by_missing, _ = summarise(runs, by="tag:lr")
    assert "(lr not set)" in [g.group for g in by_missing]


def test_bad_group_is_a_usage_error() -> None:
    with pytest.raises(InvalidValueError, match="--by: 'colour'"):
        summarise([], by="colour")


def test_cost_is_currency_neutral_sum() -> None:
    run = build_run(gpus=2, duration_s=3600)
    _, total = summarise([run], prices=Prices(per_kwh=0.2, per_device_hour=1.5))
    assert total.cost == pytest.approx(0.2 * run.energy_j / 3.6e6 + 1.5 * 2)
    assert summarise([run])[1].cost is None


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.floats(1, 1e5), st.integers(0, 8), st.floats(1.0, 2.0)), min_size=0, max_size=8))
def test_totals_are_sums_and_intervals_contain_points(specs: list[tuple[float, int, float]]) -> None:
    runs = [build_run(f"r{i}", duration_s=d, gpus=g, pue=p) for i, (d, g, p) in enumerate(specs)]
    groups, total = summarise(runs, by="name")
    assert total.runs == len(runs)
    assert total.energy_j == pytest.approx(sum(r.energy_j for r in runs))
    assert total.co2e_g == pytest.approx(sum(r.co2e_g for r in runs))
    for t in [*groups, total]:
        assert t.energy_j_low <= t.energy_j <= t.energy_j_high
        assert t.co2e_g_low <= t.co2e_g <= t.co2e_g_high


def test_export_rows_flat_in_display_units() -> None:
    run = build_run(tags={"lr": "1e-3"}, gpus=2, gpu_w=250, cpu_w=60, duration_s=3600)
    row = run_row(run)
    assert row["gpu_energy_kwh"] == pytest.approx(0.5)
    assert row["cpu_energy_kwh"] == pytest.approx(0.06)
    assert row["energy_kwh"] == pytest.approx(0.84)
    assert row["tag:lr"] == "1e-3"
    assert row["methods"] == "counter;tdp-utilisation"
    assert "cost" not in row
    text = export_csv(_sweep(), Prices(per_kwh=0.3))
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["id"] for r in rows] == ["a1", "a2", "a3"]
    assert rows[0]["tag:lr"] == "" and rows[1]["tag:lr"] == "1e-3"
    assert float(rows[0]["cost"]) == pytest.approx(0.3 * float(rows[0]["energy_kwh"]))
    assert rows[0]["co2e_kg_net"] == ""
    doc = json.loads(export_json(_sweep(), Prices(per_device_hour=2)))
    assert doc["runs"][1]["cost"] == pytest.approx(2.0)
    assert "currency" in doc["cost_note"]


#: Luccioni et al. 2022, Section 4.1: 150 kg per A100 and 2,500 kg per 8-GPU node, 6 years at 85 % use
A100_KG_PER_DEVICE_HOUR = (150 + 2500 / 8) / (6 * 8760 * 0.85)


def test_export_embodied_columns_beside_the_operational_ones() -> None:
    run = build_run(gpus=2, duration_s=3600)
    row = run_row(run)
    assert row["embodied_co2e_kg"] == pytest.approx(2 * A100_KG_PER_DEVICE_HOUR)
    assert row["embodied_co2e_kg_low"] < row["embodied_co2e_kg"] < row["embodied_co2e_kg_high"]
    # the operational column is the run's own figure, nothing added to it
    assert row["co2e_kg"] == pytest.approx(run.co2e_g / 1000)
    assert "Luccioni" in row["embodied_source"] and "A100" in row["embodied_source"]
    assert (
        "lifetime x utilisation" in row["embodied_method"] and "6 years at 85 % use" in row["embodied_method"]
    )
    assert row["embodied_obtained"].startswith("computed")


def test_export_embodied_stored_figure_and_empty_cells_without_accelerator() -> None:
    from dataclasses import replace

    stored = {
        "co2e_kg": 1.25, "co2e_kg_low": 0.5, "co2e_kg_high": 3.0, "method": "stored method",
        "lifetime_years": 5.0, "utilisation_frac": 0.5, "device_hours": 2.0,
        "assumptions": [{"name": "embodied_per_device", "value": 1, "unit": "", "source": "cited row"}],
    }  # fmt: skip
    runs = [replace(build_run("s1", gpus=2), extra={"embodied": stored}), build_run("c0", gpus=0)]
    rows = list(csv.DictReader(io.StringIO(export_csv(runs))))
    assert float(rows[0]["embodied_co2e_kg"]) == 1.25
    assert (float(rows[0]["embodied_co2e_kg_low"]), float(rows[0]["embodied_co2e_kg_high"])) == (0.5, 3.0)
    assert rows[0]["embodied_method"] == "stored method; 5 years at 50 % use"
    assert rows[0]["embodied_source"] == "cited row"
    assert rows[0]["embodied_obtained"] == "stored with the run"
    assert float(rows[0]["co2e_kg"]) == pytest.approx(runs[0].co2e_g / 1000)
    embodied = [c for c in rows[1] if c.startswith("embodied_")]
    assert len(embodied) == 6 and all(rows[1][c] == "" for c in embodied)
    assert float(rows[1]["co2e_kg"]) == pytest.approx(runs[1].co2e_g / 1000)
    doc = json.loads(export_json(runs))
    assert doc["runs"][0]["embodied_co2e_kg"] == 1.25
    assert doc["runs"][1]["embodied_co2e_kg"] is None
