from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest

from mlfootprint.errors import IntensityError, UnknownNameError
from mlfootprint.intensity.live import (
    ElectricityMapsClient,
    FallbackSource,
    HttpRequest,
    HttpResponse,
    ResponseCache,
    UKCarbonIntensityClient,
    WattTimeClient,
    urllib_transport,
)

START = datetime(2024, 1, 1, tzinfo=timezone.utc)
END = datetime(2024, 1, 1, 2, tzinfo=timezone.utc)
KEY = "sekret-key-123"


class Recorder:
    def __init__(self, responses: list[HttpResponse | Exception]) -> None:
        self.responses = responses
        self.requests: list[HttpRequest] = []

    def __call__(self, request: HttpRequest) -> HttpResponse:
        self.requests.append(request)
        item = self.responses.pop(0)
        if isinstance(item, Exception):
            raise item
        return item


EM_BODY = json.dumps(
    {
        "zone": "DE",
        "data": [
            {"datetime": "2024-01-01T00:00:00.000Z", "carbonIntensity": 300},
            {"datetime": "2024-01-01T01:00:00.000Z", "carbonIntensity": 200},
        ],
    }
).encode()


def test_electricitymaps_key_in_header_only_and_cached(tmp_path: Path) -> None:
    transport = Recorder([HttpResponse(status=200, body=EM_BODY)])
    cache = ResponseCache(tmp_path / "cache")
    client = ElectricityMapsClient(env={"ELECTRICITYMAPS_API_KEY": KEY}, transport=transport, cache=cache)
    s = client.series("DE", START, END)
    assert s.values_g_per_kwh.tolist() == [300.0, 200.0]
    assert s.resolution_s == 3600.0
    assert transport.requests[0].headers["auth-token"] == KEY
    assert KEY not in transport.requests[0].url
    # second call is served from the cache: no new request
    assert client.series("DE", START, END).values_g_per_kwh.tolist() == [300.0, 200.0]
    assert len(transport.requests) == 1
    for f in (tmp_path / "cache").iterdir():
        assert KEY not in f.name
        assert KEY.encode() not in f.read_bytes()


def test_retries_are_bounded_and_errors_hide_the_key(caplog: pytest.LogCaptureFixture) -> None:
    sleeps: list[float] = []
    transport = Recorder(
        [
            IntensityError("cannot reach x"),
            HttpResponse(status=503, body=b""),
            HttpResponse(status=503, body=KEY.encode()),
        ]
    )
    client = ElectricityMapsClient(api_key=KEY, transport=transport, retries=2, sleep=sleeps.append)
    with caplog.at_level("DEBUG"), pytest.raises(IntensityError) as info:
        client.series("DE", START, END)
    assert "3 attempt(s): HTTP 503" in str(info.value)
    assert len(transport.requests) == 3 and sleeps == [1.0, 2.0]
    assert KEY not in str(info.value) and KEY not in caplog.text


def test_no_retry_on_auth_failure() -> None:
    transport = Recorder([HttpResponse(status=401, body=b"")])
    with pytest.raises(IntensityError, match="HTTP 401"):
        ElectricityMapsClient(api_key=KEY, transport=transport, sleep=lambda s: None).series("DE", START, END)
    assert len(transport.requests) == 1


def test_missing_key_is_explained() -> None:
    with pytest.raises(IntensityError, match="ELECTRICITYMAPS_API_KEY"):
        ElectricityMapsClient(env={}, transport=Recorder([])).series("DE", START, END)


def test_uk_api_prefers_actual_over_forecast() -> None:
    body = {
        "data": [
            {
                "from": "2024-01-01T00:00Z",
                "to": "2024-01-01T00:30Z",
                "intensity": {"forecast": 100, "actual": 110},
            },
            {
                "from": "2024-01-01T00:30Z",
                "to": "2024-01-01T01:00Z",
                "intensity": {"forecast": 120, "actual": None},
            },
        ]
    }
    transport = Recorder([HttpResponse(status=200, body=json.dumps(body).encode())])
    s = UKCarbonIntensityClient(transport=transport).series("GB", START, END)
    assert s.values_g_per_kwh.tolist() == [110.0, 120.0]
    assert s.resolution_s == 1800.0
    assert transport.requests[0].url.endswith("/intensity/2024-01-01T00:00:00Z/2024-01-01T02:00:00Z")
    with pytest.raises(UnknownNameError):
        UKCarbonIntensityClient(transport=transport).series("DE", START, END)


def test_watttime_marginal_in_g_per_kwh() -> None:
    login = HttpResponse(status=200, body=b'{"token": "tok-999"}')
    data = {
        "data": [
            {"point_time": "2024-01-01T00:00:00+00:00", "value": 1000.0},
            {"point_time": "2024-01-01T00:05:00+00:00", "value": 500.0},
        ]
    }
    transport = Recorder([login, HttpResponse(status=200, body=json.dumps(data).encode())])
    client = WattTimeClient(
        env={"WATTTIME_USERNAME": "u", "WATTTIME_PASSWORD": "pw-secret"}, transport=transport
    )
    s = client.series("CAISO_NORTH", START, END)
    assert s.signal == "marginal"
    assert s.values_g_per_kwh.tolist() == pytest.approx([453.59237, 226.796185])
    assert transport.requests[1].headers["Authorization"] == "Bearer tok-999"
    assert all("pw-secret" not in r.url for r in transport.requests)


def test_fallback_is_visible() -> None:
    failing = ElectricityMapsClient(env={}, transport=Recorder([]))
    source = FallbackSource(failing, annual_g_per_kwh=381.0, annual_source="OWID/Ember 2023 DE")
    s = source.series("DE", START, END)
    assert s.values_g_per_kwh.tolist() == [381.0]
    assert s.fallback_reason is not None and "OWID/Ember 2023 DE" in s.fallback_reason
    assert s.mean_over([START.timestamp()], [END.timestamp()])[0].tolist() == [381.0]


@pytest.fixture
def server() -> Iterator[str]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            ok = self.headers.get("auth-token") == KEY
            self.send_response(200 if ok else 401)
            self.end_headers()
            self.wfile.write(EM_BODY if ok else b"{}")

        def log_message(self, *args: object) -> None:
            pass

    httpd = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    thread.join(timeout=5)
    httpd.server_close()


def test_urllib_transport_against_loopback_server(server: str) -> None:
    client = ElectricityMapsClient(api_key=KEY, base_url=server, transport=urllib_transport, timeout_s=5)
    assert client.series("DE", START, END).values_g_per_kwh.tolist() == [300.0, 200.0]
    bad = ElectricityMapsClient(api_key="wrong", base_url=server, transport=urllib_transport, timeout_s=5)
    with pytest.raises(IntensityError, match="HTTP 401"):
        bad.series("DE", START, END)


def test_unreachable_host_is_an_intensity_error() -> None:
    with pytest.raises(IntensityError, match="cannot reach"):
        urllib_transport(HttpRequest(url="http://127.0.0.1:9/", timeout_s=2))
