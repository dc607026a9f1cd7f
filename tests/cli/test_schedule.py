from __future__ import annotations

import json
from pathlib import Path

import pytest

from mlfootprint.cli.main import main

EM = "reference/hourly/decarbonization-potential/em_2022_hourly_lca_123zones.csv"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    try:
        code = main(list(argv))
    except SystemExit as exc:  # argparse mistakes exit from the parser
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def test_schedule_json_on_embedded_data(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys,
        "schedule",
        "--zone",
        "de",
        "--arrival",
        "2022-01-01T00:00Z",
        "--duration",
        "6h",
        "--slack",
        "24h",
        "--format",
        "json",
    )
    assert code == 0
    doc = json.loads(out)
    assert doc["start"] == "2022-01-02T00:00:00Z"
    assert doc["baseline_g_per_kw"] == pytest.approx(1397.63, abs=0.01)
    assert doc["expected_g_per_kw"] == pytest.approx(1393.13, abs=0.01)
    assert doc["license"] == "ODbL-1.0"


def test_schedule_interruptible_text(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys,
        "schedule",
        "--zone",
        "DE",
        "--arrival",
        "2022-01-01T00:00Z",
        "--duration",
        "6h",
        "--slack",
        "24h",
        "--interruptible",
    )
    assert code == 0
    assert "expected 1,357 gCO2e per kW" in out
    assert out.count("  run ") == 3


def test_shift_json_matches_bm1(capsys: pytest.CaptureFixture[str], shared_dir: Path) -> None:
    code, out, _ = run(
        capsys,
        "shift",
        "--series",
        str(shared_dir / EM),
        "--zone",
        "DE",
        "--job-hours",
        "6",
        "--slack-hours",
        "24",
        "--format",
        "json",
    )
    assert code == 0
    doc = json.loads(out)
    assert doc["zones"]["DE"]["deferral_pct"] == pytest.approx(19.21, abs=0.01)
    assert doc["zones"]["DE"]["interrupt_pct"] == pytest.approx(20.06, abs=0.01)
    assert doc["zones"]["DE"]["arrivals"] == 8754
    assert doc["series_sha256"].startswith("4c1f894c")
    assert (doc["aggregate"], doc["semantics"]) == ("per-job", "strict")


def test_shift_global(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys,
        "shift",
        "--zone",
        "DE",
        "FR",
        "--job-hours",
        "6",
        "--slack-hours",
        "24",
        "--aggregate",
        "global",
        "--format",
        "json",
    )
    doc = json.loads(out)
    assert code == 0 and set(doc["global"]) == {"deferral_pct", "interrupt_pct"}
    assert 0 < doc["global"]["deferral_pct"] <= doc["global"]["interrupt_pct"]


def test_where_group_europe(capsys: pytest.CaptureFixture[str], shared_dir: Path) -> None:
    code, out, _ = run(
        capsys,
        "where",
        "--series",
        str(shared_dir / EM),
        "--group",
        "Europe",
        "--groups-file",
        str(shared_dir / "reference/hourly/decarbonization-potential/zone_metadata/name_stats.csv"),
        "--format",
        "json",
    )
    doc = json.loads(out)
    assert code == 0 and doc["zones"] == 45
    assert doc["lowest_zone"] == "SE-SE1"
    assert doc["one_migration_reduction_g_per_kwh"] == pytest.approx(281.24, abs=0.01)
    assert doc["infinite_migration_reduction_g_per_kwh"] == pytest.approx(282.27, abs=0.01)


def test_where_text_embedded(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "where", "--all-zones")
    assert code == 0 and "10 zones" in out and "lowest  SE-SE1" in out


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["where", "--zone", "DX"], "unknown zone 'DX'; closest: DE"),
        (["shift", "--zone", "FR", "--job-hours", "1.5", "--slack-hours", "24"], "--job-hours: 1.5"),
        (["schedule", "--zone", "DE", "--arrival", "2022-06-01", "--duration=-6h", "--slack", "1h"], "'-6h'"),
        (
            ["where", "--series", "/nonexistent/x.csv", "--all-zones"],
            "cannot read series file /nonexistent/x.csv",
        ),
        (["where", "--group", "Mars"], "unknown zone group 'Mars'"),
    ],
)
def test_bad_input_one_line_exit_2(capsys: pytest.CaptureFixture[str], argv: list[str], needle: str) -> None:
    code, _, err = run(capsys, *argv)
    assert code == 2
    assert needle in err
    assert err.count("\n") == 1


@pytest.mark.parametrize(
    ("body", "needle", "code_with_fill"),
    [
        ("t,DE\n2022-01-01T00:00Z,1\n2022-01-01T01:00Z,2\n2022-01-01T05:00Z,3\n", "gap of 14400 s", 0),
        ("t,DE\n2022-01-01T01:00Z,1\n2022-01-01T00:00Z,2\n2022-01-01T02:00Z,3\n", "time goes backwards", 2),
    ],
)
def test_bad_series_file(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, body: str, needle: str, code_with_fill: int
) -> None:
    p = tmp_path / "s.csv"
    p.write_text(body, encoding="utf-8")
    code, _, err = run(
        capsys, "shift", "--series", str(p), "--zone", "DE", "--job-hours", "1", "--slack-hours", "1"
    )
    assert code == 2 and needle in err and err.count("\n") == 1
    code, _, _ = run(
        capsys,
        "shift",
        "--series",
        str(p),
        "--fill",
        "hold",
        "--zone",
        "DE",
        "--job-hours",
        "1",
        "--slack-hours",
        "1",
        "--format",
        "json",
    )
    assert code == code_with_fill


def test_schedule_beyond_the_shipped_year_plans_on_the_typical_year(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = run(
        capsys,
        "schedule",
        "--zone",
        "DE",
        "--arrival",
        "2026-11-30T05:00Z",
        "--duration",
        "6h",
        "--slack",
        "24h",
    )
    assert code == 0, err
    assert "window 2026-11-30T05:00:00Z to 2026-12-01T11:00:00Z" in out
    assert "planned on: typical-year profile (same hour of the year and weekday)" in out
    assert "a typical year, not a forecast" in out
    # 2026-11-30 is a Monday; its profile is 2022's Monday nearest 30 November (28 November 2022)
    from datetime import datetime, timezone

    from mlfootprint.intensity.embedded import embedded_series
    from mlfootprint.intensity.typical import typical_profile

    base = embedded_series().series("DE")
    profile = typical_profile(
        embedded_series(), "DE", datetime(2026, 11, 30, 5, tzinfo=timezone.utc),
        datetime(2026, 11, 30, 6, tzinfo=timezone.utc),
    )  # fmt: skip
    monday = base.index_of(datetime(2022, 11, 28, 5, tzinfo=timezone.utc).timestamp())
    assert float(profile.values_g_per_kwh[0]) == float(base.values_g_per_kwh[monday])
