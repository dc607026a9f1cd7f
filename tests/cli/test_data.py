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
    assert lines["accelerators"][1] == "78"
    assert lines["grid_intensity_country"][2] == "2019-2024"
    assert "CC BY 4.0 (OWID; Ember)" in out and "Apache-2.0" in out


def test_list_json(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "data", "--format", "json")
    assert status == 0
    tables = {t["name"]: t for t in json.loads(out)["tables"]}
    assert tables["pue"]["rows"] == 44
    assert tables["pue"]["years"] == [2007, 2025]
    assert any("Patterson" in s for s in tables["accelerators"]["sources"])


def test_show_text(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "data", "show", "accelerators")
    assert status == 0
    v100 = next(line.split() for line in out.splitlines() if line.startswith("V100 "))
    assert v100[:5] == ["V100", "gpu", "300", "325", "0.02"]
    assert "78 rows" in out


def test_show_json_and_csv(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "data", "show", "accelerators", "--format", "json")
    assert status == 0
    rows = {r["name"]: r for r in json.loads(out)["rows"]}
    assert rows["TPU v3"]["measured_avg_power_w"] == "283"
    assert rows["TPU v3"]["tdp_w"] == "450"
    status, out, _ = run(capsys, "data", "show", "pue", "--format", "csv")
    assert status == 0
    parsed = list(csv.DictReader(io.StringIO(out)))
    assert len(parsed) == 44 and all(r["source"] for r in parsed)


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


def test_papers_table_listed_and_shown(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "data", "--format", "json")
    assert status == 0
    tables = {t["name"]: t for t in json.loads(out)["tables"]}
    papers_csv = Path(tables["papers"]["path"])
    assert papers_csv.name == "papers.csv"
    with papers_csv.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert tables["papers"]["rows"] == len(rows) >= 19
    assert tables["papers"]["years"] == [2019, 2021]
    assert any("arXiv:1906.02243" in s for s in tables["papers"]["sources"])

    status, out, _ = run(capsys, "data", "show", "papers")
    assert status == 0
    line = next(x for x in out.splitlines() if x.startswith("patterson2021-t4-gpt3"))
    assert "V100" in line and "10000" in line  # GPT-3 in Patterson 2021 Table 4: 10,000 V100s

    status, out, _ = run(capsys, "data", "show", "papers", "--format", "csv")
    assert status == 0
    shown = list(csv.DictReader(io.StringIO(out)))
    assert [r["id"] for r in shown] == [r["id"] for r in rows]


def test_check_papers_table(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "data", "show", "papers", "--format", "csv")
    good = tmp_path / "papers.csv"
    good.write_text(out, encoding="utf-8")
    status, out, _ = run(capsys, "data", "check", str(good), "--table", "papers")
    assert status == 0 and "19 rows" in out
    lines = good.read_text(encoding="utf-8").splitlines()
    bad = tmp_path / "dup.csv"
    bad.write_text("\n".join([*lines, lines[1]]) + "\n", encoding="utf-8")
    status, _, err = run(capsys, "data", "check", str(bad), "--table", "papers")
    assert status == 2 and "duplicate" in err and err.count("\n") == 1
