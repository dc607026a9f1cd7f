"""Tracked runs fetch their window's live intensity at stop; a failing provider is a visible fallback."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from mlfootprint.intensity.live import HttpRequest, HttpResponse, UKCarbonIntensityClient
from mlfootprint.reference import resolve_intensity
from mlfootprint.store import SQLStore, open_store
from mlfootprint.testing import FakeClock, FakeMeter
from mlfootprint.tracking.entry import track


@pytest.fixture
def store(tmp_path: Path, clock: FakeClock) -> Iterator[SQLStore]:
    s = open_store(f"sqlite:///{tmp_path / 'runs.sqlite3'}", clock=clock)
    yield s
    s.close()


def uk_transport(seen: list[HttpRequest]):  # type: ignore[no-untyped-def]
    # half-hourly rows around the fake clock's 2022-06-01T12:00Z: 100 g/kWh until 12:30, then 300
    def row(start: str, end: str, actual: int) -> dict[str, object]:
        return {"from": f"2022-06-01T{start}Z", "to": f"2022-06-01T{end}Z", "intensity": {"actual": actual}}

    rows = [row("11:30", "12:00", 100), row("12:00", "12:30", 100), row("12:30", "13:00", 300)]
    rows.append(row("13:00", "13:30", 300))

    def transport(request: HttpRequest) -> HttpResponse:
        seen.append(request)
        return HttpResponse(status=200, body=json.dumps({"data": rows}).encode())

    return transport


def test_the_run_uses_the_live_mean_over_its_own_window(clock: FakeClock, store: SQLStore) -> None:
    seen: list[HttpRequest] = []
    uk = UKCarbonIntensityClient(transport=uk_transport(seen))
    meter = FakeMeter(clock, meter_id="cpu", component="cpu", method="counter", power_w=100.0, source="fake")
    with track(region="GB", zone="GB", pue=1.0, live=uk, meters=[meter], clock=clock, store=store) as run:
        clock.advance(3600.0)  # 12:00 to 13:00: half at 100, half at 300 g/kWh
    record = run.result
    assert record is not None and len(seen) == 1
    assert record.intensity_g_per_kwh == pytest.approx(200.0)
    assert record.co2e_g == pytest.approx(360_000.0 / 3.6e6 * 200.0)  # 0.1 kWh x 200 g/kWh
    assert record.intensity_resolution == "live"
    assert "UK Carbon Intensity API" in record.intensity_source and "time-weighted" in record.intensity_source
    assert record.co2e_g_low < record.co2e_g < record.co2e_g_high
    assert store.get_run(record.id).intensity_g_per_kwh == pytest.approx(200.0)  # the stored one too


def test_a_failing_provider_keeps_the_annual_figure_and_says_why(clock: FakeClock, store: SQLStore) -> None:
    def down(request: HttpRequest) -> HttpResponse:
        return HttpResponse(status=503, body=b"")

    uk = UKCarbonIntensityClient(transport=down, retries=0)
    meter = FakeMeter(clock, meter_id="cpu", component="cpu", method="counter", power_w=100.0, source="fake")
    with (
        pytest.warns(UserWarning, match="live intensity from carbonintensity-uk unavailable"),
        track(region="GB", pue=1.0, live=uk, meters=[meter], clock=clock, store=store) as run,
    ):
        clock.advance(60.0)
    record = run.result
    assert record is not None
    assert record.intensity_g_per_kwh == pytest.approx(resolve_intensity("GB").g_per_kwh)  # annual, kept
    reason = str(record.extra["intensity_fallback_reason"])
    assert "HTTP 503" in reason and "kept" in reason
