"""Prometheus exporter: serve a run's metrics for scraping, or push them to a Pushgateway (short jobs).

Metric families (labels ``run_id``, ``project``, ``name``, ``job``, ``node``, ``rank``; the first two
also ``component`` and ``meter``):

* ``mlfootprint_energy_joules_total`` (counter): IT energy of each meter since the run started, as read
  (counter) or integrated (power samples) or estimated (TDP x utilisation) -- ``method`` says which;
* ``mlfootprint_power_watts`` (gauge): each meter's power over the latest sample interval;
* ``mlfootprint_co2e_grams_total`` (counter): the run's CO2e so far (facility energy x intensity);
* ``mlfootprint_intensity_grams_per_kwh`` (gauge): the grid intensity in use.

Values are the run's own totals, so a restart of the exporter never double-counts. The registry is the
sink's own (no global state); the HTTP server binds 127.0.0.1 unless told otherwise and stops with the
run. Needs ``prometheus_client`` (extra ``prometheus``), imported when the sink is made.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from mlfootprint.errors import InvalidValueError
from mlfootprint.records import PhaseRecord, RunRecord, Sample
from mlfootprint.sinks import ExporterError, missing_library
from mlfootprint.sinks._labels import LABEL_NAMES, run_labels

__all__ = ["PrometheusSink", "meter_powers_w"]

#: pushes to a Pushgateway are at most this often while running (and always at start and stop)
DEFAULT_PUSH_INTERVAL_S = 10.0


def meter_powers_w(
    samples: Sequence[Sample], previous: Mapping[str, tuple[float, float]]
) -> tuple[dict[str, float], dict[str, tuple[float, float]]]:
    """Each meter's latest power and the last ``(t_s, energy_j)`` seen per meter (pure).

    The power is the sample's own reading when the meter gives one, else the energy difference over the
    time between the meter's last two samples (``previous`` carries the last one across flushes).
    """
    last = dict(previous)
    powers: dict[str, float] = {}
    for s in sorted(samples, key=lambda x: x.t_s):
        before = last.get(s.meter_id)
        if s.power_w is not None:
            powers[s.meter_id] = s.power_w
        elif before is not None and s.t_s > before[0]:
            powers[s.meter_id] = max(0.0, (s.energy_j - before[1]) / (s.t_s - before[0]))
        last[s.meter_id] = (s.t_s, s.energy_j)
    return powers, last


class _RunCollector:
    """Yields the four families from the latest state (called by the registry on each scrape)."""

    def __init__(self, metric_families: Any) -> None:
        self._families = metric_families
        self._lock = threading.Lock()
        self._run: RunRecord | None = None
        self._labels: dict[str, str] = {}
        self._powers_w: dict[str, float] = {}

    def update(self, run: RunRecord, labels: dict[str, str], powers_w: Mapping[str, float]) -> None:
        with self._lock:
            self._run, self._labels = run, labels
            self._powers_w.update(powers_w)

    def collect(self) -> Iterator[Any]:
        f = self._families
        with self._lock:
            run, labels, powers = self._run, dict(self._labels), dict(self._powers_w)
        by_meter = [*LABEL_NAMES, "component", "meter", "method"]
        energy = f.CounterMetricFamily(
            "mlfootprint_energy_joules", "IT energy of each meter since the run started (J)", labels=by_meter
        )
        power = f.GaugeMetricFamily(
            "mlfootprint_power_watts", "Power of each meter over its latest sample interval (W)",
            labels=by_meter,
        )  # fmt: skip
        co2e = f.CounterMetricFamily(
            "mlfootprint_co2e_grams", "CO2e of the run so far, facility energy x intensity (g)",
            labels=list(LABEL_NAMES),
        )  # fmt: skip
        intensity = f.GaugeMetricFamily(
            "mlfootprint_intensity_grams_per_kwh", "Grid carbon intensity in use (gCO2e/kWh)",
            labels=[*LABEL_NAMES, "source"],
        )  # fmt: skip
        if run is not None:
            base = [labels[n] for n in LABEL_NAMES]
            for c in run.components:
                values = [*base, c.component, c.meter_id, c.method]
                energy.add_metric(values, c.energy_j)
                if c.meter_id in powers:
                    power.add_metric(values, powers[c.meter_id])
            co2e.add_metric(base, run.co2e_g)
            intensity.add_metric([*base, run.intensity_source], run.intensity_g_per_kwh)
        yield from (energy, power, co2e, intensity)


class PrometheusSink:
    """Serve (``port``) and/or push (``push_url``) the run's metrics.

    Args:
        port: serve ``/metrics`` on this port (0 picks a free one; see ``bound_port``).
        host: the address to bind (default 127.0.0.1).
        push_url: a Pushgateway (``http://host:9091``): pushed at start, at most every
            ``push_interval_s`` while running, and at stop, grouped by job ``mlfootprint`` and run id.
        env: the environment the job and rank labels come from (default ``os.environ``).
        serve_on_start: bind the port when the run starts rather than now (``track(prometheus_port=)``
            uses this, so a tracker used as a decorator binds once per call; a port in use is then
            reported as a failing sink instead of raised here).

    Raises:
        InvalidValueError: a port outside 0..65535 or neither a port nor a push URL.
        ExporterError: ``prometheus_client`` is missing or the port cannot be bound.
    """

    name = "prometheus"

    def __init__(
        self,
        *,
        port: int | None = None,
        host: str = "127.0.0.1",
        push_url: str | None = None,
        push_interval_s: float = DEFAULT_PUSH_INTERVAL_S,
        env: Mapping[str, str] | None = None,
        serve_on_start: bool = False,
    ) -> None:
        if port is None and push_url is None:
            raise InvalidValueError("prometheus", None, "give a port to serve on or a Pushgateway URL")
        if port is not None and not 0 <= port <= 65535:
            raise InvalidValueError("prometheus port", port, "must be between 0 and 65535")
        if push_url is not None and not push_url.startswith(("http://", "https://")):
            raise InvalidValueError("prometheus push URL", push_url, "must start with http:// or https://")
        try:
            import prometheus_client
            from prometheus_client import core
        except ImportError:
            raise missing_library("Prometheus", "prometheus_client", "prometheus") from None
        self._client = prometheus_client
        self._env = dict(os.environ if env is None else env)
        self._push_url = push_url
        self._push_interval_s = push_interval_s
        self._last_push_s = float("-inf")
        self._previous: dict[str, tuple[float, float]] = {}
        self.registry = core.CollectorRegistry(auto_describe=True)
        self._collector = _RunCollector(core)
        self.registry.register(self._collector)
        self._server: Any = None
        self._port, self._host = port, host
        self.bound_port: int | None = None
        if port is not None and not serve_on_start:
            self._serve()
        self.pushes = 0

    def _serve(self) -> None:
        if self._port is None or self._server is not None:
            return
        try:
            self._server, _ = self._client.start_http_server(
                self._port, addr=self._host, registry=self.registry
            )
        except OSError as exc:
            raise ExporterError(
                f"cannot serve Prometheus metrics on {self._host}:{self._port}: {exc}"
            ) from None
        self.bound_port = int(self._server.server_port)

    def _update(self, run: RunRecord, samples: Sequence[Sample]) -> None:
        powers, self._previous = meter_powers_w(samples, self._previous)
        self._collector.update(run, run_labels(run, self._env), powers)

    def _push(self, run: RunRecord, *, force: bool) -> None:
        if self._push_url is None:
            return
        now = time.monotonic()
        if not force and now - self._last_push_s < self._push_interval_s:
            return
        self._last_push_s = now
        self._client.push_to_gateway(
            self._push_url, job="mlfootprint", registry=self.registry, grouping_key={"run_id": run.id},
            timeout=5,
        )  # fmt: skip
        self.pushes += 1

    def start(self, run: RunRecord) -> None:
        self._serve()
        self._update(run, ())
        self._push(run, force=True)

    def flush(self, run: RunRecord, samples: Sequence[Sample]) -> None:
        self._update(run, samples)
        self._push(run, force=False)

    def phase(self, run: RunRecord, phase: PhaseRecord) -> None:
        """Phases are not exported (Prometheus has no notion of them; see the ledger)."""

    def stop(self, run: RunRecord) -> None:
        self._update(run, ())
        try:
            self._push(run, force=True)
        finally:
            self.close()

    def close(self) -> None:
        """Stop serving (idempotent)."""
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            server.server_close()
