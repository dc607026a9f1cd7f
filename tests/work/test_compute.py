"""Estimates from compute: FLOPs or 6PD over achieved throughput."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from mlfootprint.errors import UsageError
from mlfootprint.estimator import estimate
from mlfootprint.work.compute import derive_compute, flops_from_params


def test_gpt3_from_flops_gives_the_published_days_and_energy() -> None:
    # Patterson 2021 Table 4: 3.14e23 FLOPs, 24.6 TFLOP/s, 10,000 V100, 14.8 days, 1,287 MWh, 552.1 t
    r = estimate(
        hardware="V100", count=10_000, flops=3.14e23, achieved_tflops=24.6, power_w=330, pue=1.1,
        intensity_kg_per_kwh=0.429,
    )  # fmt: skip
    assert r.compute is not None
    assert round(r.compute.wall_hours / 24, 1) == 14.8
    assert r.energy_kwh / 1000 == pytest.approx(1287, rel=0.005)
    assert r.co2e_kg / 1000 == pytest.approx(552.1, rel=0.005)
    names = [a.name for a in r.assumptions]
    assert names[:3] == ["flops", "achieved_tflops", "device_hours"]


def test_six_pd_and_two_pd() -> None:
    assert flops_from_params(174.6e9, 300e9) == pytest.approx(3.14e23, rel=0.001)  # Brown 2020 Table D.1
    assert flops_from_params(1e9, 1e6, "inference") == 2e15
    d = derive_compute(count=1, params=1e9, tokens=1e6, workload="inference", achieved_tflops=1.0)
    assert d.flops == 2e15 and d.flops_method == "2PD"
    assert d.device_hours == pytest.approx(2e15 / 1e12 / 3600)


def test_moe_uses_active_params() -> None:
    d = derive_compute(count=8, params=None, active_params=2e9, tokens=1e9, achieved_tflops=100.0)
    assert d.flops == 6 * 2e9 * 1e9
    assert "active parameters" in str(d.assumptions[0].source)


def test_mfu_reads_the_table_peak_and_says_which_precision() -> None:
    # V100 table row: 125 TFLOP/s FP16 tensor, 15.7 FP32
    d16 = derive_compute(count=1, hardware="V100", flops=1e18, mfu=0.5)
    assert d16.achieved_flop_per_s_per_device == pytest.approx(62.5e12)
    assert "FP16/BF16 peak" in str(d16.assumptions[1].source)
    d32 = derive_compute(count=1, hardware="V100", flops=1e18, mfu=0.5, precision="fp32")
    assert d32.achieved_flop_per_s_per_device == pytest.approx(7.85e12)
    assert d32.precision == "fp32"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"flops": 1e20}, "--achieved-tflops or --mfu"),
        ({"flops": 1e20, "achieved_tflops": 1.0, "mfu": 0.3}, "cannot be combined"),
        ({"flops": 1e20, "mfu": 0.3}, "--mfu needs --hardware"),
        ({"flops": -1.0, "achieved_tflops": 1.0}, "--flops"),
        ({"flops": 1e20, "mfu": 1.5, "hardware": "V100"}, "--mfu"),
        ({"tokens": 1e9, "achieved_tflops": 1.0}, "--tokens needs --params"),
        ({"flops": 1e20, "params": 1e9, "tokens": 1e9, "achieved_tflops": 1.0}, "cannot be combined"),
    ],
)
def test_bad_compute_inputs_are_usage_errors(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(UsageError, match=message):
        derive_compute(count=1, **kwargs)  # type: ignore[arg-type]


def test_duration_and_compute_together_is_an_error() -> None:
    with pytest.raises(UsageError, match="not both"):
        estimate(hardware="V100", hours=3, flops=1e20, achieved_tflops=10, intensity_kg_per_kwh=0.4)


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mlfootprint", *args], capture_output=True, text=True, check=False
    )


def test_cli_estimate_from_flops_json_and_error() -> None:
    out = _cli(
        "estimate", "--hardware", "V100", "--count", "10000", "--flops", "3.14e23",
        "--achieved-tflops", "24.6", "--power-w", "330", "--pue", "1.1", "--intensity", "0.429",
        "--format", "json",
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert round(doc["compute"]["wall_days"], 1) == 14.8
    assert round(doc["energy_kwh"] / 1000) == 1287
    bad = _cli("estimate", "--hardware", "V100", "--flops", "3e20", "--intensity", "0.4")
    assert bad.returncode == 2
    assert bad.stderr.count("\n") == 1 and "--achieved-tflops or --mfu" in bad.stderr
