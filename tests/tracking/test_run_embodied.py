"""Embodied carbon of tracked runs (stored, shown, reported, summed) and the year of a run's factors."""

from __future__ import annotations

import json
import warnings
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from mlfootprint.cli.main import main
from mlfootprint.embodied_run import embodied_of_run, run_embodied
from mlfootprint.errors import ConfigError, InvalidValueError
from mlfootprint.records import ComponentEnergy, RunRecord
from mlfootprint.store import SQLStore, open_store
from mlfootprint.testing import FakeClock, FakeMeter
from mlfootprint.tracking.entry import track
from mlfootprint.tracking.options import TrackerOptions

# Luccioni et al. 2022, Section 4.1: 150 kg per A100, 2,500 kg per 8-GPU node, 6 years at 85 % use.
A100_KG_PER_DEVICE = 150.0 + 2500.0 / 8
# NVIDIA HGX H100 Product Carbon Footprint summary: 164 kg per GPU share, same server share.
H100_KG_PER_DEVICE = 164.0 + 2500.0 / 8
LIFE_DEVICE_HOURS = 6 * 8760 * 0.85  # 44,676 h


@pytest.fixture
def db(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'runs.sqlite3'}"


@pytest.fixture
def store(db: str, clock: FakeClock) -> Iterator[SQLStore]:
    s = open_store(db, clock=clock)
    yield s
    s.close()


def gpu(clock: FakeClock, index: int, board: str) -> FakeMeter:
    return FakeMeter(
        clock,
        meter_id=f"nvml:{index}",
        component="gpu",
        method="counter",
        power_w=300.0,
        source=f"NVML total-energy counter ({board})",
    )


def cpu(clock: FakeClock) -> FakeMeter:
    return FakeMeter(
        clock, meter_id="rapl", component="cpu", method="counter", power_w=50.0, source="RAPL package"
    )


def tracked(
    store: SQLStore, clock: FakeClock, meters: list[FakeMeter], hours: float, **kw: object
) -> RunRecord:
    with track(
        project="p", name="n", region="FR", pue=1.1, meters=meters, clock=clock, store=store, **kw
    ) as run:  # type: ignore[arg-type]
        clock.advance(hours * 3600.0)
    assert run.result is not None
    return run.result


def test_tracked_run_stores_embodied_of_its_gpus_beside_operational(
    clock: FakeClock, store: SQLStore
) -> None:
    meters = [gpu(clock, 0, "NVIDIA A100-SXM4-40GB"), gpu(clock, 1, "NVIDIA A100-SXM4-40GB"), cpu(clock)]
    result = tracked(store, clock, meters, hours=1.0)
    stored = store.get_run(result.id)
    e = stored.extra["embodied"]
    assert isinstance(e, dict)
    assert e["device_hours"] == pytest.approx(2.0)
    # 2 device-hours / 44,676 h x 462.5 kg = 0.0207 kg
    assert e["co2e_kg"] == pytest.approx(0.0207046, rel=1e-4)
    assert e["co2e_kg"] == pytest.approx(2.0 / LIFE_DEVICE_HOURS * A100_KG_PER_DEVICE)
    assert e["co2e_kg_low"] < e["co2e_kg"] < e["co2e_kg_high"]
    assert e["devices"] == [
        {
            "board": "NVIDIA A100-SXM4-40GB",
            "count": 2,
            "factor": "A100",
            "matched": e["devices"][0]["matched"],
        }
    ]
    # operational CO2e is facility energy x intensity only: embodied is never added into it
    it_kwh = (2 * 300.0 + 50.0) * 3600.0 / 3.6e6
    assert stored.co2e_g == pytest.approx(it_kwh * 1.1 * stored.intensity_g_per_kwh)


def test_mixed_boards_and_unknown_board_take_their_rows(clock: FakeClock, store: SQLStore) -> None:
    meters = [gpu(clock, 0, "NVIDIA H100 80GB HBM3"), gpu(clock, 1, "Mystery Accelerator 9000")]
    e = tracked(store, clock, meters, hours=10.0).extra["embodied"]
    assert isinstance(e, dict)
    factors = {d["board"]: d["factor"] for d in e["devices"]}
    assert factors == {"NVIDIA H100 80GB HBM3": "H100", "Mystery Accelerator 9000": "default"}
    unknown = next(d for d in e["devices"] if d["factor"] == "default")
    assert "not in the accelerator table" in unknown["matched"]
    # the default row has the A100 figures with a wider range (x0.33 to x3)
    assert e["co2e_kg"] == pytest.approx(10.0 / LIFE_DEVICE_HOURS * (H100_KG_PER_DEVICE + A100_KG_PER_DEVICE))


def test_cpu_only_run_has_no_embodied_figure_and_says_why(clock: FakeClock, store: SQLStore) -> None:
    e = tracked(store, clock, [cpu(clock)], hours=1.0).extra["embodied"]
    assert isinstance(e, dict)
    assert e["co2e_kg"] is None and "no accelerator" in str(e["reason"])


def test_record_without_stored_figure_is_computed_and_marked(clock: FakeClock, store: SQLStore) -> None:
    result = tracked(store, clock, [gpu(clock, 0, "Tesla V100-SXM2-32GB")], hours=3.0)
    old = replace(result, extra={k: v for k, v in result.extra.items() if k != "embodied"})
    e = embodied_of_run(old)
    assert "computed" in e["obtained"]
    assert e["co2e_kg"] == pytest.approx(3.0 / LIFE_DEVICE_HOURS * A100_KG_PER_DEVICE)  # V100: default row
    assert embodied_of_run(result)["obtained"] == "stored with the run"


