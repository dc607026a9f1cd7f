from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest

from mlfootprint.errors import SeriesError, UnknownNameError
from mlfootprint.intensity.files import read_series

WIDE = (
    "datetime_utc,DE,FR\n2022-01-01T00:00:00Z,100,10\n2022-01-01T01:00:00Z,200,20\n"
    "2022-01-01T02:00:00Z,300,30\n"
)


def write(tmp_path: Path, text: str, name: str = "s.csv") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_wide_layout(tmp_path: Path) -> None:
    p = write(tmp_path, WIDE)
    s = read_series(p)
    assert s.zones == ("DE", "FR")
    assert s.resolution_s == 3600.0
    assert s.times_s.tolist() == [1640995200, 1640998800, 1641002400]
    assert s.column("fr").tolist() == [10.0, 20.0, 30.0]
    assert s.sha256 == hashlib.sha256(p.read_bytes()).hexdigest()
    assert s.source == "s.csv"


def test_unknown_zone_lists_closest(tmp_path: Path) -> None:
    s = read_series(write(tmp_path, WIDE))
    with pytest.raises(UnknownNameError, match="unknown zone 'DX'; closest: DE"):
        s.series("DX")


def test_electricitymaps_export_signal(tmp_path: Path) -> None:
    head = (
        "Datetime (UTC),Country,Zone Name,Zone Id,Carbon Intensity gCO₂eq/kWh (direct),"
        "Carbon Intensity gCO₂eq/kWh (LCA),Low Carbon Percentage\n"
    )
    rows = (
        "2022-01-01 00:00:00,Spain,Spain,ES,133.64,175.54,76\n"
        "2022-01-01 01:00:00,Spain,Spain,ES,139.1,181.54,75\n"
    )
    p = write(tmp_path, head + rows)
    assert read_series(p).column("ES").tolist() == [175.54, 181.54]
    direct = read_series(p, signal="direct")
    assert direct.column("ES").tolist() == [133.64, 139.1]
    assert direct.signal == "direct"


def test_real_electricitymaps_file(shared_dir: Path) -> None:
    p = shared_dir / "reference/hourly/decarbonization-potential/downloaded_carbon_data/ES_2022_hourly.csv"
    assert read_series(p).column("ES").mean() == pytest.approx(219.28, abs=0.005)
    assert read_series(p, signal="direct").column("ES").mean() == pytest.approx(166.76, abs=0.005)


def test_long_layout_two_zones(tmp_path: Path) -> None:
    text = (
        "time,zone,value\n2022-01-01T00:00Z,A,1\n2022-01-01T00:00Z,B,5\n"
        "2022-01-01T00:30Z,A,2\n2022-01-01T00:30Z,B,6\n"
    )
    s = read_series(write(tmp_path, text))
    assert s.zones == ("A", "B")
    assert s.resolution_s == 1800.0
    assert s.values_g_per_kwh.tolist() == [[1.0, 5.0], [2.0, 6.0]]


def test_gap_is_an_error_naming_it(tmp_path: Path) -> None:
    text = "t,DE\n2022-01-01T00:00Z,1\n2022-01-01T01:00Z,2\n2022-01-01T04:00Z,5\n2022-01-01T05:00Z,6\n"
    with pytest.raises(SeriesError, match=r"row 4: gap of 10800 s after 2022-01-01T01:00:00Z"):
        read_series(write(tmp_path, text))


def test_gap_filled_by_hold_and_interpolate(tmp_path: Path) -> None:
    text = "t,DE\n2022-01-01T00:00Z,1\n2022-01-01T01:00Z,2\n2022-01-01T04:00Z,5\n2022-01-01T05:00Z,6\n"
    p = write(tmp_path, text)
    held = read_series(p, fill="hold")
    assert held.column("DE").tolist() == [1, 2, 2, 2, 5, 6]
    assert "filled by hold" in held.notes[0]
    assert read_series(p, fill="interpolate").column("DE").tolist() == [1, 2, 3, 4, 5, 6]


def test_missing_value_is_an_error(tmp_path: Path) -> None:
    text = "t,DE\n2022-01-01T00:00Z,1\n2022-01-01T01:00Z,\n2022-01-01T02:00Z,3\n"
    with pytest.raises(SeriesError, match="row 3: missing value for DE"):
        read_series(write(tmp_path, text))
    assert read_series(write(tmp_path, text), fill="interpolate").column("DE").tolist() == [1, 2, 3]


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ("2022-01-01T01:00Z,1\n2022-01-01T00:00Z,2\n", r"row 3: time goes backwards at 2022-01-01T00:00:00Z"),
        ("2022-01-01T00:00Z,1\n2022-01-01T00:00Z,2\n", r"row 3: duplicate time 2022-01-01T00:00:00Z"),
        ("2022-01-01T00:00Z,1\nyesterday,2\n", r":3:1: bad time 'yesterday'"),
        ("2022-01-01T00:00Z,1\n2022-01-01T01:00Z,lots\n", r":3:2: bad value 'lots'"),
    ],
)
def test_malformed_rows(tmp_path: Path, rows: str, message: str) -> None:
    with pytest.raises(SeriesError, match=message):
        read_series(write(tmp_path, "t,DE\n" + rows))


def test_unreadable_file(tmp_path: Path) -> None:
    with pytest.raises(SeriesError, match="cannot read series file"):
        read_series(tmp_path / "absent.csv")
    (tmp_path / "bin.csv").write_bytes(b"\xff\xfe\x00bad")
    with pytest.raises(SeriesError, match="not UTF-8"):
        read_series(tmp_path / "bin.csv")


def test_grid_keeps_half_hours_of_quarter_hour_file(tmp_path: Path) -> None:
    text = (
        "Time,Carbon Intensity\n"
        + "".join(f"2020-01-01 00:{m:02d}:00,{i}\n" for i, m in enumerate([0, 15, 30, 45]))
        + "2020-01-01 01:00:00,4\n"
    )
    s = read_series(write(tmp_path, text), zone="DE", grid_s=1800)
    assert s.zones == ("DE",)
    assert s.resolution_s == 1800.0
    assert s.column("DE").tolist() == [0.0, 2.0, 4.0]


def test_mean_over_is_time_weighted(tmp_path: Path) -> None:
    s = read_series(write(tmp_path, WIDE)).series("DE")
    t0 = float(s.times_s[0])
    mean, frac = s.mean_over([t0 + 1800, t0, t0 + 3 * 3600], [t0 + 5400, t0 + 4 * 3600, t0 + 3 * 3600])
    assert mean[0] == pytest.approx(150.0)  # half of 100, half of 200
    assert frac[0] == 1.0
    assert mean[1] == pytest.approx(200.0) and frac[1] == pytest.approx(0.75)  # last hour not covered
    assert np.isnan(mean[2]) and frac[2] == 0.0
