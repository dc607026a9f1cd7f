"""Human output people can scan: compact summaries fit 100 columns, and no view prints e+/e- notation."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from helpers.runfactory import build_run
from mlfootprint import fmt
from mlfootprint.cli.main import main
from mlfootprint.store import open_store
from mlfootprint.tracking.summary import COMPACT_WIDTH, format_summary

SCIENTIFIC = re.compile(r"\de[+-]?\d")
T0 = datetime(2024, 5, 1, 8, 0, tzinfo=timezone.utc)

TINY = build_run(  # 0.3 s on a 1 mW CPU estimate: micro-watt-hours and micrograms
    "01HX0TINY0000000000RANDOM1", gpus=0, cpu_w=0.001, duration_s=0.3, started_at=T0
)
HUGE = build_run(  # a month on 4096 GPUs: gigawatt-hours and kilotonnes
    "01HX0HUGE0000000000RANDOM2", gpus=4096, gpu_w=400.0, duration_s=30 * 86400.0,
    started_at=T0 + timedelta(hours=1), intensity_g_per_kwh=700.0,
)  # fmt: skip


@pytest.fixture
def db(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'runs.sqlite3'}"
    with open_store(url) as store:
        store.save(TINY)
        store.save(HUGE)
    return url


@pytest.mark.parametrize("run", [TINY, HUGE], ids=["tiny", "huge"])
def test_the_compact_summary_fits_eight_lines_of_100_columns(run) -> None:  # type: ignore[no-untyped-def]
    text = format_summary(run, db_url="sqlite:////a/very/long/path/" + "x" * 120, verbose=False)
    lines = text.splitlines()
    assert len(lines) <= 8
    assert max(len(line) for line in lines) <= COMPACT_WIDTH
    assert not SCIENTIFIC.search(text)
    assert "energy" in lines[1] and "[" in lines[1] and "CO2e" in lines[2] and "[" in lines[2]
    assert any(line.lstrip().startswith("PUE") for line in lines)
    assert any(line.lstrip().startswith("grid") for line in lines)
    assert "\033[" not in text  # no colour unless asked for
    verbose = format_summary(run, verbose=True)
    assert run.components[0].source in verbose and not SCIENTIFIC.search(verbose)  # the full provenance


def test_colour_only_when_asked() -> None:
    assert "\033[1m" in format_summary(TINY, verbose=False, color=True)


def test_the_one_formatter_picks_prefixes_and_never_uses_e_notation() -> None:
    assert fmt.energy(TINY.energy_j).endswith("µWh")
    assert fmt.energy(HUGE.energy_j).endswith("GWh")
    assert fmt.mass(HUGE.co2e_g).endswith("kt")
    assert fmt.energy(1.51e3) == "419 mWh"  # 1,510 J
    assert fmt.mass(7.88e-5) == "78.8 µg"
    assert (
        fmt.duration(25.0) == "25 s"
        and fmt.duration(5400.0) == "1.5 h"
        and fmt.duration(14.8 * 86400) == "14.8 d"
    )
    assert fmt.ratio_text(1.0) == "no change" and fmt.ratio_text(0.8) == "1.25x less"
    assert fmt.ratio_text(1.11) == "1.11x more"
    for value in (1e-12, 3.3e-7, 6.147e-05, 0.5, 999.96, 1.289e6, 4.6e12):
        for text in (fmt.number(value), fmt.energy(value), fmt.mass(value), fmt.power(value)):
            assert not SCIENTIFIC.search(text), text


@pytest.mark.parametrize(
    "argv",
    [
        ["runs", "list"],
        ["runs", "show", "last"],
        ["runs", "show", "last~1"],
        ["report", "last", "--format", "markdown"],
        ["report", "last~1", "--format", "markdown"],
        ["report", "last", "--format", "latex"],
        ["summary"],
        ["whatif", "last", "--to-region", "FR"],
        ["whatif", "last~1", "--to-pue", "1.1"],
        [
            "estimate",
            "--hardware",
            "V100",
            "--count",
            "1",
            "--hours",
            "0.001",
            "--pue",
            "1.1",
            "--intensity",
            "0.4",
        ],
        [
            "estimate",
            "--hardware",
            "V100",
            "--count",
            "100000",
            "--days",
            "300",
            "--pue",
            "1.1",
            "--intensity",
            "0.9",
        ],
    ],
)
def test_no_human_view_prints_scientific_notation(
    db: str, argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    extra = ["--db", db] if argv[0] in ("runs", "report", "summary", "whatif") else []
    assert main([*argv, *extra]) == 0
    captured = capsys.readouterr()
    out = captured.out + captured.err
    assert out.strip()
    assert not SCIENTIFIC.search(out), SCIENTIFIC.search(out)
