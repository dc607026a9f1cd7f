"""The estimator against published figures, its defaults, validation and properties."""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mlfootprint import estimate as public_estimate
from mlfootprint.errors import InvalidValueError, UnknownNameError, UsageError
from mlfootprint.estimator import EstimateResult, estimate
from mlfootprint.reference import find_accelerator

USER = {"pue": 1.1, "intensity_kg_per_kwh": 0.429, "power_w": 300.0}


def test_package_level_call_works_whatever_was_imported_first() -> None:
    import mlfootprint
    import mlfootprint.estimator as module

    for call in (mlfootprint.estimate, public_estimate, module.estimate):
        r = call(count=2, hours=1, power_w=100, pue=1.0, intensity_kg_per_kwh=0.5)
        assert isinstance(r, EstimateResult)
        assert r.energy_kwh == pytest.approx(0.2)


def test_gpt3_patterson_2021_table_4() -> None:
    # Patterson 2021 Table 4: 10,000 V100, 14.8 days, 330 W, PUE 1.10, 0.429 kg/kWh -> 1,287 MWh, 552 t
    r = estimate(hardware="V100", count=10000, days=14.8, power_w=330, pue=1.1, intensity_kg_per_kwh=0.429)
    assert r.energy_kwh / 1000 == pytest.approx(1287, rel=0.01)
    assert r.co2e_kg / 1000 == pytest.approx(552, rel=0.01)
    assert r.power_method == "user"
    assert r.device_hours == pytest.approx(10000 * 14.8 * 24)
    d = r.to_dict()
    assert d["co2e_kg_low"] < d["co2e_kg"] < d["co2e_kg_high"]
    assert d["co2e_kg_net"] is None
    assert d["inputs"]["count"] == 10000


def test_meena_patterson_2021_table_4() -> None:
    # 1024 TPU v3, 30 days, 289 W, PUE 1.09, 0.415 kg/kWh -> 232 MWh, 96.4 t
    r = estimate(hardware="TPU v3", count=1024, days=30, power_w=289, pue=1.09, intensity_kg_per_kwh=0.415)
    assert r.energy_kwh / 1000 == pytest.approx(232, rel=0.01)
    assert r.co2e_kg / 1000 == pytest.approx(96.4, rel=0.01)


def test_strubell_eq1_with_host_power() -> None:
    # Strubell Eq. 1: p_t = 1.58 t (p_c + p_r + g p_g) / 1000
    # Transformer base: 1415.78 W in total, 12 h -> 27 kWh
    r = estimate(
        count=8,
        hours=12,
        power_w=150.0,
        host_power_w=1415.78 - 8 * 150.0,
        pue=1.58,
        intensity_kg_per_kwh=0.4327,
    )
    assert r.energy_kwh == pytest.approx(1.58 * 12 * 1415.78 / 1000)
    assert r.energy_kwh == pytest.approx(27, rel=0.01)
    names = [a.name for a in r.assumptions]
    assert "host_power_w" in names
    assert "host_power" in r.ranges


def test_device_hours_and_hours_agree() -> None:
    a = estimate(count=4, hours=10, **USER)
    b = estimate(count=4, device_hours=40, **USER)
    c = estimate(count=4, days=10 / 24, **USER)
    assert a.energy_j == pytest.approx(b.energy_j) == pytest.approx(c.energy_j)


def test_net_from_given_cfe() -> None:
    # Patterson Table 1 Iowa column: 8 P100, 3.5 days, 296 W, PUE 1.11, 0.478 gross -> 0.1055 t gross
    r = estimate(
        hardware="P100", count=8, days=3.5, power_w=296, pue=1.11, intensity_kg_per_kwh=0.478, cfe_pct=78
    )
    assert r.co2e_kg / 1000 == pytest.approx(0.1055, rel=0.01)
    assert r.co2e_g_net == pytest.approx(r.co2e_g * 0.22)
    assert r.to_dict()["co2e_kg_net"] == pytest.approx(r.co2e_kg * 0.22)


