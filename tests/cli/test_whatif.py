"""``mlfootprint whatif``: the Patterson 2021 Table 1 chain from its inputs, and bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from helpers.runfactory import build_run
from mlfootprint.cli.main import main

# Patterson et al. 2021 (arXiv:2104.10350) Table 1 and its text, as printed.
TABLE1_ARGS = [
    "whatif", "--hardware", "P100", "--count", "8", "--days", "3.5", "--power-w", "296",
    "--pue", "1.59", "--intensity", "0.429",
    "--model-time-factor", str(3.2 / 3.5), "--model-power-w", "271",
    "--machine", "TPU v2", "--speedup", str(3.2 / 0.62), "--machine-power-w", "227",
    "--to-pue", "1.11", "--to-intensity", "0.478", "--to-net-intensity", "0.080",
]  # fmt: skip


def test_table1_chain_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*TABLE1_ARGS, "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["baseline"]["energy_kwh"] == pytest.approx(316, rel=0.01)
    assert doc["baseline"]["co2e_kg"] == pytest.approx(135.7, rel=0.01)
    f = {x["m"]: x for x in doc["factors"]}
    assert f["machine"]["energy_reduction_x"] == pytest.approx(6.2, rel=0.02)
    assert f["machine"]["from"] == "P100" and "TPU v2" in f["machine"]["to"]
    assert f["mechanization"]["energy_reduction_x"] == pytest.approx(1.4, rel=0.03)
    assert f["map"]["co2e_net_reduction_x"] == pytest.approx(5.4, rel=0.02)
    assert doc["combined_co2e_net_reduction_x"] == pytest.approx(57, rel=0.02)
    assert doc["result"]["co2e_kg_net"] == pytest.approx(2.4, rel=0.03)
    assert all(x["reasoning"] for x in doc["factors"])


def test_table1_chain_text(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(TABLE1_ARGS) == 0
    out = capsys.readouterr().out
    assert "56.5x less net" in out
    assert "perf/W 6.16x" in out
    assert "PUE 1.59 -> 1.11" in out


def test_waterfall_plot_written(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("matplotlib")
    assert main([*TABLE1_ARGS, "--plot", str(tmp_path / "w.png")]) == 0
    assert (tmp_path / "w.png").read_bytes()[:4] == b"\x89PNG"


def test_from_stored_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from mlfootprint.store import open_store

    url = f"sqlite:///{tmp_path / 'r.sqlite3'}"
    store = open_store(url)
    store.save(build_run("runabc123", gpus=2, gpu_w=250, cpu_w=60, pue=1.5, intensity_g_per_kwh=400))
    store.close()
    args = [
        "whatif",
        "runabc123",
        "--db",
        url,
        "--to-pue",
        "1.1",
        "--to-intensity",
        "0.1",
        "--format",
        "json",
    ]
    assert main(args) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["baseline"]["device_power_w"] == pytest.approx(250)
    assert doc["baseline"]["host_power_w"] == pytest.approx(60)
    assert doc["combined_energy_factor"] == pytest.approx(1.1 / 1.5)
    assert doc["combined_co2e_factor"] == pytest.approx(1.1 / 1.5 * 100 / 400)


@pytest.mark.parametrize(
    ("extra", "needle"),
    [
        (["--machine", "P100x"], "unknown"),
        (["--to-pue", "-1"], "--to-pue"),
        ([], "at least one change"),
        (["--speedup", "2"], "--machine"),
        (["--sparse-active-frac", "2"], "--sparse-active-frac"),
    ],
)
def test_bad_input_is_one_line_exit_2(
    extra: list[str], needle: str, capsys: pytest.CaptureFixture[str]
) -> None:
    base = [
        "whatif",
        "--hardware",
        "P100",
        "--count",
        "8",
        "--days",
        "3.5",
        "--pue",
        "1.59",
        "--intensity",
        "0.4",
    ]
    with pytest.raises(SystemExit) as exc:  # argparse errors exit via SystemExit
        raise SystemExit(main([*base, *extra]))
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert needle in err
    assert err.count("\n") == 1 and "Traceback" not in err


# --- Map by time shifting (--when) ---------------------------------------------------------------

# One device at 100 W for 2 h, PUE 1, so the baseline is 0.2 kWh; the grid intensity of the baseline is
# 0.5 kg/kWh and its net intensity 0.25 kg/kWh (50 % carbon-free energy).
WHEN_BASE = [
    "whatif", "--power-w", "100", "--hours", "2", "--pue", "1", "--intensity", "0.5", "--cfe-pct", "50",
]  # fmt: skip


def _series_file(tmp_path: Path) -> Path:
    """A day of hourly intensity for zone ZZ: 400 g/kWh until 06:00, 100 until 12:00, then 300."""
    lines = ["datetime_utc,ZZ"]
    for hour in range(24):
        value = 400 if hour < 6 else 100 if hour < 12 else 300
        lines.append(f"2022-03-01T{hour:02d}:00:00Z,{value}")
    path = tmp_path / "zz.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_when_uses_best_window_of_the_series(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import hashlib

    series = _series_file(tmp_path)
    args = [*WHEN_BASE, "--when", "--zone", "ZZ", "--arrival", "2022-03-01T00:00Z", "--slack", "10h"]
    assert main([*args, "--series", str(series), "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    (factor,) = doc["factors"]
    assert factor["m"] == "map"
    # Started now: 2 h at 400 g/kWh; best window (06:00-08:00): 2 h at 100 g/kWh; ratio 1/4.
    assert factor["co2e_factor"] == pytest.approx(0.25)
    assert factor["co2e_net_factor"] == pytest.approx(0.25)
    assert factor["energy_factor"] == pytest.approx(1.0)
    assert doc["result"]["co2e_kg"] == pytest.approx(0.2 * 0.5 * 0.25)
    assert doc["result"]["co2e_kg_net"] == pytest.approx(0.2 * 0.25 * 0.25)
    detail = factor["detail"]
    assert detail["zone"] == "ZZ"
    assert detail["series_source"] == "zz.csv"
    assert detail["series_sha256"] == hashlib.sha256(series.read_bytes()).hexdigest()
    assert detail["arrival"].startswith("2022-03-01T00:00")
    assert detail["start"].startswith("2022-03-01T06:00")
    assert "ZZ" in factor["reasoning"] and "06:00" in factor["reasoning"]


def test_when_with_deadline_and_text(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    series = str(_series_file(tmp_path))
    # Deadline 07:00 leaves starts 00:00 .. 05:00; the best is 05:00 (1 h at 400, 1 h at 100): 250 / 400.
    args = ["--when", "--zone", "ZZ", "--arrival", "2022-03-01T00:00Z", "--deadline", "2022-03-01T07:00Z"]
    assert main([*WHEN_BASE, *args, "--series", series, "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["factors"][0]["co2e_factor"] == pytest.approx(250 / 400)
    assert main([*WHEN_BASE, *args, "--series", series]) == 0
    out = capsys.readouterr().out
    assert "map" in out and "1.6x less" in out and "time shift in ZZ" in out


def test_when_defaults_to_the_shipped_series(capsys: pytest.CaptureFixture[str]) -> None:
    import csv
    from datetime import datetime

    from mlfootprint.intensity.embedded import embedded_path

    args = ["--when", "--zone", "DE", "--arrival", "2022-06-01T00:00Z", "--slack", "12h", "--format", "json"]
    assert main([*WHEN_BASE, *args]) == 0
    doc = json.loads(capsys.readouterr().out)
    factor = doc["factors"][0]
    # Independent check: the mean of DE's hourly values over the 2 h from each candidate start.
    with embedded_path().open(encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh) if r["datetime_utc"].startswith("2022-06-01")]
    values = [float(r["DE"]) for r in rows]
    now = (values[0] + values[1]) / 2
    best_hour = min(range(13), key=lambda h: (values[h] + values[h + 1]) / 2)
    best = (values[best_hour] + values[best_hour + 1]) / 2
    assert factor["co2e_factor"] == pytest.approx(best / now)
    start = datetime.fromisoformat(factor["detail"]["start"])
    assert start.hour == best_hour
    assert factor["detail"]["series_source"].endswith(".csv") and len(factor["detail"]["series_sha256"]) == 64


@pytest.mark.parametrize(
    ("extra", "needle"),
    [
        (["--when", "--zone", "ZZ"], "--arrival"),
        (["--zone", "DE", "--arrival", "2022-06-01T00:00Z", "--slack", "1h"], "--when"),
        (["--when", "--region", "DE", "--zone", "DE"], "--region"),
        (["--when", "--zone", "Atlantis", "--arrival", "2022-06-01T00:00Z", "--slack", "1h"], "Atlantis"),
        (["--when", "--zone", "DE", "--arrival", "2030-06-01T00:00Z", "--slack", "1h"], "2030"),
        (["--when", "--zone", "DE", "--arrival", "yesterday", "--slack", "1h"], "yesterday"),
    ],
)
def test_when_bad_input_is_one_line_exit_2(
    extra: list[str], needle: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exc:
        raise SystemExit(main([*WHEN_BASE, *extra]))
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert needle in err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_stored_run_and_baseline_options_conflict(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        raise SystemExit(main(["whatif", "run1", "--power-w", "100", "--to-pue", "1.1"]))
    assert exc.value.code == 2
    assert "--power-w" in capsys.readouterr().err
