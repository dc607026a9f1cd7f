"""The JSON form of a run: display units, every field, and the round trip."""

from __future__ import annotations

import json
import math
from dataclasses import fields
from datetime import datetime, timezone
from typing import Any

import pytest
from hypothesis import given, settings

from helpers.store_strategies import make_run, runs
from mlfootprint.errors import InvalidValueError
from mlfootprint.records import RunRecord
from mlfootprint.serialize import format_time, parse_time, run_from_dict, run_to_dict

REQUIRED_KEYS = [
    "id",
    "project",
    "name",
    "tags",
    "status",
    "exit_code",
    "started_at",
    "ended_at",
    "duration_s",
    "energy_kwh",
    "it_energy_kwh",
    "energy_kwh_low",
    "energy_kwh_high",
    "co2e_kg",
    "co2e_kg_low",
    "co2e_kg_high",
    "co2e_kg_net",
    "pue",
    "pue_source",
    "intensity_kg_per_kwh",
    "intensity_source",
    "intensity_zone",
    "intensity_resolution",
    "region",
    "components",
    "phases",
    "command",
    "hostname",
    "scope",
    "assumptions",
    "extra",
]


def _close(a: Any, b: Any) -> bool:
    """Equal, with floats allowed to differ in the last place (J <-> kWh is not exactly invertible)."""
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=4e-16, abs_tol=0.0)
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_close(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(_close(x, y) for x, y in zip(a, b, strict=True))
    if hasattr(a, "__dataclass_fields__") and type(a) is type(b):
        return all(_close(getattr(a, f.name), getattr(b, f.name)) for f in fields(a))
    return bool(a == b) and type(a) is type(b)


def test_display_units_typed_from_definitions() -> None:
    d = run_to_dict(make_run())
    assert d["energy_kwh"] == pytest.approx(2.2)  # 7.92e6 J / 3.6e6 J per kWh
    assert d["it_energy_kwh"] == pytest.approx(2.0)
    assert d["co2e_kg"] == pytest.approx(0.88)
    assert d["co2e_kg_low"] == pytest.approx(0.7)
    assert d["co2e_kg_high"] == pytest.approx(1.1)
    assert d["co2e_kg_net"] == pytest.approx(0.1205)
    assert d["intensity_kg_per_kwh"] == pytest.approx(0.4)
    assert d["components"][0] == {
        "meter_id": "nvml:0",
        "component": "gpu",
        "source": "NVML total-energy counter (NVIDIA A100)",
        "method": "counter",
        "is_estimate": False,
        "energy_kwh": pytest.approx(6.0e6 / 3.6e6),
        "energy_kwh_low": pytest.approx(5.9e6 / 3.6e6),
        "energy_kwh_high": pytest.approx(6.1e6 / 3.6e6),
    }
    assert d["phases"][1]["parent"] == "train"
    assert d["phases"][1]["ended_at"] is None
    assert d["started_at"] == "2024-03-01T09:30:15.123456Z"
    assert d["command"] == ["python", "train.py", "--lr", "3e-4"]
    assert d["assumptions"][1] == {"name": "cpu_tdp_w", "value": 240, "unit": "W", "source": "cpus.csv"}


def test_every_required_key_is_present_and_json_encodable() -> None:
    d = run_to_dict(make_run())
    missing = [k for k in REQUIRED_KEYS if k not in d]
    assert missing == []
    assert json.loads(json.dumps(d)) == d


def test_the_fixed_run_round_trips_through_json_text() -> None:
    run = make_run()
    back = run_from_dict(json.loads(json.dumps(run_to_dict(run))))
    assert _close(back, run)
    assert back.started_at == run.started_at and back.phases[0].ended_at == run.phases[0].ended_at
    assert back.tags == run.tags and back.extra == run.extra and back.assumptions == run.assumptions


@settings(max_examples=80, deadline=None)
@given(runs)
def test_round_trip_property(run: RunRecord) -> None:
    d = run_to_dict(run)
    back = run_from_dict(json.loads(json.dumps(d)))
    assert _close(back, run), (back, run)
    # the display form itself is stable
    assert _close(run_to_dict(back), d)


def test_round_trip_keeps_interrupted_status_and_missing_optionals() -> None:
    run = make_run(
        status="interrupted", exit_code=None, ended_at=None, co2e_g_net=None, pid=None, region=None
    )
    back = run_from_dict(run_to_dict(run))
    assert (back.status, back.exit_code, back.ended_at, back.co2e_g_net, back.pid, back.region) == (
        "interrupted",
        None,
        None,
        None,
        None,
        None,
    )


def test_missing_key_names_it() -> None:
    d = run_to_dict(make_run())
    del d["energy_kwh"]
    with pytest.raises(InvalidValueError, match=r"run\.energy_kwh"):
        run_from_dict(d)


def test_bad_status_and_bad_time_are_named() -> None:
    d = run_to_dict(make_run())
    with pytest.raises(InvalidValueError, match=r"run\.status"):
        run_from_dict({**d, "status": "done"})
    with pytest.raises(InvalidValueError, match=r"run\.started_at"):
        run_from_dict({**d, "started_at": "yesterday"})
    with pytest.raises(InvalidValueError, match="must be a number"):
        run_from_dict({**d, "pue": "1.1"})


def test_times_are_utc_with_z_and_offsets_are_converted() -> None:
    assert format_time(datetime(2024, 1, 2, 3, 4, 5, tzinfo=timezone.utc)) == "2024-01-02T03:04:05Z"
    assert parse_time("2024-01-02T05:04:05+02:00") == datetime(2024, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
    assert parse_time("2024-01-02T03:04:05Z") == datetime(2024, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
    assert format_time(None) is None and parse_time(None) is None
