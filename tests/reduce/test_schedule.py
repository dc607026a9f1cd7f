from __future__ import annotations

from datetime import datetime, timedelta, timezone

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mlfootprint.errors import InvalidValueError, ScheduleError
from mlfootprint.intensity.base import IntensitySeries
from mlfootprint.reduce.deadlines import next_workday_deadline_s
from mlfootprint.reduce.schedule import countdown_text, plan_schedule, plan_start
from mlfootprint.reduce.shifting import deferral, interrupt
from mlfootprint.reduce.study import global_savings_pct, savings_pct, shift_every_arrival

T0 = datetime(2022, 1, 1, tzinfo=timezone.utc)


def hourly(values: list[float]) -> IntensitySeries:
    t = int(T0.timestamp())
    return IntensitySeries(
        zone="DE",
        times_s=np.arange(t, t + 3600 * len(values), 3600, dtype=np.int64),
        values_g_per_kwh=np.array(values, dtype=np.float64),
        resolution_s=3600.0,
        source="test.csv",
    )


@settings(max_examples=60, deadline=None)
@given(
    ci=st.lists(st.integers(min_value=0, max_value=500), min_size=4, max_size=40),
    length=st.integers(min_value=1, max_value=4),
    slack=st.integers(min_value=0, max_value=10),
)
def test_kernels_match_brute_force(ci: list[int], length: int, slack: int) -> None:
    arr = np.array(ci, dtype=np.float64)
    n = len(ci)
    if length >= n:
        return
    r = shift_every_arrival(arr, length=length, slack=slack)
    for a in range(n - length):
        last = min(a + slack, n - length)
        best = min(sum(ci[s : s + length]) for s in range(a, last + 1))
        cleanest = sum(sorted(ci[a : min(a + length + slack, n)])[:length])
        assert r.baseline[a] == sum(ci[a : a + length])
        assert r.deferral[a] == pytest.approx(best)
        assert r.interrupt[a] == pytest.approx(cleanest)
        assert r.interrupt[a] <= r.deferral[a] + 1e-9 <= r.baseline[a] + 2e-9


def test_lwa_semantics_may_end_one_slot_late() -> None:
    ci = np.array([5.0, 5.0, 1.0, 9.0])
    strict = shift_every_arrival(ci, length=1, slack=1, semantics="strict")
    lwa = shift_every_arrival(ci, length=1, slack=1, semantics="lwa")
    assert strict.deferral[0] == 5.0  # slot 2 is past the deadline
    assert lwa.deferral[0] == 1.0  # the LWA window holds one slot more
    assert lwa.baseline[1] == 1.0  # LWA baseline may start one slot late


def test_decisions_on_forecast_emissions_on_truth() -> None:
    ci = np.array([10.0, 1.0, 10.0])
    forecast = np.array([1.0, 10.0, 10.0])
    starts, emissions = deferral(ci, np.array([0]), 1, np.array([2]), decide=forecast)
    assert starts.tolist() == [0] and emissions.tolist() == [10.0]
    assert interrupt(ci, np.array([0]), 1, np.array([3]), decide=forecast).tolist() == [10.0]


def test_aggregations() -> None:
    base = np.array([10.0, 30.0])
    policy = np.array([5.0, 30.0])
    assert savings_pct(base, policy, "per-job") == pytest.approx(25.0)
    assert savings_pct(base, policy, "total") == pytest.approx(12.5)
    # per arrival: (5 + 0) / (10 + 10) then (0 + 10) / (30 + 20) -> mean of 25 % and 20 %
    b2 = np.array([[10.0, 30.0], [10.0, 20.0]])
    p2 = np.array([[5.0, 30.0], [10.0, 10.0]])
    assert global_savings_pct(b2, p2) == pytest.approx(22.5)
    with pytest.raises(InvalidValueError):
        savings_pct(base, policy, "global")


def test_bad_requests() -> None:
    with pytest.raises(ScheduleError):
        shift_every_arrival(np.ones(5), length=5, slack=0)
    with pytest.raises(ScheduleError):
        shift_every_arrival(np.ones(5), length=1, slack=-1)
    with pytest.raises(InvalidValueError):
        shift_every_arrival(np.ones(5), length=1, slack=1, semantics="loose")


