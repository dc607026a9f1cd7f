"""Time-resolved CO2e of tracked runs: each sample interval's energy at that interval's intensity."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from mlfootprint.errors import InvalidValueError, SeriesError, UnknownNameError
from mlfootprint.intensity.files import read_series
from mlfootprint.store import SQLStore, open_store
from mlfootprint.testing import FakeClock, FakeMeter, StepTrace
from mlfootprint.tracking.entry import track
from mlfootprint.tracking.timeresolved import SeriesFallbackWarning, resolution_label

FRANCE_2024_G_PER_KWH = 44.2  # OWID/Ember 2025 release, France, latest year (2024)
J_PER_KWH = 3.6e6
JUNE_1_2022 = datetime(2022, 6, 1, tzinfo=timezone.utc)


def write_hourly(path: Path, zone: str, values: list[float], start: datetime = JUNE_1_2022) -> Path:
    rows = [f"datetime_utc,{zone}"]
    for hour, value in enumerate(values):
        rows.append(f"{(start + timedelta(hours=hour)).strftime('%Y-%m-%dT%H:%M:%SZ')},{value}")
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def store(tmp_path: Path, clock: FakeClock) -> Iterator[SQLStore]:
    s = open_store(f"sqlite:///{tmp_path / 'runs.sqlite3'}", clock=clock)
    yield s
    s.close()


def test_constant_series_gives_energy_times_the_constant(tmp_path: Path, store: SQLStore) -> None:
    series = write_hourly(tmp_path / "flat.csv", "FR", [300.0] * 24)
    clock = FakeClock(start=datetime(2022, 6, 1, 12, 0, tzinfo=timezone.utc))
    meter = FakeMeter(clock, power_w=100.0)
    with track(
        region="FR", pue=1.5, meters=[meter], clock=clock, store=store, intensity_series=series, zone="FR"
    ) as run:
        clock.advance(10.0)
    result = run.result
    assert result is not None
    # 100 W x 10 s = 1000 J IT, x PUE 1.5 = 1500 J facility, at 300 g/kWh
    expected_co2e_g: float = 1500.0 / J_PER_KWH * 300.0
    assert result.energy_j == pytest.approx(1500.0)
    assert result.co2e_g == pytest.approx(expected_co2e_g)
    assert result.intensity_g_per_kwh == pytest.approx(300.0)
    assert (result.intensity_zone, result.intensity_resolution) == ("FR", "hourly")
    assert "flat.csv" in result.intensity_source and "sha256" in result.intensity_source
    # the hourly range is +/-5 % on the intensity, narrower than France's annual +/-20 %
    stored = store.get_run(result.id)
    assert stored.intensity_resolution == "hourly" and stored.co2e_g == pytest.approx(expected_co2e_g)
    (intensity,) = [a for a in stored.assumptions if a.name == "intensity"]
    assert intensity.value == pytest.approx(300.0) and "flat.csv" in intensity.source
    assert "intensity_fallback_reason" not in stored.extra


def test_two_level_step_series_weights_each_interval_by_its_energy(tmp_path: Path, store: SQLStore) -> None:
    # 12:00-13:00 at 100 g/kWh, 13:00-14:00 at 400 g/kWh; the run starts at 12:30
    values = [100.0] * 13 + [400.0] * 11
    series = read_series(write_hourly(tmp_path / "step.csv", "DE", values), license="CC-BY-4.0")
    clock = FakeClock(start=datetime(2022, 6, 1, 12, 30, tzinfo=timezone.utc))
    # the job draws 100 W for its first 30 min and 300 W after
    meter = FakeMeter(clock, power_w=StepTrace([(0.0, 100.0), (1800.0, 300.0)]))
    with track(
        region="DE", pue=1.0, meters=[meter], clock=clock, store=store, interval_s=60.0,
        intensity_series=series, zone="de",
    ) as run:  # fmt: skip
        with run.phase("first-half-hour"):  # a reading at 13:00, where both series and power step
            clock.advance(1800.0)
        clock.advance(900.0)  # until 13:15
    result = run.result
    assert result is not None
    # by hand: 100 W x 1800 s = 180 000 J at 100 g/kWh (5 g) + 300 W x 900 s = 270 000 J at 400 g/kWh (30 g)
    assert result.energy_j == pytest.approx(450_000.0)
    assert result.co2e_g == pytest.approx(35.0)
    assert result.intensity_g_per_kwh == pytest.approx(280.0)  # 35 g / 0.125 kWh
    assert result.intensity_zone == "DE" and "CC-BY-4.0" in result.intensity_source


def test_snapshot_mid_run_counts_the_unflushed_readings(tmp_path: Path, store: SQLStore) -> None:
    series = write_hourly(tmp_path / "step.csv", "DE", [100.0] * 13 + [400.0] * 11)
    clock = FakeClock(start=datetime(2022, 6, 1, 12, 30, tzinfo=timezone.utc))
    meter = FakeMeter(clock, power_w=200.0)
    tracker = track(
        region="DE", pue=1.0, meters=[meter], clock=clock, store=store, interval_s=60.0,
        flush_interval_s=3600.0, intensity_series=series, zone="DE",
    )  # fmt: skip
    tracker.start()
    try:
        with tracker.phase("a"):
            clock.advance(1800.0)  # 360 000 J at 100 g/kWh = 10 g
        clock.advance(1800.0)
        with tracker.phase("b"):  # reads at 13:30: 360 000 J at 400 g/kWh = 40 g
            pass
        snap = tracker.snapshot()
        assert snap.co2e_g == pytest.approx(50.0)
        assert snap.intensity_resolution == "hourly"
    finally:
        tracker.stop()


def test_a_series_from_another_year_falls_back_to_the_annual_figure_and_says_so(
    tmp_path: Path, store: SQLStore
) -> None:
    series = write_hourly(tmp_path / "y2022.csv", "FR", [30.0] * 48)
    clock = FakeClock(start=datetime(2025, 3, 1, 9, 0, tzinfo=timezone.utc))
    meter = FakeMeter(clock, power_w=100.0)
    tracker = track(
        region="FR", pue=1.0, meters=[meter], clock=clock, store=store, intensity_series=series, zone="FR"
    )
    with pytest.warns(SeriesFallbackWarning, match="y2022.csv") as caught:
        tracker.start()
        clock.advance(36.0)
        result = tracker.stop()
    assert len(caught) == 1  # said once, at the start
    assert result.intensity_g_per_kwh == pytest.approx(FRANCE_2024_G_PER_KWH)
    assert result.intensity_resolution == "annual"
    assert result.co2e_g == pytest.approx(3600.0 / J_PER_KWH * FRANCE_2024_G_PER_KWH)
    reason = result.extra["intensity_fallback_reason"]
    assert isinstance(reason, str) and "2022-06-01" in reason and "0.0%" in reason
    (note,) = [a for a in result.assumptions if a.name == "intensity_series_not_used"]
    assert note.value == 0.0 and note.source == reason
    assert store.get_run(result.id).extra["intensity_fallback_reason"] == reason


def test_a_run_that_outlasts_the_series_falls_back_at_stop(tmp_path: Path, store: SQLStore) -> None:
    series = write_hourly(tmp_path / "short.csv", "FR", [30.0, 30.0])  # 00:00 to 02:00
    clock = FakeClock(start=datetime(2022, 6, 1, 1, 30, tzinfo=timezone.utc))
    tracker = track(
        region="FR", meters=[FakeMeter(clock, power_w=10.0)], clock=clock, store=store,
        intensity_series=series, zone="FR",
    )  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        tracker.start()  # 01:30 is covered: no warning yet
    clock.advance(3600.0)  # until 02:30: half of the run is beyond the series
    with pytest.warns(SeriesFallbackWarning, match="50.0%"):
        result = tracker.stop()
    assert result.intensity_resolution == "annual"
    assert result.intensity_g_per_kwh == pytest.approx(FRANCE_2024_G_PER_KWH)


def test_zone_alone_uses_the_shipped_series_and_names_the_region(store: SQLStore) -> None:
    clock = FakeClock(start=datetime(2022, 3, 1, 12, 0, tzinfo=timezone.utc))
    with track(meters=[FakeMeter(clock)], clock=clock, store=store, zone="FR") as run:
        clock.advance(5.0)
    assert run.result is not None
    assert run.result.intensity_resolution == "hourly" and run.result.intensity_zone == "FR"
    assert run.result.region == "FR"  # the annual fallback is the zone's own, not the world average


def test_environment_selects_series_and_zone(
    tmp_path: Path, store: SQLStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    series = write_hourly(tmp_path / "env.csv", "FR", [120.0] * 24)
    monkeypatch.setenv("MLFOOTPRINT_SERIES", str(series))
    monkeypatch.setenv("MLFOOTPRINT_ZONE", "FR")
    clock = FakeClock()
    with track(meters=[FakeMeter(clock, power_w=36.0)], clock=clock, store=store, pue=1.0) as run:
        clock.advance(100.0)
    assert run.result is not None
    assert run.result.co2e_g == pytest.approx(3600.0 / J_PER_KWH * 120.0)


def test_bad_series_options_fail_before_anything_runs(tmp_path: Path) -> None:
    two = tmp_path / "two.csv"
    two.write_text("datetime_utc,DE,FR\n2022-01-01T00:00Z,1,2\n2022-01-01T01:00Z,3,4\n", encoding="utf-8")
    with pytest.raises(UnknownNameError, match="closest: DE"):
        track(intensity_series=two, zone="DEE")
    with pytest.raises(InvalidValueError, match="DE, FR"):
        track(intensity_series=two)
    with pytest.raises(SeriesError, match="cannot read"):
        track(intensity_series=tmp_path / "missing.csv", zone="DE")


def test_resolution_labels() -> None:
    assert [resolution_label(s) for s in (3600, 1800, 900, 300, 86400, 7200)] == [
        "hourly", "30 min", "15 min", "5 min", "daily", "7200 s",
    ]  # fmt: skip