def test_published_power_is_the_default_and_says_so() -> None:
    r = estimate(hardware="Tesla V100", hours=1, **{k: v for k, v in USER.items() if k != "power_w"})
    assert r.power_method == "published"
    assert r.power_w == pytest.approx(325)  # Patterson 2021 Table 3
    power = next(a for a in r.assumptions if a.name == "power_w")
    assert "Patterson" in power.source and "measured" in power.source
    # the table's average applied to another job: Strubell et al. 2019 drew 188 W per V100 (x0.58)
    assert (r.ranges["power"].low_frac, r.ranges["power"].high_frac) == pytest.approx((0.55, 1.15))


def test_tdp_is_the_fallback_and_says_so() -> None:
    acc = find_accelerator("NVIDIA A100-SXM4-80GB")
    assert acc.measured_avg_power_w is None and acc.tdp_w is not None
    r = estimate(hardware="NVIDIA A100-SXM4-80GB", hours=2, pue=1.2, intensity_kg_per_kwh=0.3)
    assert r.power_method == "tdp-utilisation"
    assert r.power_w == acc.tdp_w
    power = next(a for a in r.assumptions if a.name == "power_w")
    assert "TDP" in power.source
    assert r.energy_j_high < r.energy_j * 1.2  # TDP is near the top of the range
    assert r.energy_j_low < r.energy_j * 0.6


def test_default_pue_is_the_industry_average_and_says_so() -> None:
    r = estimate(hours=1, power_w=100, intensity_kg_per_kwh=0.5)
    pue = next(a for a in r.assumptions if a.name == "pue")
    assert "default" in pue.source and "Uptime" in pue.source
    assert 1.0 < r.pue < 3.0
    assert r.energy_kwh == pytest.approx(0.1 * r.pue)


def test_region_fills_intensity_and_cfe() -> None:
    r = estimate(hours=10, count=8, power_w=300, pue=1.1, region="us-central1")
    assert r.cfe_pct is not None and 0 < r.cfe_pct <= 100
    assert r.co2e_g_net == pytest.approx(r.co2e_g * (1 - r.cfe_pct / 100))
    sources = {a.name: a.source for a in r.assumptions}
    assert "cloud region" in sources["cfe_pct"]
    assert "us-central1" in sources["intensity"]
    # a user's CFE share wins over the table's
    r2 = estimate(hours=10, count=8, power_w=300, pue=1.1, region="us-central1", cfe_pct=0)
    assert r2.co2e_g_net == pytest.approx(r2.co2e_g)


def test_unknown_hardware_names_closest() -> None:
    with pytest.raises(UnknownNameError) as info:
        estimate(hardware="V1000", hours=1, pue=1.1, intensity_kg_per_kwh=0.4)
    assert "V1000" in str(info.value)
    assert "closest" in str(info.value)


BAD: list[tuple[dict[str, Any], str]] = [
    ({"hours": 0}, "--hours"),
    ({"hours": -1}, "--hours"),
    ({"hours": math.nan}, "--hours"),
    ({"hours": math.inf}, "--hours"),
    ({"hours": 1e9}, "--hours"),
    ({"days": 1e6}, "--days"),
    ({"device_hours": 0}, "--device-hours"),
    ({"hours": 1, "days": 1}, "--hours and --days"),
    ({}, "--hours, --days or --device-hours"),
    ({"hours": 1, "count": 0}, "--count"),
    ({"hours": 1, "count": 2.5}, "--count"),
    ({"hours": 1, "power_w": 0}, "--power-w"),
    ({"hours": 1, "power_w": -5}, "--power-w"),
    ({"hours": 1, "power_w": 6000}, "--power-w"),
    ({"hours": 1, "power_w": math.nan}, "--power-w"),
    ({"hours": 1, "host_power_w": -1}, "--host-power-w"),
    ({"hours": 1, "pue": 0.9}, "--pue"),
    ({"hours": 1, "pue": 3.5}, "--pue"),
    ({"hours": 1, "pue": 1.1, "datacenter": "google"}, "--pue and --datacenter"),
    ({"hours": 1, "intensity_kg_per_kwh": -0.1}, "--intensity"),
    ({"hours": 1, "intensity_kg_per_kwh": 3.0}, "--intensity"),
    ({"hours": 1, "intensity_kg_per_kwh": None}, "--region or --intensity is required"),
    ({"hours": 1, "region": "DEU"}, "--region and --intensity"),
    ({"hours": 1, "cfe_pct": 101}, "--cfe-pct"),
    ({"hours": 1, "year": 1800}, "--year"),
]


