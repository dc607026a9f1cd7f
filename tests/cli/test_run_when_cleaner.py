"""``mlfootprint run --series/--zone`` and ``--start-when-cleaner``, with an injected clock and sleep."""

from __future__ import annotations

import json
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from mlfootprint.cli.run import RunDeps, main_with
from mlfootprint.clock import Clock
from mlfootprint.store import open_store
from mlfootprint.testing import FakeMeter

J_PER_KWH = 3.6e6
JUNE_1_2022 = datetime(2022, 6, 1, tzinfo=timezone.utc)


class ReplayClock:
    """Real time since creation, shifted to ``start``; ``sleep`` moves it on at once and is recorded."""

    def __init__(self, start: datetime) -> None:
        self._start = start
        self._m0 = time.monotonic()
        self._offset_s = 0.0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return time.monotonic() + self._offset_s

    def now(self) -> datetime:
        return self._start + timedelta(seconds=time.monotonic() - self._m0 + self._offset_s)

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self._offset_s += seconds


def write_hourly(path: Path, zone: str, values: list[float]) -> Path:
    rows = [f"datetime_utc,{zone}"]
    for hour, value in enumerate(values):
        rows.append(f"{(JUNE_1_2022 + timedelta(hours=hour)).strftime('%Y-%m-%dT%H:%M:%SZ')},{value}")
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def series(tmp_path: Path) -> Path:
    # June 1 2022: 500 g/kWh until 14:00, 100 g/kWh from 14:00 to midnight
    return write_hourly(tmp_path / "de.csv", "DE", [500.0] * 14 + [100.0] * 10)


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'runs.sqlite3'}"


def deps_for(clock: ReplayClock, *, tty: bool = False) -> RunDeps:
    def meters(c: Clock) -> list[FakeMeter]:
        return [FakeMeter(c, power_w=1000.0, source="fake 1 kW load")]  # type: ignore[arg-type]

    return RunDeps(clock=clock, sleep=clock.sleep, stderr_is_tty=lambda: tty, meters=meters)


def only_run(db_url: str) -> object:
    store = open_store(db_url)
    try:
        (run,) = store.list_runs()
        return store.get_run(run.id)
    finally:
        store.close()


