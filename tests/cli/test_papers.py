"""``mlfootprint papers`` end to end."""

from __future__ import annotations

import json

import pytest

from mlfootprint.cli.main import main

REQUIRED = {
    "strubell2019-t3-transformer-base",
    "strubell2019-t3-transformer-big",
    "strubell2019-t3-elmo",
    "strubell2019-t3-bert-base-gpu",
    "strubell2019-t3-nas-gpu",
    "patterson2021-t1-transformer-big-p100-us",
    "patterson2021-t1-transformer-big-p100-iowa",
    "patterson2021-t1-evolved-transformer-p100-iowa",
    "patterson2021-t1-transformer-big-tpuv2-iowa",
    "patterson2021-t1-evolved-transformer-tpuv2-iowa",
    "patterson2021-t4-nas",
    "patterson2021-t4-t5",
    "patterson2021-t4-meena",
    "patterson2021-t4-gshard",
    "patterson2021-t4-switch",
    "patterson2021-t4-gpt3",
    "patterson2021-appc-strubell-estimate",
    "patterson2021-appc-corrected",
    "patterson2021-appd-iowa",
}


def test_json_has_every_row_with_the_contract_keys(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["papers", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)["rows"]
    assert {r["id"] for r in rows} == REQUIRED
    for row in rows:
        assert {
            "id",
            "paper",
            "table",
            "model",
            "inputs",
            "published",
            "computed",
            "deviation_pct",
            "note",
        } <= set(row)
        assert set(row["published"]) == set(row["computed"]) == {"energy_kwh", "co2e_kg", "co2e_kg_net"}
        assert {"energy", "co2e"} <= set(row["deviation_pct"])
        for key, ok in row["agrees"].items():
            assert ok is not False or row["note"], f"{row['id']} {key} deviates without a note"


def test_gpt3_row(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["papers", "--paper", "patterson2021", "--format", "json"]) == 0
    rows = {r["id"]: r for r in json.loads(capsys.readouterr().out)["rows"]}
    assert not any(i.startswith("strubell") for i in rows)
    gpt3 = rows["patterson2021-t4-gpt3"]
    assert gpt3["published"]["energy_kwh"] == 1_287_000
    assert gpt3["computed"]["co2e_kg"] == pytest.approx(552_100, rel=0.01)
    assert abs(gpt3["deviation_pct"]["energy"]) < 1


def test_text_shows_tables_and_the_refinement_chain(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["papers"]) == 0
    out = capsys.readouterr().out
    assert "Strubell et al. 2019, Table 3" in out
    assert "Patterson et al. 2021, Table 1" in out and "Patterson et al. 2021, Table 4" in out
    chain = out[out.index("Appendix C/D") :]
    for published in ("284 t", "15.2 t", "3.2 t", "0.6 t"):
        assert published in chain
    assert "88x" in chain
    assert "1438 / 1,434 lbs" in out  # Strubell prints lbs


def test_markdown(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["papers", "--paper", "strubell2019", "--format", "markdown"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("| Paper | Table |")
    assert out.count("| strubell2019 |") == 5


def test_unknown_paper_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["papers", "--paper", "hinton2006"])
    assert info.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "hinton2006" in err[0]
