"""``mlfootprint estimate`` end to end: formats and bad input."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from mlfootprint.cli.main import main

GPT3 = ["estimate", "--hardware", "V100", "--count", "10000", "--days", "14.8", "--power-w", "330"]
GPT3 += ["--pue", "1.1", "--intensity", "0.429"]


def test_json_reproduces_gpt3(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*GPT3, "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["energy_kwh"] == pytest.approx(1_287_000, rel=0.01)
    assert doc["co2e_kg"] == pytest.approx(552_000, rel=0.01)
    for key in ("energy_kwh_low", "energy_kwh_high", "co2e_kg_low", "co2e_kg_high", "inputs", "assumptions"):
        assert key in doc
    assert doc["co2e_kg_low"] < doc["co2e_kg"] < doc["co2e_kg_high"]
    assert doc["co2e_kg_net"] is None
    assert doc["inputs"]["hardware"] == "V100"
    assert {a["name"] for a in doc["assumptions"]} >= {"power_w", "pue", "intensity"}
    assert all(set(a) == {"name", "value", "unit", "source"} for a in doc["assumptions"])


def test_text_says_how_each_number_was_obtained(capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main(["estimate", "--hardware", "V100", "--count", "8", "--hours", "10", "--intensity", "0.4"]) == 0
    )
    out = capsys.readouterr().out
    assert "kWh" in out and "range" in out
    assert "published measured average" in out and "Patterson" in out  # power default and its source
    assert "default" in out and "Uptime" in out  # PUE default and its source
    assert "given by the user (--intensity)" in out


def test_region_gives_net_beside_gross(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["estimate", "--power-w", "300", "--count", "8", "--hours", "10", "--pue", "1.1"]
    assert main([*args, "--region", "us-central1", "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["cfe_pct"] is not None
    assert doc["co2e_kg_net"] == pytest.approx(doc["co2e_kg"] * (1 - doc["cfe_pct"] / 100))
    assert main([*args, "--region", "us-central1"]) == 0
    assert "CO2e net" in capsys.readouterr().out


def test_markdown_and_latex_tables(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*GPT3, "--format", "markdown"]) == 0
    md = capsys.readouterr().out
    assert md.startswith("| Quantity | Value | Source |")
    assert "| Energy | 1,289 MWh" in md
    assert main([*GPT3, "--format", "latex", "--cfe-pct", "10"]) == 0
    tex = capsys.readouterr().out
    assert tex.startswith(r"\begin{tabular}") and tex.rstrip().endswith(r"\end{tabular}")
    assert r"10 \% carbon-free" in tex
    body = tex.replace("\\%", "").replace("\\_", "")
    assert "%" not in body and "_" not in body  # everything escaped


BASE = ["estimate", "--power-w", "300", "--pue", "1.1", "--intensity", "0.4"]


@pytest.mark.parametrize(
    ("args", "named"),
    [
        ([*BASE, "--hours", "0"], "--hours"),
        ([*BASE, "--hours", "-2"], "-2"),
        ([*BASE, "--hours", "nan"], "nan"),
        ([*BASE, "--hours", "1e9"], "--hours"),
        ([*BASE, "--days", "abc"], "abc"),
        ([*BASE, "--hours", "1", "--days", "1"], "--days"),
        ([*BASE], "--hours, --days or --device-hours"),
        ([*BASE, "--hours", "1", "--count", "0"], "--count"),
        ([*BASE, "--hours", "1", "--count", "-3"], "-3"),
        ([*BASE, "--hours", "1", "--count", "2.5"], "2.5"),
        (["estimate", "--power-w", "0", "--pue", "1.1", "--intensity", "0.4", "--hours", "1"], "--power-w"),
        (["estimate", "--power-w", "-10", "--pue", "1.1", "--intensity", "0.4", "--hours", "1"], "--power-w"),
        (["estimate", "--power-w", "1e6", "--pue", "1.1", "--intensity", "0.4", "--hours", "1"], "--power-w"),
        (["estimate", "--power-w", "300", "--pue", "0.8", "--intensity", "0.4", "--hours", "1"], "--pue"),
        ([*BASE, "--hours", "1", "--datacenter", "google"], "--datacenter"),
        ([*BASE, "--hours", "1", "--region", "DEU"], "--region"),
        (
            ["estimate", "--power-w", "300", "--pue", "1.1", "--hours", "1"],
            "--region or --intensity is required",
        ),
        (["estimate", "--power-w", "300", "--pue", "1.1", "--intensity", "5", "--hours", "1"], "--intensity"),
        ([*BASE, "--hours", "1", "--cfe-pct", "150"], "--cfe-pct"),
        ([*BASE, "--hours", "1", "--format", "pdf"], "pdf"),
        (["estimate", "--hardware", "V1000", "--pue", "1.1", "--intensity", "0.4", "--hours", "1"], "V1000"),
        (["estimate", "--pue", "1.1", "--intensity", "0.4", "--hours", "1"], "--hardware or --power-w"),
        (
            ["estimate", "--power-w", "300", "--pue", "1.1", "--region", "Atlantis", "--hours", "1"],
            "Atlantis",
        ),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    args: list[str], named: str, capsys: pytest.CaptureFixture[str]
) -> None:
    try:
        status = main(args)
    except SystemExit as exc:  # argparse errors exit through the parser
        status = int(exc.code or 0)
    captured = capsys.readouterr()
    assert status == 2
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, captured.err
    assert named in lines[0]
    assert "Traceback" not in captured.err


def test_unknown_hardware_lists_closest_names(capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main(["estimate", "--hardware", "V1000", "--pue", "1.1", "--intensity", "0.4", "--hours", "1"]) == 2
    )
    err = capsys.readouterr().err
    assert "closest:" in err and "V100" in err


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex not installed")
def test_latex_compiles(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main(
            [
                "estimate",
                "--hardware",
                "V100",
                "--count",
                "8",
                "--hours",
                "3",
                "--region",
                "DEU",
                "--format",
                "latex",
            ]
        )
        == 0
    )
    table = capsys.readouterr().out
    assert "-{}-pue" in table  # option names are not turned into dashes
    doc = tmp_path / "t.tex"
    doc.write_text(
        "\\documentclass{article}\\begin{document}\n" + table + "\n\\end{document}\n", encoding="utf-8"
    )
    done = subprocess.run(
        ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", doc.name],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-2000:]
    assert (tmp_path / "t.pdf").stat().st_size > 0
