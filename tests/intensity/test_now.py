"""What a plan is made on: a file, a live forecast (injected transport), or the shipped typical year."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from mlfootprint.errors import ScheduleError
from mlfootprint.intensity.live import HttpRequest, HttpResponse
from mlfootprint.intensity.now import planning_series
from mlfootprint.intensity.typical import TYPICAL_LABEL

NOW = datetime(2026, 11, 30, 6, 0, tzinfo=timezone.utc)


def forecast_transport(seen: list[HttpRequest]):  # type: ignore[no-untyped-def]
    rows = [
        {
            "datetime": (NOW + timedelta(hours=h)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "carbonIntensity": 400 - 10 * h,
        }
        for h in range(30)
    ]

    def transport(request: HttpRequest) -> HttpResponse:
        seen.append(request)
        return HttpResponse(status=200, body=json.dumps({"zone": "DE", "forecast": rows}).encode())

    return transport


def test_live_forecast_with_the_key_from_the_environment() -> None:
    seen: list[HttpRequest] = []
    planned = planning_series(
        "DE", NOW, NOW + timedelta(hours=24), live="electricitymaps", transport=forecast_transport(seen),
        env={"ELECTRICITYMAPS_API_KEY": "k-123"},
    )  # fmt: skip
    assert "/carbon-intensity/forecast?zone=DE" in seen[0].url and seen[0].headers["auth-token"] == "k-123"
    assert "k-123" not in seen[0].url
    assert planned.fallback_reason is None and "live" in planned.label
    assert float(planned.series.values_g_per_kwh[0]) == 400.0


def test_without_a_key_the_fallback_is_the_typical_year_and_says_why() -> None:
    seen: list[HttpRequest] = []
    planned = planning_series(
        "DE",
        NOW,
        NOW + timedelta(hours=24),
        live="electricitymaps",
        transport=forecast_transport(seen),
        env={},
    )
    assert seen == []  # no key: nothing was sent
    assert planned.fallback_reason is not None and "ELECTRICITYMAPS_API_KEY" in planned.fallback_reason
    assert TYPICAL_LABEL in planned.series.source and "unavailable" in planned.label


def test_offline_inside_2022_is_the_shipped_series_and_a_given_file_must_cover(tmp_path: Path) -> None:
    inside = datetime(2022, 3, 1, tzinfo=timezone.utc)
    planned = planning_series("DE", inside, inside + timedelta(hours=30))
    assert planned.series.source == "em_2022_hourly_lca_subset.csv" and "typical" not in planned.label
    example = Path(__file__).parents[2] / "examples" / "de_forecast.csv"
    with pytest.raises(ScheduleError, match="typical-year profile"):
        planning_series("DE", NOW, NOW + timedelta(hours=3), series_path=str(example))
    start = datetime(2025, 6, 2, 6, tzinfo=timezone.utc)
    assert (
        planning_series("DE", start, start + timedelta(hours=12), series_path=str(example)).series.zone
        == "DE"
    )
