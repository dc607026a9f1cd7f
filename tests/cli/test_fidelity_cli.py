"""``whatif`` years for baseline and target, ``data`` listing every shipped table, ``papers`` default."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mlfootprint.cli.main import main

BASELINE = ["whatif", "--hardware", "V100", "--count", "8", "--hours", "100", "--pue", "1.5"]


def test_whatif_to_year_the_table_lacks_falls_back_to_nearest(capsys: pytest.CaptureFixture[str]) -> None:
    argv = [*BASELINE, "--from-region", "FR", "--region", "gcp:europe-west1", "--to-year", "2016"]
    assert main([*argv, "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    map_factor = next(f for f in doc["factors"] if f["m"] == "map")
    text = json.dumps(map_factor)
    assert "2016 is not in the table" in text and "nearest year 2019" in text and "widened" in text


def test_whatif_year_applies_to_baseline_and_target(capsys: pytest.CaptureFixture[str]) -> None:
    argv = [*BASELINE, "--from-region", "FR", "--year", "2019", "--region", "DE", "--datacenter", "google"]
    assert main([*argv, "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    text = json.dumps(doc["factors"])
    assert "Germany 2019" in text and "Google 2019" in text
    # France 2019 (OWID/Ember): 59.8 g/kWh for the baseline
    assert doc["baseline"]["intensity_kg_per_kwh"] == pytest.approx(0.0598)
    assert main([*argv, "--to-year", "2022", "--format", "json"]) == 0
    text = json.dumps(json.loads(capsys.readouterr().out)["factors"])
    assert "Germany 2022" in text and "Google 2022" in text


def test_data_lists_and_shows_the_new_tables(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["data", "--format", "json"]) == 0
    tables = {t["name"]: t for t in json.loads(capsys.readouterr().out)["tables"]}
    assert {"places", "embodied", "calibration"} <= set(tables)
    assert any("HGX H100" in s for s in tables["embodied"]["sources"])
    assert any("Patterson" in s for s in tables["calibration"]["sources"])
    assert tables["places"]["rows"] >= 20
    assert main(["data"]) == 0
    out = capsys.readouterr().out
    assert all(f"\n{name} " in out for name in ("places", "embodied", "calibration"))
    for name, first in (("places", "Council Bluffs"), ("embodied", "A100"), ("calibration", "P21-T1-1")):
        assert main(["data", "show", name]) == 0
        assert first in capsys.readouterr().out
    assert main(["data", "show", "embodied", "--format", "csv"]) == 0
    assert "Luccioni" in capsys.readouterr().out


def test_data_check_of_a_new_table_names_the_missing_column(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = tmp_path / "embodied.csv"
    main(["data", "show", "embodied", "--format", "csv"])
    good.write_text(capsys.readouterr().out, encoding="utf-8")
    assert main(["data", "check", str(good), "--table", "embodied"]) == 0
    capsys.readouterr()
    bad = tmp_path / "bad.csv"
    bad.write_text("key,device_kg,source\nX,100,me\n", encoding="utf-8")
    assert main(["data", "check", str(bad), "--table", "embodied"]) == 2
    err = capsys.readouterr().err
    assert "missing column(s) families" in err and len(err.strip().splitlines()) == 1


def test_default_papers_output_includes_bloom_embodied(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["papers"]) == 0
    out = capsys.readouterr().out
    assert "Luccioni et al. 2022 (BLOOM)" in out
    total = next(line for line in out.splitlines() if line.strip().startswith("total"))
    assert total.split()[1] == "11.20"  # published: about 11.2 t embodied (Section 4.1)
    assert main(["papers", "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    bloom = doc["embodied"][0]
    assert bloom["published_co2e_kg"]["total"] == 11200.0  # Luccioni et al. 2022, Section 4.1
    assert bloom["computed_co2e_kg"]["total"] == pytest.approx(11200.0, rel=0.005)


def test_report_year_with_a_run_says_a_run_keeps_its_own_year(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", "someid", "--year", "2019"]) == 2
    err = capsys.readouterr().err
    assert "keeps the figures of its own year" in err and "MLFOOTPRINT_YEAR" in err
    assert len(err.strip().splitlines()) == 1