@pytest.mark.parametrize(("kwargs", "message"), BAD)
def test_bad_input_names_the_option(kwargs: dict[str, Any], message: str) -> None:
    base: dict[str, Any] = {"power_w": 300.0, "pue": 1.1, "intensity_kg_per_kwh": 0.4}
    if "datacenter" in kwargs or "region" in kwargs:
        base = {k: v for k, v in base.items() if k != "pue" or "datacenter" not in kwargs}
    with pytest.raises(UsageError) as info:
        estimate(**{**base, **kwargs})
    assert message in str(info.value)
    assert "\n" not in str(info.value)


def test_power_or_hardware_required() -> None:
    with pytest.raises(UsageError, match="--hardware or --power-w"):
        estimate(hours=1, pue=1.1, intensity_kg_per_kwh=0.4)


def test_invalid_value_error_carries_the_value() -> None:
    with pytest.raises(InvalidValueError) as info:
        estimate(hours=-3, power_w=1, pue=1.1, intensity_kg_per_kwh=0.4)
    assert info.value.name == "--hours" and info.value.value == -3


def _run(**kw: Any) -> EstimateResult:
    return estimate(**{"power_w": 250.0, "pue": 1.2, "intensity_kg_per_kwh": 0.4, **kw})


positive_hours = st.floats(min_value=0.01, max_value=1e4)


@settings(max_examples=50)
@given(
    hours=positive_hours,
    k=st.integers(min_value=1, max_value=50),
    count=st.integers(min_value=1, max_value=1000),
)
def test_linear_in_hours_and_count(hours: float, k: int, count: int) -> None:
    one = _run(hours=hours, count=count)
    assert _run(hours=hours * k, count=count).energy_j == pytest.approx(one.energy_j * k, rel=1e-9)
    assert _run(hours=hours, count=count * k).co2e_g == pytest.approx(one.co2e_g * k, rel=1e-9)


@settings(max_examples=50)
@given(p1=st.floats(min_value=1.0, max_value=3.0), p2=st.floats(min_value=1.0, max_value=3.0))
def test_monotone_in_pue(p1: float, p2: float) -> None:
    lo, hi = sorted((p1, p2))
    assert _run(hours=5, pue=lo).energy_j <= _run(hours=5, pue=hi).energy_j


@settings(max_examples=50)
@given(i1=st.floats(min_value=0.0, max_value=2.0), i2=st.floats(min_value=0.0, max_value=2.0))
def test_monotone_in_intensity(i1: float, i2: float) -> None:
    lo, hi = sorted((i1, i2))
    assert _run(hours=5, intensity_kg_per_kwh=lo).co2e_g <= _run(hours=5, intensity_kg_per_kwh=hi).co2e_g


@settings(max_examples=50)
@given(
    hours=positive_hours,
    power=st.floats(min_value=1.0, max_value=5000.0),
    pue=st.floats(min_value=1.0, max_value=3.0),
    intensity=st.floats(min_value=0.0, max_value=2.0),
)
def test_units_round_trip_and_interval_contains_point(
    hours: float, power: float, pue: float, intensity: float
) -> None:
    r = estimate(hours=hours, power_w=power, pue=pue, intensity_kg_per_kwh=intensity)
    d = r.to_dict()
    assert d["energy_kwh"] * 3.6e6 == pytest.approx(r.energy_j)
    assert d["co2e_kg"] * 1000 == pytest.approx(r.co2e_g)
    assert r.energy_j == pytest.approx(hours * 3600 * power * pue)
    assert r.co2e_g == pytest.approx(hours * power * pue / 1000 * intensity * 1000)
    assert d["energy_kwh_low"] <= d["energy_kwh"] <= d["energy_kwh_high"]
    assert d["co2e_kg_low"] <= d["co2e_kg"] <= d["co2e_kg_high"]
