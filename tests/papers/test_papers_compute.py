"""Patterson 2021 Tables 1 and 4 from FLOPs and measured TFLOP/s: published values typed from the paper."""

from __future__ import annotations

import pytest

from mlfootprint.papers_compute import reproduce_compute_all

# id: (FLOPs, TFLOP/s, printed days, printed energy kWh) -- Patterson et al. 2021 Tables 1 and 4
PUBLISHED = {
    "patterson2021-t1-transformer-big-p100-us": (1.61e19, 6.7, 3.5, 316),
    "patterson2021-t1-transformer-big-p100-iowa": (1.61e19, 6.7, 3.5, 221),
    "patterson2021-t1-evolved-transformer-p100-iowa": (1.03e19, 4.7, 3.2, 185),
    "patterson2021-t1-transformer-big-tpuv2-iowa": (1.61e19, 28.8, 0.81, 40),
    "patterson2021-t1-evolved-transformer-tpuv2-iowa": (1.03e19, 24.0, 0.62, 30),
    "patterson2021-t4-nas": (2.91e21, 24.8, 6.8, 7_500),
    "patterson2021-t4-t5": (4.05e22, 45.6, 20, 85_700),
    "patterson2021-t4-meena": (1.12e23, 42.3, 30, 232_000),
    "patterson2021-t4-gshard": (1.33e22, 48.0, 3.1, 24_100),
    "patterson2021-t4-switch": (8.22e22, 34.4, 27, 179_000),
    "patterson2021-t4-gpt3": (3.14e23, 24.6, 14.8, 1_287_000),
}


def test_every_model_is_reproduced_from_its_work() -> None:
    reps = {r.row.id: r for r in reproduce_compute_all()}
    assert set(reps) == set(PUBLISHED)
    for rid, (flops, tflops, days, energy_kwh) in PUBLISHED.items():
        rep = reps[rid]
        assert rep.work.flops == flops and rep.work.achieved_tflops == tflops
        # days at the paper's printed precision or within the rounding of the printed inputs
        assert rep.agrees["days"], rid
        assert rep.days == pytest.approx(days, rel=0.011), rid
        assert rep.reproduction.result.energy_kwh == pytest.approx(energy_kwh, rel=0.014), rid
        assert all(v is not False for v in rep.agrees.values()), (rid, rep.agrees)


def test_gpt3_days_and_energy_exact_to_print() -> None:
    rep = next(r for r in reproduce_compute_all() if r.row.id == "patterson2021-t4-gpt3")
    assert f"{rep.days:.1f}" == "14.8"
    assert f"{rep.reproduction.result.energy_kwh / 1000:,.0f}" == "1,287"
    assert f"{rep.reproduction.result.co2e_kg / 1000:.1f}" == "552.1"