def test_plan_start_picks_cleanest_window_and_reports_baseline() -> None:
    s = hourly([300, 300, 100, 100, 300, 300])
    p = plan_start(s, zone="DE", arrival=T0, duration_s=7200, slack_s=3 * 3600)
    assert p.start == T0 + timedelta(hours=2)
    assert p.expected_g_per_kw == pytest.approx(200.0)
    assert p.baseline_g_per_kw == pytest.approx(600.0)
    assert p.saving_pct == pytest.approx(100 * (1 - 200 / 600))
    assert p.deadline == T0 + timedelta(hours=5)


def test_plan_start_off_grid_arrival() -> None:
    s = hourly([100, 300, 300, 300])
    p = plan_start(
        s, zone="DE", arrival=T0 + timedelta(minutes=30), duration_s=3600, deadline=T0 + timedelta(hours=3)
    )
    assert p.start == T0 + timedelta(minutes=30)
    assert p.baseline_g_per_kw == pytest.approx(200.0)  # half an hour at 100, half at 300


def test_plan_refuses_windows_outside_the_data() -> None:
    s = hourly([100, 200, 300])
    with pytest.raises(ScheduleError, match="beyond the series"):
        plan_start(s, zone="DE", arrival=T0, duration_s=3600, slack_s=5 * 3600)
    with pytest.raises(InvalidValueError, match="duration"):
        plan_start(s, zone="DE", arrival=T0, duration_s=-3600, slack_s=0)
    with pytest.raises(InvalidValueError):
        plan_start(s, zone="DE", arrival=T0, duration_s=3600)
    with pytest.raises(ScheduleError, match="before the job could finish"):
        plan_start(s, zone="DE", arrival=T0, duration_s=7200, deadline=T0 + timedelta(hours=1))


def test_pause_and_resume_with_checkpoint_overhead() -> None:
    s = hourly([100, 900, 100, 900, 900, 900])
    free = plan_schedule(s, zone="DE", arrival=T0, duration_s=7200, slack_s=4 * 3600, interruptible=True)
    assert free.pauses == 1
    assert free.plan.expected_g_per_kw == pytest.approx(200.0)
    assert [(a.hour, b.hour) for a, b in free.intervals] == [(0, 1), (2, 3)]
    costly = plan_schedule(
        s,
        zone="DE",
        arrival=T0,
        duration_s=7200,
        slack_s=4 * 3600,
        interruptible=True,
        checkpoint_overhead_s=3600,
    )
    # a pause costs an extra hour at 900 at best: running straight through is as cheap
    assert costly.pauses == 0
    assert costly.plan.expected_g_per_kw == pytest.approx(1000.0)
    small = plan_schedule(
        s,
        zone="DE",
        arrival=T0,
        duration_s=7200,
        slack_s=4 * 3600,
        interruptible=True,
        checkpoint_overhead_s=360,
    )
    assert small.pauses == 1
    assert small.plan.expected_g_per_kw == pytest.approx(200.0 + 0.1 * 900)


def test_countdown_text() -> None:
    p = plan_start(hourly([300, 100, 300]), zone="DE", arrival=T0, duration_s=3600, slack_s=3600)
    text = countdown_text(p, T0 + timedelta(minutes=15))
    assert text.startswith("starting in 45 min at 2022-01-01 01:00 UTC")
    assert "66.7 % less" in text
    assert countdown_text(p, T0 + timedelta(hours=2)).startswith("starting now")


def test_next_workday_rule() -> None:
    def at(text: str) -> int:
        return int(datetime.fromisoformat(text + "+00:00").timestamp())

    finishes = np.array(
        [
            at("2020-01-04T10:00"),
            at("2020-01-05T10:00"),
            at("2020-01-06T17:30"),
            at("2020-01-06T17:00"),
            at("2020-01-07T06:00"),
            at("2020-01-10T18:00"),
        ]
    )
    got = next_workday_deadline_s(finishes).tolist()
    assert got == [
        at("2020-01-06T09:00"),
        at("2020-01-06T09:00"),
        at("2020-01-07T09:00"),
        at("2020-01-06T17:00"),
        at("2020-01-07T09:00"),
        at("2020-01-11T09:00"),
    ]
