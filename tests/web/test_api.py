"""The dashboard's JSON API and pages through Starlette's TestClient (real ledger, no browser)."""

from __future__ import annotations

import html
import re
import subprocess
import sys
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("starlette")
pytest.importorskip("jinja2")
from starlette.testclient import TestClient

from mlfootprint.cli.dashboard import is_loopback
from mlfootprint.cli.main import main
from mlfootprint.records import Sample
from mlfootprint.report.html import render_html
from mlfootprint.report.statement import statement_from_run
from mlfootprint.store import SQLStore
from mlfootprint.store.series import DEFAULT_MAX_POINTS
from mlfootprint.web.app import create_app
from mlfootprint.web.views import quality_front

A, B, C = "01AAAAAAAAAAAAAAAAAAAAAAAA", "01BBBBBBBBBBBBBBBBBBBBBBBB", "01CCCCCCCCCCCCCCCCCCCCCCCC"


@pytest.fixture
def client(ledger: SQLStore) -> TestClient:
    return TestClient(create_app(ledger))


def test_runs_list_numbers_and_their_text(client: TestClient) -> None:
    body = client.get("/api/runs").json()
    rows = {r["id"]: r for r in body["runs"]}
    assert [r["id"] for r in body["runs"]] == [C, B, A]  # newest first
    a = rows[A]
    # 2 x 250 W GPU + 60 W CPU for 1 h = 0.56 kWh IT, x PUE 1.5 = 0.84 kWh; x 400 g/kWh = 336 g
    assert a["energy_kwh"] == pytest.approx(0.84)
    assert a["energy_text"] == "840 Wh" and a["co2e_text"] == "336 g"
    assert a["energy_interval_text"] == "672 Wh to 1.01 kWh"  # the run's 0.8x..1.2x
    assert a["co2e_interval_text"] == "235 g to 437 g"
    assert a["duration_text"] == "1 h" and a["per_hour_text"] == "840 Wh/h"
    assert a["device_hours"] == pytest.approx(2.0) and a["kwh_per_device_hour"] == pytest.approx(0.42)
    assert a["per_device_hour_text"] == "420 Wh/device-h"
    assert a["estimated"] is True and a["tags"] == {"job": "sweep-1", "lr": "0.1"}
    assert rows[C]["kwh_per_device_hour"] is None  # no GPU metered


def test_runs_filters(client: TestClient) -> None:
    assert [r["id"] for r in client.get("/api/runs?project=nmt").json()["runs"]] == [B, A]
    assert [r["id"] for r in client.get("/api/runs?q=LR=0.01").json()["runs"]] == [B]
    assert client.get("/api/runs?status=running").json()["runs"] == []


def test_run_detail_has_the_report_facts_and_series(client: TestClient, ledger: SQLStore) -> None:
    body = client.get(f"/api/runs/{A[:8]}").json()  # a unique prefix works as in the CLI
    run = ledger.get_run(A)
    report = render_html(statement_from_run(run))
    for fact in body["statement"]["facts"]:
        assert html.escape(fact["value"]) in report  # the same facts, written the same way
    assert html.escape(body["statement"]["summary"]) in report
    meters = {m["meter_id"]: m for m in body["series"]["meters"]}
    assert set(meters) == {"nvml:0", "nvml:1", "cpu-estimate"}
    cpu = meters["cpu-estimate"]
    assert cpu["component"] == "cpu" and cpu["method"] == "tdp-utilisation"
    assert cpu["power"]["power_w"] == pytest.approx([60.0] * 60)  # flat 60 W between 61 samples
    gpu = meters["nvml:0"]["power"]["power_w"]
    assert gpu[0] == pytest.approx(250.0 * (0.5 + 0.5 / 60)) and gpu[-1] == pytest.approx(250.0)
    assert meters["nvml:0"]["energy"]["energy_kwh"][-1] == pytest.approx(sum(
        250.0 * (0.5 + 0.5 * k / 60) * 60 for k in range(1, 61)) / 3.6e6)  # fmt: skip
    assert body["series"]["intensity"]["g_per_kwh"] == [400.0, 400.0]


class NoFullReads:
    """The ledger, except that reading every sample of a run fails the test."""

    def __init__(self, inner: SQLStore) -> None:
        self._inner = inner

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def samples(self, run_id: str, meter_id: str | None = None) -> list[Sample]:
        raise AssertionError("the run page read every sample")


