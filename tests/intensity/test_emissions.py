from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from mlfootprint.errors import InvalidValueError
from mlfootprint.intensity.base import IntensitySeries
from mlfootprint.intensity.emissions import co2e_for_intervals

T0 = 1_640_995_200


def hourly(values: list[float]) -> IntensitySeries:
    return IntensitySeries(
        zone="DE",
        times_s=np.arange(T0, T0 + 3600 * len(values), 3600, dtype=np.int64),
        values_g_per_kwh=np.array(values, dtype=np.float64),
        resolution_s=3600.0,
        source="test.csv",
        license="ODbL-1.0",
        sha256="abc",
    )


def test_each_interval_at_its_own_intensity() -> None:
    s = hourly([100.0, 300.0])
    # 1 kWh in the first hour, 2 kWh spread over 00:30-01:30 (mean 200 g/kWh)
    r = co2e_for_intervals([T0, T0 + 1800], [T0 + 3600, T0 + 5400], [3.6e6, 7.2e6], s)
    assert r.co2e_g == pytest.approx(100.0 + 400.0)
    assert r.coverage_frac == 1.0
    assert r.mean_intensity_g_per_kwh == pytest.approx(500.0 / 3.0)
    assert (r.zone, r.resolution_s, r.source, r.sha256) == ("DE", 3600.0, "test.csv", "abc")


def test_partial_coverage_is_reported() -> None:
    s = hourly([100.0, 300.0])
    r = co2e_for_intervals([T0 + 3600, T0 + 7200], [T0 + 7200, T0 + 10800], [3.6e6, 3.6e6], s)
    assert r.coverage_frac == pytest.approx(0.5)
    assert r.co2e_g == pytest.approx(300.0)
    assert r.covered_energy_j == pytest.approx(3.6e6)
    assert r.total_energy_j == pytest.approx(7.2e6)


def test_bad_input() -> None:
    s = hourly([100.0])
    with pytest.raises(InvalidValueError):
        co2e_for_intervals([T0], [T0 + 10], [-1.0], s)
    with pytest.raises(InvalidValueError):
        co2e_for_intervals([T0, T0], [T0 + 10], [1.0], s)


@given(
    c=st.floats(min_value=1.0, max_value=1000.0),
    energies=st.lists(st.floats(min_value=0.0, max_value=1e7), min_size=1, max_size=20),
)
def test_constant_series_is_energy_times_intensity(c: float, energies: list[float]) -> None:
    s = hourly([c] * 48)
    starts = T0 + 600.0 * np.arange(len(energies))
    r = co2e_for_intervals(starts, starts + 600.0, energies, s)
    assert r.co2e_g == pytest.approx(sum(energies) / 3.6e6 * c, rel=1e-9)
