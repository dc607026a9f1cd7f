"""Accelerators, places and years that users name: every one resolves or is refused with candidates."""

from __future__ import annotations

import pytest

from mlfootprint.embodied import embodied_estimate, embodied_factor
from mlfootprint.errors import AmbiguousNameError
from mlfootprint.estimator import estimate
from mlfootprint.papers_embodied import reproduce_bloom_embodied
from mlfootprint.reference import find_accelerator, resolve_intensity, resolve_pue
from mlfootprint.reference.years import intensity_for_year, pue_for_year

LISTED = [
    "P40",
    "M40",
    "GTX-1080-Ti",
    "RTX-2080-Ti",
    "V100S",
    "A10",
    "A10G",
    "A30",
    "A40",
    "RTX-A6000",
    "L40",
    "H800",
    "A800",
    "GH200",
    "B100",
    "MI210",
    "MI300A",
    "MI325X",
    "Gaudi",
    "Gaudi2",
    "Gaudi3",
    "Trainium",
    "Trainium2",
    "Inferentia2",
    "TPU-v1",
    "TPU-v5e",
    "TPU-v5p",
    "TPU-v6e",
    "Titan-V",
    "Titan-RTX",
]


@pytest.mark.parametrize("name", LISTED)
def test_listed_accelerators_resolve_with_a_power_figure(name: str) -> None:
    acc = find_accelerator(name.replace("-", " "))
    assert acc.tdp_w or acc.measured_avg_power_w or acc.estimated_power_w
    r = estimate(hardware=name.replace("-", " "), hours=1, region="world")
    assert r.energy_j > 0 and r.co2e_g_low < r.co2e_g < r.co2e_g_high


def test_variant_inherits_family_measured_average_and_says_so() -> None:
    acc = find_accelerator("Tesla V100-SXM2-32GB")
    assert acc.measured_avg_power_w == 325.0  # Patterson et al. 2021 Table 3
    assert acc.power_inherited and "V100 family" in (acc.measured_power_source or "")
    r = estimate(hardware="Tesla V100-SXM2-32GB", hours=1, pue=1.1, intensity_kg_per_kwh=0.4)
    assert r.power_method == "published"
    assert "inherited" in next(a.source for a in r.assumptions if a.name == "power_w")


def test_memory_in_the_name_picks_that_board() -> None:
    assert find_accelerator("NVIDIA A100-80GB").memory_gb == 80
    assert find_accelerator("A100 80GB").name == "A100 SXM4 80GB"


@pytest.mark.parametrize(("name", "candidates"), [("Titan X", 2), ("MI300", 2)])
def test_a_name_matching_several_rows_lists_them(name: str, candidates: int) -> None:
    with pytest.raises(AmbiguousNameError) as info:
        find_accelerator(name)
    assert len(info.value.candidates) >= candidates and info.value.exit_code == 2


def test_class_estimate_is_wide_and_stated() -> None:
    r = estimate(hardware="TPU v5e", hours=1, pue=1.1, intensity_kg_per_kwh=0.4)
    assert (r.ranges["power"].low_frac, r.ranges["power"].high_frac) == (0.4, 1.6)
    assert "class estimate" in next(a.source for a in r.assumptions if a.name == "power_w")


@pytest.mark.parametrize(
    ("place", "key"),
    [
        ("Iowa", "US-IA"),
        ("Oklahoma", "US-OK"),
        ("North Carolina", "US-NC"),
        ("Council Bluffs", "gcp:us-central1"),
        ("Georgia (US)", "US-GA"),
        ("US-GA", "US-GA"),
        ("GEO", "GEO"),
        ("Jean Zay", "FRA"),
        ("SRSO", "US-EGRID-SRSO"),
    ],
)
def test_places_resolve(place: str, key: str) -> None:
    assert resolve_intensity(place).key == key


def test_us_state_uses_its_egrid_subregion() -> None:
    assert resolve_intensity("Georgia (US)").g_per_kwh == resolve_intensity("SRSO").g_per_kwh


