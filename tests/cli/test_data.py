"""``mlfootprint data``: list, show and check, in text and JSON, with bad input exiting 2."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from mlfootprint.cli.main import main


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def test_list_text(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(capsys, "data")
    assert status == 0 and err == ""
    lines = {line.split()[0]: line.split() for line in out.splitlines() if line and not line.startswith(" ")}
    assert lines["accelerators"][1] == "33"
    assert lines["grid_intensity_country"][2] == "2019-2024"
    assert "CC BY 4.0 (OWID; Ember)" in out and "Apache-2.0" in out


def test_list_json(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "data", "--format", "json")
    assert status == 0
    tables = {t["name"]: t for t in json.loads(out)["tables"]}
    assert tables["pue"]["rows"] == 25
    assert tables["pue"]["years"] == [2007, 2025]
    assert any("Patterson" in s for s in tables["accelerators"]["sources"])


def test_show_text(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "data", "show", "accelerators")
    assert status == 0
    v100 = next(line.split() for line in out.splitlines() if line.startswith("V100 "))
    assert v100[:5] == ["V100", "gpu", "300", "325", "0.02"]
    assert "33 rows" in out


def test_show_json_and_csv(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "data", "show", "accelerators", "--format", "json")
    assert status == 0
    rows = {r["name"]: r for r in json.loads(out)["rows"]}
    assert rows["TPU v3"]["measured_avg_power_w"] == "283"
    assert rows["TPU v3"]["tdp_w"] == "450"
    status, out, _ = run(capsys, "data", "show", "pue", "--format", "csv")
    assert status == 0
    parsed = list(csv.DictReader(io.StringIO(out)))
    assert len(parsed) == 25 and all(r["source"] for r in parsed)


def test_show_unknown_table_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(capsys, "data", "show", "acelerators")
    assert status == 2 and out == ""
    assert err.count("\n") == 1
    assert "unknown table 'acelerators'; closest: accelerators" in err


def test_check_ok_and_bad(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    header = "key,who,aliases,scope,year,pue,source,license\n"
    good = tmp_path / "pue.csv"
    good.write_text(header + "ours,Our DC,,site,2024,1.3,meter,\n", encoding="utf-8")
    status, out, _ = run(capsys, "data", "check", str(good), "--table", "pue")
    assert status == 0 and out.startswith("ok, 1 rows")
    status, out, _ = run(capsys, "data", "check", str(good), "--table", "pue", "--format", "json")
    assert json.loads(out)["rows"] == 1

    bad = tmp_path / "bad.csv"
    bad.write_text(header + "ours,Our DC,,site,2024,7,meter,\n", encoding="utf-8")
    status, out, err = run(capsys, "data", "check", str(bad), "--table", "pue")
    assert status == 2 and out == ""
    assert err.count("\n") == 1
    assert f"{bad}: line 2, column 'pue': '7' is implausible" in err
    assert bad.read_text(encoding="utf-8").endswith("meter,\n")  # the user's file is untouched


def test_check_missing_table_option_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["data", "check", str(tmp_path / "x.csv")])
    assert info.value.code == 2
    assert "--table" in capsys.readouterr().err