def test_a_long_runs_page_plots_a_bounded_downsample_with_exact_energy(ledger: SQLStore) -> None:
    run = replace(ledger.get_run(A), id="01DDDDDDDDDDDDDDDDDDDDDDDD")
    n = 30_000  # 0.12 s apart over the hour: far more than a chart shows
    samples = [
        Sample(meter_id="nvml:0", at=run.started_at + timedelta(seconds=0.12 * k), t_s=0.12 * k,
               energy_j=250.0 * 0.12 * k, power_w=250.0)
        for k in range(n)
    ]  # fmt: skip
    ledger.save(run, samples)
    body = TestClient(create_app(NoFullReads(ledger))).get(f"/api/runs/{run.id}").json()  # type: ignore[arg-type]
    (gpu,) = [m for m in body["series"]["meters"] if m["meter_id"] == "nvml:0"]
    energy = gpu["energy"]["energy_kwh"]
    assert 2 <= len(energy) <= 2 * DEFAULT_MAX_POINTS
    assert energy[-1] == pytest.approx(250.0 * 0.12 * (n - 1) / 3.6e6)  # the last reading, exactly
    assert gpu["power"]["power_w"] == pytest.approx([250.0] * len(gpu["power"]["power_w"]))


def test_totals_count_every_run_beyond_the_listed_newest(ledger: SQLStore) -> None:
    """The lists show the newest runs; the totals are the ledger's sums over all of them."""
    full = TestClient(create_app(ledger)).get("/api/projects?by=job").json()
    limited_client = TestClient(create_app(ledger, runs_limit=2))
    limited = limited_client.get("/api/projects?by=job").json()
    assert limited["total"]["runs"] == 3 and limited["total"]["energy_kwh"] == pytest.approx(
        full["total"]["energy_kwh"]
    )
    assert [p["runs"] for p in limited["projects"]] == [p["runs"] for p in full["projects"]] == [2, 1]
    assert {g["group"]: g["runs"] for g in limited["breakdown"]} == {"sweep-1": 2, "(job not set)": 1}
    assert limited["over_time_partial"] is True and limited["over_time_runs"] == 2
    assert full["over_time_partial"] is False
    assert sum(len(s["t"]) for s in limited["over_time"].values()) == 2  # the newest two runs
    page = limited_client.get("/?by=job")
    assert page.status_code == 200 and "the newest 2 of 3 runs" in page.text
    by_project = limited_client.get("/api/projects?by=project").json()
    assert (
        [(g["group"], g["runs"]) for g in by_project["breakdown"]]
        == [(p["group"], p["runs"]) for p in by_project["projects"]]
        == [("nmt", 2), ("vision", 1)]
    )
    assert limited_client.get("/api/runs").json()["limited"] is True
    assert TestClient(create_app(ledger)).get("/api/runs").json()["limited"] is False
    # a status filter applies to the listed runs, and the totals are theirs, said to be partial
    finished = limited_client.get("/api/projects?status=finished").json()
    assert finished["total"]["runs"] == 2 and finished["totals_partial"] is True
    assert "totals are of the newest 2 runs" in limited_client.get("/?status=finished").text
    assert full["totals_partial"] is False


def test_unknown_run_is_404_naming_the_closest(client: TestClient) -> None:
    response = client.get("/api/runs/01AAAAAAAAAAAAAAAAAAAAAAAB")
    assert response.status_code == 404 and A in response.json()["error"]
    page = client.get("/runs/01AAAAAAAAAAAAAAAAAAAAAAAB")
    assert page.status_code == 404 and A in page.text


def test_projects_totals_with_intervals_and_breakdowns(client: TestClient) -> None:
    body = client.get("/api/projects?by=job").json()
    projects = {p["group"]: p for p in body["projects"]}
    assert set(projects) == {"nmt", "vision"} and projects["nmt"]["runs"] == 2
    # small: (250 + 60) W x 0.5 h x 1.5 = 0.2325 kWh; big 0.84 kWh
    assert projects["nmt"]["energy_kwh"] == pytest.approx(1.0725)
    assert projects["nmt"]["energy_kwh_low"] == pytest.approx(0.8 * 1.0725)
    assert projects["nmt"]["energy_text"] == "1.07 kWh"
    groups = {g["group"]: g["runs"] for g in body["breakdown"]}
    assert groups == {"sweep-1": 2, "(job not set)": 1}
    assert body["over_time"]["nmt"]["energy_kwh"] == pytest.approx([0.84, 1.0725])
    bad = client.get("/api/projects?by=colour")
    assert bad.status_code == 400 and "colour" in bad.json()["error"] and "tag:KEY" in bad.json()["error"]


