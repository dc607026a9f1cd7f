"""``mlfootprint runs``: list, show and delete, in text and JSON, and the errors a user can make."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from mlfootprint.cli.main import main
from mlfootprint.records import ComponentEnergy, PhaseRecord, RunRecord
from mlfootprint.serialize import run_from_dict
from mlfootprint.store import open_store

T0 = datetime(2024, 5, 1, 8, 0, tzinfo=timezone.utc)
GPU_RUN = "01HX0GPU000000000000000000"
CPU_RUN = "01HX1CPU000000000000000000"


def _run(run_id: str, *, project: str, started_at: datetime, status: str = "finished") -> RunRecord:
    return RunRecord(
        id=run_id,
        project=project,
        name=f"{project}-job",
        tags={"seed": "7"},
        status=status,  # type: ignore[arg-type]
        exit_code=0 if status == "finished" else 3,
        started_at=started_at,
        ended_at=started_at + timedelta(hours=2),
        heartbeat_at=started_at + timedelta(hours=2),
        duration_s=7200.0,
        it_energy_j=3.6e6,  # 1 kWh
        energy_j=3.96e6,  # x PUE 1.1
        energy_j_low=3.6e6,
        energy_j_high=4.32e6,
        co2e_g=396.0,
        co2e_g_low=300.0,
        co2e_g_high=500.0,
        co2e_g_net=None,
        pue=1.1,
        pue_source="--pue",
        intensity_g_per_kwh=400.0,
        intensity_source="Ember 2023 annual average, Germany",
        region="DE",
        components=(
            ComponentEnergy(
                meter_id="nvml:0",
                component="gpu",
                source="NVML total-energy counter (NVIDIA A100-SXM4-40GB)",
                method="counter",
                is_estimate=False,
                energy_j=3.0e6,
                energy_j_low=2.97e6,
                energy_j_high=3.03e6,
            ),
            ComponentEnergy(
                meter_id="cpu-estimate",
                component="cpu",
                source="TDP x utilisation, EPYC 7B12",
                method="tdp-utilisation",
                is_estimate=True,
                energy_j=0.6e6,
                energy_j_low=0.3e6,
                energy_j_high=0.9e6,
            ),
        ),
        phases=(
            PhaseRecord(
                name="epoch-1",
                parent=None,
                started_at=started_at,
                ended_at=started_at + timedelta(hours=1),
                duration_s=3600.0,
                energy_j=1.8e6,
            ),
        ),
        command=("python", "train.py"),
        hostname="node-1",
        pid=None,
    )


@pytest.fixture
def db(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'runs.sqlite3'}"
    with open_store(url) as store:
        store.save(_run(GPU_RUN, project="vision", started_at=T0))
        store.save(_run(CPU_RUN, project="nlp", started_at=T0 + timedelta(days=1), status="failed"))
    return url


def test_list_json_newest_first(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["runs", "list", "--db", db, "--format", "json"]) == 0
    runs = json.loads(capsys.readouterr().out)["runs"]
    assert [r["id"] for r in runs] == [CPU_RUN, GPU_RUN]
    assert runs[0]["status"] == "failed" and runs[0]["exit_code"] == 3
    assert runs[1]["energy_kwh"] == pytest.approx(1.1)
    assert runs[1]["co2e_kg"] == pytest.approx(0.396)


def test_list_filters_by_project_and_limits(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["runs", "list", "--db", db, "--project", "vision", "--format", "json"]) == 0
    assert [r["id"] for r in json.loads(capsys.readouterr().out)["runs"]] == [GPU_RUN]
    assert main(["runs", "list", "--db", db, "--limit", "1", "--format", "json"]) == 0
    assert [r["id"] for r in json.loads(capsys.readouterr().out)["runs"]] == [CPU_RUN]


def test_runs_alone_lists_the_default_ledger_as_text(capsys: pytest.CaptureFixture[str]) -> None:
    with open_store() as store:
        store.save(_run(GPU_RUN, project="vision", started_at=T0))
    assert main(["runs"]) == 0
    out = capsys.readouterr().out
    assert (
        GPU_RUN[-8:] in out
        and GPU_RUN not in out
        and "vision/vision-job" in out
        and "1.1 kWh" in out
        and "396 g" in out
    )
    assert "1 run(s) in sqlite://" in out


def test_show_json_round_trips_into_the_same_record(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["runs", "show", GPU_RUN, "--db", db, "--format", "json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    expected = _run(GPU_RUN, project="vision", started_at=T0)
    back = run_from_dict(shown)
    assert back.id == expected.id and back.tags == expected.tags and back.phases[0].name == "epoch-1"
    assert back.started_at == expected.started_at and back.components[0].method == "counter"
    assert back.energy_j == pytest.approx(expected.energy_j, rel=1e-15)
    assert shown["components"][1]["is_estimate"] is True
    assert shown["intensity_kg_per_kwh"] == pytest.approx(0.4)


def test_show_text_says_how_each_number_was_obtained(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["runs", "show", GPU_RUN[:8].lower(), "--db", db]) == 0
    out = capsys.readouterr().out
    assert f"Run {GPU_RUN}" in out
    assert "833 Wh [825-842 Wh]" in out  # 3.0e6 J = 833.3 Wh, interval 2.97e6-3.03e6 J
    assert "measured, counter: NVML total-energy counter (NVIDIA A100-SXM4-40GB)" in out
    assert "estimated, tdp-utilisation: TDP x utilisation, EPYC 7B12" in out
    assert "Facility energy: 1.1 kWh [1-1.2 kWh] = IT energy x PUE 1.1 (PUE: --pue)" in out
    assert "396 g CO2e [300-500 g] at 400 g/kWh" in out and "Ember 2023 annual average, Germany" in out
    assert "epoch-1" in out and "2 h" in out


def test_failed_run_shows_its_exit_code(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["runs", "show", CPU_RUN, "--db", db]) == 0
    assert "failed (exit code 3)" in capsys.readouterr().out


def test_unknown_id_is_exit_2_with_closest_ids(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["runs", "show", "01HX0GPU000000000000000009", "--db", db]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "unknown run id '01HX0GPU000000000000000009'" in err and GPU_RUN in err


def test_bad_db_url_is_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["runs", "list", "--db", "mysql://host/db"]) == 2
    err = capsys.readouterr().err
    assert "mysql://host/db" in err and "sqlite:///PATH" in err and "Traceback" not in err


def test_bad_limit_is_exit_2(db: str) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["runs", "list", "--db", db, "--limit", "0"])
    assert exit_.value.code == 2


def test_delete_needs_yes_and_then_deletes(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["runs", "delete", GPU_RUN, "--db", db]) == 2
    assert "without --yes" in capsys.readouterr().err
    with open_store(db) as store:
        assert len(store.list_runs()) == 2
    assert main(["runs", "delete", GPU_RUN[:10], "--db", db, "--yes"]) == 0
    assert f"deleted run {GPU_RUN}" in capsys.readouterr().out
    with open_store(db) as store:
        assert [r.id for r in store.list_runs()] == [CPU_RUN]


def test_empty_ledger_says_so(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["runs", "list"]) == 0
    assert "no runs in sqlite://" in capsys.readouterr().out


def test_options_before_the_subcommand_apply(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["runs", "--db", db, "--format", "json", "--project", "nlp"]) == 0
    assert [r["id"] for r in json.loads(capsys.readouterr().out)["runs"]] == [CPU_RUN]
    assert main(["runs", "--db", db, "show", GPU_RUN, "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["id"] == GPU_RUN


def test_show_last_and_last_n(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["runs", "list", "--db", db]) == 0
    listed = capsys.readouterr().out.splitlines()
    newest_short = listed[1].split()[0]
    assert main(["runs", "show", "last", "--db", db]) == 0
    assert newest_short in capsys.readouterr().out.splitlines()[0]
    assert main(["runs", "show", "last~1", "--db", db]) == 0
    second_short = listed[2].split()[0]
    assert second_short in capsys.readouterr().out.splitlines()[0]
    assert main(["runs", "show", "last~9", "--db", db]) == 2
    assert "holds only" in capsys.readouterr().err


def test_list_pages_by_default_and_says_how_many_are_left(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'many.sqlite3'}"
    with open_store(url) as store:
        for i in range(53):
            store.save(
                _run(f"01HX{i:02d}AAAAAAAAAAAAAAAAAAAA", project="p", started_at=T0 + timedelta(hours=i))
            )
    assert main(["runs", "list", "--db", url]) == 0
    out = capsys.readouterr().out
    assert "01HX52AAAAAAAAAAAAAAAAAAAA" in out and "01HX02AAAAAAAAAAAAAAAAAAAA" not in out
    assert "50 newest of 53 run(s) in" in out and "--all" in out
    assert main(["runs", "--db", url, "--all", "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert len(doc["runs"]) == doc["total"] == 53
    assert main(["runs", "list", "--db", url, "--limit", "3"]) == 0
    assert "3 newest of 53 run(s)" in capsys.readouterr().out
    assert main(["runs", "list", "--db", url, "--limit", "3", "--all"]) == 2
    assert "--all" in capsys.readouterr().err
