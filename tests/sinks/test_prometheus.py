"""Prometheus: a real `mlfootprint run --prometheus-port` scraped over HTTP; Pushgateway pushes; the
meter power arithmetic; a real Prometheus server scraping the exporter (marker ``prometheus``)."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest

pytest.importorskip("prometheus_client")
from prometheus_client.parser import text_string_to_metric_families

from helpers.net import free_port
from mlfootprint.records import Sample
from mlfootprint.sinks.prometheus import PrometheusSink, meter_powers_w
from mlfootprint.store import open_store
from mlfootprint.testing import FakeClock, FakeMeter
from mlfootprint.tracking.entry import track

FAMILIES = {
    "mlfootprint_energy_joules": "counter",
    "mlfootprint_power_watts": "gauge",
    "mlfootprint_co2e_grams": "counter",
    "mlfootprint_intensity_grams_per_kwh": "gauge",
}
LABELS = {"run_id", "project", "name", "job", "node", "rank"}


def scrape(port: int) -> dict[str, list[Any]]:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
        text = response.read().decode()
    return {
        f.name: f.samples for f in text_string_to_metric_families(text) if f.name.startswith("mlfootprint")
    }


def busy_command(seconds: float) -> list[str]:
    return [sys.executable, "-c", f"import time\nt = time.time()\nwhile time.time() - t < {seconds}: pass"]


def test_meter_powers_from_readings_or_energy_differences() -> None:
    at = datetime(2024, 1, 1, tzinfo=timezone.utc)
    samples = [
        Sample(meter_id="rapl:0", at=at, t_s=1.0, energy_j=30.0),
        Sample(meter_id="rapl:0", at=at, t_s=3.0, energy_j=90.0),
        Sample(meter_id="nvml:0", at=at, t_s=3.0, energy_j=500.0, power_w=212.5),
    ]
    powers, last = meter_powers_w(samples, {"rapl:0": (0.0, 0.0)})
    assert powers == {"rapl:0": pytest.approx(30.0), "nvml:0": 212.5}  # (90-30) J / 2 s
    assert last == {"rapl:0": (3.0, 90.0), "nvml:0": (3.0, 500.0)}
    powers, _ = meter_powers_w([Sample(meter_id="rapl:0", at=at, t_s=5.0, energy_j=110.0)], last)
    assert powers == {"rapl:0": pytest.approx(10.0)}  # carried across flushes


def test_scrape_of_a_running_mlfootprint_run(tmp_path: Path) -> None:
    port = free_port()
    db = f"sqlite:///{tmp_path / 'runs.sqlite3'}"
    proc = subprocess.Popen(
        [sys.executable, "-m", "mlfootprint", "run", "--db", db, "--region", "FR", "--project", "prom",
         "--name", "busy", "--interval", "0.1", "--flush-interval", "0.2", "--prometheus-port", str(port),
         "--", *busy_command(4.0)],
        stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        first: dict[str, list[Any]] = {}
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                first = scrape(port)
            except OSError:
                first = {}
            if first.get("mlfootprint_power_watts") and first.get("mlfootprint_energy_joules"):
                break
            time.sleep(0.2)
        assert set(FAMILIES) <= set(first), first.keys()
        time.sleep(1.5)
        second = scrape(port)
    finally:
        _, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    store = open_store(db)
    try:
        (run,) = store.list_runs(project="prom")
    finally:
        store.close()
    for family in FAMILIES:
        for sample in second[family]:
            assert set(sample.labels) >= LABELS, (family, sample.labels)
            assert sample.labels["run_id"] == run.id and sample.labels["project"] == "prom"
            assert sample.labels["name"] == "busy" and sample.labels["rank"] == "0"
            assert sample.labels["node"] == run.hostname
    energy_1 = {
        s.labels["meter"]: s.value for s in first["mlfootprint_energy_joules"] if s.name.endswith("_total")
    }
    energy_2 = {
        s.labels["meter"]: s.value for s in second["mlfootprint_energy_joules"] if s.name.endswith("_total")
    }
    assert energy_1 and set(energy_1) == {c.meter_id for c in run.components}
    assert all(energy_2[m] > energy_1[m] for m in energy_1), (energy_1, energy_2)
    co2_1 = [s.value for s in first["mlfootprint_co2e_grams"] if s.name.endswith("_total")]
    co2_2 = [s.value for s in second["mlfootprint_co2e_grams"] if s.name.endswith("_total")]
    assert co2_2[0] > co2_1[0] > 0
    (intensity,) = second["mlfootprint_intensity_grams_per_kwh"]
    assert intensity.value == pytest.approx(run.intensity_g_per_kwh)
    assert all(s.value >= 0 for s in second["mlfootprint_power_watts"])
    # the final totals stored are at least what was scraped while running
    final = {c.meter_id: c.energy_j for c in run.components}
    assert all(final[m] >= energy_2[m] for m in energy_2)


def test_port_in_use_is_one_line_error_before_the_command_runs(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        marker = tmp_path / "ran"
        proc = subprocess.run(
            [sys.executable, "-m", "mlfootprint", "run", "--db", f"sqlite:///{tmp_path / 'r.db'}",
             "--region", "FR", "--prometheus-port", str(port), "--", "touch", str(marker)],
            capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
    assert proc.returncode == 1
    assert f"127.0.0.1:{port}" in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
    assert not marker.exists()


def test_bad_port_and_bad_push_url_are_usage_errors(tmp_path: Path) -> None:
    for option, value, named in (
        ("--prometheus-port", "70000", "70000"),
        ("--prometheus-push", "gw:9091", "gw:9091"),
    ):
        proc = subprocess.run(
            [sys.executable, "-m", "mlfootprint", "run", "--db", f"sqlite:///{tmp_path / 'r.db'}",
             option, value, "--", "true"],
            capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
        assert proc.returncode == 2 and named in proc.stderr, proc.stderr


class _Gateway(BaseHTTPRequestHandler):
    received: ClassVar[list[tuple[str, str, str]]] = []

    def do_PUT(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
        self.received.append((self.command, self.path, body))
        self.send_response(200)
        self.end_headers()

    do_POST = do_PUT

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def gateway() -> Iterator[tuple[str, list[tuple[str, str, str]]]]:
    received: ClassVar[list[tuple[str, str, str]]] = []
    handler = type("Gateway", (_Gateway,), {"received": received})
    server = HTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", received
    server.shutdown()
    server.server_close()


def test_pushgateway_receives_start_and_final_totals(
    gateway: tuple[str, list[tuple[str, str, str]]], clock: FakeClock, tmp_path: Path
) -> None:
    url, received = gateway
    store = open_store(f"sqlite:///{tmp_path / 'runs.sqlite3'}", clock=clock)
    sink = PrometheusSink(push_url=url, push_interval_s=3600.0, env={"SLURM_JOB_ID": "4242", "RANK": "3"})
    try:
        with track(region="FR", pue=1.0, meters=[FakeMeter(clock, power_w=100.0)], clock=clock, store=store,
                   sinks=[sink]) as run:  # fmt: skip
            clock.advance(36.0)
    finally:
        store.close()
    assert run.result is not None
    assert len(received) == 2  # start and stop; flushes in between are within the push interval
    method, path, body = received[-1]
    assert method == "PUT" and path == f"/metrics/job/mlfootprint/run_id/{run.result.id}"
    families = {f.name: f for f in text_string_to_metric_families(body)}
    (energy,) = [s for s in families["mlfootprint_energy_joules"].samples if s.name.endswith("_total")]
    assert energy.value == pytest.approx(3600.0)  # 100 W x 36 s
    assert energy.labels["job"] == "4242" and energy.labels["rank"] == "3"
    (co2e,) = [s for s in families["mlfootprint_co2e_grams"].samples if s.name.endswith("_total")]
    assert co2e.value == pytest.approx(run.result.co2e_g)


@pytest.mark.prometheus
def test_real_prometheus_server_scrapes_the_exporter(tmp_path: Path, clock: FakeClock) -> None:
    binary = shutil.which("prometheus")
    if binary is None:
        pytest.skip("the prometheus server is not installed (apt-get install prometheus)")
    exporter = PrometheusSink(port=0)
    assert exporter.bound_port is not None
    prom_port = free_port()
    config = tmp_path / "prometheus.yml"
    config.write_text(
        "global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: mlfootprint\n"
        f"    static_configs:\n      - targets: ['127.0.0.1:{exporter.bound_port}']\n"
    )
    server = subprocess.Popen(
        [binary, f"--config.file={config}", f"--storage.tsdb.path={tmp_path / 'tsdb'}",
         f"--web.listen-address=127.0.0.1:{prom_port}"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    store = open_store(f"sqlite:///{tmp_path / 'runs.sqlite3'}", clock=clock)
    try:
        tracker = track(region="FR", pue=1.0, meters=[FakeMeter(clock, power_w=100.0)], clock=clock,
                        store=store, sinks=[exporter], flush_interval_s=0.1, interval_s=0.05)  # fmt: skip
        with tracker:
            clock.advance(50.0)
            query = urllib.parse.quote('mlfootprint_energy_joules_total{job="mlfootprint",meter="fake:0"}')
            value = None
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and value is None:
                time.sleep(0.5)
                try:
                    url = f"http://127.0.0.1:{prom_port}/api/v1/query?query={query}"
                    with urllib.request.urlopen(url, timeout=5) as response:
                        import json

                        result = json.loads(response.read())["data"]["result"]
                except OSError:
                    continue
                if result and float(result[0]["value"][1]) >= 5000.0:
                    value = result[0]
    finally:
        server.terminate()
        server.wait(timeout=20)
        store.close()
    assert value is not None, "Prometheus never answered with the exporter's energy"
    assert float(value["value"][1]) == pytest.approx(5000.0)  # 100 W x 50 s
    assert value["metric"]["run_id"] == tracker.id and value["metric"]["component"] == "gpu"


def test_track_prometheus_port_serves_while_running_and_per_decorated_call(
    tmp_path: Path, clock: FakeClock
) -> None:
    port = free_port()
    store = open_store(f"sqlite:///{tmp_path / 'runs.sqlite3'}", clock=clock)
    seen: list[float] = []

    @track(region="FR", pue=1.0, meters=[FakeMeter(clock, power_w=10.0)], clock=clock, store=store,
           prometheus_port=port, flush_interval_s=0.05, interval_s=0.05)  # fmt: skip
    def job() -> None:
        clock.advance(5.0)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                samples = scrape(port).get("mlfootprint_energy_joules", [])
            except OSError:  # bound by the sampler's first flush, a moment after start
                samples = []
            totals = [s.value for s in samples if s.name.endswith("_total")]
            if totals and totals[0] > 0:
                seen.append(totals[0])
                return
            time.sleep(0.05)

    try:
        job()
        job()  # the port was released by the first call and bound again by the second
    finally:
        store.close()
    assert len(seen) == 2 and all(v > 0 for v in seen)
    with pytest.raises(OSError):
        scrape(port)  # not served once the run stopped
