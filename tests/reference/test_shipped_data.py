"""Validation of every shipped row, and the published figures the tables must carry."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from mlfootprint.reference import (
    accelerators,
    cpus,
    find_accelerator,
    intensity_facts,
    list_tables,
    pue_facts,
    table_rows,
)
from mlfootprint.reference._table import shipped_path
from mlfootprint.reference.tables import TABLE_NAMES

DATA = shipped_path("accelerators.csv").parent


@pytest.mark.parametrize("name", TABLE_NAMES)
def test_every_row_has_source_license_and_plausible_year(name: str) -> None:
    rows = table_rows(name)
    assert rows, name
    for row in rows:
        assert row["source"].strip(), (name, row)
        assert row["license"].strip(), (name, row)
        if row.get("year"):
            assert 1990 <= int(row["year"]) <= 2030, (name, row)


def test_accelerator_rows_plausible_and_unique() -> None:
    table = accelerators()
    assert len({a.name.casefold() for a in table}) == len(table)
    for acc in table:
        assert acc.kind in {"gpu", "tpu", "npu"}
        for power in (acc.tdp_w, acc.measured_avg_power_w, acc.estimated_power_w):
            assert power is None or 1 <= power <= 5000
        # every accelerator has some power figure; a class estimate is always low confidence
        assert acc.tdp_w or acc.measured_avg_power_w or acc.estimated_power_w, acc.name
        if acc.tdp_w is None and acc.measured_avg_power_w is None:
            assert acc.estimated_power_basis.startswith("class estimate"), acc.name
        if acc.peak_fp16_tflops is not None and acc.peak_fp32_tflops is not None:
            assert acc.peak_fp16_tflops >= acc.peak_fp32_tflops, acc.name


# Patterson et al. 2021, Table 3 (measured average system power, stdev) and Table 4 (TDP);
# Chowdhery et al. 2022 (PaLM), Appendix B.
@pytest.mark.parametrize(
    ("name", "power_w", "spread", "tdp_w"),
    [
        ("TPU v2", 221.0, 0.05, 280.0),
        ("TPU v3", 283.0, 0.10, 450.0),
        ("P100", 271.0, 0.11, 300.0),
        ("V100", 325.0, 0.02, 300.0),
        ("TPU v4", 378.5, None, None),
    ],
)
def test_published_measured_power(
    name: str, power_w: float, spread: float | None, tdp_w: float | None
) -> None:
    acc = find_accelerator(name)
    assert acc.measured_avg_power_w == power_w
    assert acc.measured_power_spread_frac == spread
    assert acc.tdp_w == tdp_w
    assert acc.measured_power_source is not None
    assert ("Patterson" if name != "TPU v4" else "PaLM") in acc.measured_power_source


def test_cpu_rows_plausible() -> None:
    table = cpus()
    assert len(table) >= 50
    for cpu in table:
        assert 1 <= cpu.tdp_w <= 1000
        assert 0.5 <= cpu.tdp_per_core_w <= 30
        if cpu.cores:
            assert cpu.tdp_per_core_w == pytest.approx(cpu.tdp_w / cpu.cores, abs=0.01)
        assert cpu.source and not cpu.is_fallback


def test_intensity_rows_plausible_and_unique() -> None:
    facts = intensity_facts()
    keys = [(f.key, f.year) for f in facts]
    assert len(set(keys)) == len(keys)
    for fact in facts:
        assert 0 <= fact.g_per_kwh <= 2000
        assert fact.basis and fact.source and fact.license
        if fact.cfe_pct is not None:
            assert 0 <= fact.cfe_pct <= 100
            assert fact.key.startswith("gcp:")


def test_pue_rows_plausible_and_unique() -> None:
    facts = pue_facts()
    assert len({(f.key, f.year) for f in facts}) == len(facts)
    assert all(1.0 <= f.pue <= 3.0 and f.source for f in facts)


# Google's own published fleet figures (blog 2012; Environmental Reports 2017, 2018, 2020, 2021, 2023)
GOOGLE_PUBLISHED_PUE = {
    2010: 1.16,
    2011: 1.14,
    2012: 1.12,
    2013: 1.12,
    2014: 1.12,
    2015: 1.12,
    2016: 1.12,
    2017: 1.11,
    2019: 1.10,
    2020: 1.10,
    2022: 1.10,
}


@pytest.mark.parametrize(("year", "pue"), sorted(GOOGLE_PUBLISHED_PUE.items()))
def test_google_pue_is_the_published_figure(year: int, pue: float) -> None:
    (fact,) = [f for f in pue_facts() if f.key == "google" and f.year == year]
    assert fact.pue == pue
    assert fact.confidence == "high"


def test_google_2009_pue_agrees_with_the_quarterly_reports() -> None:
    # Google's Q3 2009 report: trailing twelve months 1.19; quarters of 2009 at 1.19, 1.20, 1.22
    (fact,) = [f for f in pue_facts() if f.key == "google" and f.year == 2009]
    assert fact.pue == 1.19
    assert fact.confidence == "medium"


def test_hgx_embodied_figures_are_nvidia_pcf_per_gpu() -> None:
    from mlfootprint.embodied import embodied_factor

    # NVIDIA PCF summaries: 1,312 kg (HGX H100) and 2,274 kg (HGX B200) per 8-GPU baseboard
    assert embodied_factor("H100").device_kg == 1312 / 8
    assert embodied_factor("B200").device_kg == 2274 / 8


def test_list_tables_matches_files() -> None:
    infos = {t.name: t for t in list_tables()}
    assert set(infos) == set(TABLE_NAMES)
    for info in infos.values():
        with Path(info.path).open(newline="", encoding="utf-8") as handle:
            assert info.rows == sum(1 for _ in csv.DictReader(handle))
        assert info.sources and info.license
    assert infos["grid_intensity_country"].years == (2019, 2024)
    assert "CC BY 4.0" in infos["grid_intensity_country"].license
    assert "Apache-2.0" in infos["cloud_regions"].license


def test_sources_md_names_every_licence() -> None:
    text = (DATA / "SOURCES.md").read_text(encoding="utf-8")
    for needle in (
        "CC BY 4.0",
        "Apache-2.0",
        "eGRID",
        "DCCEEW",
        "Open Government Licence - Canada",
        "MIT",
        "Green Algorithms",
        "Patterson",
        "Our World in Data",
    ):
        assert needle in text
