"""The error model: known answers and properties."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mlfootprint.errors import InvalidValueError
from mlfootprint.records import ComponentEnergy
from mlfootprint.uncertainty import (
    RelativeRange,
    combine_product,
    combine_sum,
    footprint_interval,
    intensity_range,
    power_range,
    pue_range,
)

EXACT = RelativeRange(low_frac=1.0, high_frac=1.0, basis="exact")

ranges = st.builds(
    RelativeRange,
    low_frac=st.floats(min_value=0.01, max_value=1.0),
    high_frac=st.floats(min_value=1.0, max_value=5.0),
    basis=st.just("test"),
)


def component(energy_j: float, low: float, high: float, method: str = "counter") -> ComponentEnergy:
    return ComponentEnergy(
        meter_id="m",
        component="gpu",
        source="test",
        method=method,
        is_estimate=False,
        energy_j=energy_j,
        energy_j_low=low,
        energy_j_high=high,
    )


def test_single_factor_reproduces_its_range() -> None:
    r = RelativeRange(low_frac=0.8, high_frac=1.25, basis="x")
    assert combine_product(100.0, [r]) == pytest.approx((80.0, 125.0))


def test_exact_ranges_are_the_identity() -> None:
    assert combine_product(42.0, [EXACT, EXACT, EXACT]) == (42.0, 42.0)
    assert combine_product(42.0, []) == (42.0, 42.0)


def test_two_equal_factors_combine_in_quadrature_in_log_space() -> None:
    r = RelativeRange(low_frac=0.9, high_frac=1.1, basis="x")
    low, high = combine_product(1.0, [r, r])
    assert high == pytest.approx(math.exp(math.sqrt(2) * math.log(1.1)))
    assert low == pytest.approx(math.exp(-math.sqrt(2) * math.log(1 / 0.9)))
    # narrower than the worst case (product of the bounds), wider than either alone
    assert 1.1 < high < 1.21
    assert 0.81 < low < 0.9


def test_zero_low_fraction_gives_zero_low_bound() -> None:
    assert combine_product(10.0, [RelativeRange(low_frac=0.0, high_frac=1.0, basis="x")]) == (0.0, 10.0)


def test_range_rejects_bounds_that_exclude_one() -> None:
    with pytest.raises(InvalidValueError):
        RelativeRange(low_frac=1.1, high_frac=1.2, basis="x")
    with pytest.raises(InvalidValueError):
        RelativeRange(low_frac=0.5, high_frac=0.9, basis="x")
    with pytest.raises(InvalidValueError):
        RelativeRange(low_frac=float("nan"), high_frac=1.0, basis="x")


def test_combine_sum_adds_bounds() -> None:
    assert combine_sum([(10.0, 9.0, 11.0), (5.0, 2.5, 7.5)]) == (11.5, 18.5)
    assert combine_sum([]) == (0.0, 0.0)


def test_documented_power_ranges() -> None:
    assert power_range("counter").low_frac == pytest.approx(0.95)
    assert power_range("counter").high_frac == pytest.approx(1.05)
    # published V100 average: stdev 2 %, two standard deviations
    v100 = power_range("published", spread_frac=0.02)
    assert (v100.low_frac, v100.high_frac) == pytest.approx((0.96, 1.04))
    tdp = power_range("tdp-utilisation")
    assert (tdp.low_frac, tdp.high_frac) == pytest.approx((0.5, 1.1))
    assert power_range("user").high_frac == pytest.approx(1.1)
    assert power_range("dram-model").low_frac == pytest.approx(0.5)


def test_sampled_power_widens_with_the_interval_and_is_capped() -> None:
    fast = power_range("sampled-power", interval_s=0.1)
    slow = power_range("sampled-power", interval_s=5.0)
    glacial = power_range("sampled-power", interval_s=3600.0)
    assert fast.high_frac < slow.high_frac < glacial.high_frac
    assert glacial.high_frac == pytest.approx(1.25)
    assert fast.high_frac > power_range("counter").high_frac
    with pytest.raises(InvalidValueError):
        power_range("sampled-power", interval_s=0.0)


def test_unknown_method_and_kinds_are_rejected() -> None:
    with pytest.raises(InvalidValueError, match="guess"):
        power_range("guess")
    with pytest.raises(InvalidValueError):
        pue_range(1.2, "rumour")
    with pytest.raises(InvalidValueError):
        intensity_range("planet")
    with pytest.raises(InvalidValueError):
        intensity_range("country", "weekly")


def test_pue_range_never_goes_below_one() -> None:
    for kind in ("user", "operator", "industry-average"):
        r = pue_range(1.02, kind)
        assert 1.02 * r.low_frac >= 1.0 - 1e-12
    r = pue_range(1.56, "industry-average")
    assert 1.56 * r.low_frac == pytest.approx(1.1)
    assert 1.56 * r.high_frac == pytest.approx(2.0)
    with pytest.raises(InvalidValueError):
        pue_range(0.9, "user")


def test_hourly_intensity_is_tighter_than_annual() -> None:
    annual = intensity_range("country", "annual")
    hourly = intensity_range("country", "hourly")
    assert hourly.high_frac < annual.high_frac
    assert hourly.low_frac > annual.low_frac
    assert intensity_range("world").high_frac > annual.high_frac


def test_footprint_interval_known_answer() -> None:
    # 1 kWh of IT energy measured by a counter (+/-5 %), PUE 1.0 given by the user, 500 g/kWh user
    it = component(3.6e6, 3.6e6 * 0.95, 3.6e6 * 1.05)
    fp = footprint_interval([it], pue=1.0, pue_kind="user", intensity_g_per_kwh=500.0, intensity_kind="user")
    assert fp.energy_j == pytest.approx(3.6e6)
    assert fp.co2e_g == pytest.approx(500.0)
    # PUE 1.0 cannot go lower: energy low is the counter's low alone
    assert fp.energy_j_low == pytest.approx(3.6e6 * 0.95)
    expected_high = math.exp(math.sqrt(math.log(1.05) ** 2 + math.log(1.05) ** 2))
    assert fp.energy_j_high == pytest.approx(3.6e6 * expected_high)
    co2e_high = math.exp(math.sqrt(2 * math.log(1.05) ** 2 + math.log(1.1) ** 2))
    assert fp.co2e_g_high == pytest.approx(500.0 * co2e_high)


def test_footprint_interval_of_nothing_is_zero() -> None:
    fp = footprint_interval([], pue=1.5, pue_kind="user", intensity_g_per_kwh=400.0, intensity_kind="country")
    assert (fp.energy_j, fp.energy_j_low, fp.energy_j_high, fp.co2e_g_high) == (0.0, 0.0, 0.0, 0.0)


@given(value=st.floats(min_value=0.0, max_value=1e12), rs=st.lists(ranges, max_size=5))
def test_interval_contains_the_point(value: float, rs: list[RelativeRange]) -> None:
    low, high = combine_product(value, rs)
    assert low <= value <= high


@given(
    value=st.floats(min_value=1e-3, max_value=1e9), rs=st.lists(ranges, min_size=1, max_size=4), extra=ranges
)
def test_adding_a_factor_never_narrows(value: float, rs: list[RelativeRange], extra: RelativeRange) -> None:
    low, high = combine_product(value, rs)
    low2, high2 = combine_product(value, [*rs, extra])
    assert low2 <= low * (1 + 1e-12)
    assert high2 >= high * (1 - 1e-12)


@given(
    energies=st.lists(st.floats(min_value=0.0, max_value=1e9), min_size=1, max_size=4),
    pue=st.floats(min_value=1.0, max_value=3.0),
    intensity=st.floats(min_value=0.0, max_value=2000.0),
    method=st.sampled_from(
        ["counter", "sampled-power", "tdp-utilisation", "dram-model", "published", "user"]
    ),
    pue_kind=st.sampled_from(["user", "operator", "industry-average"]),
    kind=st.sampled_from(["country", "subnational", "cloud-region", "world", "user"]),
)
def test_footprint_interval_contains_point(
    energies: list[float], pue: float, intensity: float, method: str, pue_kind: str, kind: str
) -> None:
    r = power_range(method)
    comps = [component(e, e * r.low_frac, e * r.high_frac, method) for e in energies]
    fp = footprint_interval(
        comps, pue=pue, pue_kind=pue_kind, intensity_g_per_kwh=intensity, intensity_kind=kind
    )
    assert fp.energy_j_low <= fp.energy_j * (1 + 1e-12) and fp.energy_j <= fp.energy_j_high * (1 + 1e-12)
    assert fp.co2e_g_low <= fp.co2e_g * (1 + 1e-12) and fp.co2e_g <= fp.co2e_g_high * (1 + 1e-12)
    assert fp.energy_j == pytest.approx(sum(energies) * pue)