def test_compare_aligns_facts_and_finds_the_quality_front(ledger: SQLStore) -> None:
    for run_id, accuracy in ((A, 0.91), (B, 0.88), (C, 0.80)):
        run = ledger.get_run(run_id)
        ledger.save(replace(run, extra={**run.extra, "metrics": {"accuracy": accuracy, "note": "x"}}))
    client = TestClient(create_app(ledger))
    body = client.get(f"/api/compare?ids={A},{B},{C}").json()
    assert [r["id"] for r in body["runs"]] == [A, B, C]
    energy = next(f for f in body["facts"] if f["label"].startswith("Energy"))
    assert energy["values"][0].startswith("840 Wh")
    assert body["metrics"] == ["accuracy"]
    # C is cheapest, A is most accurate; B (0.88) costs more than C and is less accurate than A: still
    # on the front because nothing beats it on both
    assert sorted(body["fronts"]["accuracy"]) == sorted([A, B, C])
    page = client.get(f"/compare?ids={A},{B}")
    assert page.status_code == 200 and "840 Wh" in page.text and "accuracy" in page.text
    assert client.get("/api/compare?ids=").status_code == 400


def test_quality_front_drops_dominated_runs() -> None:
    rows = [
        {"id": "cheap-good", "co2e_kg": 1.0, "metrics": {"acc": 0.9}},
        {"id": "dear-worse", "co2e_kg": 2.0, "metrics": {"acc": 0.8}},
        {"id": "dear-best", "co2e_kg": 3.0, "metrics": {"acc": 0.95}},
        {"id": "no-metric", "co2e_kg": 0.1, "metrics": {}},
    ]
    assert quality_front(rows, "acc") == ["cheap-good", "dear-best"]


def test_pages_render_and_load_only_packaged_assets(client: TestClient) -> None:
    for path in ("/", "/runs", f"/runs/{A}", f"/compare?ids={A},{B}", "/?by=tag:lr"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert "default-src 'self'" in response.headers["content-security-policy"]
        refs = re.findall(r'(?:src|href)="([^"]+)"', response.text)
        assert refs and all(r.startswith(("/", "?")) for r in refs), refs
        for asset in (r for r in refs if r.startswith("/static/")):
            assert client.get(asset).status_code == 200, asset
    run_page = client.get(f"/runs/{A}").text
    assert "840 Wh" in run_page and "estimated from TDP x utilisation" in run_page
    assert "Uptime Institute 2023 survey average" in run_page  # the PUE's source
    assert "0.1" in client.get("/?by=tag:lr").text
    assert client.get("/favicon.ico").status_code == 200
    assert "MIT" in client.get("/static/uPlot.LICENSE").text


def test_token_is_required_when_set(ledger: SQLStore) -> None:
    client = TestClient(create_app(ledger, token="s3cret-token"))
    assert client.get("/api/runs").status_code == 401
    assert client.get("/static/dashboard.js").status_code == 401
    assert client.get("/api/runs?token=wrong-token").status_code == 401
    first = client.get("/?token=s3cret-token")
    assert first.status_code == 200 and "HttpOnly" in first.headers["set-cookie"]
    assert client.get("/api/runs").status_code == 200  # the cookie now carries it
    other = TestClient(create_app(ledger, token="s3cret-token"))
    assert other.get("/api/runs", headers={"Authorization": "Bearer s3cret-token"}).status_code == 200


def test_loopback_addresses() -> None:
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.5") and not is_loopback("example.org")


def test_bad_port_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["dashboard", "--port", "99999"])
    assert exit_info.value.code == 2 and "99999" in capsys.readouterr().err