@pytest.mark.parametrize(
    ("place", "expected"), [("Georgia", {"GEO", "US-GA"}), ("Dublin", {"aws:eu-west-1"})]
)
def test_ambiguous_places_are_refused_with_candidates(place: str, expected: set[str]) -> None:
    with pytest.raises(AmbiguousNameError) as info:
        resolve_intensity(place)
    shown = " ".join(info.value.candidates)
    assert all(key in shown for key in expected)


@pytest.mark.parametrize(
    ("operator", "pue"), [("jean-zay", 1.2), ("lumi", 1.1), ("coreweave", 1.25), ("oracle", 1.25)]
)
def test_hpc_and_gpu_cloud_pue(operator: str, pue: float) -> None:
    assert resolve_pue(operator).pue == pue


def test_year_in_table_is_exact_and_missing_year_falls_back_and_widens() -> None:
    fact, choice = pue_for_year("google", 2019)
    assert (fact.pue, choice.note) == (1.10, "")
    fact, choice = intensity_for_year("Iowa", 2019)
    assert fact.year == 2022 and choice.fell_back and "2019" in choice.note
    assert choice.low_frac < 1.0 < choice.high_frac
    r = estimate(hardware="V100", count=8, hours=10, region="Iowa", datacenter="google", year=2019)
    assert any("nearest year 2022" in n for n in r.year_notes)
    exact = estimate(
        hardware="V100", count=8, hours=10, region="gcp:us-central1", datacenter="google", year=2019
    )
    assert exact.year_notes == () and exact.intensity_g_per_kwh == 479.0  # Google region data, 2019


def test_no_year_covers_the_spread_of_recent_years() -> None:
    with_year = estimate(hardware="V100", hours=10, region="USA", pue=1.1, year=2024)
    without = estimate(hardware="V100", hours=10, region="USA", pue=1.1)
    assert with_year.co2e_g == pytest.approx(without.co2e_g)
    assert without.co2e_g_high > with_year.co2e_g_high  # 2020-2024 US figures are above 2024's


def test_net_figure_has_an_interval() -> None:
    r = estimate(
        hardware="TPU v3", count=8, hours=10, region="gcp:us-central1", datacenter="google", year=2020
    )
    assert r.cfe_pct == 93.0 and r.co2e_g_net is not None
    assert r.co2e_g_net_low is not None and r.co2e_g_net_high is not None
    assert r.co2e_g_net_low < r.co2e_g_net < r.co2e_g_net_high


def test_embodied_is_its_own_line_with_an_interval() -> None:
    r = estimate(hardware="H100", count=8, hours=100, region="USA", pue=1.1)
    assert r.embodied is not None
    e = r.embodied
    assert e.factor.key == "H100" and e.co2e_g_low < e.co2e_g < e.co2e_g_high
    # 800 device-hours of (164 + 2500/8) kg over 6 years at 85 %
    assert e.co2e_g == pytest.approx(800 / (6 * 8760 * 0.85) * (164 + 312.5) * 1000)
    assert r.to_dict()["embodied"]["co2e_kg"] == pytest.approx(e.co2e_g / 1000)


def test_bloom_embodied_reproduced() -> None:
    rep = reproduce_bloom_embodied()
    # Luccioni et al. 2022, Section 4.1: 3.64 t GPUs, 7.57 t servers, 11.2 t in all
    assert rep.computed_kg["gpus"] == pytest.approx(3640, rel=0.005)
    assert rep.computed_kg["servers"] == pytest.approx(7570, rel=0.005)
    assert rep.computed_kg["total"] == pytest.approx(11200, rel=0.005)


def test_embodied_default_factor_is_wide() -> None:
    factor = embodied_factor("P100")
    assert factor.key == "default" and factor.high_frac / factor.low_frac > 8
    assert embodied_estimate(0.0, factor).co2e_g == 0.0
