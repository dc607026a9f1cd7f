"""``mlfootprint report``: every format from a run in a real SQLite ledger, and from an estimate."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from helpers.runfactory import build_run, build_samples
from mlfootprint.cli.main import main


@pytest.fixture
def ledger(tmp_path: Path) -> str:
    from mlfootprint.store import open_store

    url = f"sqlite:///{tmp_path / 'runs.sqlite3'}"
    store = open_store(url)
    run = build_run("rep000001", name="resnet_50 100%")
    store.save(run, build_samples(run))
    store.close()
    return url


def test_markdown_to_stdout(ledger: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", "rep000001", "--db", ledger]) == 0
    out = capsys.readouterr().out
    assert out.startswith("# Carbon statement for run resnet_50 100%")
    assert "| PUE | 1.5 | Uptime Institute 2023 survey average |" in out
    assert "## Reference data used" in out  # versions of the shipped tables


def test_db_from_environment(
    ledger: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("MLFOOTPRINT_DB", ledger)
    assert main(["report", "rep000001", "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["energy_kwh"] == pytest.approx(0.84)
    assert doc["run"]["id"] == "rep000001"
    assert {t["name"] for t in doc["tables"]} >= {"accelerators"}


def test_latex_to_file(ledger: str, tmp_path: Path) -> None:
    out = tmp_path / "carbon.tex"
    assert main(["report", "rep000001", "--db", ledger, "--format", "latex", "--out", str(out)]) == 0
    tex = out.read_text()
    assert tex.count("\\begin{tabular}") == tex.count("\\end{tabular}") == 1
    assert r"resnet\_50 100\%" in tex


def test_html_embeds_plots_and_nothing_external(ledger: str, tmp_path: Path) -> None:
    out = tmp_path / "r.html"
    assert main(["report", "rep000001", "--db", ledger, "--format", "html", "--out", str(out)]) == 0
    page = out.read_text()
    figures = re.findall(r"<figure><svg .*?</svg><figcaption>(.*?)</figcaption></figure>", page, re.S)
    assert figures == [
        "Power per component over time",
        "Cumulative energy per component",
        "Grid carbon intensity during the run",
    ]
    assert "power (W)" in page and "cumulative IT energy (Wh)" in page and "<polyline" in page
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page)


def test_plots_dir(ledger: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("matplotlib")
    plots = tmp_path / "plots"
    assert main(["report", "rep000001", "--db", ledger, "--plots", str(plots)]) == 0
    names = sorted(p.name for p in plots.iterdir())
    assert names == [f"rep000001-{k}.{e}" for k in ("energy", "intensity", "power") for e in ("png", "svg")]
    assert "![Power per component over time](" in capsys.readouterr().out


def test_estimate_report(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["report", "--estimate", "--hardware", "V100", "--count", "8", "--hours", "24", "--power-w", "300"]
    assert main([*args, "--pue", "1.1", "--intensity", "0.4", "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    # 8 x 24 h x 300 W x 1.1 = 63.36 kWh; x 0.4 = 25.344 kg
    assert doc["energy_kwh"] == pytest.approx(63.36)
    assert doc["co2e_kg"] == pytest.approx(25.344)
    assert doc["kind"] == "estimate"


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["report", "nosuchrun"], "nosuchrun"),
        (["report"], "RUN or --estimate"),
        (["report", "rep000001", "--format", "pdf"], "pdf"),
    ],
)
def test_bad_input_exit_2(
    ledger: str, args: list[str], needle: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exc:
        raise SystemExit(main([*args, "--db", ledger]))
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert needle in err and err.count("\n") == 1


def test_estimate_options_need_estimate_flag(ledger: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", "rep000001", "--hours", "3", "--db", ledger]) == 2
    err = capsys.readouterr().err
    assert "--hours" in err and "--estimate" in err and err.count("\n") == 1
