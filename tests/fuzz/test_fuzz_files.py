"""Malformed series files, user tables and config files: a typed one-line error or a valid result, never
another exception, never unbounded work."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mlfootprint.config import load_settings
from mlfootprint.errors import UsageError
from mlfootprint.intensity.files import read_series
from mlfootprint.reference.tables import validate_table

pytestmark = pytest.mark.fuzz

CELLS = st.sampled_from(
    ["2022-01-01T00:00Z", "2022-01-01T01:00Z", "2022-01-01 02:00", "1640995200", "1640998800", "", " ", "300",
     "0.3", "-5", "nan", "inf", "1e308", "2500", "DE", "FR", "zone", "time", '"', "\r", "\n", "\ufeff", "é",
     "1640995200000", "9999-01-01", "1969-12-31T23:00Z", "x" * 300]
) | st.text(max_size=8)  # fmt: skip
LINES = st.lists(st.lists(CELLS, min_size=1, max_size=4).map(",".join), min_size=0, max_size=12)
NEWLINES = st.sampled_from(["\n", "\r\n", "\r"])
ENCODINGS = st.sampled_from(["utf-8", "utf-8-sig", "latin-1", "utf-16"])


def _encode(text: str, encoding: str) -> bytes:
    return text.encode(encoding, errors="replace")


@given(LINES, NEWLINES, ENCODINGS, st.sampled_from([None, "hold", "interpolate"]))
def test_series_files(lines: list[str], newline: str, encoding: str, fill: str | None) -> None:
    with tempfile.TemporaryDirectory() as work:
        path = Path(work) / "s.csv"
        path.write_bytes(_encode(newline.join(["time,DE", *lines]), encoding))
        try:
            series = read_series(path, fill=fill)  # type: ignore[arg-type]
        except UsageError as exc:
            assert "\n" not in str(exc)
            return
        values = series.values_g_per_kwh
        assert ((values >= 0) & (values <= 2000)).all()
        assert series.times_s.shape[0] <= 10 * max(len(lines), 1) + 10_000


TABLE_NAMES = ["accelerators", "cpus", "pue", "grid_intensity_country", "cloud_regions", "papers"]


@given(st.sampled_from(TABLE_NAMES), LINES, NEWLINES, ENCODINGS)
def test_user_tables(table: str, lines: list[str], newline: str, encoding: str) -> None:
    with tempfile.TemporaryDirectory() as work:
        path = Path(work) / "t.csv"
        path.write_bytes(_encode(newline.join(lines), encoding))
        try:
            validate_table(table, path)
        except UsageError as exc:
            assert "\n" not in str(exc)


KEYS = st.sampled_from(["pue", "interval_s", "flush_interval_s", "scope", "project", "db", "region", "zone",
                        "series", "peu", "", "[x]"])  # fmt: skip
VALUES = st.sampled_from(
    ["1.1", "1000", "nan", "0", "-1", "1e300", "machine", "x", "%(a)s", "", "\x00"]
) | st.text(max_size=6)


@given(st.lists(st.tuples(KEYS, VALUES), max_size=5), st.booleans(), NEWLINES, ENCODINGS)
def test_config_files(pairs: list[tuple[str, str]], section: bool, newline: str, encoding: str) -> None:
    with tempfile.TemporaryDirectory() as work:
        path = Path(work) / "config.ini"
        lines = (["[mlfootprint]"] if section else []) + [f"{k} = {v}" for k, v in pairs]
        path.write_bytes(_encode(newline.join(lines), encoding))
        try:
            settings = load_settings(env={"MLFOOTPRINT_CONFIG": str(path)})
        except UsageError as exc:
            assert "\n" not in str(exc)
            return
        if settings.pue is not None:
            assert 1.0 <= settings.pue <= 3.0
        assert 0.05 <= settings.interval_s <= 3600 and 0.05 <= settings.flush_interval_s <= 86400


ENV_NAMES = st.sampled_from(["MLFOOTPRINT_PUE", "MLFOOTPRINT_INTERVAL_S", "MLFOOTPRINT_FLUSH_INTERVAL_S",
                             "MLFOOTPRINT_SCOPE", "MLFOOTPRINT_PROJECT", "MLFOOTPRINT_REGION"])  # fmt: skip


@given(st.dictionaries(ENV_NAMES, VALUES | st.sampled_from(["1e-400", "3.0000001", "0.9999", "86400.5"])))
def test_environment(env: dict[str, str]) -> None:
    try:
        settings = load_settings(env={**env, "MLFOOTPRINT_CONFIG": "/nonexistent/config.ini"})
    except UsageError as exc:
        assert "\n" not in str(exc) and any(name in str(exc) for name in env)
        return
    if settings.pue is not None:
        assert 1.0 <= settings.pue <= 3.0
    assert 0.05 <= settings.interval_s <= 3600 and 0.05 <= settings.flush_interval_s <= 86400
