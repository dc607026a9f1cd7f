"""Name matching: accelerators, CPUs, regions, datacenters, with closest-name suggestions."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mlfootprint.errors import InvalidValueError, UnknownNameError, UsageError
from mlfootprint.reference import (
    cpu_fallback,
    default_pue,
    find_accelerator,
    find_cpu,
    resolve_intensity,
    resolve_pue,
    world_intensity,
)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("V100", "V100"),
        ("Tesla V100-SXM2-32GB", "Tesla V100 SXM2"),
        ("NVIDIA A100-SXM4-80GB", "A100 SXM4 80GB"),
        ("NVIDIA H100 80GB HBM3", "H100 SXM5 80GB"),
        ("tpu v3", "TPU v3"),
        ("TPUv3", "TPU v3"),
        ("v100-sxm2", "Tesla V100 SXM2"),
        ("Tesla P100-PCIE-16GB", "Tesla P100 PCIe 16GB"),
        ("P100", "P100"),
        ("nvidia h100 pcie", "H100 PCIe 80GB"),
        ("NVIDIA A100 80GB PCIe", "A100 PCIe 80GB"),
        ("Tesla T4", "T4"),
        ("NVIDIA GeForce RTX 4090", "GeForce RTX 4090"),
        ("AMD Instinct MI300X", "Instinct MI300X"),
        ("tpu_v4", "TPU v4"),
        ("Trillium", "TPU v6e"),
    ],
)
def test_accelerator_names_resolve(query: str, expected: str) -> None:
    assert find_accelerator(query).name == expected


def test_unknown_accelerator_names_closest() -> None:
    with pytest.raises(UnknownNameError) as info:
        find_accelerator("V1000")
    message = str(info.value)
    assert "'V1000'" in message and "V100" in message
    assert info.value.exit_code == 2


@pytest.mark.parametrize(
    ("model", "expected", "cores"),
    [
        ("Intel(R) Xeon(R) CPU E5-2680 v4 @ 2.40GHz", "Intel Xeon E5-2680 v4", 14),
        ("AMD EPYC 7763 64-Core Processor", "AMD EPYC 7763", 64),
        ("Intel(R) Xeon(R) Platinum 8480+", "Intel Xeon Platinum 8480+", 56),
        ("13th Gen Intel(R) Core(TM) i9-13900K", "Intel Core i9-13900K", 24),
        ("AMD Ryzen 9 7950X 16-Core Processor", "AMD Ryzen 9 7950X", 16),
    ],
)
def test_find_cpu_from_cpuinfo(model: str, expected: str, cores: int) -> None:
    cpu = find_cpu(model)
    assert cpu is not None and cpu.name == expected and cpu.cores == cores


def test_find_cpu_unknown_and_fallback() -> None:
    assert find_cpu("Intel(R) Core(TM) i7-1165G7 @ 2.80GHz") is None
    assert find_cpu("") is None
    fallback = cpu_fallback()
    assert fallback.is_fallback
    assert fallback.tdp_per_core_w == 12.0  # Green Algorithms, "Any" CPU
    assert fallback.tdp_w == 85.0  # CodeCarbon constant
    assert "Green Algorithms" in fallback.source and "codecarbon" in fallback.source


@pytest.mark.parametrize(
    ("region", "key", "kind"),
    [
        ("DEU", "DEU", "country"),
        ("DE", "DEU", "country"),
        ("germany", "DEU", "country"),
        ("United Kingdom", "GBR", "country"),
        ("UK", "GBR", "country"),
        ("US", "USA", "country"),
        ("US-EGRID-CAMX", "US-EGRID-CAMX", "subnational"),
        ("camx", "US-EGRID-CAMX", "subnational"),
        ("NSW", "AU-NSW", "subnational"),
        ("Tasmania (NEM)", "AU-TAS", "subnational"),
        ("CA-QC", "CA-QC", "subnational"),
        ("Quebec", "CA-QC", "subnational"),
        ("gcp:us-central1", "gcp:us-central1", "cloud-region"),
        ("GCP:US-CENTRAL1", "gcp:us-central1", "cloud-region"),
        ("aws:us-east-1", "aws:us-east-1", "cloud-region"),
        ("azure:westeurope", "azure:westeurope", "cloud-region"),
        ("us-central1", "gcp:us-central1", "cloud-region"),
        ("world", "world", "world"),
    ],
)
def test_resolve_intensity_kinds(region: str, key: str, kind: str) -> None:
    fact = resolve_intensity(region)
    assert (fact.key, fact.kind) == (key, kind)
    assert fact.source and fact.basis and fact.license


def test_published_values_by_year() -> None:
    # OWID/Ember (2025 release): Germany 2019 392.5, UK 2023 228.2 g/kWh
    assert resolve_intensity("DEU", 2019).g_per_kwh == 392.5
    assert resolve_intensity("GBR", 2023).g_per_kwh == 228.2
    # eGRID2022 CAMX CO2e 226.5 g/kWh
    assert resolve_intensity("CAMX").g_per_kwh == 226.5
    # Google region-carbon-info 2019: us-central1 479 g/kWh, CFE 78 % (Patterson 2021 uses 78 % for Iowa)
    iowa = resolve_intensity("gcp:us-central1", 2019)
    assert (iowa.g_per_kwh, iowa.cfe_pct) == (479.0, 78.0)
    assert world_intensity(2023).g_per_kwh == 484.4


def test_year_defaults_to_latest_and_missing_year_lists_available() -> None:
    assert resolve_intensity("DEU").year == 2024
    assert resolve_intensity("gcp:us-central1").year == 2024
    with pytest.raises(InvalidValueError) as info:
        resolve_intensity("DEU", 2000)
    assert "2019" in str(info.value) and "2024" in str(info.value) and "2000" in str(info.value)
    assert isinstance(info.value, UsageError)


@pytest.mark.parametrize("bad", ["Germny", "gcp:us-central9", "mars:us-east-1", "atlantis"])
def test_unknown_region_names_closest(bad: str) -> None:
    with pytest.raises(UnknownNameError) as info:
        resolve_intensity(bad)
    assert repr(bad) in str(info.value)
    if bad == "Germny":
        assert info.value.suggestions[0] == "Germany"
    if bad == "gcp:us-central9":
        assert "gcp:us-central1" in info.value.suggestions


@pytest.mark.parametrize(
    ("name", "key", "pue"),
    [
        ("google", "google", 1.09),
        ("GCP", "google", 1.09),
        ("aws", "aws", 1.14),
        ("azure", "microsoft", 1.18),
        ("microsoft", "microsoft", 1.18),
        ("meta", "meta", 1.08),
        ("uptime", "uptime-global-average", 1.56),
        ("global-average", "uptime-global-average", 1.56),
        ("average", "uptime-global-average", 1.56),
        ("enterprise", "enterprise", 1.63),
        ("on-premises", "enterprise", 1.63),
        ("cloud-average", "cloud-average", 1.25),
    ],
)
def test_resolve_pue(name: str, key: str, pue: float) -> None:
    fact = resolve_pue(name)
    assert (fact.key, fact.pue) == (key, pue)
    assert fact.source


def test_pue_years() -> None:
    # Strubell et al. 2019 used 1.58 (Uptime 2018); Patterson et al. 2021 used 1.59 (2020)
    assert resolve_pue("uptime", 2018).pue == 1.58
    assert resolve_pue("uptime", 2020).pue == 1.59
    default = default_pue()
    assert (default.key, default.year, default.pue) == ("uptime-global-average", 2024, 1.56)
    # Google's fleet PUE is published every year since 2008
    assert resolve_pue("google", 2019).pue == 1.10
    assert [resolve_pue("google", y).year for y in range(2008, 2025)] == list(range(2008, 2025))
    with pytest.raises(InvalidValueError, match="2023"):
        resolve_pue("aws", 2019)
    with pytest.raises(UnknownNameError, match="closest: google"):
        resolve_pue("googel")


def _accelerator_names() -> list[str]:
    from mlfootprint.reference import accelerators

    return [acc.name for acc in accelerators()]


@given(data=st.data())
@settings(max_examples=60, deadline=None)
def test_name_matching_ignores_case_and_separators(data: st.DataObject) -> None:
    name = data.draw(st.sampled_from(_accelerator_names()))
    separators = data.draw(
        st.lists(st.sampled_from([" ", "-", "_", ""]), min_size=len(name), max_size=len(name))
    )
    upper = data.draw(st.lists(st.booleans(), min_size=len(name), max_size=len(name)))
    mangled = "".join(
        (sep if ch == " " else ch.upper() if up else ch.lower())
        for ch, sep, up in zip(name, separators, upper, strict=True)
    )
    assert find_accelerator(mangled).name == find_accelerator(name).name == name
