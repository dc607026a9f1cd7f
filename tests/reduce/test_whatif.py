"""The 4M what-if reproduces Patterson et al. 2021 Table 1 from its inputs."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mlfootprint.errors import InvalidValueError
from mlfootprint.reduce.whatif import (
    Baseline,
    MachineChange,
    MapChange,
    MechanizationChange,
    ModelChange,
    whatif,
)

DAY_S = 86400.0

# Patterson et al. 2021 (arXiv:2104.10350) Table 1, as printed.
P100_TRANSFORMER_DAYS, P100_TRANSFORMER_W = 3.5, 296.0
P100_ET_DAYS, P100_ET_W = 3.2, 271.0
TPU_TRANSFORMER_DAYS, TPU_TRANSFORMER_W = 0.81, 229.0
TPU_ET_DAYS, TPU_ET_W = 0.62, 227.0
US_PUE, IOWA_PUE = 1.59, 1.11
US_KG_PER_KWH, IOWA_GROSS_KG_PER_KWH, IOWA_NET_KG_PER_KWH = 0.429, 0.478, 0.080
PUBLISHED_BASELINE_KWH, PUBLISHED_BASELINE_T = 316.0, 0.1357
PUBLISHED_FINAL_T_NET = 0.0024
PUBLISHED_PERF_PER_W_TRANSFORMER, PUBLISHED_PERF_PER_W_ET = 5.6, 6.2
PUBLISHED_PUE_GAIN, PUBLISHED_MAP_GAIN, PUBLISHED_OVERALL = 1.4, 5.4, 57.0


def _baseline() -> Baseline:
    return Baseline(
        label="Transformer (Big) on P100, average US datacenter",
        hardware="P100",
        count=8,
        duration_s=P100_TRANSFORMER_DAYS * DAY_S,
        device_power_w=P100_TRANSFORMER_W,
        pue=US_PUE,
        intensity_g_per_kwh=US_KG_PER_KWH * 1000,
    )


def _table1_chain():  # type: ignore[no-untyped-def]
    return whatif(
        _baseline(),
        model=ModelChange(
            name="Evolved Transformer", time_factor=P100_ET_DAYS / P100_TRANSFORMER_DAYS, power_w=P100_ET_W
        ),
        machine=MachineChange(
            name="TPU v2", speedup=P100_ET_DAYS / TPU_ET_DAYS, power_w=TPU_ET_W, power_source="measured"
        ),
        mechanization=MechanizationChange(name="Google Iowa", pue=IOWA_PUE, source="Patterson 2021"),
        map_=MapChange(
            name="Google Iowa grid",
            intensity_g_per_kwh=IOWA_GROSS_KG_PER_KWH * 1000,
            net_intensity_g_per_kwh=IOWA_NET_KG_PER_KWH * 1000,
            source="Patterson 2021 Table 1",
        ),
    )


def test_baseline_matches_table1_column1() -> None:
    b = _baseline()
    assert b.device_hours == pytest.approx(672.0)
    assert b.energy_j / 3.6e6 == pytest.approx(PUBLISHED_BASELINE_KWH, rel=0.01)
    assert b.co2e_g / 1e6 == pytest.approx(PUBLISHED_BASELINE_T, rel=0.01)
    assert b.co2e_g_net == b.co2e_g  # no net figure: net equals gross (US average, gross = net)


def test_table1_chain_each_factor_within_2_percent() -> None:
    r = _table1_chain()
    by_m = {f.m: f for f in r.factors}
    assert [f.m for f in r.factors] == ["model", "machine", "mechanization", "map"]
    assert 1 / by_m["machine"].energy_factor == pytest.approx(PUBLISHED_PERF_PER_W_ET, rel=0.02)
    assert 1 / by_m["mechanization"].energy_factor == pytest.approx(PUBLISHED_PUE_GAIN, rel=0.03)
    assert 1 / by_m["map"].co2e_net_factor == pytest.approx(PUBLISHED_MAP_GAIN, rel=0.02)
    assert by_m["map"].energy_factor == 1.0
    assert 1 / r.combined_co2e_net_factor == pytest.approx(PUBLISHED_OVERALL, rel=0.02)
    assert r.result.co2e_g_net / 1e6 == pytest.approx(PUBLISHED_FINAL_T_NET, rel=0.03)
    # the Iowa gross grid is dirtier than the US average: the gross map factor is a loss
    assert by_m["map"].co2e_factor == pytest.approx(IOWA_GROSS_KG_PER_KWH / US_KG_PER_KWH)


def test_table1_machine_factor_for_transformer() -> None:
    r = whatif(
        _baseline(),
        machine=MachineChange(
            name="TPU v2",
            speedup=P100_TRANSFORMER_DAYS / TPU_TRANSFORMER_DAYS,
            power_w=TPU_TRANSFORMER_W,
            power_source="measured",
        ),
    )
    assert 1 / r.factors[0].energy_factor == pytest.approx(PUBLISHED_PERF_PER_W_TRANSFORMER, rel=0.02)
    assert "perf/W 5.59x" in r.factors[0].reasoning


def test_combined_is_product_of_factors() -> None:
    r = _table1_chain()
    product = 1.0
    for f in r.factors:
        product *= f.co2e_net_factor
    assert r.combined_co2e_net_factor == pytest.approx(product)
    d = r.to_dict()
    assert d["baseline"]["co2e_kg"] == pytest.approx(135.7, rel=0.01)
    assert {f["m"] for f in d["factors"]} == {"model", "machine", "mechanization", "map"}
    assert d["combined_co2e_net_reduction_x"] == pytest.approx(57, rel=0.02)


def test_machine_from_peak_throughput() -> None:
    r = whatif(
        _baseline(),
        machine=MachineChange(
            name="X", power_w=296.0, power_source="TDP", from_peak_tflops=21.2, to_peak_tflops=42.4
        ),
    )
    assert r.factors[0].energy_factor == pytest.approx(0.5)
    assert "time proportional to 1/peak" in r.factors[0].reasoning


def test_machine_without_speedup_or_peaks_is_a_usage_error() -> None:
    with pytest.raises(InvalidValueError, match="--speedup"):
        whatif(_baseline(), machine=MachineChange(name="X", power_w=100.0, power_source="TDP"))


def test_model_flops_factor_scales_time() -> None:
    r = whatif(_baseline(), model=ModelChange(flops_factor=0.1, basis="sparse"))
    assert r.combined_energy_factor == pytest.approx(0.1)
    with pytest.raises(InvalidValueError):
        whatif(_baseline(), model=ModelChange(flops_factor=-1.0))
    with pytest.raises(InvalidValueError):
        whatif(_baseline(), model=ModelChange())


def test_host_power_scales_with_time_not_machine_power() -> None:
    b = Baseline(
        label="b",
        hardware="A",
        count=1,
        duration_s=3600,
        device_power_w=100,
        host_power_w=100,
        pue=1.0,
        intensity_g_per_kwh=500,
    )
    r = whatif(b, machine=MachineChange(name="B", speedup=2.0, power_w=300.0, power_source="TDP"))
    # device 100 W -> 300 W for half the time; host 100 W for half the time: (150 + 50) / 200
    assert r.combined_energy_factor == pytest.approx(1.0)


@given(
    pue=st.floats(1.0, 3.0),
    to_pue=st.floats(1.0, 3.0),
    g=st.floats(1.0, 1000.0),
    to_g=st.floats(1.0, 1000.0),
    speed=st.floats(0.1, 10.0),
)
def test_factors_multiply_to_the_combined_result(
    pue: float, to_pue: float, g: float, to_g: float, speed: float
) -> None:
    b = Baseline(
        label="b",
        hardware="A",
        count=2,
        duration_s=100.0,
        device_power_w=50.0,
        pue=pue,
        intensity_g_per_kwh=g,
    )
    r = whatif(
        b,
        machine=MachineChange(name="B", speedup=speed, power_w=80.0, power_source="TDP"),
        mechanization=MechanizationChange(name="D", pue=to_pue, source="s"),
        map_=MapChange(name="R", intensity_g_per_kwh=to_g, source="s"),
    )
    product = r.factors[0].co2e_factor * r.factors[1].co2e_factor * r.factors[2].co2e_factor
    assert r.combined_co2e_factor == pytest.approx(product, rel=1e-9)
    assert r.factors[1].energy_factor == pytest.approx(to_pue / pue)
