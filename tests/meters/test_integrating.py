"""Counter arithmetic and the power-gauge integrator."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mlfootprint.errors import MeterError
from mlfootprint.meters.integrating import IntegratingMeter, counter_delta, trapezoid_j
from mlfootprint.testing import FakeClock


@pytest.mark.parametrize(
    ("p0", "p1", "dt", "expected"),
    [
        (100.0, 100.0, 1.0, 100.0),
        (0.0, 200.0, 2.0, 200.0),
        (300.0, 100.0, 0.5, 100.0),
        (50.0, 70.0, 0.0, 0.0),
    ],
)
def test_trapezoid_table(p0: float, p1: float, dt: float, expected: float) -> None:
    assert trapezoid_j(p0, p1, dt) == pytest.approx(expected)


@pytest.mark.parametrize("bad", [(-1.0, 10.0, 1.0), (10.0, math.nan, 1.0), (10.0, 10.0, -0.1)])
def test_trapezoid_rejects_bad_readings(bad: tuple[float, float, float]) -> None:
    with pytest.raises(MeterError):
        trapezoid_j(*bad)


@pytest.mark.parametrize(
    ("previous", "current", "max_range", "expected"),
    [
        (100, 250, 1000, 150),
        (900, 100, 1000, 200),  # wrapped once
        (1000, 0, 1000, 0),
        (5, 5, None, 0),
        (262_143_328_000, 1_000, 262_143_328_850, 1_850),
    ],
)
def test_counter_delta_table(previous: int, current: int, max_range: int | None, expected: int) -> None:
    assert counter_delta(previous, current, max_range) == expected


def test_counter_going_backwards_without_range_is_an_error() -> None:
    with pytest.raises(MeterError, match="backwards"):
        counter_delta(10, 5, None)


@given(
    start=st.integers(0, 10**6),
    steps=st.lists(st.integers(0, 10**6 - 1), min_size=1, max_size=20),
)
def test_wrapped_counter_sums_to_true_increase(start: int, steps: list[int]) -> None:
    max_range = 10**6
    value, total = start % max_range, 0
    for step in steps:
        new = (value + step) % max_range
        total += counter_delta(value, new, max_range)
        value = new
    assert total == sum(steps)


def test_integrating_meter_uses_trapezoid_between_reads(clock: FakeClock) -> None:
    powers = iter([100.0, 200.0, 200.0, 0.0])
    meter = IntegratingMeter(lambda: next(powers), clock=clock, meter_id="g", component="gpu", source="s")
    assert meter.read_energy_j() == 0.0  # no time passed: reads 200 W, adds nothing
    clock.advance(2.0)
    assert meter.read_energy_j() == pytest.approx(400.0)  # (200 + 200) / 2 x 2
    clock.advance(1.0)
    assert meter.read_energy_j() == pytest.approx(500.0)  # + (200 + 0) / 2
    assert meter.method == "sampled-power"
    assert meter.is_estimate is False


def test_integrating_meter_propagates_gauge_failure(clock: FakeClock) -> None:
    calls = {"n": 0}

    def gauge() -> float:
        calls["n"] += 1
        if calls["n"] > 1:
            raise MeterError("sensor gone")
        return 10.0

    meter = IntegratingMeter(gauge, clock=clock, meter_id="g", component="gpu", source="s")
    clock.advance(1.0)
    with pytest.raises(MeterError, match="sensor gone"):
        meter.read_energy_j()


def test_closed_meter_refuses_reads(clock: FakeClock) -> None:
    meter = IntegratingMeter(lambda: 1.0, clock=clock, meter_id="g", component="gpu", source="s")
    meter.close()
    with pytest.raises(MeterError, match="closed"):
        meter.read_energy_j()
