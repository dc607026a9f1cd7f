"""The intervals' promise, checked on published footprints given only what a user knows."""

from __future__ import annotations

from mlfootprint.calibration import calibrate


def test_intervals_cover_published_footprints() -> None:
    summary = calibrate()
    assert len(summary.rows) >= 30
    # the interval claims to contain the published value about 95 % of the time
    assert summary.coverage_frac >= 0.95, [r.id for r in summary.rows if not r.covered]
    assert summary.energy_coverage_frac >= 0.95
    # ... without being uselessly wide where a place is named
    assert summary.median_width <= 2.5
    assert all(r.low_co2e_kg <= r.estimate_co2e_kg <= r.high_co2e_kg for r in summary.rows)


def test_calibration_rows_are_cited_and_published_values_typed_from_papers() -> None:
    rows = {r.id: r for r in calibrate().rows}
    # Patterson et al. 2021 Table 4; Touvron et al. 2023 (Llama 2) Table 2; Llama 3.1 model card
    assert rows["P21-T4-GPT3"].published_co2e_kg == 552_100
    assert rows["LLAMA2-70B"].published_co2e_kg == 291_420
    assert rows["LLAMA31-405B"].published_co2e_kg == 8_930_000
    assert all(r.source for r in rows.values())
    # net figures are compared with the net interval
    assert rows["PALM"].basis == "net" and rows["GOPHER"].basis == "net"