def test_embodied_of_components_rejects_nothing_and_counts_each_gpu() -> None:
    parts = [
        ComponentEnergy(
            meter_id=f"nvml:{i}",
            component="gpu",
            source="amdsmi energy counter (AMD Instinct MI250X)",
            method="counter",
            is_estimate=False,
            energy_j=1.0,
            energy_j_low=1.0,
            energy_j_high=1.0,
        )
        for i in range(4)
    ]
    e = run_embodied(parts, 7200.0)
    assert e["device_hours"] == pytest.approx(8.0)
    assert e["devices"][0]["count"] == 4


def test_runs_show_report_and_summary_show_embodied(
    clock: FakeClock, store: SQLStore, db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    result = tracked(store, clock, [gpu(clock, 0, "NVIDIA A100-SXM4-40GB")], hours=100.0)
    tracked(store, clock, [cpu(clock)], hours=1.0)
    expected_kg = 100.0 / LIFE_DEVICE_HOURS * A100_KG_PER_DEVICE  # 1.035 kg
    assert expected_kg == pytest.approx(1.0352, rel=1e-3)

    assert main(["runs", "show", result.id, "--db", db]) == 0
    out = capsys.readouterr().out
    line = next(x for x in out.splitlines() if x.startswith("Embodied"))
    assert "not in the emissions above" in line and "1.04 kg" in line and "100 device-hours" in line

    assert main(["report", result.id, "--db", db, "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["embodied"]["co2e_kg"] == pytest.approx(expected_kg)
    assert doc["co2e_kg"] == pytest.approx(result.co2e_g / 1000)  # gross stays operational only
    fact = next(f for f in doc["facts"] if f["label"].startswith("CO2e (embodied"))
    assert "device-hours" in fact["value"] and " to " in fact["value"]

    for fmt in ("markdown", "latex", "html"):
        assert main(["report", result.id, "--db", db, "--format", fmt]) == 0
        text = capsys.readouterr().out
        assert "CO2e (embodied, manufacturing share; not included above)" in text, fmt
        assert "1.04 kg" in text, fmt

    assert main(["summary", "--db", db]) == 0
    out = capsys.readouterr().out
    line = next(x for x in out.splitlines() if x.startswith("embodied CO2e"))
    assert "1.04 kg" in line and "1 runs measured no accelerator" in line
    assert main(["summary", "--db", db, "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["embodied"]["co2e_kg"] == pytest.approx(expected_kg)
    assert doc["embodied"]["runs_without_embodied"] == 1
    assert doc["embodied"]["co2e_kg_low"] < expected_kg < doc["embodied"]["co2e_kg_high"]


# ------------------------------------------------------------------------------------------ years


def test_year_option_uses_that_years_figures(clock: FakeClock, store: SQLStore) -> None:
    result = tracked(store, clock, [cpu(clock)], hours=1.0, year=2019)
    assert result.intensity_g_per_kwh == pytest.approx(59.8)  # OWID/Ember France 2019
    assert "France 2019" in result.intensity_source and "not in the table" not in result.intensity_source
    years = [a for a in result.assumptions if a.name == "factor_year"]
    assert years and years[0].value == 2019 and years[0].source == "given as an argument"


def test_year_the_table_lacks_falls_back_stated_and_widened(clock: FakeClock, store: SQLStore) -> None:
    exact = tracked(store, clock, [cpu(clock)], hours=1.0, year=2019)
    fell = tracked(store, clock, [cpu(clock)], hours=1.0, year=2016)
    assert fell.intensity_g_per_kwh == pytest.approx(59.8)  # nearest year: 2019
    assert (
        "2016 is not in the table" in fell.intensity_source and "nearest year 2019" in fell.intensity_source
    )
    assert fell.co2e_g == pytest.approx(exact.co2e_g)
    assert fell.co2e_g_high / fell.co2e_g > exact.co2e_g_high / exact.co2e_g
    assert fell.co2e_g_low / fell.co2e_g < exact.co2e_g_low / exact.co2e_g


def test_year_from_environment_and_default_is_the_run_year(clock: FakeClock, store: SQLStore) -> None:
    with track(
        region="FR", meters=[cpu(clock)], clock=clock, store=store, env={"MLFOOTPRINT_YEAR": "2021"}
    ) as run:
        clock.advance(60.0)
    assert run.result is not None and "France 2021" in run.result.intensity_source
    year = next(a for a in run.result.assumptions if a.name == "factor_year")
    assert year.source == "from $MLFOOTPRINT_YEAR"
    with track(region="FR", meters=[cpu(clock)], clock=clock, store=store, env={}) as run:
        clock.advance(60.0)
    assert run.result is not None
    year = next(a for a in run.result.assumptions if a.name == "factor_year")
    assert year.source == "the run's calendar year" and int(year.value) >= 2025


def test_bad_year_is_refused() -> None:
    with pytest.raises(InvalidValueError, match="year"):
        TrackerOptions(year=1850)
    with pytest.raises(ConfigError, match="MLFOOTPRINT_YEAR"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from mlfootprint.tracking.options import resolve_options

        resolve_options(TrackerOptions(region="FR"), env={"MLFOOTPRINT_YEAR": "twenty"})


def test_run_cli_year_flag_is_validated(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["run", "--year", "3000", "--", "true"])
    assert exc.value.code == 2
    assert "3000" in capsys.readouterr().err