def test_waits_for_the_cleaner_hours_then_records_the_saving(
    series: Path, db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    clock = ReplayClock(datetime(2022, 6, 1, 10, 0, tzinfo=timezone.utc))
    out = tmp_path / "run.json"
    status = main_with(
        deps_for(clock),
        ["--db", db_url, "--pue", "1.0", "--start-when-cleaner", "--slack", "6h", "--series", str(series),
         "--zone", "DE", "--json-out", str(out), "--", "sh", "-c", "sleep 0.2"],
    )  # fmt: skip
    err = capsys.readouterr().err
    assert status == 0, err
    # planned start 14:00, four hours after "now": slept in 10-minute steps (stderr is not a terminal)
    assert clock.sleeps[:-1] == [600.0] * 23
    assert clock.sleeps[-1] == pytest.approx(600.0, abs=5.0)
    assert sum(clock.sleeps) == pytest.approx(4 * 3600.0, abs=5.0)
    assert "expected duration 1 h (the default; set --expected-duration)" in err
    assert "planned start 2022-06-01T14:00:00Z" in err and "80.0 % less" in err
    assert "starting in 4 h at 2022-06-01 14:00 UTC" in err
    run = only_run(db_url)
    schedule = run.extra["schedule"]  # type: ignore[attr-defined]
    assert schedule["planned_start"] == "2022-06-01T14:00:00Z"
    assert schedule["arrival"] == "2022-06-01T10:00:00Z" and schedule["deadline"] == "2022-06-01T17:00:00Z"
    assert (schedule["zone"], schedule["series_source"]) == ("DE", "de.csv")
    assert len(schedule["series_sha256"]) == 64
    assert (schedule["baseline_g_per_kw"], schedule["expected_g_per_kw"]) == (500.0, 100.0)
    assert schedule["saving_pct"] == pytest.approx(80.0)
    energy_j = run.energy_j  # type: ignore[attr-defined]
    assert energy_j > 0
    # the run itself is time-resolved at 100 g/kWh; starting at once it would have run at 500 g/kWh
    assert run.intensity_resolution == "hourly"  # type: ignore[attr-defined]
    assert run.co2e_g == pytest.approx(energy_j / J_PER_KWH * 100.0)  # type: ignore[attr-defined]
    assert schedule["baseline_co2e_g"] == pytest.approx(energy_j / J_PER_KWH * 500.0)
    assert schedule["saving_g"] == pytest.approx(energy_j / J_PER_KWH * 400.0)
    assert schedule["saving_g"] > 0
    assert "for a cleaner start (DE)" in err and "(80 %)" in err
    assert json.loads(out.read_text())["extra"]["schedule"]["planned_start"] == "2022-06-01T14:00:00Z"


def test_countdown_rewrites_its_line_on_a_terminal(
    series: Path, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    clock = ReplayClock(datetime(2022, 6, 1, 13, 58, tzinfo=timezone.utc))
    status = main_with(
        deps_for(clock, tty=True),
        ["--db", db_url, "--start-when-cleaner", "--deadline", "2022-06-01T16:00Z",
         "--expected-duration", "30m", "--series", str(series), "--zone", "de", "--", "true"],
    )  # fmt: skip
    assert status == 0
    assert clock.sleeps[:-1] == [10.0] * 11 and sum(clock.sleeps) == pytest.approx(120.0, abs=2.0)
    err = capsys.readouterr().err
    assert "\r\x1b[Kmlfootprint: starting in 2 min" in err
    assert "set --expected-duration" not in err


def test_ctrl_c_while_waiting_exits_130_and_stores_nothing(
    series: Path, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    clock = ReplayClock(datetime(2022, 6, 1, 10, 0, tzinfo=timezone.utc))

    def interrupted(seconds: float) -> None:
        raise KeyboardInterrupt

    deps = RunDeps(clock=clock, sleep=interrupted, stderr_is_tty=lambda: False)
    argv = ["--db", db_url, "--start-when-cleaner", "--slack", "6h", "--series", str(series), "--zone", "DE",
            "--", "true"]  # fmt: skip
    assert main_with(deps, argv) == 130
    assert capsys.readouterr().err.strip().endswith("mlfootprint: interrupted")
    store = open_store(db_url)
    try:
        assert store.list_runs() == []
    finally:
        store.close()


def test_series_and_zone_make_a_plain_run_time_resolved(
    series: Path, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    clock = ReplayClock(datetime(2022, 6, 1, 15, 0, tzinfo=timezone.utc))
    argv = ["--db", db_url, "--pue", "1.0", "--series", str(series), "--zone", "DE", "--", "true"]
    assert main_with(deps_for(clock), argv) == 0
    assert clock.sleeps == []
    run = only_run(db_url)
    assert run.intensity_resolution == "hourly" and run.intensity_zone == "DE"  # type: ignore[attr-defined]
    assert run.intensity_g_per_kwh == pytest.approx(100.0)  # type: ignore[attr-defined]


def test_a_series_that_does_not_cover_the_run_is_stated(
    series: Path, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    clock = ReplayClock(datetime(2024, 1, 10, 9, 0, tzinfo=timezone.utc))
    argv = ["--db", db_url, "--region", "DE", "--series", str(series), "--zone", "DE", "--", "true"]
    assert main_with(deps_for(clock), argv) == 0
    err = capsys.readouterr().err
    warnings = [line for line in err.splitlines() if line.startswith("mlfootprint: warning:")]
    assert len(warnings) == 1 and "de.csv" in warnings[0] and "annual figure" in warnings[0]
    run = only_run(db_url)
    assert run.intensity_resolution == "annual"  # type: ignore[attr-defined]
    assert "de.csv" in run.extra["intensity_fallback_reason"]  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("args", "needles"),
    [
        (
            ["--slack", "6h", "--zone", "DE"],
            ["zone DE", "2022-06-01T00:00:00Z to 2022-06-02T00:00:00Z", "not 2023-03-01T12:00:00Z"],
        ),
        (["--slack", "6h", "--zone", "DX"], ["unknown zone 'DX'", "closest: DE"]),
        (["--slack", "-6h", "--zone", "DE"], ["--slack", "'-6h'"]),
        (["--slack", "6h"], ["needs --zone"]),
        (["--zone", "DE"], ["needs --slack"]),
    ],
)
def test_bad_start_when_cleaner_input_is_one_line_and_status_2(
    series: Path, db_url: str, capsys: pytest.CaptureFixture[str], args: list[str], needles: list[str]
) -> None:
    clock = ReplayClock(datetime(2023, 3, 1, 12, 0, tzinfo=timezone.utc))  # after the series ends
    argv = ["--db", db_url, "--start-when-cleaner", "--series", str(series), *args, "--", "true"]
    assert main_with(deps_for(clock), argv) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and all(n in lines[0] for n in needles), lines
    assert clock.sleeps == []


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--start-when-cleaner", "--slack", "24h"], "covers zone DE from"),
        (["--slack", "6h"], "need --start-when-cleaner"),
        (["--start-when-cleaner", "--deadline", "2022-06-01T10:30Z"], "before the job could finish"),
    ],
)
def test_windows_that_cannot_be_planned_are_status_2(
    series: Path, db_url: str, capsys: pytest.CaptureFixture[str], args: list[str], needle: str
) -> None:
    clock = ReplayClock(datetime(2022, 6, 1, 10, 0, tzinfo=timezone.utc))
    argv = ["--db", db_url, "--series", str(series), "--zone", "DE", *args, "--", "true"]
    assert main_with(deps_for(clock), argv) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and needle in lines[0], lines


def test_offline_today_it_plans_on_the_typical_year_and_says_so(
    db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from mlfootprint.intensity.embedded import embedded_series
    from mlfootprint.intensity.typical import typical_profile

    now = datetime(2026, 11, 30, 5, 30, tzinfo=timezone.utc)  # long after the shipped 2022 data
    clock = ReplayClock(now)
    status = main_with(
        deps_for(clock),
        ["--db", db_url, "--start-when-cleaner", "--slack", "3h", "--zone", "DE", "--", "true"],
    )
    err = capsys.readouterr().err
    assert status == 0, err
    assert "planning on typical-year profile (same hour of the year and weekday)" in err
    assert "a typical year, not a forecast" in err
    # the plan is the cleanest 1 h start in the profile's window (05:30 to 09:30)
    profile = typical_profile(embedded_series(), "DE", now, now + timedelta(hours=4))
    run = only_run(db_url)
    schedule = run.extra["schedule"]  # type: ignore[attr-defined]
    planned = datetime.fromisoformat(schedule["planned_start"].replace("Z", "+00:00"))
    assert now <= planned <= now + timedelta(hours=3)
    assert "typical-year profile" in schedule["series_source"]
    waited = sum(clock.sleeps)
    assert waited == pytest.approx((planned - now).total_seconds(), abs=5.0)
    # the cleanest of the candidate starts (now, then each hour boundary up to 08:30), 1 h each
    starts = [now.timestamp()] + [
        float(t) for t in profile.times_s if now.timestamp() < t <= now.timestamp() + 3 * 3600
    ]
    means, _ = profile.mean_over(starts, [a + 3600.0 for a in starts])
    assert schedule["expected_g_per_kw"] == pytest.approx(float(min(means)), rel=1e-4)  # now moves by ms
    assert schedule["baseline_g_per_kw"] == pytest.approx(float(means[0]), rel=1e-4)
