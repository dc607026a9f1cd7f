"""The carbon statement: facts with sources, the air-travel equivalent, JSON form."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest

from helpers.runfactory import build_run
from mlfootprint.records import Assumption
from mlfootprint.report.equivalents import flight_equivalent
from mlfootprint.report.estimate_statement import statement_from_estimate
from mlfootprint.report.json_report import render_json
from mlfootprint.report.statement import TableVersion, statement_from_run, table_versions

TABLES = (TableVersion(name="pue", rows=40, years="2007-2024", sources="Uptime", license="see SOURCES.md"),)


def test_flight_equivalent_uses_patterson_table2() -> None:
    # Patterson 2021 Table 2: 1.2 tCO2e per passenger SF-NY round trip; 180 t for the whole jet.
    one_trip = flight_equivalent(1200.0)
    assert one_trip.passenger_round_trips == pytest.approx(1.0)
    assert "Table 2" in one_trip.source
    jet = flight_equivalent(180_000.0)
    assert jet.whole_jet_round_trips == pytest.approx(1.0)
    assert "whole-jet" in jet.text
    small = flight_equivalent(12.0)  # 12 kg: a car trip, not a fraction of a flight
    assert small.text == "about 49.2 km driven by an average passenger car"  # 12,000 g / 244 g per km
    assert "EPA" in small.source and "244 g per km" in small.source
    tiny = flight_equivalent(6.1e-8)  # 0.061 mg: a fraction of a smartphone charge, never e-notation
    assert tiny.text == "about 0.000492 % of one smartphone charge"  # 0.061 / 12,400 mg
    assert "e-" not in tiny.text
    assert flight_equivalent(0.0248).text == "about 2 smartphone charges"


def test_statement_of_run_states_every_factor_with_its_source() -> None:
    run = build_run(gpus=2, gpu_w=250, cpu_w=60, duration_s=3600, pue=1.5, intensity_g_per_kwh=400)
    st = statement_from_run(run, tables=TABLES)
    # IT = (2*250 + 60) W * 1 h = 0.56 kWh; facility = 0.84 kWh; CO2e = 0.336 kg
    assert st.energy_kwh == pytest.approx(0.84)
    assert st.co2e_kg == pytest.approx(0.336)
    assert st.energy_kwh_low <= st.energy_kwh <= st.energy_kwh_high
    facts = {f.label: f for f in st.facts}
    assert facts["PUE"].source == "Uptime Institute 2023 survey average"
    assert "Ember 2023" in facts["Carbon intensity"].source
    assert facts["Hardware"].value == "2 x NVML total-energy counter (NVIDIA A100-SXM4-40GB)"
    assert "not known" in facts["CO2e (net, after carbon-free energy)"].value
    assert "840 Wh" in st.summary or "0.84 kWh" in st.summary
    assert "passenger" in st.summary
    hows = {c.meter_id: c.how for c in st.components}
    assert hows["nvml:0"] == "measured by a hardware energy counter"
    assert hows["cpu-estimate"] == "estimated from TDP x utilisation (estimate)"
    assert sum(c.share_pct for c in st.components) == pytest.approx(100.0)
    assert st.phases[0].name == "train_epoch_1"
    assert any("estimates" in n for n in st.notes)


def test_net_co2e_shown_when_known() -> None:
    st = statement_from_run(build_run(cfe_pct=75.0))
    assert st.co2e_kg_net == pytest.approx(0.25 * st.co2e_kg)


def test_json_report_round_trips_and_includes_tables() -> None:
    st = statement_from_run(build_run(), tables=TABLES)
    doc = json.loads(render_json(st, run={"id": "run000001"}))
    assert doc["energy_kwh"] == pytest.approx(0.84)
    assert doc["tables"][0]["name"] == "pue"
    assert doc["equivalent"]["source"].startswith("US EPA Greenhouse Gas Equivalencies")
    assert doc["run"]["id"] == "run000001"


def test_table_versions_from_list_tables_entries() -> None:
    info = SimpleNamespace(name="accelerators", rows=30, years=(2014, 2024), sources=["a", "b"], license="CC")
    (tv,) = table_versions([info])
    assert (tv.name, tv.rows, tv.years, tv.sources, tv.source_count) == (
        "accelerators",
        30,
        "2014-2024",
        "a, b",
        2,
    )


def test_statement_from_estimate() -> None:
    est = SimpleNamespace(
        energy_j=316.3 * 3.6e6,
        energy_j_low=280 * 3.6e6,
        energy_j_high=350 * 3.6e6,
        co2e_g=135_700.0,
        co2e_g_low=120_000.0,
        co2e_g_high=150_000.0,
        co2e_g_net=None,
        device_hours=672.0,
        power_w=296.0,
        power_method="user-given average power",
        pue=1.59,
        intensity_g_per_kwh=429.0,
        cfe_pct=None,
        inputs={"hardware": "NVIDIA P100", "count": 8},
        assumptions=(Assumption(name="pue", value=1.59, unit="", source="US average"),),
    )
    st = statement_from_estimate(est)
    facts = {f.label: f for f in st.facts}
    assert facts["Duration"].value == "3.5 d"
    assert facts["Hardware"].value == "8 x NVIDIA P100"
    assert facts["PUE"].source == "US average"
    assert st.kind == "estimate"
    assert "estimated" in st.summary
