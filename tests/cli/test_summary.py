"""``mlfootprint summary`` and ``export`` over a real SQLite ledger."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta
from pathlib import Path

import pytest

from helpers.runfactory import T0, build_run
from mlfootprint.cli.main import main


@pytest.fixture
def ledger(tmp_path: Path) -> str:
    from mlfootprint.store import open_store

    url = f"sqlite:///{tmp_path / 'runs.sqlite3'}"
    store = open_store(url)
    store.save(build_run("sum000001", name="final", tags={"stage": "model"}, gpus=1, duration_s=3600))
    for i in range(3):
        store.save(
            build_run(f"sum00001{i}", name=f"lr-{i}", tags={"stage": "tuning"}, gpus=2, duration_s=1800,
                      started_at=T0 + timedelta(days=1, hours=i))
        )  # fmt: skip
    store.save(build_run("sum000099", project="other", gpus=4, duration_s=3600))
    store.close()
    return url


def test_summary_by_tag_totals_equal_sum_of_runs(ledger: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["summary", "--project", "nmt", "--by", "tag:stage", "--db", ledger, "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    groups = {g["group"]: g for g in doc["groups"]}
    assert groups["model"]["runs"] == 1 and groups["tuning"]["runs"] == 3
    assert groups["tuning"]["device_hours"] == pytest.approx(3.0)
    total = doc["total"]
    assert total["runs"] == 4
    expected_kwh = sum(
        r.energy_j / 3.6e6
        for r in [build_run(gpus=1, duration_s=3600)] + [build_run(gpus=2, duration_s=1800)] * 3
    )
    assert total["energy_kwh"] == pytest.approx(expected_kwh)
    assert total["co2e_kg"] == pytest.approx(groups["model"]["co2e_kg"] + groups["tuning"]["co2e_kg"])
    for t in [*doc["groups"], total]:
        assert t["energy_kwh_low"] <= t["energy_kwh"] <= t["energy_kwh_high"]
        assert t["co2e_kg_low"] <= t["co2e_kg"] <= t["co2e_kg_high"]


def test_summary_text_with_cost(ledger: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["summary", "--by", "project", "--db", ledger, "--price-per-device-hour", "2"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0].split()[:2] == ["group", "runs"]
    assert any(line.startswith("nmt") and line.rstrip().endswith("8.00") for line in lines)  # 4 GPU-h x 2
    assert any(line.startswith("total") and line.rstrip().endswith("16.00") for line in lines)
    assert "currency" in out


def test_export_csv_and_json(ledger: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "runs.csv"
    assert (
        main(["export", "--project", "nmt", "--db", ledger, "--out", str(out), "--price-per-kwh", "0.25"])
        == 0
    )
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    assert len(rows) == 4
    assert {r["tag:stage"] for r in rows} == {"model", "tuning"}
    for r in rows:
        assert float(r["cost"]) == pytest.approx(0.25 * float(r["energy_kwh"]))
    assert main(["export", "--db", ledger, "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert len(doc["runs"]) == 5


def test_bad_by_is_exit_2(ledger: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["summary", "--by", "colour", "--db", ledger]) == 2
    err = capsys.readouterr().err
    assert "'colour'" in err and "tag:KEY" in err


@pytest.mark.parametrize("suffix", [".png", ".svg"])
def test_summary_plot_written(
    ledger: str, tmp_path: Path, suffix: str, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("matplotlib")
    out = tmp_path / f"project{suffix}"
    assert main(["summary", "--project", "nmt", "--db", ledger, "--plot", str(out)]) == 0
    data = out.read_bytes()
    assert len(data) > 1000
    if suffix == ".png":
        assert data[:4] == b"\x89PNG"
    else:
        assert b"<svg" in data and b"CO2e" in data
    assert "total" in capsys.readouterr().out


def test_summary_plot_bad_suffix(ledger: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["summary", "--db", ledger, "--plot", str(tmp_path / "p.txt")]) == 2
    assert "--plot" in capsys.readouterr().err