def test_import_mlfootprint_and_tracker_do_not_import_the_web_stack(tmp_path: Path) -> None:
    code = (
        "import sys, mlfootprint, mlfootprint.tracking.tracker\n"
        "bad = [m for m in ('starlette', 'jinja2', 'uvicorn', 'mlfootprint.web', 'prometheus_client') "
        "if m in sys.modules]\nprint(bad)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert out.stdout.strip() == "[]"


def test_dashboard_off_loopback_requires_a_token(tmp_path: Path) -> None:
    import socket
    import time
    import urllib.error
    import urllib.request

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [sys.executable, "-m", "mlfootprint", "dashboard", "--db", f"sqlite:///{tmp_path / 'r.db'}",
         "--host", "0.0.0.0", "--port", str(port)],
        stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert proc.stderr is not None
        line = proc.stderr.readline()
        token = re.search(r"\?token=(\S+)", line)
        assert token is not None and "0.0.0.0" not in line.split("(")[0], line
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 20
        while True:
            try:
                urllib.request.urlopen(base + "/api/runs", timeout=2)
                pytest.fail("served without the token")
            except urllib.error.HTTPError as exc:
                assert exc.code == 401
                break
            except OSError:
                assert time.monotonic() < deadline, "the dashboard did not start"
                time.sleep(0.2)
        with urllib.request.urlopen(f"{base}/api/runs?token={token.group(1)}", timeout=5) as response:
            assert response.status == 200
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_an_empty_ledger_serves_every_page(tmp_path: Path) -> None:
    from mlfootprint.store import open_store

    store = open_store(f"sqlite:///{tmp_path / 'empty.sqlite3'}")
    try:
        client = TestClient(create_app(store))
        home = client.get("/")
        assert home.status_code == 200 and "holds no runs yet" in home.text
        assert client.get("/runs").status_code == 200
        assert client.get("/api/runs").json()["runs"] == []
        projects = client.get("/api/projects").json()
        assert projects["projects"] == [] and projects["total"]["runs"] == 0
        missing = client.get("/api/runs/01ZZZZZZZZ")
        assert missing.status_code == 404 and "holds no runs" in missing.json()["error"]
    finally:
        store.close()


#: Luccioni et al. 2022, Section 4.1: 150 kg per A100 and 2,500 kg per 8-GPU node, 6 years at 85 % use
A100_KG_PER_DEVICE_HOUR = (150 + 2500 / 8) / (6 * 8760 * 0.85)


def test_embodied_co2e_has_its_own_keys_in_runs_and_projects(client: TestClient, ledger: SQLStore) -> None:
    rows = {r["id"]: r for r in client.get("/api/runs").json()["runs"]}
    a, b, c = rows[A], rows[B], rows[C]
    assert a["embodied_co2e_kg"] == pytest.approx(2 * A100_KG_PER_DEVICE_HOUR)  # 2 A100s for 1 h: 20.7 g
    assert b["embodied_co2e_kg"] == pytest.approx(0.5 * A100_KG_PER_DEVICE_HOUR)  # 1 A100 for 30 min
    assert a["embodied_text"] == "20.7 g"
    assert a["embodied_co2e_kg_low"] < a["embodied_co2e_kg"] < a["embodied_co2e_kg_high"]
    assert "lifetime x utilisation" in a["embodied_note"] and "computed" in a["embodied_note"]
    assert a["co2e_kg"] == pytest.approx(0.336)  # operational only: nothing added
    assert c["embodied_co2e_kg"] is None and c["embodied_text"] == "-"
    assert "no accelerator" in c["embodied_note"]
    detail = client.get(f"/api/runs/{A}").json()
    assert detail["run"]["embodied_co2e_kg"] == pytest.approx(a["embodied_co2e_kg"])
    assert detail["statement"]["embodied"]["co2e_kg"] == pytest.approx(a["embodied_co2e_kg"])

    body = client.get("/api/projects?by=name").json()
    projects = {p["group"]: p for p in body["projects"]}
    assert projects["nmt"]["embodied_co2e_kg"] == pytest.approx(2.5 * A100_KG_PER_DEVICE_HOUR)
    assert projects["nmt"]["runs_without_embodied"] == 0
    assert projects["vision"]["embodied_co2e_kg"] == 0.0 and projects["vision"]["runs_without_embodied"] == 1
    assert projects["vision"]["embodied_text"] == "-" and projects["nmt"]["embodied_text"] == "25.9 g"
    assert body["total"]["embodied_co2e_kg"] == pytest.approx(2.5 * A100_KG_PER_DEVICE_HOUR)
    assert body["total"]["co2e_kg"] == pytest.approx(sum(r["co2e_kg"] for r in rows.values()))
    groups = {g["group"]: g for g in body["breakdown"]}
    assert groups["small"]["embodied_co2e_kg"] == pytest.approx(b["embodied_co2e_kg"])


def test_embodied_co2e_is_on_the_pages_apart_from_co2e(client: TestClient) -> None:
    run_page = client.get(f"/runs/{A}").text
    assert re.search(r'id="embodied">20\.7 g<', run_page)
    assert "Embodied CO2e (not included in CO2e)" in run_page
    assert "manufacturing share of the GPUs measured" in run_page
    assert re.search(r'id="co2e">336 g<', run_page)
    cpu_page = client.get(f"/runs/{C}").text
    assert re.search(r'id="embodied">-<', cpu_page) and "no accelerator was measured" in cpu_page
    assert 'data-key="embodied_co2e_kg"' in client.get("/runs").text
    home = client.get("/").text
    assert "embodied CO2e (manufacturing share, not included in the CO2e) 25.9 g" in home
    assert "runs that measured no GPU: 1" in home
    assert re.search(r'title="interval ">-</td>', home)  # vision: no GPU measured, no figure (not 0 g)
