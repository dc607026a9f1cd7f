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
