"""Sensible defaults said out loud: a cloud region brings its operator's published fleet PUE."""

from __future__ import annotations

import pytest

from mlfootprint.config import load_settings
from mlfootprint.tracking.factors import cloud_operator, resolve_factors


@pytest.mark.parametrize(
    ("region", "operator", "pue"),
    [
        ("gcp:europe-west4", "google", 1.09),  # Google Environmental Report 2025: 2024 fleet TTM PUE 1.09
        ("aws:us-east-1", "aws", 1.14),  # AWS sustainability page: 2025 global fleet 1.14
    ],
)
def test_a_cloud_region_brings_its_operators_pue(region: str, operator: str, pue: float) -> None:
    assert cloud_operator(region) == operator
    factors = resolve_factors(load_settings(env={}, region=region), warn=False)
    assert factors.pue == pytest.approx(pue)
    assert factors.pue_kind == "operator"
    assert f"cloud region {region}" in factors.pue_source and "set --pue to override" in factors.pue_source


def test_a_given_pue_wins_and_plain_regions_keep_the_industry_average() -> None:
    given = resolve_factors(load_settings(env={}, region="gcp:europe-west4", pue=1.3), warn=False)
    assert given.pue == 1.3 and given.pue_kind == "user"
    plain = resolve_factors(load_settings(env={}, region="DE"), warn=False)
    assert plain.pue_kind == "industry-average" and cloud_operator("DE") is None
    assert cloud_operator("ibm:dal10") is None
