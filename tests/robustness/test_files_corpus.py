"""Malformed series files, user tables and zone-group files: refused in one line naming the file (and the
line and column where there is one), exit 2; valid files in any line-ending convention read the same."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import pytest

from helpers.cli_harness import assert_refused, run_cli

GOOD = "time,DE\n" + "".join(f"2022-03-01T{h:02d}:00Z,{300 + 10 * h}\n" for h in range(24))
SCHEDULE = ["--zone", "DE", "--arrival", "2022-03-01T00:00Z", "--duration", "2h", "--slack", "6h"]

BAD_SERIES: dict[str, bytes] = {
    "empty": b"",
    "header-only": b"time,DE\n",
    "one-row": b"time,DE\n2022-03-01T00:00Z,300\n",
    "empty-time-cell": b"time,DE\n2022-03-01T00:00Z,300\n,310\n2022-03-01T02:00Z,320\n",
    "negative": GOOD.replace(",310", ",-310").encode(),
    "inf": GOOD.replace(",310", ",inf").encode(),
    "nan-text": GOOD.replace(",310", ",NaN").encode() + b"",
    "huge": GOOD.replace(",310", ",1e308").encode(),
    "over-2000": GOOD.replace(",310", ",2500").encode(),
    "kg-per-kwh": b"time,DE\n" + b"".join(f"2022-03-01T{h:02d}:00Z,0.{30 + h}\n".encode() for h in range(24)),
    "text-value": GOOD.replace(",310", ",lots").encode(),
    "latin-1": ("time,DÉ\n" + GOOD.split("\n", 1)[1]).encode("latin-1"),
    "utf-16": GOOD.encode("utf-16"),
    "nul": GOOD.replace("310", "3\x0010").encode(),
    "huge-field": b"time,DE\n2022-03-01T00:00Z," + b"1" * 200_000 + b"\n2022-03-01T01:00Z,3\n",
    "epoch-ms": b"time,DE\n1646092800000,300\n1646096400000,310\n",
    "epoch-negative": b"time,DE\n-5,300\n3595,310\n",
    "year-9999": b"time,DE\n9999-12-31T22:00Z,300\n9999-12-31T23:00Z,310\n",
    "year-0001": b"time,DE\n0001-01-01T00:00Z,300\n0001-01-01T01:00Z,310\n",
    "backwards": b"time,DE\n2022-03-01T01:00Z,300\n2022-03-01T00:00Z,310\n",
    "duplicate": b"time,DE\n2022-03-01T00:00Z,300\n2022-03-01T00:00Z,310\n",
    "ragged": b"time,DE\n2022-03-01T00:00Z,300,7\n2022-03-01T01:00Z,310\n",
    "unclosed-quote": b'time,DE\n"2022-03-01T00:00Z,300\n2022-03-01T01:00Z,310\n',
    "binary": bytes(range(256)) * 8,
    "long-time": b"time,DE\n" + b"2" * 5000 + b",300\n2022-03-01T01:00Z,310\n",
    "bad-time": b"time,DE\n2022-03-01T00:00Z,300\nsoon,310\n",
    "no-zone-column": b"time\n2022-03-01T00:00Z\n2022-03-01T01:00Z\n",
    "gap-no-fill": b"time,DE\n2022-03-01T00:00Z,300\n2022-03-01T01:00Z,310\n2022-03-01T05:00Z,310\n",
    "too-many-columns": b"time," + b",".join(f"Z{i}".encode() for i in range(5000)) + b"\n",
}


@pytest.fixture
def series_dir(tmp_path: Path) -> Path:
    return tmp_path


@pytest.mark.parametrize("name", sorted(BAD_SERIES))
@pytest.mark.parametrize("command", ["schedule", "shift", "where"])
def test_bad_series_is_refused_naming_the_file(home: Path, series_dir: Path, name: str, command: str) -> None:
    path = series_dir / f"{name}.csv"
    path.write_bytes(BAD_SERIES[name])
    argv = {
        "schedule": ["schedule", "--series", str(path), *SCHEDULE],
        "shift": ["shift", "--series", str(path), "--zone", "DE", "--job-hours", "1", "--slack-hours", "2"],
        "where": ["where", "--series", str(path), "--zone", "DE", "FR"],
    }[command]
    result = run_cli(argv)
    assert_refused(result)
    assert path.name in result.err or "zone" in result.err, result.err


def test_sixty_year_gap_with_fill_is_refused_not_allocated(home: Path, tmp_path: Path) -> None:
    path = tmp_path / "gap.csv"
    path.write_text("time,DE\n1970-01-01T00:00Z,300\n1970-01-01T01:00Z,310\n2030-01-01T00:00Z,320\n"
                    "2030-01-01T01:00Z,330\n")  # fmt: skip
    result = run_cli(["schedule", "--series", str(path), "--fill", "interpolate", *SCHEDULE])
    assert_refused(result, "gap.csv", "filling its gaps would add")


def _plan(out: str) -> dict[str, object]:
    """The plan printed as JSON, without what names the file (its name and digest)."""
    plan = json.loads(out)
    assert isinstance(plan, dict)
    return {k: v for k, v in plan.items() if k not in ("series_source", "series_sha256", "planned_on")}


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"], ids=["LF", "CRLF", "CR"])
@pytest.mark.parametrize("bom", [b"", b"\xef\xbb\xbf"], ids=["plain", "BOM"])
def test_every_line_ending_and_a_bom_read_the_same(
    home: Path, tmp_path: Path, newline: str, bom: bytes
) -> None:
    reference = tmp_path / "lf.csv"
    reference.write_bytes(GOOD.encode())
    variant = tmp_path / "variant.csv"
    variant.write_bytes(bom + GOOD.replace("\n", newline).encode())
    expected = run_cli(["schedule", "--series", str(reference), *SCHEDULE, "--format", "json"])
    got = run_cli(["schedule", "--series", str(variant), *SCHEDULE, "--format", "json"])
    assert expected.status == 0 and got.status == 0, got.err
    assert _plan(got.out) == _plan(expected.out)


def test_epoch_seconds_are_read_as_utc(home: Path, tmp_path: Path) -> None:
    iso = tmp_path / "iso.csv"
    iso.write_text(GOOD)
    epoch = tmp_path / "epoch.csv"
    start = 1646092800  # 2022-03-01T00:00Z
    epoch.write_text("time,DE\n" + "".join(f"{start + 3600 * h},{300 + 10 * h}\n" for h in range(24)))
    a = run_cli(["schedule", "--series", str(iso), *SCHEDULE, "--format", "json"])
    b = run_cli(["schedule", "--series", str(epoch), *SCHEDULE, "--format", "json"])
    assert a.status == b.status == 0, b.err
    assert _plan(b.out) == _plan(a.out)


def _shipped(name: str) -> str:
    return (resources.files("mlfootprint.reference") / "data" / f"{name}.csv").read_text(encoding="utf-8")


TABLES = [
    "accelerators",
    "cpus",
    "grid_intensity_country",
    "grid_intensity_subnational",
    "cloud_regions",
    "pue",
]


def _tamper(text: str, how: str) -> bytes:
    header, first, *rest = text.splitlines()
    cells = first.split(",")
    numeric = next((i for i, c in enumerate(cells) if c.replace(".", "", 1).isdigit()), 1)
    if how == "negative":
        cells[numeric] = "-" + cells[numeric]
    elif how == "huge":
        cells[numeric] = "1e308"
    elif how == "nan":
        cells[numeric] = "nan"
    elif how == "text":
        cells[numeric] = "lots"
    elif how == "duplicate":
        return "\n".join([header, first, first, *rest]).encode()
    elif how == "missing-column":
        return "\n".join([",".join(header.split(",")[1:]), *rest]).encode()
    elif how == "latin-1":
        return (header + "\n" + first + ",\xe9\n").encode("latin-1")
    elif how == "huge-field":
        cells[0] = "x" * 100_000
    elif how == "extra-cells":
        cells += ["a", "b", "c"]
    elif how == "binary":
        return bytes(range(256)) * 4
    return "\n".join([header, ",".join(cells), *rest]).encode()


HOWS = ["negative", "huge", "nan", "text", "duplicate", "missing-column", "latin-1", "huge-field",
        "extra-cells",
        "binary"]  # fmt: skip


@pytest.mark.parametrize("how", HOWS)
@pytest.mark.parametrize("table", TABLES)
def test_bad_user_table_is_refused_naming_the_file(home: Path, tmp_path: Path, table: str, how: str) -> None:
    path = tmp_path / f"{table}-{how}.csv"
    path.write_bytes(_tamper(_shipped(table), how))
    result = run_cli(["data", "check", str(path), "--table", table])
    assert_refused(result, path.name)


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"zone_code\n",
        bytes(range(256)),
        b"zone,Europe\nDE,1\n",
        b'zone_code,Europe\n"DE,1\n',
        b"\xff\xfe",
    ],
    ids=["empty", "header-only", "binary", "no-zone-code", "unclosed-quote", "utf16-bom"],
)
def test_bad_groups_file_is_refused(home: Path, tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "groups.csv"
    path.write_bytes(content)
    result = run_cli(["where", "--groups-file", str(path), "--group", "Europe"])
    assert "Traceback" not in result.err and result.status == 2 and len(result.err_lines) == 1, result.err
